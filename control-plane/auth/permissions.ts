import type { Principal, Role } from "./principal.ts";

/** What a route asks permission for. */
export type Action = "platform:read" | "environments:read" | "environments:write" | "environments:approve" | "audit:read" | "tokens:create";

/** Which roles may do what. Org-scoped callers are further confined to their organization. */
export const PERMISSIONS: Readonly<Record<Action, readonly Role[]>> = {
  "platform:read": ["requester", "org-admin", "operator", "auditor", "platform-admin"],
  "environments:read": ["requester", "org-admin", "operator", "auditor", "platform-admin"],
  "environments:write": ["requester", "org-admin", "platform-admin"],
  "environments:approve": ["operator", "platform-admin"],
  "audit:read": ["auditor", "operator", "platform-admin"],
  "tokens:create": ["platform-admin"],
};

export type Decision = { readonly allowed: true } | { readonly allowed: false; readonly status: 403 | 404; readonly rule: string; readonly message: string };

/**
 * Whether `principal` may see organization `org` at all. Requesters and org admins see only their
 * own; an operator, auditor or platform admin sees every organization unless confined to one.
 */
export function canSeeOrg(principal: Principal, org: string): boolean {
  if (principal.org !== undefined) return principal.org === org;
  return principal.roles.some((r) => r === "operator" || r === "auditor" || r === "platform-admin");
}

/**
 * Decides an action, optionally on one organization's data. An organization the caller may not see
 * answers 404 — the same as one that does not exist — so nothing leaks, not even existence.
 */
export function authorize(principal: Principal, action: Action, org?: string): Decision {
  if (principal.via === "bootstrap" && action !== "tokens:create") {
    return {
      allowed: false,
      status: 403,
      rule: "bootstrap-first-admin-only",
      message: "the bootstrap token only mints the first platform admin (POST /v1/tokens with role platform-admin); use that admin's token for everything else",
    };
  }
  if (org !== undefined && !canSeeOrg(principal, org)) {
    return {
      allowed: false,
      status: 404,
      rule: "organization-visible",
      message: `no organization or environment of that name is visible to ${principal.subject}`,
    };
  }
  const allowed = PERMISSIONS[action];
  if (!principal.roles.some((r) => allowed.includes(r))) {
    return {
      allowed: false,
      status: 403,
      rule: "role-required",
      message: `${action} needs one of the roles ${allowed.join(", ")}; ${principal.subject} has ${principal.roles.join(", ") || "none"}`,
    };
  }
  return { allowed: true };
}

/** What a set of roles allows, as a set of actions. */
export function actionsOf(roles: readonly Role[]): Set<Action> {
  return new Set((Object.keys(PERMISSIONS) as Action[]).filter((a) => roles.some((r) => PERMISSIONS[a].includes(r))));
}

/**
 * The actions `role` allows that `roles` do not: a minter may hand out no more than it holds
 * (empty when `role` is within `roles`).
 */
export function actionsBeyond(roles: readonly Role[], role: Role): Action[] {
  const held = actionsOf(roles);
  return [...actionsOf([role])].filter((a) => !held.has(a));
}
