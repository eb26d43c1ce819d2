import { useState } from "react";
import { api, ApiError } from "../api";
import { fmtDateTime, t } from "../i18n";
import { loadReference } from "../reference";
import { ActionButton, Empty, ErrorBox, Field, FormButtons, Loading, Modal, Notice, ReferenceOptions, useAsync } from "../ui";

const ROLES = ["org_admin", "teacher", "director", "assessor"];

export function StaffPage() {
  const [q, setQ] = useState("");
  const [role, setRole] = useState("");
  const [position, setPosition] = useState("");
  const [active, setActive] = useState("");
  const [page, setPage] = useState(1);
  const [editing, setEditing] = useState<any | null>(null);
  const [adding, setAdding] = useState(false);
  const [tab, setTab] = useState<"staff" | "history">("staff");
  const ref = useAsync(loadReference, []);
  const list = useAsync(
    () => api.get("/staff", { q, role, position_code: position, active, page, per_page: 20 }),
    [q, role, position, active, page],
  );
  return (
    <div>
      <div className="page-head">
        <h1>{t("nav.staff")}</h1>
        <button type="button" className="btn btn-primary" onClick={() => setAdding(true)} data-testid="add-staff">
          + {t("staff.add")}
        </button>
      </div>
      <div className="tabs" role="tablist">
        <button type="button" className={tab === "staff" ? "active" : ""} onClick={() => setTab("staff")}>
          {t("staff.list")}
        </button>
        <button type="button" className={tab === "history" ? "active" : ""} onClick={() => setTab("history")} data-testid="tab-history">
          {t("staff.history")}
        </button>
      </div>
      {tab === "history" ? (
        <RoleHistory />
      ) : (
        <>
          <div className="filters">
            <input
              type="search"
              placeholder={t("staff.search")}
              aria-label={t("staff.search")}
              value={q}
              onChange={(e) => (setQ(e.target.value), setPage(1))}
            />
            <select aria-label={t("staff.role")} value={role} onChange={(e) => (setRole(e.target.value), setPage(1))}>
              <option value="">{t("staff.anyRole")}</option>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {t(`role.${r}`)}
                </option>
              ))}
            </select>
            <select aria-label={t("profile.position")} value={position} onChange={(e) => (setPosition(e.target.value), setPage(1))}>
              <option value="">{t("staff.anyPosition")}</option>
              <ReferenceOptions items={ref.data?.positions} />
            </select>
            <select aria-label={t("common.status")} value={active} onChange={(e) => (setActive(e.target.value), setPage(1))}>
              <option value="">{t("common.all")}</option>
              <option value="true">{t("staff.active")}</option>
              <option value="false">{t("staff.inactive")}</option>
            </select>
          </div>
          <ErrorBox error={list.error} onRetry={list.reload} />
          {list.loading && !list.data ? <Loading /> : null}
          {list.data && list.data.items.length === 0 && <Empty>{t("staff.empty")}</Empty>}
          {list.data && list.data.items.length > 0 && (
            <table className="list" data-testid="staff-table">
              <thead>
                <tr>
                  <th>{t("staff.name")}</th>
                  <th>{t("staff.iin")}</th>
                  <th>{t("profile.position")}</th>
                  <th>{t("staff.roles")}</th>
                  <th>{t("common.status")}</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((s: any) => (
                  <tr key={s.user_id} data-testid={`staff-${s.iin}`}>
                    <td data-label={t("staff.name")}>{s.full_name}</td>
                    <td data-label={t("staff.iin")}>{s.iin}</td>
                    <td data-label={t("profile.position")}>{s.position_title ?? "—"}</td>
                    <td data-label={t("staff.roles")}>{(s.roles ?? []).map((r: string) => t(`role.${r}`)).join(", ") || "—"}</td>
                    <td data-label={t("common.status")}>{s.is_active ? t("staff.active") : t("staff.inactive")}</td>
                    <td>
                      <button type="button" className="btn" onClick={() => setEditing(s)}>
                        {t("common.open")}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {list.data && (list.data.pages ?? 1) > 1 && (
            <div className="row" style={{ marginTop: "0.5rem" }}>
              <button type="button" className="btn" disabled={page <= 1} onClick={() => setPage(page - 1)}>
                ←
              </button>
              <span>
                {page} / {list.data.pages}
              </span>
              <button type="button" className="btn" disabled={page >= list.data.pages} onClick={() => setPage(page + 1)}>
                →
              </button>
            </div>
          )}
        </>
      )}
      {adding && <AddStaff reference={ref.data} onClose={() => setAdding(false)} onDone={() => list.reload()} />}
      {editing && <StaffCard staff={editing} reference={ref.data} onClose={() => setEditing(null)} onChanged={list.reload} />}
    </div>
  );
}

function AddStaff({ reference, onClose, onDone }: { reference: any; onClose: () => void; onDone: () => void }) {
  const [f, setF] = useState<Record<string, string>>({ iin: "", last_name: "", first_name: "", middle_name: "", email: "", position_code: "" });
  const [roles, setRoles] = useState<string[]>(["teacher"]);
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<any>(null);
  const fe = error instanceof ApiError ? error.fieldErrors() : {};
  const set = (k: string) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => setF({ ...f, [k]: e.target.value });
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const body: Record<string, unknown> = { iin: f.iin.trim(), last_name: f.last_name.trim(), first_name: f.first_name.trim(), roles };
      if (f.middle_name.trim()) body.middle_name = f.middle_name.trim();
      if (f.email.trim()) body.email = f.email.trim();
      if (f.position_code) body.position_code = f.position_code;
      const res = await api.post("/staff", body);
      setCreated(res);
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  if (created)
    return (
      <Modal title={t("staff.add")} onClose={onClose}>
        <Notice kind="ok">{t("staff.added", { name: created.full_name })}</Notice>
        {created.temporary_password && (
          <p>
            {t("staff.tempPassword")}: <code data-testid="temp-password">{created.temporary_password}</code>
          </p>
        )}
        <button type="button" className="btn btn-primary" onClick={onClose}>
          {t("common.close")}
        </button>
      </Modal>
    );
  return (
    <Modal title={t("staff.add")} onClose={onClose}>
      <form onSubmit={submit} data-testid="add-staff-form">
        <Field label={t("staff.iin")} error={fe.iin}>
          <input name="iin" inputMode="numeric" maxLength={12} value={f.iin} onChange={set("iin")} required />
        </Field>
        <div className="grid2">
          <Field label={t("staff.lastName")} error={fe.last_name}>
            <input name="last_name" value={f.last_name} onChange={set("last_name")} required />
          </Field>
          <Field label={t("staff.firstName")} error={fe.first_name}>
            <input name="first_name" value={f.first_name} onChange={set("first_name")} required />
          </Field>
          <Field label={t("staff.middleName")} error={fe.middle_name}>
            <input name="middle_name" value={f.middle_name} onChange={set("middle_name")} />
          </Field>
          <Field label={t("settings.email")} error={fe.email}>
            <input name="email" type="email" value={f.email} onChange={set("email")} />
          </Field>
        </div>
        <Field label={t("profile.position")} error={fe.position_code}>
          <select name="position_code" value={f.position_code} onChange={set("position_code")}>
            <option value="">—</option>
            <ReferenceOptions items={reference?.positions} />
          </select>
        </Field>
        <div className="field">
          <span className="field-label">{t("staff.roles")}</span>
          {ROLES.map((r) => (
            <label className="check" key={r}>
              <input
                type="checkbox"
                checked={roles.includes(r)}
                onChange={(e) => setRoles(e.target.checked ? [...roles, r] : roles.filter((x) => x !== r))}
              />
              <span>{t(`role.${r}`)}</span>
            </label>
          ))}
        </div>
        <ErrorBox error={error} />
        <FormButtons submitLabel={t("common.add")} onCancel={onClose} />
      </form>
    </Modal>
  );
}

function StaffCard({ staff, reference, onClose, onChanged }: { staff: any; reference: any; onClose: () => void; onChanged: () => void }) {
  const [s, setS] = useState<any>(staff);
  const [tempPassword, setTempPassword] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [f, setF] = useState<Record<string, string>>({
    last_name: staff.last_name ?? "",
    first_name: staff.first_name ?? "",
    middle_name: staff.middle_name ?? "",
    email: staff.email ?? "",
    position_code: staff.position_code ?? "",
  });
  const [saved, setSaved] = useState(false);
  const history = useAsync(() => api.get(`/staff/${staff.user_id}/role-history`), [staff.user_id, s]);
  const fe = error instanceof ApiError ? error.fieldErrors() : {};
  const apply = (res: any) => {
    setS(res);
    onChanged();
  };
  const toggleRole = async (role: string, on: boolean) => {
    setError(null);
    const before = s;
    const roles: string[] = s.roles ?? [];
    setS({ ...s, roles: on ? [...roles, role] : roles.filter((r) => r !== role) }); // shown at once, undone on refusal
    try {
      apply(on ? await api.post(`/staff/${s.user_id}/roles`, { role }) : await api.del(`/staff/${s.user_id}/roles/${role}`));
    } catch (e) {
      setS(before);
      setError(e);
    }
  };
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    try {
      const body: Record<string, unknown> = {};
      for (const k of Object.keys(f)) {
        const v = f[k].trim();
        if (v !== (staff[k] ?? "")) body[k] = v === "" && k !== "last_name" && k !== "first_name" ? null : v;
      }
      apply(await api.patch(`/staff/${s.user_id}`, body));
      setSaved(true);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Modal title={s.full_name} onClose={onClose}>
      <p className="muted">
        {t("staff.iin")}: {s.iin} · {s.is_active ? t("staff.active") : t("staff.inactive")}
      </p>
      <h3>{t("staff.roles")}</h3>
      <div data-testid="roles">
        {ROLES.map((r) => (
          <label className="check" key={r}>
            <input
              type="checkbox"
              name={`role-${r}`}
              checked={(s.roles ?? []).includes(r)}
              disabled={!s.is_active}
              onChange={(e) => toggleRole(r, e.target.checked)}
            />
            <span>{t(`role.${r}`)}</span>
          </label>
        ))}
      </div>
      <form onSubmit={save}>
        <div className="grid2">
          <Field label={t("staff.lastName")} error={fe.last_name}>
            <input value={f.last_name} onChange={(e) => setF({ ...f, last_name: e.target.value })} />
          </Field>
          <Field label={t("staff.firstName")} error={fe.first_name}>
            <input value={f.first_name} onChange={(e) => setF({ ...f, first_name: e.target.value })} />
          </Field>
          <Field label={t("staff.middleName")} error={fe.middle_name}>
            <input value={f.middle_name} onChange={(e) => setF({ ...f, middle_name: e.target.value })} />
          </Field>
          <Field label={t("settings.email")} error={fe.email}>
            <input type="email" value={f.email} onChange={(e) => setF({ ...f, email: e.target.value })} />
          </Field>
        </div>
        <Field label={t("profile.position")} error={fe.position_code}>
          <select value={f.position_code} onChange={(e) => setF({ ...f, position_code: e.target.value })}>
            <option value="">—</option>
            <ReferenceOptions items={reference?.positions} />
          </select>
        </Field>
        <ErrorBox error={error} />
        {saved && <Notice kind="ok">{t("common.saved")}</Notice>}
        <div className="row">
          <button type="submit" className="btn btn-primary">
            {t("common.save")}
          </button>
          {s.is_active ? (
            <ActionButton className="btn btn-danger" onClick={async () => apply(await api.post(`/staff/${s.user_id}/deactivate`))}>
              {t("staff.deactivate")}
            </ActionButton>
          ) : (
            <ActionButton onClick={async () => apply(await api.post(`/staff/${s.user_id}/activate`))}>{t("staff.activate")}</ActionButton>
          )}
          <ActionButton
            onClick={async () => {
              const r = await api.post(`/staff/${s.user_id}/reset-password`);
              setTempPassword(r.temporary_password);
            }}
          >
            {t("staff.resetPassword")}
          </ActionButton>
        </div>
        {tempPassword && (
          <Notice kind="ok">
            {t("staff.tempPassword")}: <code>{tempPassword}</code>
          </Notice>
        )}
      </form>
      <h3 style={{ marginTop: "1rem" }}>{t("staff.history")}</h3>
      <HistoryList data={history.data} error={history.error} />
    </Modal>
  );
}

function RoleHistory() {
  const { data, error } = useAsync(() => api.get("/role-history", { per_page: 50 }), []);
  return <HistoryList data={data} error={error} />;
}

function HistoryList({ data, error }: { data: any; error: unknown }) {
  if (error) return <ErrorBox error={error} />;
  if (!data) return <Loading />;
  if (!data.items.length) return <Empty />;
  return (
    <ul className="feed" data-testid="role-history">
      {data.items.map((h: any) => (
        <li key={h.id}>
          <div className="feed-title">
            {t(`history.${h.action}`)}
            {h.role ? `: ${t(`role.${h.role}`)}` : ""} — {h.user_full_name ?? ""}
          </div>
          <div className="feed-meta">
            <span>{fmtDateTime(h.at)}</span>
            <span>{h.actor_full_name ?? ""}</span>
          </div>
        </li>
      ))}
    </ul>
  );
}
