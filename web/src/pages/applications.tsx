import { useState } from "react";
import { api, ApiError } from "../api";
import { fmtDate, fmtDateTime, pick, t } from "../i18n";
import { loadRules, titleOf } from "../reference";
import { Link, navigate } from "../router";
import { Empty, ErrorBox, Loading, Notice, StatusBadge, useAsync } from "../ui";

export function ApplicationsPage() {
  const rules = useAsync(loadRules, []);
  const { data, error, loading, reload } = useAsync(() => api.get("/applications/mine"), []);
  return (
    <div>
      <div className="page-head">
        <h1>{t("nav.applications")}</h1>
        <Link to="/teacher/applications/new" className="btn btn-primary" data-testid="new-application">
          + {t("apps.create")}
        </Link>
      </div>
      <ErrorBox error={error} onRetry={reload} />
      {loading && !data ? <Loading /> : null}
      {data && data.length === 0 && <Empty>{t("apps.emptyMine")}</Empty>}
      {data && data.length > 0 && (
        <table className="list" data-testid="my-applications">
          <thead>
            <tr>
              <th>{t("app.category")}</th>
              <th>{t("common.status")}</th>
              <th>{t("app.created")}</th>
              <th>{t("app.updated")}</th>
            </tr>
          </thead>
          <tbody>
            {data.map((a: any) => (
              <tr key={a.id}>
                <td data-label={t("app.category")}>
                  <Link to={`/applications/${a.id}`}>{titleOf(rules.data?.categories, a.target_category)}</Link>
                </td>
                <td data-label={t("common.status")}>
                  <StatusBadge status={a.status} />
                </td>
                <td data-label={t("app.created")}>{fmtDateTime(a.created_at)}</td>
                <td data-label={t("app.updated")}>{fmtDateTime(a.updated_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function NewApplicationPage() {
  const rules = useAsync(() => Promise.all([loadRules(), api.get("/rules/acknowledgement")]), []);
  const [category, setCategory] = useState("");
  const [achievements, setAchievements] = useState("");
  const [check, setCheck] = useState<any>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [checkedFor, setCheckedFor] = useState("");
  if (rules.loading && !rules.data) return <Loading />;
  if (rules.error) return <ErrorBox error={rules.error} onRetry={rules.reload} />;
  const [edition, ack] = rules.data!;
  const cats = (edition.categories ?? []).filter((c: any) => c.attestable);
  const q = { target_category: category, declared_achievements: achievements || undefined };
  const doCheck = async (c: string) => {
    const key = `${c}|${achievements}`;
    if (c !== category) setCheck(null);
    setCategory(c);
    setError(null);
    if (!c || key === checkedFor) return;
    try {
      // the previous answer stays on screen until the new one arrives (no layout jump)
      setCheck(await api.get("/applications/eligibility", { ...q, target_category: c }));
      setCheckedFor(key);
    } catch (e) {
      setError(e);
    }
  };
  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      const app = await api.post("/applications", { target_category: category, declared_achievements: achievements ? Number(achievements) : null });
      navigate(`/applications/${app.id}`);
    } catch (e) {
      setError(e);
      if (e instanceof ApiError && Array.isArray((e.details as any)?.reasons)) setCheck({ eligible: false, reasons: (e.details as any).reasons });
    } finally {
      setBusy(false);
    }
  };
  return (
    <div>
      <h1>{t("apps.new")}</h1>
      {!ack.acknowledged && (
        <Notice kind="warn">
          {t("apps.needAck")} <Link to="/teacher/rules">{t("nav.rules")}</Link>
        </Notice>
      )}
      <div className="card">
        <label className="field">
          <span className="field-label">{t("apps.target")}</span>
          <select name="target_category" value={category} onChange={(e) => doCheck(e.target.value)}>
            <option value="">—</option>
            {cats.map((c: any) => (
              <option key={c.code} value={c.code}>
                {pick(c)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">{t("apps.achievements")}</span>
          <input type="number" name="declared_achievements" min={0} value={achievements} onChange={(e) => setAchievements(e.target.value)} onBlur={() => category && doCheck(category)} />
          <span className="field-hint">{t("apps.achievementsHint")}</span>
        </label>
        {check && <Eligibility check={check} />}
        <ErrorBox error={error} />
        <button type="button" className="btn btn-primary" disabled={!category || busy || (check && !check.eligible)} onClick={create} data-testid="create-application">
          {busy ? t("common.loading") : t("apps.create")}
        </button>
      </div>
    </div>
  );
}

function Eligibility({ check }: { check: any }) {
  return (
    <div data-testid="eligibility">
      {check.eligible ? (
        <Notice kind="ok">{check.early ? t("apps.eligibleEarly") : t("apps.eligible")}</Notice>
      ) : (
        <div className="alert alert-error">
          {t("apps.notEligible")}
          <ul>
            {(check.reasons ?? []).map((r: any, i: number) => (
              <li key={i}>{r.message}</li>
            ))}
          </ul>
        </div>
      )}
      {(check.warnings ?? []).length > 0 && (
        <div className="alert alert-warn">
          <ul>
            {check.warnings.map((r: any, i: number) => (
              <li key={i}>{r.message}</li>
            ))}
          </ul>
        </div>
      )}
      {check.form && Object.keys(check.form).length > 0 && (
        <div className="card">
          <h3>{t("apps.form")}</h3>
          <FormView form={check.form} />
        </div>
      )}
    </div>
  );
}

const FORM_KEYS = [
  "full_name",
  "iin",
  "position",
  "subjects",
  "organization_name",
  "organization_bin",
  "email",
  "phone",
  "experience_years",
  "total_experience_years",
  "teaching_experience_years",
  "current_category",
  "current_category_valid_until",
  "target_category",
];
const DATE_KEYS = ["current_category_valid_until", "category_order_date"];
const CATEGORY_KEYS = ["current_category", "target_category"];

/** The application's form snapshot: known fields with their labels, values in local formats. */
export function FormView({ form }: { form: Record<string, any> }) {
  const rules = useAsync(loadRules, []);
  const show = (k: string, v: any): string => {
    if (Array.isArray(v)) return v.join(", ");
    if (CATEGORY_KEYS.includes(k)) return titleOf(rules.data?.categories, v);
    if (DATE_KEYS.includes(k)) return fmtDate(v);
    return String(v);
  };
  return (
    <dl className="kv" data-testid="form-view">
      {FORM_KEYS.filter((k) => form[k] !== null && form[k] !== undefined && form[k] !== "").map((k) => [
        <dt key={`t-${k}`}>{t(`form.${k}`)}</dt>,
        <dd key={`d-${k}`}>{show(k, form[k])}</dd>,
      ])}
    </dl>
  );
}
