import { t } from "../i18n";
import { Notice } from "../ui";
export function ApplicationPage({ id }: { id: string }) { return <Notice>{t("common.loading")} {id}</Notice>; }
