import { t } from "../i18n";
import { Notice } from "../ui";

export function RulesPage() {
  return <Notice>{t("common.loading")}</Notice>;
}
