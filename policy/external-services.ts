import { LABELS, landingNamespaceName } from "../model/index.ts";
import { ENTITLEMENT_RECORD } from "../components/index.ts";
import { inNamespace, isTenantNamespace, labelsOf, nameOf, namespaceOf, TYPES, violation, type CheckedResource, type Violation } from "./_resources.ts";

const EXTERNAL_TYPES = ["LoadBalancer", "NodePort"];

/** Whether the organization's entitlement record (in its landing namespace) allows LoadBalancer/NodePort services. */
export function isEntitledToExternalServices(resources: readonly CheckedResource[], org: string): boolean {
  const record = inNamespace(resources, TYPES.configMap, landingNamespaceName(org)).find((c) => nameOf(c) === ENTITLEMENT_RECORD);
  const text = record?.props?.data?.["organization.json"];
  if (typeof text !== "string") return false;
  try {
    return JSON.parse(text).allowLoadBalancer === true;
  } catch {
    return false;
  }
}

/**
 * No LoadBalancer or NodePort in tenant namespaces unless the organization is entitled: neither a
 * Service of those types nor a quota that allows them. Stack-wide: the entitlement is recorded in the
 * organization's landing namespace.
 */
export function checkExternalServices(resources: readonly CheckedResource[]): Violation[] {
  const violations: Violation[] = [];
  const tenants = new Map(resources.filter(isTenantNamespace).map((ns) => [nameOf(ns)!, labelsOf(ns)[LABELS.org]!]));
  for (const r of resources) {
    const ns = namespaceOf(r);
    const org = ns === undefined ? undefined : tenants.get(ns);
    if (org === undefined || isEntitledToExternalServices(resources, org)) continue;
    if (r.type === TYPES.service && EXTERNAL_TYPES.includes(r.props?.spec?.type)) {
      violations.push(
        violation(
          r,
          `service ${nameOf(r)} in tenant namespace ${ns} is of type ${r.props.spec.type}; ${org} is not entitled to LoadBalancer or NodePort services`,
        ),
      );
    }
    if (r.type === TYPES.resourceQuota) {
      for (const key of ["services.loadbalancers", "services.nodeports"]) {
        const value = r.props?.spec?.hard?.[key];
        if (value !== undefined && Number(value) !== 0) {
          violations.push(
            violation(
              r,
              `quota ${nameOf(r)} in tenant namespace ${ns} allows ${key}=${value}; ${org} is not entitled to LoadBalancer or NodePort services, it must be 0`,
            ),
          );
        }
      }
    }
  }
  return violations;
}
