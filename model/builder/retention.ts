import { OBJECT_NAMES } from "./environment-objects.ts";
import type { KubernetesObject } from "./kubernetes-object.ts";

/**
 * Network policies a `Retained` environment keeps: default deny, DNS, log shipping, and the
 * management zone's admin ports (operators restore or export the data). Everything that let traffic
 * in — the gateway (DMZ), the zone matrix, the same namespace, sharing agreements — goes.
 */
export const RETAINED_NETWORK_POLICIES: readonly string[] = [OBJECT_NAMES.defaultDeny, OBJECT_NAMES.dns, OBJECT_NAMES.logEgress, OBJECT_NAMES.mgmtAdmin];

/**
 * The objects of a `Retained` environment: access frozen, ingress closed, data kept. RoleBindings go
 * (nobody but operators can act in it), the quota drops to zero for everything (no new pods or
 * volumes), only the network policies in `RETAINED_NETWORK_POLICIES` stay, and the namespace and
 * existing volumes stay. The provisioner also scales the tenant's workloads to zero.
 * @see DOMAIN.md "Retention"
 */
export function retainedObjects(objects: readonly KubernetesObject[]): KubernetesObject[] {
  return objects
    .filter((o) => o.kind !== "RoleBinding")
    .filter((o) => o.kind !== "NetworkPolicy" || RETAINED_NETWORK_POLICIES.includes(o.metadata.name))
    .map((o) => {
      if (o.kind !== "ResourceQuota" || o.metadata.name !== OBJECT_NAMES.quota) return o;
      const hard = (o.spec as { hard: Record<string, string> }).hard;
      return { ...o, spec: { hard: Object.fromEntries(Object.keys(hard).map((k) => [k, "0"])) } };
    });
}
