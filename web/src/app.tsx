import { useEffect, useState, type ReactNode } from "react";
import { getSession, logout, onSessionChange, setOnSessionExpired } from "./api";
import { setLang, t, useLang } from "./i18n";
import { clearMe, hasRole, loadMe, useMe } from "./me";
import { currentPath, Link, match, navigate, useLocation } from "./router";
import { ErrorBox, Loading } from "./ui";
import { LoginPage } from "./pages/login";
import { HomePage } from "./pages/home";
import { NotificationsPage, useUnreadCount } from "./pages/notifications";
import { SettingsPage } from "./pages/settings";
import { StaffPage } from "./pages/staff";
import { OverviewPage } from "./pages/overview";
import { ProfilePage } from "./pages/profile";
import { RulesPage } from "./pages/rules";
import { ApplicationsPage, NewApplicationPage } from "./pages/applications";
import { ApplicationPage } from "./pages/application";
import { DirectorQueuePage } from "./pages/director";
import { ReviewQueuePage, ReviewPage } from "./pages/review";
import { ChangePasswordPage } from "./pages/password";
import { OrganizationsPage } from "./pages/organizations";

setOnSessionExpired(() => {
  clearMe();
  const here = currentPath();
  if (!here.startsWith("/login")) navigate(`/login?expired=1&next=${encodeURIComponent(here)}`, true);
});

interface Route {
  path: string;
  render: (p: Record<string, string>) => ReactNode;
  roles?: string[];
}

const ROUTES: Route[] = [
  { path: "/", render: () => <HomePage /> },
  { path: "/notifications", render: () => <NotificationsPage /> },
  { path: "/password", render: () => <ChangePasswordPage /> },
  { path: "/platform/organizations", render: () => <OrganizationsPage />, roles: ["platform_admin"] },
  { path: "/admin/settings", render: () => <SettingsPage />, roles: ["org_admin"] },
  { path: "/admin/staff", render: () => <StaffPage />, roles: ["org_admin"] },
  { path: "/admin/overview", render: () => <OverviewPage />, roles: ["org_admin"] },
  { path: "/teacher/profile", render: () => <ProfilePage />, roles: ["teacher"] },
  { path: "/teacher/rules", render: () => <RulesPage />, roles: ["teacher"] },
  { path: "/teacher/applications", render: () => <ApplicationsPage />, roles: ["teacher"] },
  { path: "/teacher/applications/new", render: () => <NewApplicationPage />, roles: ["teacher"] },
  { path: "/applications/:id", render: (p) => <ApplicationPage id={p.id} /> },
  { path: "/director/queue", render: () => <DirectorQueuePage />, roles: ["director"] },
  { path: "/review", render: () => <ReviewQueuePage />, roles: ["assessor", "org_admin"] },
  { path: "/review/:id", render: (p) => <ReviewPage id={p.id} />, roles: ["assessor", "org_admin"] },
];

const NAV: { to: string; key: string; roles: string[] }[] = [
  { to: "/platform/organizations", key: "nav.organizations", roles: ["platform_admin"] },
  { to: "/admin/settings", key: "nav.settings", roles: ["org_admin"] },
  { to: "/admin/staff", key: "nav.staff", roles: ["org_admin"] },
  { to: "/admin/overview", key: "nav.overview", roles: ["org_admin"] },
  { to: "/teacher/profile", key: "nav.profile", roles: ["teacher"] },
  { to: "/teacher/rules", key: "nav.rules", roles: ["teacher"] },
  { to: "/teacher/applications", key: "nav.applications", roles: ["teacher"] },
  { to: "/director/queue", key: "nav.signing", roles: ["director"] },
  { to: "/review", key: "nav.review", roles: ["assessor", "org_admin"] },
];

export function App() {
  useLang();
  const loc = useLocation();
  const [signedIn, setSignedIn] = useState(!!getSession());
  useEffect(() => {
    const off = onSessionChange(() => setSignedIn(!!getSession()));
    return () => {
      off();
    };
  }, []);

  if (loc.startsWith("/login")) return <LoginPage />;
  if (!signedIn) {
    // not signed in: to the login page, and back here afterwards
    setTimeout(() => navigate(`/login?next=${encodeURIComponent(currentPath())}`, true));
    return null;
  }
  return <Shell path={loc} />;
}

function Shell({ path }: { path: string }) {
  const me = useMe();
  const [error, setError] = useState<unknown>(null);
  const [menuOpen, setMenuOpen] = useState(false);
  const lang = useLang();
  const unread = useUnreadCount(!!me);

  useEffect(() => {
    if (!me) loadMe().catch(setError);
  }, [me]);
  useEffect(() => setMenuOpen(false), [path]);

  if (error && !me)
    return (
      <div className="page">
        <ErrorBox error={error} onRetry={() => (setError(null), loadMe().catch(setError))} />
      </div>
    );
  if (!me) return <Loading />;

  const pathname = path.split("?")[0];
  let content: ReactNode = null;
  for (const r of ROUTES) {
    const params = match(r.path, pathname);
    if (!params) continue;
    content =
      r.roles && !hasRole(me, ...r.roles) ? <div className="alert alert-error">{t("err.403")}</div> : r.render(params);
    break;
  }
  if (content === null) content = <div className="alert alert-warn">{t("err.404")}</div>;
  if (me.must_change_password) content = <ChangePasswordPage forced />;

  const nav = NAV.filter((n) => hasRole(me, ...n.roles));
  return (
    <div className="layout">
      <header className="topbar">
        <button
          type="button"
          className="btn-icon menu-toggle"
          aria-label={t("nav.menu")}
          aria-expanded={menuOpen}
          onClick={() => setMenuOpen(!menuOpen)}
        >
          ☰
        </button>
        <Link to="/" className="brand">
          {t("app.title")}
        </Link>
        <div className="topbar-right">
          <Link to="/notifications" className="notif-link" aria-label={t("nav.notifications")} data-testid="notifications-link">
            <svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true" fill="currentColor">
              <path d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2z" />
            </svg>
            {unread > 0 && <span className="counter" data-testid="unread-count">{unread}</span>}
          </Link>
          <div className="lang-switch" role="group" aria-label={t("lang.switch")}>
            <button type="button" className={lang === "ru" ? "active" : ""} onClick={() => setLang("ru")} data-testid="lang-ru">
              {t("lang.ru")}
            </button>
            <button type="button" className={lang === "kk" ? "active" : ""} onClick={() => setLang("kk")} data-testid="lang-kk">
              {t("lang.kk")}
            </button>
          </div>
        </div>
      </header>
      <nav className={`sidenav${menuOpen ? " open" : ""}`} aria-label={t("nav.menu")}>
        <div className="user-box">
          <div className="user-name" data-testid="user-name">{me.full_name}</div>
          <div className="user-roles">{me.roles.map((r) => t(`role.${r}`)).join(", ")}</div>
        </div>
        <Link to="/" className={pathname === "/" ? "active" : ""}>
          {t("nav.home")}
        </Link>
        {nav.map((n) => (
          <Link key={n.to} to={n.to} className={pathname.startsWith(n.to) ? "active" : ""}>
            {t(n.key)}
          </Link>
        ))}
        <Link to="/notifications" className={pathname === "/notifications" ? "active" : ""}>
          {t("nav.notifications")} {unread > 0 ? `(${unread})` : ""}
        </Link>
        <Link to="/password" className={pathname === "/password" ? "active" : ""}>
          {t("nav.password")}
        </Link>
        <button
          type="button"
          className="btn-link logout"
          data-testid="logout"
          onClick={async () => {
            await logout();
            clearMe();
            navigate("/login", true);
          }}
        >
          {t("nav.logout")}
        </button>
      </nav>
      <main className="page">{content}</main>
    </div>
  );
}
