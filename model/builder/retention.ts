import { OBJECT_NAMES } from "./environment-objects.ts";
import type { KubernetesObject } from "./kubernetes-object.ts";

/**
 * The objects of a `Retained` environment: access frozen, data kept. RoleBindings go (nobody but
 * operators can act in it), the quota drops to zero for everything (no new pods or volumes), and
 * the namespace, network isolation and existing volumes stay.
 * @see DOMAIN.md "Retention"
 */
export function retainedObjects(objects: readonly KubernetesObject[]): KubernetesObject[] {
  return objects
    .filter((o) => o.kind !== "RoleBinding")
    .map((o) => {
      if (o.kind !== "ResourceQuota" || o.metadata.name !== OBJECT_NAMES.quota) return o;
      const hard = (o.spec as { hard: Record<string, string> }).hard;
      return { ...o, spec: { hard: Object.fromEntries(Object.keys(hard).map((k) => [k, "0"])) } };
    });
}
