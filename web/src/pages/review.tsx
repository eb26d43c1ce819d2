import { t } from "../i18n";
import { Notice } from "../ui";
export function ReviewQueuePage() { return <Notice>{t("common.loading")}</Notice>; }
export function ReviewPage({ id }: { id: string }) { return <Notice>{t("common.loading")} {id}</Notice>; }
