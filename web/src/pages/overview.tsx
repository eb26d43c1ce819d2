import { t } from "../i18n";
import { Notice } from "../ui";

export function OverviewPage() {
  return <Notice>{t("common.loading")}</Notice>;
}
