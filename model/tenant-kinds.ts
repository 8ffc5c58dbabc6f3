/**
 * The kinds of object an environment is made of, in apply order (the Namespace first): one table from
 * which the control plane's owned kinds (API paths, watches, prune), the Pulumi resource classes and
 * the tenant part of the control plane's ClusterRole are derived. Adding a kind here without a Pulumi
 * class does not compile (components/_kubernetes-resources.ts).
 */
export const TENANT_KINDS = [
  { apiVersion: "v1", kind: "Namespace", plural: "namespaces", namespaced: false, verbs: manage() },
  { apiVersion: "v1", kind: "ServiceAccount", plural: "serviceaccounts", namespaced: true, verbs: manage() },
  { apiVersion: "v1", kind: "ResourceQuota", plural: "resourcequotas", namespaced: true, verbs: manage() },
  { apiVersion: "v1", kind: "LimitRange", plural: "limitranges", namespaced: true, verbs: manage() },
  { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", plural: "networkpolicies", namespaced: true, verbs: manage() },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", plural: "rolebindings", namespaced: true, verbs: manage() },
] as const satisfies readonly TenantKind[];

/** One kind of object an environment is made of, and what the control plane does with it. */
export interface TenantKind {
  /** `group/version`, or `version` for the core group. */
  readonly apiVersion: string;
  readonly kind: string;
  /** The resource name in API paths and RBAC rules. */
  readonly plural: string;
  readonly namespaced: boolean;
  /** What the control plane's ClusterRole allows on it: apply, read back, watch, prune. */
  readonly verbs: readonly string[];
}

export type TenantKindName = (typeof TENANT_KINDS)[number]["kind"];

/** The API group of an `apiVersion`: "" for the core group. */
export function apiGroupOf(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/** `apiVersion/kind`, the way resource classes and policies name a kind. */
export function kindKey(k: Pick<TenantKind, "apiVersion" | "kind">): string {
  return `${k.apiVersion}/${k.kind}`;
}

/**
 * RBAC rules allowing exactly the table's verbs: one rule per API group and set of verbs, resources
 * in table order.
 */
export function tenantKindRules(kinds: readonly TenantKind[] = TENANT_KINDS): { apiGroups: string[]; resources: string[]; verbs: string[] }[] {
  const rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] = [];
  for (const k of kinds) {
    const group = apiGroupOf(k.apiVersion);
    const rule = rules.find((r) => r.apiGroups[0] === group && r.verbs.join() === k.verbs.join());
    if (rule) rule.resources.push(k.plural);
    else rules.push({ apiGroups: [group], resources: [k.plural], verbs: [...k.verbs] });
  }
  return rules;
}

function manage(): readonly string[] {
  return ["get", "list", "watch", "create", "update", "patch", "delete"];
}
