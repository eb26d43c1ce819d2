// The signed-in user (GET /me), shared by every page.
import { useSyncExternalStore } from "react";
import { api } from "./api";

export interface Membership {
  organization_id: string;
  organization_name?: string;
  roles: string[];
  active?: boolean;
}

export interface Me {
  id: string;
  email?: string;
  iin?: string;
  full_name: string;
  must_change_password?: boolean;
  memberships: Membership[];
  platform_roles: string[];
  organization_id: string | null;
  roles: string[];
  raw: any;
}

let me: Me | null = null;
const listeners = new Set<() => void>();

export function normalizeMe(raw: any): Me {
  const user = raw?.user ?? raw ?? {};
  const memberships: Membership[] = (raw?.memberships ?? user.memberships ?? []).map((m: any) => ({
    organization_id: String(m.organization_id ?? m.organization?.id ?? ""),
    organization_name: m.organization_name ?? m.organization?.name_ru ?? m.organization?.name,
    roles: (m.roles ?? []).map((r: any) => (typeof r === "string" ? r : r.role)),
    active: m.active ?? m.is_active,
  }));
  const orgId = raw?.active_organization_id ?? raw?.organization_id ?? memberships[0]?.organization_id ?? null;
  const current = memberships.find((m) => m.organization_id === orgId) ?? memberships[0];
  const fullName =
    user.full_name ??
    ([user.last_name ?? user.surname, user.first_name, user.patronymic ?? user.middle_name].filter(Boolean).join(" ") ||
      user.email ||
      "");
  return {
    id: String(user.id ?? user.user_id ?? ""),
    email: user.email,
    iin: user.iin,
    full_name: fullName,
    must_change_password: user.must_change_password ?? raw?.must_change_password,
    memberships,
    platform_roles: raw?.platform_roles ?? user.platform_roles ?? [],
    organization_id: orgId,
    roles: raw?.roles ?? current?.roles ?? [],
    raw,
  };
}

export async function loadMe(): Promise<Me> {
  const raw = await api.get("/me");
  me = normalizeMe(raw);
  listeners.forEach((f) => f());
  return me;
}

export function clearMe() {
  me = null;
  listeners.forEach((f) => f());
}

export function getMe() {
  return me;
}

export function useMe(): Me | null {
  return useSyncExternalStore(
    (f) => {
      listeners.add(f);
      return () => listeners.delete(f);
    },
    () => me,
  );
}

export function hasRole(m: Me | null, ...roles: string[]) {
  if (!m) return false;
  return roles.some((r) => m.roles.includes(r) || m.platform_roles.includes(r));
}
