import { useEffect, useState } from "react";
import { api } from "../api";
import { fmtDateTime, pick, t } from "../i18n";
import { Link } from "../router";
import { ActionButton, Empty, ErrorBox, Loading, useAsync } from "../ui";

// The in-app feed (applications service): GET /notifications, POST /notifications/read.
const listeners = new Set<() => void>();
export function notificationsChanged() {
  listeners.forEach((f) => f());
}

function items(data: any): any[] {
  return Array.isArray(data) ? data : (data?.items ?? []);
}

export function useUnreadCount(enabled: boolean): number {
  const [n, setN] = useState(0);
  useEffect(() => {
    if (!enabled) return;
    let stop = false;
    const load = () =>
      api
        .get("/notifications", { unread_only: true })
        .then((d) => !stop && setN(typeof d?.unread === "number" ? d.unread : items(d).length))
        .catch(() => {});
    load();
    const timer = setInterval(load, 20_000);
    listeners.add(load);
    return () => {
      stop = true;
      clearInterval(timer);
      listeners.delete(load);
    };
  }, [enabled]);
  return n;
}

export function NotificationsPage() {
  const { data, error, loading, reload } = useAsync(() => api.get("/notifications"), []);
  const list = items(data);
  return (
    <div>
      <div className="page-head">
        <h1>{t("notif.title")}</h1>
        {list.some((n) => !n.read_at && !n.read) && (
          <ActionButton
            onClick={async () => {
              await api.post("/notifications/read", {});
              reload();
              notificationsChanged();
            }}
          >
            {t("notif.markAll")}
          </ActionButton>
        )}
      </div>
      <ErrorBox error={error} onRetry={reload} />
      {loading && !data ? <Loading /> : null}
      {data && list.length === 0 && <Empty>{t("notif.empty")}</Empty>}
      <ul className="feed" data-testid="notifications">
        {list.map((n) => (
          <li key={n.id} className={n.read_at || n.read ? "read" : "unread"}>
            <div className="feed-title">{pick(n, "title") || pick(n, "text") || n.message}</div>
            {pick(n, "body") && <div className="feed-body">{pick(n, "body")}</div>}
            <div className="feed-meta">
              <span>{fmtDateTime(n.created_at)}</span>
              {n.application_id && <Link to={`/applications/${n.application_id}`}>{t("common.open")}</Link>}
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}
