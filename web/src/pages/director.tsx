import { t } from "../i18n";
import { Notice } from "../ui";

export function DirectorQueuePage() {
  return <Notice>{t("common.loading")}</Notice>;
}
