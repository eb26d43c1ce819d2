import { useEffect, useState } from "react";
import { api, ApiError } from "../api";
import { fmtDate, t } from "../i18n";
import { loadReference } from "../reference";
import { ErrorBox, Field, Loading, Notice, ReferenceOptions, useAsync } from "../ui";

export function ProfilePage() {
  const { data, error, loading, reload } = useAsync(() => Promise.all([api.get("/profile"), loadReference()]), []);
  if (loading && !data) return <Loading />;
  if (error) return <ErrorBox error={error} onRetry={reload} />;
  const [profile, ref] = data!;
  return <ProfileForm profile={profile} reference={ref} onSaved={reload} />;
}

function ProfileForm({ profile, reference, onSaved }: { profile: any; reference: any; onSaved: () => void }) {
  const init = () => ({
    position_code: profile.position_code ?? "",
    subjects: (profile.subjects ?? []).join(", "),
    total_experience_years: profile.total_experience_years?.toString() ?? "",
    teaching_experience_years: profile.teaching_experience_years?.toString() ?? "",
    category_code: profile.category_code ?? "",
    category_order_number: profile.category_order_number ?? "",
    category_order_date: profile.category_order_date ?? "",
    category_valid_until: profile.category_valid_until ?? "",
    phone: profile.phone ?? "",
  });
  const [f, setF] = useState<Record<string, string>>(init);
  const [edu, setEdu] = useState<any[]>(profile.education ?? []);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => setF(init()), [profile]); // eslint-disable-line react-hooks/exhaustive-deps
  const fe = error instanceof ApiError ? error.fieldErrors() : {};
  const set = (k: string) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => {
    setF({ ...f, [k]: e.target.value });
    setSaved(false);
  };
  const num = (v: string) => (v.trim() === "" ? null : Number(v));
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.patch("/profile", {
        position_code: f.position_code || null,
        subjects: f.subjects
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
        total_experience_years: num(f.total_experience_years),
        teaching_experience_years: num(f.teaching_experience_years),
        category_code: f.category_code || null,
        category_order_number: f.category_order_number || null,
        category_order_date: f.category_order_date || null,
        category_valid_until: f.category_valid_until || null,
        phone: f.phone || null,
        education: edu.filter((x) => x.institution?.trim()).map((x) => ({
          institution: x.institution,
          specialty: x.specialty || null,
          qualification: x.qualification || null,
          graduation_year: x.graduation_year ? Number(x.graduation_year) : null,
          diploma_number: x.diploma_number || null,
        })),
      });
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} data-testid="profile-form">
      <h1>{t("nav.profile")}</h1>
      <div className="card">
        <p>
          <b>{profile.full_name}</b> · {t("staff.iin")} {profile.iin}
          {profile.email ? ` · ${profile.email}` : ""}
        </p>
        <div className="grid2">
          <Field label={t("profile.position")} error={fe.position_code}>
            <select name="position_code" value={f.position_code} onChange={set("position_code")}>
              <option value="">—</option>
              <ReferenceOptions items={reference.positions} />
            </select>
          </Field>
          <Field label={t("profile.subjects")} error={fe.subjects} hint={t("profile.subjectsHint")}>
            <input name="subjects" value={f.subjects} onChange={set("subjects")} />
          </Field>
          <Field label={t("profile.totalExp")} error={fe.total_experience_years}>
            <input name="total_experience_years" type="number" min={0} max={70} value={f.total_experience_years} onChange={set("total_experience_years")} />
          </Field>
          <Field label={t("profile.teachingExp")} error={fe.teaching_experience_years}>
            <input name="teaching_experience_years" type="number" min={0} max={70} value={f.teaching_experience_years} onChange={set("teaching_experience_years")} />
          </Field>
          <Field label={t("settings.phone")} error={fe.phone}>
            <input name="phone" type="tel" value={f.phone} onChange={set("phone")} />
          </Field>
        </div>
      </div>
      <div className="card">
        <h2>{t("profile.category")}</h2>
        <div className="grid2">
          <Field label={t("profile.category")} error={fe.category_code}>
            <select name="category_code" value={f.category_code} onChange={set("category_code")}>
              <option value="">{t("profile.noCategory")}</option>
              <ReferenceOptions items={reference.categories} />
            </select>
          </Field>
          <Field label={t("profile.orderNumber")} error={fe.category_order_number}>
            <input name="category_order_number" value={f.category_order_number} onChange={set("category_order_number")} />
          </Field>
          <Field label={t("profile.orderDate")} error={fe.category_order_date}>
            <input name="category_order_date" type="date" value={f.category_order_date} onChange={set("category_order_date")} />
          </Field>
          <Field
            label={t("profile.validUntil")}
            error={fe.category_valid_until}
            hint={f.category_valid_until ? fmtDate(f.category_valid_until) : undefined}
          >
            <input name="category_valid_until" type="date" value={f.category_valid_until} onChange={set("category_valid_until")} />
          </Field>
        </div>
      </div>
      <div className="card">
        <h2>{t("profile.education")}</h2>
        {edu.map((x, i) => (
          <div key={i} className="grid2" style={{ borderBottom: "1px dashed var(--line)", marginBottom: "0.5rem" }}>
            {(["institution", "specialty", "qualification", "graduation_year", "diploma_number"] as const).map((k) => (
              <Field key={k} label={t(`edu.${k}`)} error={fe[`education.${i}.${k}`]}>
                <input
                  value={x[k] ?? ""}
                  type={k === "graduation_year" ? "number" : "text"}
                  onChange={(e) => {
                    const next = [...edu];
                    next[i] = { ...x, [k]: e.target.value };
                    setEdu(next);
                  }}
                />
              </Field>
            ))}
            <button type="button" className="btn-link" onClick={() => setEdu(edu.filter((_, j) => j !== i))}>
              {t("profile.removeEdu")}
            </button>
          </div>
        ))}
        <button type="button" className="btn" onClick={() => setEdu([...edu, { institution: "" }])}>
          + {t("profile.addEdu")}
        </button>
      </div>
      <ErrorBox error={error} />
      {saved && <Notice kind="ok">{t("common.saved")}</Notice>}
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {busy ? t("common.loading") : t("common.save")}
      </button>
    </form>
  );
}
