import {
  addAmounts,
  commitmentsOf,
  formatBytes,
  formatCpu,
  parseBytes,
  poolCapacity,
  ZERO_AMOUNTS,
  type EnvironmentPlan,
  type SiteStackConfig,
} from "../model/index.ts";
import { tierReclaimPolicy } from "./_tier-objects.ts";

/** One pool's capacity (after overcommit) and what the stack's static environments hold of it. */
export interface PoolCapacitySummary {
  readonly name: string;
  readonly zones: readonly string[];
  readonly dedicated: boolean;
  readonly nodes: number;
  readonly cpu: string;
  readonly memory: string;
  readonly gpu: number;
  readonly committedCpu: string;
  readonly committedMemory: string;
  readonly committedGpu: number;
}

/** One storage tier's capacity and what the stack's static environments hold of it. */
export interface TierCapacitySummary {
  readonly name: string;
  readonly storageClass: string;
  readonly reclaimPolicy: "Retain" | "Delete";
  readonly capacity: string;
  readonly committed: string;
}

/** The capacity a platform engineer sees after `pulumi up` (stack output `capacity`). */
export interface CapacitySummary {
  readonly site: string;
  readonly status: string;
  readonly phase: number;
  readonly pools: readonly PoolCapacitySummary[];
  readonly storageTiers: readonly TierCapacitySummary[];
  readonly total: { readonly cpu: string; readonly memory: string; readonly gpu: number };
  readonly roadmap: SiteStackConfig["site"]["roadmap"];
}

/**
 * Capacity per pool and tier, using the model's pool capacity (nodes x size x overcommit) and the
 * commitments of the static environments. Requested environments are the control plane's to report.
 */
export function capacitySummary(config: SiteStackConfig, plans: readonly EnvironmentPlan[]): CapacitySummary {
  const { site } = config;
  const commitments = plans.flatMap(commitmentsOf).filter((c) => c.site === site.id);
  let total = ZERO_AMOUNTS;
  const pools = site.computePools.map((pool): PoolCapacitySummary => {
    const cap = poolCapacity(pool, site);
    total = addAmounts(total, cap);
    const used = commitments.filter((c) => c.pool === pool.name).reduce((acc, c) => addAmounts(acc, c.amounts), ZERO_AMOUNTS);
    return {
      name: pool.name,
      zones: pool.zones,
      dedicated: pool.dedicated ?? false,
      nodes: pool.nodes,
      cpu: formatCpu(cap.cpuMillis),
      memory: formatBytes(cap.memoryBytes),
      gpu: cap.gpu,
      committedCpu: formatCpu(used.cpuMillis),
      committedMemory: formatBytes(used.memoryBytes),
      committedGpu: used.gpu,
    };
  });
  const storageTiers = site.storageTiers.map((tier): TierCapacitySummary => ({
    name: tier.name,
    storageClass: tier.storageClass,
    reclaimPolicy: tierReclaimPolicy(config, tier),
    capacity: formatBytes(parseBytes(tier.capacity) ?? 0),
    committed: formatBytes(commitments.reduce((sum, c) => sum + (c.amounts.storageBytes[tier.name] ?? 0), 0)),
  }));
  return {
    site: site.id,
    status: site.status,
    phase: site.phase,
    pools,
    storageTiers,
    total: { cpu: formatCpu(total.cpuMillis), memory: formatBytes(total.memoryBytes), gpu: total.gpu },
    roadmap: site.roadmap ?? [],
  };
}
