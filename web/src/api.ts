// The gateway's HTTP API: tokens, silent refresh, uniform errors.
import { t } from "./i18n";

export const API = "/api/v1";
const SESSION_KEY = "pedatt.session";

export interface Session {
  access_token: string;
  refresh_token: string;
  expires_at: number; // epoch ms
}

export class ApiError extends Error {
  status: number;
  code: string;
  details: unknown;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
  /** Field → messages, from a 400 with details.fields (marshmallow) or details as a dict. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    const d = this.details as any;
    const fields = d && typeof d === "object" ? (d.fields ?? null) : null;
    if (fields && typeof fields === "object") flatten(fields, "", out);
    return out;
  }
}

function flatten(obj: any, prefix: string, out: Record<string, string>) {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (Array.isArray(v) && v.every((x) => typeof x === "string")) out[key] = v.join(" ");
    else if (typeof v === "string") out[key] = v;
    else if (v && typeof v === "object") flatten(v, key, out);
  }
}

// localStorage is the source of truth, so every tab sees a login, a refresh or a logout.
let session: Session | null = load();
let raw: string | null = localStorage.getItem(SESSION_KEY);
function sync() {
  const now = localStorage.getItem(SESSION_KEY);
  if (now !== raw) {
    raw = now;
    session = load();
  }
}
window.addEventListener("storage", (e) => {
  if (e.key === SESSION_KEY) {
    sync();
    listeners.forEach((l) => l());
  }
});
const listeners = new Set<() => void>();

function load(): Session | null {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export function getSession() {
  sync();
  return session;
}

export function setSession(s: Session | null) {
  session = s;
  if (s) localStorage.setItem(SESSION_KEY, JSON.stringify(s));
  else localStorage.removeItem(SESSION_KEY);
  raw = localStorage.getItem(SESSION_KEY);
  listeners.forEach((l) => l());
}

export function onSessionChange(l: () => void) {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** Called when the session cannot be renewed: the app sends the user to the login page. */
export let onSessionExpired: () => void = () => {};
export function setOnSessionExpired(f: () => void) {
  onSessionExpired = f;
}

function toSession(body: any): Session {
  return {
    access_token: body.access_token,
    refresh_token: body.refresh_token,
    expires_at: Date.now() + (Number(body.expires_in) || 300) * 1000,
  };
}

async function parseError(res: Response): Promise<ApiError> {
  let body: any = null;
  try {
    body = await res.json();
  } catch {
    /* not JSON: a proxy page or an empty body */
  }
  if (body && typeof body === "object" && typeof body.message === "string") {
    return new ApiError(res.status, String(body.error ?? "ERROR"), body.message, body.details);
  }
  return new ApiError(res.status, "HTTP_" + res.status, httpMessage(res.status));
}

function httpMessage(status: number): string {
  if (status === 401) return t("err.401");
  if (status === 403) return t("err.403");
  if (status === 404) return t("err.404");
  if (status === 413) return t("err.413");
  if (status === 429) return t("err.429");
  if (status >= 500) return t("err.5xx");
  return t("err.generic");
}

let refreshing: Promise<boolean> | null = null;

/** Renew the access token once, however many requests ask at the same time. */
export function refreshSession(): Promise<boolean> {
  sync();
  if (!session) return Promise.resolve(false);
  if (!refreshing) {
    const refresh_token = session.refresh_token;
    refreshing = fetch(`${API}/auth/refresh`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token }),
    })
      .then(async (res) => {
        if (!res.ok) return false;
        setSession(toSession(await res.json()));
        return true;
      })
      .catch(() => false)
      .finally(() => {
        refreshing = null;
      });
  }
  return refreshing;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined | null>;
  auth?: boolean;
  signal?: AbortSignal;
  raw?: boolean; // return the Response (for blobs)
}

function buildUrl(path: string, query?: RequestOptions["query"]) {
  const url = path.startsWith("http") || path.startsWith("/api") ? path : API + path;
  if (!query) return url;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `${url}${url.includes("?") ? "&" : "?"}${s}` : url;
}

export async function request<T = any>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const auth = opts.auth ?? true;
  sync();
  if (auth && session && session.expires_at - Date.now() < 15_000) await refreshSession();
  const send = () => {
    const headers: Record<string, string> = { Accept: "application/json" };
    let body: BodyInit | undefined;
    if (opts.body instanceof FormData) body = opts.body;
    else if (opts.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(opts.body);
    }
    if (auth && session) headers["Authorization"] = `Bearer ${session.access_token}`;
    return fetch(buildUrl(path, opts.query), { method, headers, body, signal: opts.signal });
  };
  let res: Response;
  try {
    res = await send();
    if (res.status === 401 && auth && session) {
      if (await refreshSession()) res = await send();
      else {
        setSession(null);
        onSessionExpired();
        throw new ApiError(401, "SESSION_EXPIRED", t("err.sessionExpired"));
      }
    }
  } catch (e) {
    if (e instanceof ApiError) throw e;
    if ((e as any)?.name === "AbortError") throw e;
    throw new ApiError(0, "NETWORK", t("err.network"));
  }
  if (!res.ok) {
    const err = await parseError(res);
    if (res.status === 401 && auth) {
      setSession(null);
      onSessionExpired();
    }
    throw err;
  }
  if (opts.raw) return res as unknown as T;
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  if (!text) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(res.status, "BAD_RESPONSE", t("err.generic"));
  }
}

export const api = {
  get: <T = any>(p: string, query?: RequestOptions["query"], o: RequestOptions = {}) => request<T>("GET", p, { ...o, query }),
  post: <T = any>(p: string, body?: unknown, o: RequestOptions = {}) => request<T>("POST", p, { ...o, body }),
  put: <T = any>(p: string, body?: unknown, o: RequestOptions = {}) => request<T>("PUT", p, { ...o, body }),
  patch: <T = any>(p: string, body?: unknown, o: RequestOptions = {}) => request<T>("PATCH", p, { ...o, body }),
  del: <T = any>(p: string, o: RequestOptions = {}) => request<T>("DELETE", p, o),
};

export async function login(loginName: string, password: string) {
  const body = await request<any>("POST", "/auth/login", { body: { login: loginName, password }, auth: false });
  setSession(toSession(body));
}

export async function logout() {
  const s = session;
  setSession(null);
  if (s) {
    try {
      await fetch(`${API}/auth/logout`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${s.access_token}` },
        body: JSON.stringify({ refresh_token: s.refresh_token }),
      });
    } catch {
      /* the tokens are forgotten locally either way */
    }
  }
}

/** Upload with progress (XMLHttpRequest: fetch has no upload progress). */
export function uploadWithProgress<T = any>(
  method: string,
  url: string,
  body: Blob | FormData,
  onProgress: (fraction: number) => void,
  headers: Record<string, string> = {},
  withAuth = true,
): Promise<T> {
  const attempt = () =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(method, buildUrl(url));
      if (withAuth && session) xhr.setRequestHeader("Authorization", `Bearer ${session.access_token}`);
      for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
      xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
      xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText });
      xhr.onerror = () => reject(new ApiError(0, "NETWORK", t("err.network")));
      xhr.send(body);
    });
  return (async () => {
    if (withAuth && session && session.expires_at - Date.now() < 15_000) await refreshSession();
    let r = await attempt();
    if (r.status === 401 && withAuth && (await refreshSession())) r = await attempt();
    let parsed: any = null;
    try {
      parsed = r.text ? JSON.parse(r.text) : null;
    } catch {
      parsed = null;
    }
    if (r.status >= 200 && r.status < 300) return parsed as T;
    if (parsed && typeof parsed.message === "string")
      throw new ApiError(r.status, String(parsed.error ?? "ERROR"), parsed.message, parsed.details);
    throw new ApiError(r.status, "HTTP_" + r.status, httpMessage(r.status));
  })();
}

/** Turn anything thrown into a message fit for a person (never raw JSON or a stack). */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e && typeof e === "object" && "message" in e && typeof (e as any).message === "string" && (e as any).userFacing)
    return (e as any).message;
  return t("err.generic");
}
