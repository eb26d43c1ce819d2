import { t } from "../i18n";
import { Notice } from "../ui";

export function ProfilePage() {
  return <Notice>{t("common.loading")}</Notice>;
}
