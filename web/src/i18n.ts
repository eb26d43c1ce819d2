// Russian by default, Kazakh as a switch; local formats through Intl (ru-KZ / kk-KZ).
import { useSyncExternalStore } from "react";
import { dict } from "./dict";

export type Lang = "ru" | "kk";
const LANG_KEY = "pedatt.lang";

let lang: Lang = (localStorage.getItem(LANG_KEY) as Lang) === "kk" ? "kk" : "ru";
const listeners = new Set<() => void>();
document.documentElement.lang = lang;

export function getLang(): Lang {
  return lang;
}

export function setLang(l: Lang) {
  lang = l;
  localStorage.setItem(LANG_KEY, l);
  document.documentElement.lang = l;
  listeners.forEach((f) => f());
}

export function useLang(): Lang {
  return useSyncExternalStore(
    (f) => {
      listeners.add(f);
      return () => listeners.delete(f);
    },
    () => lang,
  );
}

// A browser whose Intl lacks Kazakh data formats kk-KZ in the root locale (2027-05-31);
// Kazakhstan's Russian conventions (31.05.2027, 1 234,5) are the right fallback.
const KK_SUPPORTED = (() => {
  try {
    const d = new Intl.DateTimeFormat("kk-KZ", { day: "2-digit", month: "2-digit", year: "numeric" }).format(new Date(2027, 4, 31));
    return Intl.DateTimeFormat.supportedLocalesOf(["kk-KZ"]).length > 0 && d.startsWith("31");
  } catch {
    return false;
  }
})();

export function locale(): string {
  return lang === "kk" && KK_SUPPORTED ? "kk-KZ" : "ru-KZ";
}

/** t("key", {n: 3}) → the string in the current language with {n} replaced. */
export function t(key: string, params?: Record<string, string | number>): string {
  const entry = dict[key];
  let s = entry ? (lang === "kk" ? entry[1] || entry[0] : entry[0]) : key;
  if (params) for (const [k, v] of Object.entries(params)) s = s.split(`{${k}}`).join(String(v));
  return s;
}

/** Text in the current language from an API object with `<field>_ru` / `<field>_kk` or {ru, kk}. */
export function pick(obj: any, field = "title"): string {
  if (!obj) return "";
  const v = obj[field];
  if (v && typeof v === "object") return (lang === "kk" ? v.kk || v.ru : v.ru || v.kk) ?? "";
  const ru = obj[`${field}_ru`];
  const kk = obj[`${field}_kk`];
  if (ru !== undefined || kk !== undefined) return (lang === "kk" ? kk || ru : ru || kk) ?? "";
  return typeof v === "string" ? v : "";
}

function toDate(v: string | number | Date | null | undefined): Date | null {
  if (v === null || v === undefined || v === "") return null;
  // a bare date "2026-05-01" is a calendar date, not midnight UTC
  if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v)) {
    const [y, m, d] = v.split("-").map(Number);
    return new Date(y, m - 1, d);
  }
  const d = v instanceof Date ? v : new Date(v);
  return isNaN(d.getTime()) ? null : d;
}

export function fmtDate(v: string | number | Date | null | undefined): string {
  const d = toDate(v);
  return d ? new Intl.DateTimeFormat(locale(), { day: "2-digit", month: "2-digit", year: "numeric" }).format(d) : "—";
}

export function fmtDateTime(v: string | number | Date | null | undefined): string {
  const d = toDate(v);
  return d
    ? new Intl.DateTimeFormat(locale(), {
        day: "2-digit",
        month: "2-digit",
        year: "numeric",
        hour: "2-digit",
        minute: "2-digit",
      }).format(d)
    : "—";
}

export function fmtNumber(n: number | string | null | undefined, digits = 0): string {
  if (n === null || n === undefined || n === "") return "—";
  const v = typeof n === "string" ? Number(n) : n;
  if (isNaN(v)) return String(n);
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(v);
}

export function fmtSize(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return "—";
  if (bytes < 1024) return `${fmtNumber(bytes)} ${t("unit.b")}`;
  if (bytes < 1024 * 1024) return `${fmtNumber(bytes / 1024, 1)} ${t("unit.kb")}`;
  return `${fmtNumber(bytes / 1024 / 1024, 1)} ${t("unit.mb")}`;
}
