import { t } from "../i18n";
import { Notice } from "../ui";

export function StaffPage() {
  return <Notice>{t("common.loading")}</Notice>;
}
