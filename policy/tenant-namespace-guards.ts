import { inNamespace, isTenantNamespace, labelsOf, nameOf, TYPES, violation, type CheckedResource, type Violation } from "./_resources.ts";

/** Quota keys every tenant namespace must bound (the model's builder and the landings set them all). */
export const REQUIRED_QUOTA_KEYS = ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory", "services.loadbalancers", "services.nodeports"] as const;

/** A NetworkPolicy that selects every pod and allows nothing, both ways. */
export function isDefaultDeny(policy: CheckedResource): boolean {
  const spec = policy.props?.spec ?? {};
  const selectsAll = Object.keys(spec.podSelector?.matchLabels ?? {}).length === 0 && (spec.podSelector?.matchExpressions ?? []).length === 0;
  const types: string[] = spec.policyTypes ?? [];
  return selectsAll && types.includes("Ingress") && types.includes("Egress") && (spec.ingress ?? []).length === 0 && (spec.egress ?? []).length === 0;
}

/**
 * Every tenant namespace (label `ndc.gov.vn/org`) enforces Pod Security `restricted`, has a
 * default-deny NetworkPolicy in both directions, and a ResourceQuota bounding compute and external
 * services. Stack-wide: the policies and quota are separate resources.
 */
export function checkTenantNamespaceGuards(resources: readonly CheckedResource[]): Violation[] {
  const violations: Violation[] = [];
  for (const ns of resources.filter(isTenantNamespace)) {
    const name = nameOf(ns)!;
    const enforce = labelsOf(ns)["pod-security.kubernetes.io/enforce"];
    if (enforce !== "restricted") {
      violations.push(
        violation(
          ns,
          `tenant namespace ${name} must enforce Pod Security "restricted" (label pod-security.kubernetes.io/enforce), got ${JSON.stringify(enforce ?? null)}`,
        ),
      );
    }
    if (!inNamespace(resources, TYPES.networkPolicy, name).some(isDefaultDeny)) {
      violations.push(
        violation(ns, `tenant namespace ${name} has no default-deny NetworkPolicy (empty podSelector, policyTypes Ingress and Egress, no rules)`),
      );
    }
    const quotas = inNamespace(resources, TYPES.resourceQuota, name);
    if (quotas.length === 0) {
      violations.push(violation(ns, `tenant namespace ${name} has no ResourceQuota`));
    } else {
      const keys = new Set(quotas.flatMap((q) => Object.keys(q.props?.spec?.hard ?? {})));
      const missing = REQUIRED_QUOTA_KEYS.filter((k) => !keys.has(k));
      if (missing.length > 0)
        violations.push(violation(ns, `tenant namespace ${name} leaves ${missing.join(", ")} unbounded; its ResourceQuota must set them`));
    }
  }
  return violations;
}
