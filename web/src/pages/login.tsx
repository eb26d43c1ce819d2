import { useState } from "react";
import { login } from "../api";
import { setLang, t, useLang } from "../i18n";
import { clearMe } from "../me";
import { navigate, queryParam } from "../router";
import { ErrorBox, Field, Notice } from "../ui";

export function LoginPage() {
  const lang = useLang();
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const expired = queryParam("expired") === "1";

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(name.trim(), password);
      clearMe();
      const next = queryParam("next");
      navigate(next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/login") ? next : "/", true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="login-page">
      <form className="card login-card" onSubmit={submit} noValidate>
        <div className="login-head">
          <h1>{t("app.title")}</h1>
          <div className="lang-switch" role="group" aria-label={t("lang.switch")}>
            <button type="button" className={lang === "ru" ? "active" : ""} onClick={() => setLang("ru")}>
              {t("lang.ru")}
            </button>
            <button type="button" className={lang === "kk" ? "active" : ""} onClick={() => setLang("kk")}>
              {t("lang.kk")}
            </button>
          </div>
        </div>
        <h2>{t("login.title")}</h2>
        {expired && <Notice kind="warn">{t("login.expired")}</Notice>}
        <Field label={t("login.login")}>
          <input
            name="login"
            autoComplete="username"
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
            autoFocus
          />
        </Field>
        <Field label={t("login.password")}>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </Field>
        <ErrorBox error={error} />
        <button type="submit" className="btn btn-primary wide" disabled={busy || !name || !password}>
          {busy ? t("common.loading") : t("login.submit")}
        </button>
        <p className="muted small">{t("login.hint")}</p>
      </form>
    </div>
  );
}
