import { useState } from "react";
import { api, ApiError, setSession } from "../api";
import { t } from "../i18n";
import { loadMe } from "../me";
import { ErrorBox, Field, Notice } from "../ui";

/** Change the password; forced after an administrator's reset or a temporary password. */
export function ChangePasswordPage({ forced }: { forced?: boolean }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const fe = error instanceof ApiError ? error.fieldErrors() : {};
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    if (next !== repeat) {
      setError({ message: t("pwd.mismatch"), userFacing: true });
      return;
    }
    try {
      const tokens = await api.post("/auth/change-password", { current_password: current, new_password: next });
      setSession({
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token,
        expires_at: Date.now() + (Number(tokens.expires_in) || 300) * 1000,
      });
      setDone(true);
      await loadMe();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="card" style={{ maxWidth: 480 }} onSubmit={submit} data-testid="change-password">
      <h1>{t("pwd.title")}</h1>
      {forced && <Notice kind="warn">{t("pwd.forced")}</Notice>}
      <Field label={t("pwd.current")} error={fe.current_password}>
        <input name="current_password" type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />
      </Field>
      <Field label={t("pwd.new")} error={fe.new_password}>
        <input name="new_password" type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} />
      </Field>
      <Field label={t("pwd.repeat")}>
        <input name="repeat_password" type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} />
      </Field>
      <ErrorBox error={error} />
      {done && <Notice kind="ok">{t("pwd.done")}</Notice>}
      <button type="submit" className="btn btn-primary" disabled={!current || !next}>
        {t("common.save")}
      </button>
    </form>
  );
}
