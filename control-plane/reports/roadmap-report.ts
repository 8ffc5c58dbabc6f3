import {
  addAmounts,
  holdingChanges,
  holdingIntervals,
  observedGrowthByPool,
  siteRoadmap,
  ZERO_AMOUNTS,
  type Platform,
  type ResourceAmounts,
  type SiteRoadmap,
} from "../../model/index.ts";
import type { Store } from "../store/index.ts";
import { allEnvironments, lifecycleSteps } from "./history.ts";

export interface CapacityRoadmap {
  readonly generatedAt: string;
  readonly sites: readonly SiteRoadmap[];
}

/**
 * Each configured site's roadmap, phase by phase, against what is committed now, and the month each
 * site, pool and storage tier runs out at the growth of commitments observed over the last 90 days
 * (from the audit trail's holdings).
 */
export async function capacityRoadmap(store: Store, platform: Platform, now: Date): Promise<CapacityRoadmap> {
  const intervals = holdingIntervals(holdingChanges(await lifecycleSteps(store)));
  // Which pool each environment occupies at each site, deleted ones included (their past holdings count).
  const pools = new Map<string, string>();
  for (const env of [...(await allEnvironments(store)), ...(await allEnvironments(store, { phase: "Deleted" }))]) {
    for (const p of env.plan.placements) pools.set(`${env.org}/${env.name}/${p.site}`, p.pool);
  }
  const commitments = await store.commitments();
  const sites = [...platform.sites.values()]
    .filter((s) => s.config !== undefined)
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((site) => {
      const committedByPool = new Map<string, ResourceAmounts>();
      for (const c of commitments.filter((c) => c.site === site.id))
        committedByPool.set(c.pool, addAmounts(committedByPool.get(c.pool) ?? ZERO_AMOUNTS, c.amounts));
      const growthByPool = observedGrowthByPool(intervals, site.id, (i) => pools.get(`${i.org}/${i.environment}/${i.site}`), now);
      return siteRoadmap({ site: site.config!, committedByPool, growthByPool, now });
    });
  return { generatedAt: now.toISOString(), sites };
}
