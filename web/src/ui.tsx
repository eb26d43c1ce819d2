import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { ApiError, errorMessage } from "./api";
import { pick, t } from "./i18n";

/** Load data; re-run with reload(). Errors are kept as messages fit for a person. */
export function useAsync<T>(fn: () => Promise<T>, deps: unknown[] = []) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const seq = useRef(0);
  const run = useCallback(() => {
    const n = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    fn().then(
      (data) => n === seq.current && setState({ data, loading: false }),
      (error) => n === seq.current && setState({ error, loading: false }),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(run, [run]);
  return { ...state, reload: run };
}

export function Loading() {
  return (
    <div className="loading" role="status">
      {t("common.loading")}
    </div>
  );
}

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (!error) return null;
  const msg = errorMessage(error);
  const details = error instanceof ApiError ? detailLines(error) : [];
  return (
    <div className="alert alert-error" role="alert" data-testid="error">
      <div>{msg}</div>
      {details.length > 0 && (
        <ul>
          {details.map((d, i) => (
            <li key={i}>{d}</li>
          ))}
        </ul>
      )}
      {onRetry && (
        <button type="button" className="btn-link" onClick={onRetry}>
          {t("common.retry")}
        </button>
      )}
    </div>
  );
}

const FIELD_LABELS: Record<string, string> = {
  iin: "staff.iin",
  bin: "settings.bin",
  roles: "staff.roles",
  role: "staff.role",
  email: "settings.email",
  phone: "settings.phone",
  last_name: "staff.lastName",
  first_name: "staff.firstName",
  middle_name: "staff.middleName",
  position_code: "profile.position",
  category_code: "profile.category",
  category_valid_until: "profile.validUntil",
  name_ru: "settings.nameRu",
  name_kk: "settings.nameKk",
  address: "settings.address",
  region: "settings.region",
  new_password: "pwd.new",
  current_password: "pwd.current",
  text: "review.remarkText",
};

/** Human-readable lines from an error's details: reasons lists and field messages. */
export function detailLines(e: ApiError): string[] {
  const d = e.details as any;
  const out: string[] = [];
  if (!d || typeof d !== "object") return out;
  const reasons = Array.isArray(d.reasons) ? d.reasons : Array.isArray(d.blocking) ? d.blocking : null;
  if (reasons)
    for (const r of reasons) out.push(typeof r === "string" ? (/^[A-Z0-9_]+$/.test(r) ? "" : r) : String(r?.message ?? r?.text ?? ""));
  const fields = e.fieldErrors();
  for (const [k, v] of Object.entries(fields)) {
    const label = FIELD_LABELS[k.split(".").pop() ?? k];
    out.push(label ? `${t(label)}: ${v}` : v);
  }
  // a human-readable reason only: machine codes (TYPE_MISMATCH) are for programs, not people
  if (typeof d.reason === "string" && !out.length && d.reason !== e.message && !/^[A-Z0-9_]+$/.test(d.reason)) out.push(d.reason);
  if (d.retry_after) out.push(t("err.retryAfter", { s: d.retry_after }));
  return out.filter(Boolean);
}

export function Empty({ children }: { children?: ReactNode }) {
  return <div className="empty">{children ?? t("common.empty")}</div>;
}

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge status-${status}`} data-status={status}>
      {t(`status.${status}`)}
    </span>
  );
}

export function Field(props: {
  label: string;
  error?: string;
  children: ReactNode;
  hint?: string;
}) {
  return (
    <label className={`field${props.error ? " has-error" : ""}`}>
      <span className="field-label">{props.label}</span>
      {props.children}
      {props.hint && <span className="field-hint">{props.hint}</span>}
      {props.error && <span className="field-error">{props.error}</span>}
    </label>
  );
}

export function Notice({ kind = "info", children }: { kind?: "info" | "ok" | "warn"; children: ReactNode }) {
  return (
    <div className={`alert alert-${kind}`} role="status">
      {children}
    </div>
  );
}

export function ProgressBar({ value, label }: { value: number; label?: string }) {
  const pct = Math.max(0, Math.min(100, Math.round(value * 100)));
  return (
    <div className="progress" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100} aria-label={label}>
      <div className="progress-bar" style={{ width: `${pct}%` }} />
      <span className="progress-text">{pct}%</span>
    </div>
  );
}

/** The options of a select over a reference list (codes with ru/kk titles). */
export function ReferenceOptions({ items }: { items: any[] | undefined }) {
  return (
    <>
      {(items ?? []).map((x) => (
        <option key={x.code} value={x.code}>
          {pick(x)}
        </option>
      ))}
    </>
  );
}

/** A dialog form's submit and cancel buttons. */
export function FormButtons({ submitLabel, onCancel }: { submitLabel: string; onCancel: () => void }) {
  return (
    <div className="row">
      <button type="submit" className="btn btn-primary">
        {submitLabel}
      </button>
      <button type="button" className="btn" onClick={onCancel}>
        {t("common.cancel")}
      </button>
    </div>
  );
}

export function Modal({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  useEffect(() => {
    const h = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", h);
    return () => window.removeEventListener("keydown", h);
  }, [onClose]);
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div className="modal" role="dialog" aria-label={title} onClick={(e) => e.stopPropagation()}>
        <div className="modal-head">
          <h2>{title}</h2>
          <button type="button" className="btn-icon" aria-label={t("common.close")} onClick={onClose}>
            ×
          </button>
        </div>
        {children}
      </div>
    </div>
  );
}

/** A button that runs an async action, shows it is busy, and reports the error beside it. */
export function ActionButton(props: {
  onClick: () => Promise<unknown>;
  children: ReactNode;
  className?: string;
  disabled?: boolean;
  testId?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <span className="action">
      <button
        type="button"
        data-testid={props.testId}
        className={props.className ?? "btn"}
        disabled={busy || props.disabled}
        onClick={async () => {
          setBusy(true);
          setError(null);
          try {
            await props.onClick();
          } catch (e) {
            setError(e);
          } finally {
            setBusy(false);
          }
        }}
      >
        {busy ? t("common.loading") : props.children}
      </button>
      {error ? <ErrorBox error={error} /> : null}
    </span>
  );
}
