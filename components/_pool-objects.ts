import { DEDICATED_TAINT_KEY, LABELS, nodeAssignments, type ComputePool, type KubernetesObject, type NodeAssignment, type Site } from "../model/index.ts";
import { baselineLabels } from "./_labels.ts";

/**
 * Makes the Pulumi Kubernetes provider force its server-side apply of a patch resource.
 * @see https://www.pulumi.com/registry/packages/kubernetes/how-to-guides/managing-resources-with-server-side-apply/
 */
export const PATCH_FORCE_ANNOTATION = "pulumi.com/patchForce";

// Which node serves which zone is the model's (local tooling creates the nodes without loading Pulumi).
export { nodeAssignments, type NodeAssignment };

/**
 * The Node patches of a pool: zone and pool labels on each named node, and on dedicated pools the
 * `ndc.gov.vn/dedicated=<pool>:NoSchedule` taint that keeps everything else off them.
 */
export function poolNodeObjects(site: Site, pool: ComputePool): KubernetesObject[] {
  return nodeAssignments(pool).map(({ node, zone }) => ({
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: node,
      labels: baselineLabels(site.id, { [LABELS.zone]: zone, [LABELS.pool]: pool.name }),
      // Node provisioning (or the kubelet) also writes taints, an atomic list: the site stack owns the
      // pool's labels and taints, so its patch takes the fields over instead of failing on a conflict.
      annotations: { [PATCH_FORCE_ANNOTATION]: "true" },
    },
    spec: pool.dedicated ? { taints: [{ key: DEDICATED_TAINT_KEY, value: pool.name, effect: "NoSchedule" }] } : {},
  }));
}
