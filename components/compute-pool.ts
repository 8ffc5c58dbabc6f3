import * as pulumi from "@pulumi/pulumi";
import { formatBytes, formatCpu, poolCapacity, type ComputePool as ComputePoolConfig, type Site } from "../model/index.ts";
import { dependenciesOf } from "./_dependencies.ts";
import { registerObjects } from "./_kubernetes-resources.ts";
import { nodeAssignments, poolNodeObjects } from "./_pool-objects.ts";

/** Arguments of a {@link ComputePool}. */
export interface ComputePoolArgs {
  readonly site: Site;
  /** The pool as the stack declares it; `nodeNames` are patched, other pools are labelled by provisioning. */
  readonly pool: ComputePoolConfig;
}

/**
 * A node pool: `ndc.gov.vn/zone` and `ndc.gov.vn/pool` labels on each named node (one zone per node,
 * dealt in order) and, for dedicated pools (security level >= 4), a NoSchedule taint. Children:
 * `${name}-node-<node>` (`NodePatch`: patches existing nodes, never creates one).
 */
export class ComputePool extends pulumi.ComponentResource {
  /** Named nodes and the zone each serves. */
  readonly nodes: readonly { readonly node: string; readonly zone: string }[];
  /** Capacity after overcommit, in Kubernetes quantities. */
  readonly capacity: { readonly cpu: string; readonly memory: string; readonly gpu: number };

  constructor(name: string, args: ComputePoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ndc:index:ComputePool", name, {}, opts);
    this.nodes = nodeAssignments(args.pool);
    const cap = poolCapacity(args.pool, args.site);
    this.capacity = { cpu: formatCpu(cap.cpuMillis), memory: formatBytes(cap.memoryBytes), gpu: cap.gpu };
    registerObjects(this, name, poolNodeObjects(args.site, args.pool), dependenciesOf(opts));
    this.registerOutputs({ nodes: this.nodes, capacity: this.capacity });
  }
}
