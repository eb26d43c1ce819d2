import { useRef, useState } from "react";
import { api } from "../api";
import { checkFile, deleteDocument, fetchDocumentBlob, MAX_UPLOAD_BYTES, typeNames, uploadDocument } from "../documents";
import { fmtDateTime, fmtSize, pick, t } from "../i18n";
import { useMe } from "../me";
import { signCms } from "../ncalayer";
import { loadRules, titleOf } from "../reference";
import { Link } from "../router";
import { ActionButton, ErrorBox, Loading, Notice, ProgressBar, StatusBadge, useAsync } from "../ui";
import { FormView } from "./applications";

export function ApplicationPage({ id }: { id: string }) {
  const me = useMe()!;
  const rules = useAsync(loadRules, []);
  const { data: app, error, loading, reload } = useAsync(() => api.get(`/applications/${id}`), [id]);
  if (loading && !app) return <Loading />;
  if (error && !app) return <ErrorBox error={error} onRetry={reload} />;
  const isOwner = app.teacher_id === me.id;
  const editable = isOwner && ["draft", "returned_for_rework"].includes(app.status);
  const actions: string[] = app.allowed_actions ?? [];
  const items: any[] = app.portfolio ?? [];
  const done = items.filter((i) => i.satisfied).length;
  return (
    <div data-testid="application" data-status={app.status}>
      <div className="page-head">
        <h1>
          {t("app.heading")}: {titleOf(rules.data?.categories, app.target_category)}
        </h1>
        <StatusBadge status={app.status} />
      </div>
      <StatusExplanation app={app} />
      {app.status === "returned_for_rework" && (app.remarks ?? []).length > 0 && (
        <div className="alert alert-warn" data-testid="remarks">
          <b>{t("app.remarksTitle")}</b>
          <ul>
            {app.remarks
              .filter((r: any) => r.round === Math.max(...app.remarks.map((x: any) => x.round ?? 0)))
              .map((r: any) => (
                <li key={r.id}>
                  {r.item_code ? `${titleOf(items, r.item_code)}: ` : ""}
                  {r.text}
                </li>
              ))}
          </ul>
        </div>
      )}
      <div className="card">
        <h2 style={{ marginTop: 0 }}>{t("apps.form")}</h2>
        <FormView form={app.form ?? {}} />
        {app.teacher_name && !isOwner && (
          <p className="muted">
            {t("app.teacher")}: {app.teacher_name}
          </p>
        )}
      </div>
      <div className="card" data-testid="portfolio">
        <h2 style={{ marginTop: 0 }}>{t("app.portfolio")}</h2>
        <ProgressBar value={items.length ? done / items.length : 0} label={t("app.progress")} />
        <p className="muted small">{t("app.progressText", { done, total: items.length })}</p>
        {!app.completeness?.complete && (app.completeness?.reasons ?? []).length > 0 && (
          <div className="alert alert-warn" data-testid="missing">
            <b>{t("app.stillMissing")}</b>
            <ul>
              {app.completeness.reasons.map((r: any, i: number) => (
                <li key={i}>{r.message}</li>
              ))}
            </ul>
          </div>
        )}
        {items.map((item) => (
          <PortfolioItem key={item.code} app={app} item={item} editable={editable} onChanged={reload} />
        ))}
      </div>
      {isOwner && actions.includes("submit") && <SubmitBox app={app} onDone={reload} />}
      {app.changes_since_last_submission && <Changes changes={app.changes_since_last_submission} items={items} />}
      {app.submission && (
        <div className="card">
          <h2 style={{ marginTop: 0 }}>{t("app.signature")}</h2>
          <SignatureLine report={app.submission.signature} kind={app.submission.signature_kind} />
          <p className="muted small">
            {t("app.submittedAt")}: {fmtDateTime(app.submission.submitted_at)} · № {app.submission.number}
          </p>
        </div>
      )}
      <Timeline items={app.timeline ?? []} />
      {isOwner && actions.includes("withdraw") && (
        <ActionButton
          className="btn btn-danger"
          onClick={async () => {
            if (!confirm(t("app.withdrawConfirm"))) return;
            await api.post(`/applications/${app.id}/withdraw`, { version: app.version, comment: null });
            reload();
          }}
        >
          {t("app.withdraw")}
        </ActionButton>
      )}
    </div>
  );
}

function StatusExplanation({ app }: { app: any }) {
  const s = app.status;
  if (s === "state_accepted") return <Notice kind="ok">{t("app.explain.state_accepted")}</Notice>;
  if (s === "state_refused") {
    const last = [...(app.timeline ?? [])].reverse().find((x: any) => x.to_status === "state_refused");
    return (
      <div className="alert alert-error">
        {t("app.explain.state_refused")}
        {last?.comment ? <div>{last.comment}</div> : null}
      </div>
    );
  }
  const key = `app.explain.${s}`;
  const text = t(key);
  return text === key ? null : <Notice>{text}</Notice>;
}

function PortfolioItem({ app, item, editable, onChanged }: { app: any; item: any; editable: boolean; onChanged: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [uploading, setUploading] = useState<string>("");
  const [error, setError] = useState<unknown>(null);
  const docs: any[] = item.documents ?? [];
  const remarks: any[] = item.remarks ?? [];
  const lastRound = Math.max(0, ...(app.remarks ?? []).map((r: any) => r.round ?? 0));
  const openRemarks = app.status === "returned_for_rework" ? remarks.filter((r) => (r.round ?? 0) === lastRound) : [];
  const upload = async (file: File) => {
    setError(null);
    const problem = checkFile(file, item.accepted_types);
    if (problem) {
      setError({ message: problem, userFacing: true });
      return;
    }
    setUploading(file.name);
    setProgress(0);
    try {
      const doc = await uploadDocument(file, { subject_type: "application_item", subject_id: `${app.id}:${item.code}`, kind: item.code }, setProgress);
      try {
        await api.post(`/applications/${app.id}/documents`, { version: app.version, item_code: item.code, document_id: doc.id });
      } catch (e) {
        await deleteDocument(doc.id);
        throw e;
      }
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setProgress(null);
      setUploading("");
      if (input.current) input.current.value = "";
    }
  };
  const cls = openRemarks.length ? "remark" : item.satisfied ? "done" : item.required ? "missing" : "";
  return (
    <div className={`item ${cls}`} data-testid={`item-${item.code}`} data-required={item.required ? "1" : "0"} data-head={item.head_certification ? "1" : "0"} data-satisfied={item.satisfied ? "1" : "0"}>
      <div className="item-head">
        <h3>{pick(item)}</h3>
        <span className="small muted">
          {item.required ? t("app.required") : t(`req.${item.requirement}`)}
          {item.head_certification ? ` · ${t("app.needsHead")}` : ""}
        </span>
      </div>
      {item.requirement === "if_not_in_state_systems" && editable && (
        <label className="check small">
          <input
            type="checkbox"
            checked={!!item.in_state_systems}
            onChange={async (e) => {
              setError(null);
              try {
                await api.patch(`/applications/${app.id}`, { version: app.version, item_flags: { [item.code]: { in_state_systems: e.target.checked } } });
                onChanged();
              } catch (err) {
                setError(err);
              }
            }}
          />
          <span>{t("app.inStateSystems")}</span>
        </label>
      )}
      {openRemarks.map((r) => (
        <div key={r.id} className="alert alert-error small" data-testid="item-remark">
          {t("app.remark")}: {r.text}
        </div>
      ))}
      {docs.map((d) => (
        <div className="doc" key={d.id}>
          <DocLink doc={d} />
          <span className="muted small">{fmtSize(d.size)}</span>
          {d.needs_head_signature &&
            (d.head_signed ? (
              <span className="badge status-state_accepted">{t("app.headSigned")}</span>
            ) : (
              <span className="badge status-returned_for_rework">{t("app.awaitingHead")}</span>
            ))}
          {editable && (
            <ActionButton
              className="btn-link"
              onClick={async () => {
                await api.del(`/applications/${app.id}/documents/${d.id}`, { query: { version: app.version } });
                onChanged();
              }}
            >
              {t("app.removeDoc")}
            </ActionButton>
          )}
        </div>
      ))}
      {editable && (
        <div style={{ marginTop: "0.4rem" }}>
          <label className="btn">
            {t("upload.choose")}
            <input
              ref={input}
              type="file"
              hidden
              data-testid={`file-${item.code}`}
              accept={(item.accepted_types ?? []).join(",")}
              disabled={progress !== null}
              onChange={(e) => e.target.files?.[0] && upload(e.target.files[0])}
            />
          </label>
          <div className="small muted">{t("upload.types", { types: typeNames(item.accepted_types), max: fmtSize(MAX_UPLOAD_BYTES) })}</div>
          {progress !== null && (
            <div>
              <div className="small">{t("upload.uploading", { name: uploading })}</div>
              <ProgressBar value={progress} />
            </div>
          )}
        </div>
      )}
      <ErrorBox error={error} />
    </div>
  );
}

export function DocLink({ doc }: { doc: any }) {
  const [error, setError] = useState<unknown>(null);
  return (
    <>
      <button
        type="button"
        className="btn-link"
        onClick={async () => {
          setError(null);
          try {
            const blob = await fetchDocumentBlob(doc.document_id, doc.document_version ?? doc.version);
            const url = URL.createObjectURL(blob);
            window.open(url, "_blank");
            setTimeout(() => URL.revokeObjectURL(url), 60_000);
          } catch (e) {
            setError(e);
          }
        }}
      >
        {doc.filename}
      </button>
      {error ? <ErrorBox error={error} /> : null}
    </>
  );
}

function SubmitBox({ app, onDone }: { app: any; onDone: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState("");
  const [paperProgress, setPaperProgress] = useState<number | null>(null);
  const complete = app.completeness?.complete;
  const signAndSubmit = async () => {
    setError(null);
    setBusy(t("ncalayer.signing"));
    try {
      const canonical = await api.get(`/applications/${app.id}/canonical`);
      const signature = await signCms(canonical.content_base64, { detached: true });
      setBusy(t("app.submitting"));
      await api.post(`/applications/${app.id}/submit`, { version: app.version, signature });
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy("");
    }
  };
  const paper = async (file: File) => {
    setError(null);
    const problem = checkFile(file, ["application/pdf", "image/jpeg", "image/png"]);
    if (problem) return setError({ message: problem, userFacing: true });
    try {
      setPaperProgress(0);
      const doc = await uploadDocument(file, { subject_type: "application", subject_id: app.id, kind: "signed_application_scan" }, setPaperProgress);
      await api.post(`/applications/${app.id}/submit`, { version: app.version, paper_scan_document_id: doc.id });
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setPaperProgress(null);
    }
  };
  return (
    <div className="card" data-testid="submit-box">
      <h2 style={{ marginTop: 0 }}>{app.status === "returned_for_rework" ? t("app.resubmit") : t("app.submit")}</h2>
      {!complete && <Notice kind="warn">{t("app.notComplete")}</Notice>}
      <p className="muted small">{t("app.signHint")}</p>
      <div className="row">
        <button type="button" className="btn btn-primary" disabled={!!busy} onClick={signAndSubmit} data-testid="sign-submit">
          {busy || t("app.signSubmit")}
        </button>
        <label className="btn">
          {t("app.paper")}
          <input type="file" hidden accept="application/pdf,image/jpeg,image/png" onChange={(e) => e.target.files?.[0] && paper(e.target.files[0])} />
        </label>
      </div>
      {paperProgress !== null && <ProgressBar value={paperProgress} />}
      <ErrorBox error={error} />
    </div>
  );
}

export function SignatureLine({ report, kind }: { report: any; kind?: string }) {
  if (kind === "paper") return <p>{t("app.paperSigned")}</p>;
  if (!report) return <p className="muted">—</p>;
  const signer = (report.signers ?? [])[0];
  const who = signer?.identity ?? signer ?? {};
  return (
    <p className={report.valid ? "ok-text" : "err-text"} data-testid="signature-line">
      {report.valid ? "✔ " + t("sig.valid") : "✖ " + (report.reason || t("sig.invalid"))}
      {who.common_name || who.name ? ` · ${who.common_name ?? who.name}` : ""}
      {who.iin ? ` · ${t("staff.iin")} ${who.iin}` : ""}
      {who.bin ? ` · ${t("settings.bin")} ${who.bin}` : ""}
    </p>
  );
}

function Changes({ changes, items }: { changes: any; items: any[] }) {
  const lines: string[] = [];
  for (const d of changes.added ?? changes.documents_added ?? []) lines.push(`+ ${titleOf(items, d.item_code)}`);
  for (const d of changes.removed ?? changes.documents_removed ?? []) lines.push(`− ${titleOf(items, d.item_code)}`);
  for (const k of Object.keys(changes.form ?? changes.form_changed ?? {})) lines.push(`${t("app.changedField")}: ${t(`form.${k}`)}`);
  for (const k of Object.keys(changes.item_flags ?? {})) lines.push(`${t("app.inStateSystems")}: ${titleOf(items, k)}`);
  if (!lines.length) return null;
  return (
    <div className="card" data-testid="changes">
      <h2 style={{ marginTop: 0 }}>{t("app.changes")}</h2>
      <ul>
        {lines.map((l, i) => (
          <li key={i}>{l}</li>
        ))}
      </ul>
    </div>
  );
}

function Timeline({ items }: { items: any[] }) {
  if (!items.length) return null;
  return (
    <div className="card" data-testid="timeline">
      <h2 style={{ marginTop: 0 }}>{t("app.timeline")}</h2>
      <ul className="timeline">
        {items.map((x) => (
          <li key={x.id}>
            <StatusBadge status={x.to_status} /> <span className="muted small">{fmtDateTime(x.created_at)}</span>
            <div className="small">{t(`action.${x.action}`)}</div>
            {x.comment && <div className="small">«{x.comment}»</div>}
          </li>
        ))}
      </ul>
    </div>
  );
}
