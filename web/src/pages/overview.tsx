import { useState } from "react";
import { api } from "../api";
import { fmtDate, fmtDateTime, fmtNumber, t } from "../i18n";
import { loadReference, titleOf } from "../reference";
import { Link } from "../router";
import { ActionButton, Empty, ErrorBox, Loading, ReferenceOptions, StatusBadge, useAsync } from "../ui";

export const STATUSES = [
  "draft",
  "submitted",
  "under_review",
  "returned_for_rework",
  "accepted",
  "sent_to_state_service",
  "state_accepted",
  "state_refused",
  "withdrawn",
];

export function OverviewPage() {
  const [status, setStatus] = useState("");
  const [category, setCategory] = useState("");
  const [cursor, setCursor] = useState<string | null>(null);
  const ref = useAsync(loadReference, []);
  const list = useAsync(() => api.get("/applications", { status, target_category: category, cursor, limit: 20 }), [status, category, cursor]);
  return (
    <div>
      <h1>{t("nav.overview")}</h1>
      {list.data?.counts && (
        <div className="stats" data-testid="status-counts">
          {STATUSES.filter((s) => list.data.counts[s]).map((s) => (
            <button type="button" key={s} className="stat btn-link" style={{ textDecoration: "none", textAlign: "left" }} onClick={() => (setStatus(s), setCursor(null))}>
              <div className="stat-n">{fmtNumber(list.data.counts[s])}</div>
              <StatusBadge status={s} />
            </button>
          ))}
        </div>
      )}
      <div className="filters">
        <select aria-label={t("common.status")} value={status} onChange={(e) => (setStatus(e.target.value), setCursor(null))}>
          <option value="">{t("overview.anyStatus")}</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`status.${s}`)}
            </option>
          ))}
        </select>
        <select aria-label={t("app.category")} value={category} onChange={(e) => (setCategory(e.target.value), setCursor(null))}>
          <option value="">{t("overview.anyCategory")}</option>
          <ReferenceOptions items={ref.data?.categories} />
        </select>
      </div>
      <ErrorBox error={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? <Loading /> : null}
      {list.data && list.data.items.length === 0 && <Empty>{t("apps.empty")}</Empty>}
      {list.data && list.data.items.length > 0 && (
        <table className="list">
          <thead>
            <tr>
              <th>{t("app.teacher")}</th>
              <th>{t("app.category")}</th>
              <th>{t("common.status")}</th>
              <th>{t("app.updated")}</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((a: any) => (
              <tr key={a.id}>
                <td data-label={t("app.teacher")}>
                  <Link to={`/applications/${a.id}`}>{a.teacher_name}</Link>
                </td>
                <td data-label={t("app.category")}>{titleOf(ref.data?.categories, a.target_category)}</td>
                <td data-label={t("common.status")}>
                  <StatusBadge status={a.status} />
                </td>
                <td data-label={t("app.updated")}>{fmtDateTime(a.updated_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.data?.next_cursor && (
        <button type="button" className="btn" style={{ marginTop: "0.5rem" }} onClick={() => setCursor(list.data.next_cursor)}>
          {t("common.more")}
        </button>
      )}
      <Expiring categories={ref.data?.categories} />
      <Deliveries />
    </div>
  );
}

function Expiring({ categories }: { categories?: any[] }) {
  const { data, error } = useAsync(() => api.get("/staff", { role: "teacher", active: true, per_page: 100 }), []);
  const limit = new Date();
  limit.setFullYear(limit.getFullYear() + 1);
  const rows = (data?.items ?? [])
    .filter((s: any) => s.category_valid_until && new Date(s.category_valid_until) <= limit)
    .sort((a: any, b: any) => String(a.category_valid_until).localeCompare(String(b.category_valid_until)));
  return (
    <div className="card" style={{ marginTop: "1rem" }} data-testid="expiring">
      <h2>{t("overview.expiring")}</h2>
      <ErrorBox error={error} />
      {data && rows.length === 0 && <Empty>{t("overview.noneExpiring")}</Empty>}
      {rows.length > 0 && (
        <table className="list">
          <thead>
            <tr>
              <th>{t("staff.name")}</th>
              <th>{t("profile.category")}</th>
              <th>{t("profile.validUntil")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((s: any) => (
              <tr key={s.user_id}>
                <td data-label={t("staff.name")}>{s.full_name}</td>
                <td data-label={t("profile.category")}>{s.category_title ?? titleOf(categories, s.category_code)}</td>
                <td data-label={t("profile.validUntil")} className={new Date(s.category_valid_until) < new Date() ? "err-text" : "warn-text"}>
                  {fmtDate(s.category_valid_until)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function Deliveries() {
  const { data, error, reload } = useAsync(() => api.get("/state-deliveries", { limit: 20 }), []);
  return (
    <div className="card" data-testid="deliveries">
      <h2>{t("overview.deliveries")}</h2>
      <ErrorBox error={error} />
      {!data && !error && <Loading />}
      {data && data.items.length === 0 && <Empty />}
      {data && data.items.length > 0 && (
        <table className="list">
          <thead>
            <tr>
              <th>{t("overview.application")}</th>
              <th>{t("common.status")}</th>
              <th>{t("overview.attempts")}</th>
              <th>{t("overview.due")}</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((d: any) => (
              <tr key={d.id}>
                <td data-label={t("overview.application")}>
                  <Link to={`/applications/${d.application_id}`}>№ {d.submission_number}</Link>
                </td>
                <td data-label={t("common.status")}>
                  {t(`delivery.${d.state}`)}
                  {d.last_error ? <div className="small err-text">{d.last_error}</div> : null}
                </td>
                <td data-label={t("overview.attempts")}>{fmtNumber(d.attempts)}</td>
                <td data-label={t("overview.due")} className={d.overdue ? "err-text" : ""}>
                  {fmtDateTime(d.due_at)} {d.overdue ? `(${t("overview.overdue")})` : ""}
                </td>
                <td>
                  {d.state === "failed" && (
                    <ActionButton onClick={async () => (await api.post(`/state-deliveries/${d.id}/resend`), reload())}>
                      {t("overview.resend")}
                    </ActionButton>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
