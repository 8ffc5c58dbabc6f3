import type { ComputePool } from "./site-config.ts";
import type { Zone } from "./policy.ts";

/** One named node and the zone it serves. */
export interface NodeAssignment {
  readonly node: string;
  readonly zone: Zone;
}

/**
 * Deals a pool's named nodes to its zones in order (node i serves zone i mod n). A node carries one
 * `ndc.gov.vn/zone` label, because tenant namespaces pin pods with the selector `ndc.gov.vn/zone=<zone>`.
 * Pools without `nodeNames` (production) are labelled by node provisioning and discovered by label.
 */
export function nodeAssignments(pool: ComputePool): NodeAssignment[] {
  return (pool.nodeNames ?? []).map((node, i) => ({ node, zone: pool.zones[i % pool.zones.length]! }));
}
