import { t } from "../i18n";
import { Notice } from "../ui";

export function SettingsPage() {
  return <Notice>{t("common.loading")}</Notice>;
}
