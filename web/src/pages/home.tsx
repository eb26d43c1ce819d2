import { api } from "../api";
import { fmtDateTime, t } from "../i18n";
import { hasRole, useMe } from "../me";
import { Link } from "../router";
import { loadRules, titleOf } from "../reference";
import { Notice, StatusBadge, useAsync } from "../ui";

const CARDS: { to: string; key: string; desc: string; roles: string[] }[] = [
  { to: "/platform/organizations", key: "nav.organizations", desc: "home.orgsDesc", roles: ["platform_admin"] },
  { to: "/admin/settings", key: "nav.settings", desc: "home.settingsDesc", roles: ["org_admin"] },
  { to: "/admin/staff", key: "nav.staff", desc: "home.staffDesc", roles: ["org_admin"] },
  { to: "/admin/overview", key: "nav.overview", desc: "home.overviewDesc", roles: ["org_admin"] },
  { to: "/teacher/profile", key: "nav.profile", desc: "home.profileDesc", roles: ["teacher"] },
  { to: "/teacher/rules", key: "nav.rules", desc: "home.rulesDesc", roles: ["teacher"] },
  { to: "/teacher/applications", key: "nav.applications", desc: "home.applicationsDesc", roles: ["teacher"] },
  { to: "/director/queue", key: "nav.signing", desc: "home.signingDesc", roles: ["director"] },
  { to: "/review", key: "nav.review", desc: "home.reviewDesc", roles: ["assessor"] },
];

export function HomePage() {
  const me = useMe()!;
  const cards = CARDS.filter((c) => hasRole(me, ...c.roles));
  const org = me.memberships.find((m) => m.organization_id === me.organization_id);
  return (
    <div>
      <h1>{t("home.hello", { name: me.full_name })}</h1>
      {org?.organization_name && (
        <p className="muted">
          {t("home.org")}: {org.organization_name}
        </p>
      )}
      {cards.length === 0 && <Notice kind="warn">{t("home.noRoles")}</Notice>}
      {hasRole(me, "teacher") && <MyApplications />}
      <div className="cards">
        {cards.map((c) => (
          <Link key={c.to} to={c.to} className="card card-link">
            <h3>{t(c.key)}</h3>
            <p className="muted">{t(c.desc)}</p>
          </Link>
        ))}
      </div>
    </div>
  );
}

function MyApplications() {
  const rules = useAsync(loadRules, []);
  const { data } = useAsync(() => api.get("/applications/mine"), []);
  if (!data || data.length === 0) return null;
  return (
    <div className="card" data-testid="home-applications">
      <h2 style={{ marginTop: 0 }}>{t("nav.applications")}</h2>
      {data.slice(0, 3).map((a: any) => (
        <div key={a.id} className="row" style={{ justifyContent: "space-between", marginBottom: "0.3rem" }}>
          <Link to={`/applications/${a.id}`}>{titleOf(rules.data?.categories, a.target_category)}</Link>
          <span>
            <StatusBadge status={a.status} /> <span className="muted small">{fmtDateTime(a.updated_at)}</span>
          </span>
        </div>
      ))}
    </div>
  );
}
