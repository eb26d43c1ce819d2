// Reference lists (GET /reference, public) and the current rules edition, cached per page load.
import { api } from "./api";
import { pick } from "./i18n";

let refPromise: Promise<any> | null = null;
export function loadReference(): Promise<any> {
  if (!refPromise) refPromise = api.get("/reference", undefined, { auth: false }).catch((e) => ((refPromise = null), Promise.reject(e)));
  return refPromise;
}

let rulesPromise: Promise<any> | null = null;
export function loadRules(): Promise<any> {
  if (!rulesPromise) rulesPromise = api.get("/rules/current", undefined, { auth: false }).catch((e) => ((rulesPromise = null), Promise.reject(e)));
  return rulesPromise;
}

export function titleOf(list: any[] | undefined, code: string | null | undefined): string {
  if (!code) return "—";
  const found = (list ?? []).find((x) => x.code === code);
  return found ? pick(found) : code;
}
