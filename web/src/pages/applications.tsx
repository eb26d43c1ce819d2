import { t } from "../i18n";
import { Notice } from "../ui";
export function ApplicationsPage() { return <Notice>{t("common.loading")}</Notice>; }
export function NewApplicationPage() { return <Notice>{t("common.loading")}</Notice>; }
