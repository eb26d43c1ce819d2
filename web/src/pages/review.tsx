import { useEffect, useState } from "react";
import { api } from "../api";
import { fetchDocumentBlob } from "../documents";
import { fmtDateTime, fmtSize, t } from "../i18n";
import { hasRole, useMe } from "../me";
import { loadRules, titleOf } from "../reference";
import { Link, navigate } from "../router";
import { ActionButton, Empty, ErrorBox, Loading, Notice, StatusBadge, useAsync } from "../ui";
import { SignatureLine } from "./application";
import { FormView } from "./applications";

export function ReviewQueuePage() {
  const [status, setStatus] = useState("");
  const rules = useAsync(loadRules, []);
  const { data, error, loading, reload } = useAsync(() => api.get("/reviews", { status, limit: 50 }), [status]);
  return (
    <div>
      <h1>{t("review.queue")}</h1>
      <div className="filters">
        <select aria-label={t("common.status")} value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">{t("overview.anyStatus")}</option>
          {["submitted", "under_review", "returned_for_rework", "accepted"].map((s) => (
            <option key={s} value={s}>
              {t(`status.${s}`)}
            </option>
          ))}
        </select>
      </div>
      <ErrorBox error={error} onRetry={reload} />
      {loading && !data ? <Loading /> : null}
      {data && data.items.length === 0 && <Empty>{t("review.empty")}</Empty>}
      {data && data.items.length > 0 && (
        <table className="list" data-testid="review-queue">
          <thead>
            <tr>
              <th>{t("app.teacher")}</th>
              <th>{t("app.category")}</th>
              <th>{t("common.status")}</th>
              <th>{t("app.submittedAt")}</th>
              <th>{t("review.assessor")}</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((r: any) => (
              <tr key={r.application_id}>
                <td data-label={t("app.teacher")}>
                  <Link to={`/review/${r.application_id}`}>{r.teacher_name ?? "—"}</Link>
                </td>
                <td data-label={t("app.category")}>{titleOf(rules.data?.categories, r.target_category)}</td>
                <td data-label={t("common.status")}>
                  <StatusBadge status={r.status} />
                </td>
                <td data-label={t("app.submittedAt")}>{fmtDateTime(r.submitted_at)}</td>
                <td data-label={t("review.assessor")}>{r.assessor_id ? t("review.taken") : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function ReviewPage({ id }: { id: string }) {
  const me = useMe()!;
  const rules = useAsync(loadRules, []);
  const sheet = useAsync(() => api.get(`/reviews/${id}`), [id]);
  const [comment, setComment] = useState("");
  if (sheet.loading && !sheet.data) return <Loading />;
  if (sheet.error && !sheet.data) return <ErrorBox error={sheet.error} onRetry={sheet.reload} />;
  const s = sheet.data;
  const app = s.application ?? {};
  const review = s.review;
  const mine = review?.assessor_id === me.id;
  const status = app.status;
  const canTake =
    status === "submitted" && hasRole(me, "assessor") && (!review?.assessor_id || mine || review?.status !== "under_review");
  const active = status === "under_review" && mine;
  const hasRemark = (s.items ?? []).some((i: any) => i.mark?.verdict === "remark");
  return (
    <div data-testid="review" data-status={status}>
      <div className="page-head">
        <h1>
          {t("review.title")}: {review?.teacher_name ?? app.form?.full_name ?? ""}
        </h1>
        <StatusBadge status={status} />
      </div>
      <p className="muted">
        {titleOf(rules.data?.categories, app.target_category)} · № {app.submission_number ?? "—"} ·{" "}
        <Link to={`/applications/${id}`}>{t("review.openApplication")}</Link>
      </p>
      {review?.assessor_id && !mine && <Notice kind="warn">{t("review.takenByOther")}</Notice>}
      {hasRole(me, "org_admin") && review && ["submitted", "under_review"].includes(status) && (
        <Reassign id={id} current={review.assessor_id} onDone={sheet.reload} />
      )}
      {canTake && (
        <ActionButton className="btn btn-primary" testId="take" onClick={async () => (await api.post(`/reviews/${id}/take`), sheet.reload())}>
          {t("review.take")}
        </ActionButton>
      )}
      <div className="card">
        <h2 style={{ marginTop: 0 }}>{t("apps.form")}</h2>
        <FormView form={app.form ?? {}} />
        <h3 style={{ marginTop: "0.75rem" }}>{t("app.signature")}</h3>
        <SignatureLine report={app.signature} kind={app.signature?.kind} />
      </div>
      {(s.items ?? []).map((item: any) => (
        <ReviewItem key={item.code} id={id} item={item} active={active} onChanged={sheet.reload} />
      ))}
      {active && (
        <div className="card" data-testid="decision">
          <h2 style={{ marginTop: 0 }}>{t("review.decision")}</h2>
          {(s.blockers ?? []).length > 0 && (
            <div className="alert alert-warn">
              {t("review.blockers")}
              <ul>
                {s.blockers.map((b: any, i: number) => (
                  <li key={i}>{b.message}</li>
                ))}
              </ul>
            </div>
          )}
          <label className="field">
            <span className="field-label">{t("common.comment")}</span>
            <textarea name="comment" value={comment} onChange={(e) => setComment(e.target.value)} />
          </label>
          <div className="row">
            <ActionButton
              className="btn btn-danger"
              testId="return"
              disabled={!hasRemark}
              onClick={async () => {
                await api.post(`/reviews/${id}/return`, { comment: comment || null });
                navigate("/review");
              }}
            >
              {t("review.return")}
            </ActionButton>
            <ActionButton
              className="btn btn-ok"
              testId="accept"
              onClick={async () => {
                await api.post(`/reviews/${id}/accept`, { comment: comment || null });
                sheet.reload();
              }}
            >
              {t("review.accept")}
            </ActionButton>
          </div>
          {!hasRemark && <p className="small muted">{t("review.returnHint")}</p>}
        </div>
      )}
      {s.delivery && (
        <div className="card" data-testid="delivery">
          <h2 style={{ marginTop: 0 }}>{t("overview.deliveries")}</h2>
          <p>
            <b>{t(`delivery.${s.delivery.state}`)}</b>
            {s.delivery.due_at ? ` · ${t("overview.due")}: ${fmtDateTime(s.delivery.due_at)}` : ""}
            {s.delivery.overdue ? ` (${t("overview.overdue")})` : ""}
          </p>
          {(s.delivery.reasons ?? []).length > 0 && (
            <ul>
              {s.delivery.reasons.map((r: any, i: number) => (
                <li key={i}>{r.message}</li>
              ))}
            </ul>
          )}
          {s.delivery.last_error && <p className="small err-text">{s.delivery.last_error}</p>}
        </div>
      )}
      {(s.decisions ?? []).length > 0 && (
        <div className="card">
          <h2 style={{ marginTop: 0 }}>{t("review.history")}</h2>
          <ul className="timeline">
            {s.decisions.map((d: any) => (
              <li key={d.id}>
                <b>{t(`decision.${d.kind}`)}</b> <span className="muted small">{fmtDateTime(d.created_at)}</span>
                {d.comment && <div className="small">«{d.comment}»</div>}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

function ReviewItem({ id, item, active, onChanged }: { id: string; item: any; active: boolean; onChanged: () => void }) {
  const [text, setText] = useState(item.mark?.verdict === "remark" ? (item.mark.text ?? "") : "");
  const [error, setError] = useState<unknown>(null);
  const mark = async (verdict: "ok" | "remark") => {
    setError(null);
    try {
      await api.put(`/reviews/${id}/items/${item.code}`, { verdict, text: verdict === "remark" ? text : null });
      onChanged();
    } catch (e) {
      setError(e);
    }
  };
  const verdict = item.mark?.verdict;
  const docs: any[] = item.documents ?? [];
  return (
    <div className={`item ${verdict === "ok" ? "done" : verdict === "remark" ? "remark" : item.required ? "missing" : ""}`} data-testid={`review-item-${item.code}`}>
      <div className="item-head">
        <h3>{item.title}</h3>
        <span className="small muted">
          {item.required ? t("app.required") : t("req.if_any")}
          {item.head_certification ? ` · ${t("app.needsHead")}` : ""}
        </span>
      </div>
      {docs.length === 0 && <p className="muted small">{t("review.noDocs")}</p>}
      {docs.map((d) => (
        <ReviewDoc key={d.portfolio_document_id ?? d.document_id} doc={d} headNeeded={item.head_certification} />
      ))}
      {verdict && (
        <p className={verdict === "ok" ? "ok-text small" : "err-text small"}>
          {verdict === "ok" ? `✔ ${t("review.ok")}` : `${t("app.remark")}: ${item.mark.text}`}
        </p>
      )}
      {active && (
        <div>
          <textarea placeholder={t("review.remarkText")} aria-label={t("review.remarkText")} value={text} onChange={(e) => setText(e.target.value)} data-testid="remark-text" />
          <div className="row" style={{ marginTop: "0.3rem" }}>
            <button type="button" className="btn" onClick={() => mark("ok")} data-testid="mark-ok">
              ✔ {t("review.ok")}
            </button>
            <button type="button" className="btn btn-danger" onClick={() => mark("remark")} data-testid="mark-remark">
              {t("review.remark")}
            </button>
          </div>
        </div>
      )}
      <ErrorBox error={error} />
    </div>
  );
}

function ReviewDoc({ doc, headNeeded }: { doc: any; headNeeded: boolean }) {
  const [url, setUrl] = useState<string | null>(null);
  const [type, setType] = useState("");
  const [show, setShow] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!show || url) return;
    let cancelled = false;
    fetchDocumentBlob(doc.document_id, doc.version ?? doc.document_version).then(
      (b) => {
        if (cancelled) return;
        setType(b.type || doc.content_type || "");
        setUrl(URL.createObjectURL(b));
      },
      (e) => !cancelled && setError(e),
    );
    return () => {
      cancelled = true;
    };
  }, [show]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => () => void (url && URL.revokeObjectURL(url)), [url]);
  const ct = type || doc.content_type || "";
  return (
    <div className="doc" style={{ flexDirection: "column", alignItems: "stretch" }}>
      <div className="row">
        <b>{doc.filename ?? "—"}</b>
        <span className="muted small">{fmtSize(doc.size)}</span>
        <button type="button" className="btn-link" onClick={() => setShow(!show)} data-testid="preview-toggle">
          {show ? t("review.hidePreview") : t("review.preview")}
        </button>
      </div>
      {(doc.signatures ?? []).map((s: any) => (
        <div key={s.id} className={`small ${s.valid ? "ok-text" : "err-text"}`} data-testid="doc-signature">
          {s.valid ? "✔" : "✖"} {s.valid ? t("sig.valid") : (s.reason ?? t("sig.invalid"))}
          {(s.signers ?? []).map((x: any, i: number) => (
            <span key={i}>
              {" "}
              · {x.name ?? ""} {x.iin ? `${t("staff.iin")} ${x.iin}` : ""} {x.bin ? `${t("settings.bin")} ${x.bin}` : ""}
              {(x.roles ?? []).includes("director") ? ` (${t("role.director")})` : ""}
            </span>
          ))}
        </div>
      ))}
      {headNeeded && !doc.head_signed && <div className="small warn-text">{t("app.awaitingHead")}</div>}
      <ErrorBox error={error} />
      {show && url && (ct.startsWith("image/") ? <img className="preview" src={url} alt={doc.filename} /> : ct === "application/pdf" ? <iframe className="preview" src={url} title={doc.filename} /> : <a href={url} download={doc.filename}>{doc.filename}</a>)}
      {show && !url && !error && <Loading />}
    </div>
  );
}

function Reassign({ id, current, onDone }: { id: string; current?: string; onDone: () => void }) {
  const { data } = useAsync(() => api.get("/staff", { role: "assessor", active: true, per_page: 100 }), []);
  const [who, setWho] = useState(current ?? "");
  return (
    <div className="card row" data-testid="reassign">
      <span>{t("review.assessor")}:</span>
      <select value={who} onChange={(e) => setWho(e.target.value)} style={{ width: "auto", flex: "1 1 200px" }}>
        <option value="">—</option>
        {(data?.items ?? []).map((s: any) => (
          <option key={s.user_id} value={s.user_id}>
            {s.full_name}
          </option>
        ))}
      </select>
      <ActionButton disabled={!who || who === current} onClick={async () => (await api.post(`/reviews/${id}/assign`, { assessor_id: who }), onDone())}>
        {t("review.reassign")}
      </ActionButton>
    </div>
  );
}
