import type { KubeConfig } from "@kubernetes/client-node";
import { nodeAssignments, type SiteStackConfig } from "../../model/index.ts";
import { createFakeNodes } from "../cluster/index.ts";

/**
 * Creates the nodes the local stack's pools name (`nodeNames`), as kwok does: the local cluster has
 * no kubelet, and the site stack patches these nodes' zone and pool labels and taints.
 */
export async function createLocalNodes(kc: KubeConfig, stack: SiteStackConfig): Promise<number> {
  const nodes = stack.site.computePools.flatMap((pool) =>
    nodeAssignments(pool).map(({ node, zone }) => ({ name: node, labels: { "ndc.gov.vn/zone": zone, "ndc.gov.vn/pool": pool.name } })),
  );
  await createFakeNodes(kc, nodes);
  return nodes.length;
}
