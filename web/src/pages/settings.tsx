import { useEffect, useState } from "react";
import { api, ApiError } from "../api";
import { pick, t } from "../i18n";
import { loadReference } from "../reference";
import { ErrorBox, Field, Loading, Notice, ReferenceOptions, useAsync } from "../ui";

const FIELDS = ["name_ru", "name_kk", "type", "region", "district", "address", "phone", "email", "website"] as const;

export function SettingsPage() {
  const { data, error, loading, reload } = useAsync(
    () => Promise.all([api.get("/organization"), loadReference(), api.get("/staff", { role: "director", per_page: 100 }).catch(() => null), api.get("/staff", { per_page: 100 }).catch(() => null)]),
    [],
  );
  if (loading && !data) return <Loading />;
  if (error) return <ErrorBox error={error} onRetry={reload} />;
  const [org, ref, , staff] = data!;
  return (
    <div>
      <h1>{t("nav.settings")}</h1>
      <OrgForm org={org} reference={ref} staff={staff?.items ?? []} onSaved={reload} />
      <AttestationSettings org={org} reference={ref} />
    </div>
  );
}

function OrgForm({ org, reference, staff, onSaved }: { org: any; reference: any; staff: any[]; onSaved: () => void }) {
  const [form, setForm] = useState<Record<string, string>>({});
  const [director, setDirector] = useState<string>(org.director?.user_id ?? "");
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const f: Record<string, string> = {};
    for (const k of FIELDS) f[k] = org[k] ?? "";
    setForm(f);
    setDirector(org.director?.user_id ?? "");
  }, [org]);
  const fieldErrors = error instanceof ApiError ? error.fieldErrors() : {};
  const set = (k: string) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => {
    setForm({ ...form, [k]: e.target.value });
    setSaved(false);
  };
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, unknown> = {};
      for (const k of FIELDS) {
        const v = form[k]?.trim() ?? "";
        if (v !== (org[k] ?? "")) body[k] = v === "" && ["district", "phone", "email", "website"].includes(k) ? null : v;
      }
      if (director !== (org.director?.user_id ?? "")) body.director_user_id = director || null;
      await api.patch("/organization", body);
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const input = (k: string, label: string, type = "text") => (
    <Field label={label} error={fieldErrors[k]}>
      <input name={k} type={type} value={form[k] ?? ""} onChange={set(k)} />
    </Field>
  );
  return (
    <form className="card" onSubmit={submit} data-testid="org-form">
      <h2>{t("settings.org")}</h2>
      <p className="muted">
        {t("settings.bin")}: <b>{org.bin}</b>
      </p>
      <div className="grid2">
        {input("name_ru", t("settings.nameRu"))}
        {input("name_kk", t("settings.nameKk"))}
        <Field label={t("settings.type")} error={fieldErrors.type}>
          <select name="type" value={form.type ?? ""} onChange={set("type")}>
            <ReferenceOptions items={reference.organization_types} />
          </select>
        </Field>
        <Field label={t("settings.region")} error={fieldErrors.region}>
          <select name="region" value={form.region ?? ""} onChange={set("region")}>
            <ReferenceOptions items={reference.regions} />
          </select>
        </Field>
        {input("district", t("settings.district"))}
        {input("address", t("settings.address"))}
        {input("phone", t("settings.phone"), "tel")}
        {input("email", t("settings.email"), "email")}
        {input("website", t("settings.website"))}
        <Field label={t("settings.director")} error={fieldErrors.director_user_id}>
          <select name="director" value={director} onChange={(e) => (setDirector(e.target.value), setSaved(false))}>
            <option value="">—</option>
            {staff.map((s) => (
              <option key={s.user_id} value={s.user_id}>
                {s.full_name}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <ErrorBox error={error} />
      {saved && <Notice kind="ok">{t("common.saved")}</Notice>}
      <button className="btn btn-primary" type="submit" disabled={busy}>
        {busy ? t("common.loading") : t("common.save")}
      </button>
    </form>
  );
}

function AttestationSettings({ org, reference }: { org: any; reference: any }) {
  const settings = org.attestation_settings ?? {};
  const [chosen, setChosen] = useState<string[]>(settings.commission_categories ?? []);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const allowed: string[] = settings.allowed_commission_categories ?? [];
  const cats = (reference.categories ?? []).filter((c: any) => allowed.length === 0 || allowed.includes(c.code));
  const save = async () => {
    setError(null);
    setSaved(false);
    try {
      await api.put("/organization/attestation-settings", { commission_categories: chosen });
      setSaved(true);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div className="card" data-testid="attestation-settings">
      <h2>{t("settings.attestation")}</h2>
      <p className="muted">{t("settings.attestationHint")}</p>
      {cats.map((c: any) => (
        <label key={c.code} className="check">
          <input
            type="checkbox"
            name={`commission-${c.code}`}
            checked={chosen.includes(c.code)}
            onChange={(e) => {
              setSaved(false);
              setChosen(e.target.checked ? [...chosen, c.code] : chosen.filter((x) => x !== c.code));
            }}
          />
          <span>{pick(c)}</span>
        </label>
      ))}
      <ErrorBox error={error} />
      {saved && <Notice kind="ok">{t("common.saved")}</Notice>}
      <button type="button" className="btn btn-primary" onClick={save}>
        {t("common.save")}
      </button>
    </div>
  );
}
