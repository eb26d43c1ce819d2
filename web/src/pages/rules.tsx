import { useState } from "react";
import { api } from "../api";
import { fmtDate, fmtDateTime, fmtNumber, pick, t } from "../i18n";
import { loadRules } from "../reference";
import { Link } from "../router";
import { ErrorBox, Loading, Notice, useAsync } from "../ui";

export function RulesPage() {
  const { data, error, loading, reload } = useAsync(() => Promise.all([loadRules(), api.get("/rules/acknowledgement")]), []);
  const [checked, setChecked] = useState(false);
  const [ackError, setAckError] = useState<unknown>(null);
  if (loading && !data) return <Loading />;
  if (error) return <ErrorBox error={error} onRetry={reload} />;
  const [rules, ack] = data!;
  return (
    <div>
      <h1>{t("nav.rules")}</h1>
      <div className="card" data-testid="rules-edition">
        <h2 style={{ marginTop: 0 }}>{pick(rules)}</h2>
        <dl className="kv">
          <dt>{t("rules.order")}</dt>
          <dd>
            № {rules.order_number} {t("rules.of")} {fmtDate(rules.order_date)}
          </dd>
          {rules.issuer_ru && (
            <>
              <dt>{t("rules.issuer")}</dt>
              <dd>{rules.issuer_ru}</dd>
            </>
          )}
          {rules.amended_by_ru && (
            <>
              <dt>{t("rules.amended")}</dt>
              <dd>{rules.amended_by_ru}</dd>
            </>
          )}
          <dt>{t("rules.effective")}</dt>
          <dd>{fmtDate(rules.effective_from)}</dd>
          <dt>{t("rules.text")}</dt>
          <dd>
            <a href={rules.url} target="_blank" rel="noreferrer">
              {rules.url}
            </a>
          </dd>
        </dl>
      </div>
      <div className="card">
        <h2 style={{ marginTop: 0 }}>{t("rules.categories")}</h2>
        <table className="list">
          <thead>
            <tr>
              <th>{t("app.category")}</th>
              <th>{t("rules.minExp")}</th>
              <th>{t("rules.test")}</th>
              <th>{t("rules.points")}</th>
            </tr>
          </thead>
          <tbody>
            {(rules.categories ?? [])
              .filter((c: any) => c.attestable)
              .map((c: any) => (
                <tr key={c.code}>
                  <td data-label={t("app.category")}>{pick(c)}</td>
                  <td data-label={t("rules.minExp")}>{c.min_experience_years != null ? t("rules.years", { n: fmtNumber(c.min_experience_years) }) : "—"}</td>
                  <td data-label={t("rules.test")}>{c.test_pass_percent != null ? `${fmtNumber(c.test_pass_percent)} %` : "—"}</td>
                  <td data-label={t("rules.points")}>{c.portfolio_points != null ? fmtNumber(c.portfolio_points) : "—"}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </div>
      <div className="card" data-testid="acknowledgement">
        {ack.acknowledged ? (
          <Notice kind="ok">
            {t("rules.acknowledged", { at: fmtDateTime(ack.acknowledged_at) })} <Link to="/teacher/applications/new">{t("apps.create")}</Link>
          </Notice>
        ) : (
          <>
            <label className="check">
              <input type="checkbox" name="ack" checked={checked} onChange={(e) => setChecked(e.target.checked)} />
              <span>{t("rules.ackText")}</span>
            </label>
            <ErrorBox error={ackError} />
            <button
              type="button"
              className="btn btn-primary"
              disabled={!checked}
              data-testid="acknowledge"
              onClick={async () => {
                setAckError(null);
                try {
                  await api.post("/rules/acknowledgement", { edition_code: rules.code });
                  reload();
                } catch (e) {
                  setAckError(e);
                }
              }}
            >
              {t("rules.ack")}
            </button>
          </>
        )}
      </div>
    </div>
  );
}
