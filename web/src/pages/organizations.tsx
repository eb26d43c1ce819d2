import { useState } from "react";
import { api, ApiError } from "../api";
import { fmtDate, pick, t } from "../i18n";
import { loadReference } from "../reference";
import { Empty, ErrorBox, Field, FormButtons, Loading, Modal, Notice, ReferenceOptions, useAsync } from "../ui";

/** Platform administrator: organizations and their first administrators. */
export function OrganizationsPage() {
  const [page, setPage] = useState(1);
  const [adding, setAdding] = useState(false);
  const ref = useAsync(loadReference, []);
  const list = useAsync(() => api.get("/organizations", { page, per_page: 20 }), [page]);
  return (
    <div>
      <div className="page-head">
        <h1>{t("nav.organizations")}</h1>
        <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}>
          + {t("orgs.add")}
        </button>
      </div>
      <ErrorBox error={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? <Loading /> : null}
      {list.data && list.data.items.length === 0 && <Empty />}
      {list.data && list.data.items.length > 0 && (
        <table className="list">
          <thead>
            <tr>
              <th>{t("settings.nameRu")}</th>
              <th>{t("settings.bin")}</th>
              <th>{t("settings.region")}</th>
              <th>{t("app.created")}</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((o: any) => (
              <tr key={o.id}>
                <td data-label={t("settings.nameRu")}>{pick(o, "name")}</td>
                <td data-label={t("settings.bin")}>{o.bin}</td>
                <td data-label={t("settings.region")}>{o.region_title ?? o.region}</td>
                <td data-label={t("app.created")}>{fmtDate(o.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.data && list.data.total > page * 20 && (
        <button type="button" className="btn" onClick={() => setPage(page + 1)}>
          {t("common.more")}
        </button>
      )}
      {adding && <AddOrganization reference={ref.data} onClose={() => setAdding(false)} onDone={list.reload} />}
    </div>
  );
}

function AddOrganization({ reference, onClose, onDone }: { reference: any; onClose: () => void; onDone: () => void }) {
  const [f, setF] = useState<Record<string, string>>({ bin: "", name_ru: "", name_kk: "", type: "school", region: "", district: "", address: "" });
  const [a, setA] = useState<Record<string, string>>({ iin: "", last_name: "", first_name: "", email: "" });
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<any>(null);
  const fe = error instanceof ApiError ? error.fieldErrors() : {};
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const body: any = { ...f, district: f.district || null, admin: { ...a, email: a.email || null } };
      setCreated(await api.post("/organizations", body));
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  if (created)
    return (
      <Modal title={t("orgs.add")} onClose={onClose}>
        <Notice kind="ok">{t("orgs.created", { name: created.name_ru })}</Notice>
        {created.admin?.temporary_password && (
          <p>
            {t("staff.tempPassword")}: <code>{created.admin.temporary_password}</code>
          </p>
        )}
        <button type="button" className="btn btn-primary" onClick={onClose}>
          {t("common.close")}
        </button>
      </Modal>
    );
  const inp = (obj: Record<string, string>, set: (x: Record<string, string>) => void, k: string, label: string, err?: string) => (
    <Field label={label} error={err}>
      <input value={obj[k]} onChange={(e) => set({ ...obj, [k]: e.target.value })} />
    </Field>
  );
  return (
    <Modal title={t("orgs.add")} onClose={onClose}>
      <form onSubmit={submit}>
        <div className="grid2">
          {inp(f, setF, "bin", t("settings.bin"), fe.bin)}
          <Field label={t("settings.type")} error={fe.type}>
            <select value={f.type} onChange={(e) => setF({ ...f, type: e.target.value })}>
              <ReferenceOptions items={reference?.organization_types} />
            </select>
          </Field>
          {inp(f, setF, "name_ru", t("settings.nameRu"), fe.name_ru)}
          {inp(f, setF, "name_kk", t("settings.nameKk"), fe.name_kk)}
          <Field label={t("settings.region")} error={fe.region}>
            <select value={f.region} onChange={(e) => setF({ ...f, region: e.target.value })}>
              <option value="">—</option>
              <ReferenceOptions items={reference?.regions} />
            </select>
          </Field>
          {inp(f, setF, "district", t("settings.district"), fe.district)}
        </div>
        {inp(f, setF, "address", t("settings.address"), fe.address)}
        <h3>{t("orgs.admin")}</h3>
        <div className="grid2">
          {inp(a, setA, "iin", t("staff.iin"), fe["admin.iin"])}
          {inp(a, setA, "email", t("settings.email"), fe["admin.email"])}
          {inp(a, setA, "last_name", t("staff.lastName"), fe["admin.last_name"])}
          {inp(a, setA, "first_name", t("staff.firstName"), fe["admin.first_name"])}
        </div>
        <ErrorBox error={error} />
        <FormButtons submitLabel={t("common.add")} onCancel={onClose} />
      </form>
    </Modal>
  );
}
