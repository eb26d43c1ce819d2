import { useState } from "react";
import { api } from "../api";
import { documentBase64 } from "../documents";
import { fmtDateTime, fmtSize, t } from "../i18n";
import { signCms } from "../ncalayer";
import { loadRules, titleOf } from "../reference";
import { Link } from "../router";
import { Empty, ErrorBox, Loading, Notice, StatusBadge, useAsync } from "../ui";
import { DocLink } from "./application";

export function DirectorQueuePage() {
  const rules = useAsync(loadRules, []);
  const { data, error, loading, reload } = useAsync(() => api.get("/director/queue"), []);
  const items: any[] = (data ?? []).filter((x: any) => !x.head_signed);
  return (
    <div>
      <h1>{t("director.title")}</h1>
      <p className="muted">{t("director.hint")}</p>
      <ErrorBox error={error} onRetry={reload} />
      {loading && !data ? <Loading /> : null}
      {data && items.length === 0 && <Empty>{t("director.empty")}</Empty>}
      {items.length > 0 && (
        <table className="list" data-testid="director-queue">
          <thead>
            <tr>
              <th>{t("app.teacher")}</th>
              <th>{t("director.document")}</th>
              <th>{t("director.file")}</th>
              <th>{t("common.status")}</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {items.map((x) => (
              <Row key={x.id} x={x} categories={rules.data?.categories} onSigned={reload} />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function Row({ x, categories, onSigned }: { x: any; categories?: any[]; onSigned: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const sign = async () => {
    setBusy(true);
    setError(null);
    try {
      const data = await documentBase64(x.document_id, x.document_version);
      const signature = await signCms(data, { detached: true });
      await api.post(`/director/queue/${x.id}/signature`, { signature });
      setDone(true);
      onSigned();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <tr data-testid={`scan-${x.id}`}>
      <td data-label={t("app.teacher")}>
        <Link to={`/applications/${x.application_id}`}>{x.teacher_name}</Link>
        <div className="small muted">{titleOf(categories, x.target_category)}</div>
      </td>
      <td data-label={t("director.document")}>{x.item_title_ru ?? x.item_code}</td>
      <td data-label={t("director.file")}>
        <DocLink doc={x} /> <span className="small muted">{fmtSize(x.size)}</span>
        <div className="small muted">{fmtDateTime(x.added_at)}</div>
      </td>
      <td data-label={t("common.status")}>
        <StatusBadge status={x.application_status} />
      </td>
      <td>
        {done ? (
          <Notice kind="ok">{t("app.headSigned")}</Notice>
        ) : (
          <button type="button" className="btn btn-primary" disabled={busy} onClick={sign} data-testid="sign-scan">
            {busy ? t("ncalayer.signing") : t("ncalayer.sign")}
          </button>
        )}
        <ErrorBox error={error} />
      </td>
    </tr>
  );
}
