import { poolCapacity } from "./admission.ts";
import { addAmounts, formatBytes, formatCpu, parseBytes, parseCpuMillis, ZERO_AMOUNTS, type ResourceAmounts } from "./quantity.ts";
import type { RoadmapEntry, Site } from "./site-config.ts";
import { heldAt, type HoldingInterval } from "./usage.ts";
import { IssueCollector, type ValidationIssue } from "./validation-error.ts";
import { addMonths, vietnamDayStart, vietnamMonthBounds, vietnamMonthOf } from "./vietnam-time.ts";

/**
 * The capacity roadmap: each site's capacity phase by phase (2023–2025, 2026–2028, 2029–2030) from
 * its stack, against what is committed, and the month each site, pool and storage tier runs out if
 * commitments keep growing as they did.
 */

/** How far ahead a run-out month is looked for when no later phase adds capacity. */
export const RUN_OUT_HORIZON_MONTHS = 240;

/** The day a phase's capacity comes online: `onlineFrom`, or 1 January of its first year. */
export function phaseOnlineDate(entry: RoadmapEntry): string {
  return entry.onlineFrom ?? `${entry.from}-01-01`;
}

/**
 * When a site's capacity is not online yet at `now`: the first phase of its roadmap and its date.
 * Undefined when the site has no roadmap or a phase is already online.
 */
export function capacityNotYetOnline(site: Site, now: Date): { readonly phase: number; readonly onlineFrom: string } | undefined {
  const phases = [...(site.roadmap ?? [])].sort((a, b) => a.phase - b.phase);
  const first = phases[0];
  if (!first) return undefined;
  const date = phaseOnlineDate(first);
  return vietnamDayStart(date)!.getTime() > now.getTime() ? { phase: first.phase, onlineFrom: date } : undefined;
}

/** A phase of a site's roadmap, with what is committed now against it. */
export interface RoadmapPhase {
  readonly phase: number;
  readonly from: number;
  readonly to: number;
  readonly onlineFrom: string;
  readonly racks: number;
  readonly status: "online" | "upcoming";
  readonly capacity: ResourceAmounts;
  /** Capacity left at today's commitments (negative when over). */
  readonly headroom: { readonly cpuMillis: number; readonly memoryBytes: number };
}

/** The month (YYYY-MM, Vietnam time) a resource runs out, or null when it does not within the horizon. */
export type RunOut = string | null;

export interface SiteRoadmap {
  readonly site: string;
  readonly status: Site["status"];
  readonly committed: ResourceAmounts;
  /** Observed growth of commitments per month. */
  readonly growthPerMonth: ResourceAmounts;
  readonly phases: readonly RoadmapPhase[];
  /** Against the roadmap's capacity, phase by phase. */
  readonly runOut: { readonly cpu: RunOut; readonly memory: RunOut };
  readonly pools: readonly {
    readonly name: string;
    readonly capacity: ResourceAmounts;
    readonly committed: ResourceAmounts;
    readonly runOut: { readonly cpu: RunOut; readonly memory: RunOut; readonly gpu: RunOut };
  }[];
  readonly storageTiers: readonly { readonly name: string; readonly capacityBytes: number; readonly committedBytes: number; readonly runOut: RunOut }[];
}

export interface RoadmapInput {
  readonly site: Site;
  /** What is committed now, per pool (storage counted per tier across pools). */
  readonly committedByPool: ReadonlyMap<string, ResourceAmounts>;
  /** Observed growth per month, per pool (same shape). */
  readonly growthByPool: ReadonlyMap<string, ResourceAmounts>;
  readonly now: Date;
}

/** The roadmap of one site: phases, committed against each, and run-out months. */
export function siteRoadmap(input: RoadmapInput): SiteRoadmap {
  const { site, now } = input;
  const sum = (m: ReadonlyMap<string, ResourceAmounts>) => [...m.values()].reduce(addAmounts, ZERO_AMOUNTS);
  const committed = sum(input.committedByPool);
  const growth = sum(input.growthByPool);
  const month = vietnamMonthOf(now);
  const entries = [...(site.roadmap ?? [])].sort((a, b) => a.phase - b.phase);
  const phases: RoadmapPhase[] = entries.map((e) => {
    const capacity = roadmapCapacity(e);
    return {
      phase: e.phase,
      from: e.from,
      to: e.to,
      onlineFrom: phaseOnlineDate(e),
      racks: e.racks,
      status: vietnamDayStart(phaseOnlineDate(e))!.getTime() <= now.getTime() ? "online" : "upcoming",
      capacity,
      headroom: { cpuMillis: capacity.cpuMillis - committed.cpuMillis, memoryBytes: capacity.memoryBytes - committed.memoryBytes },
    };
  });
  // The roadmap's capacity in a month: the latest phase online by the month's first day.
  const capacityIn = (m: string, key: "cpuMillis" | "memoryBytes") => {
    const start = vietnamMonthBounds(m).start.getTime();
    const online = entries.filter((e) => vietnamDayStart(phaseOnlineDate(e))!.getTime() <= start);
    return online.length ? roadmapCapacity(online.at(-1)!)[key] : 0;
  };
  const pools = site.computePools.map((pool) => {
    const capacity = poolCapacity(pool, site);
    const used = input.committedByPool.get(pool.name) ?? ZERO_AMOUNTS;
    const g = input.growthByPool.get(pool.name) ?? ZERO_AMOUNTS;
    return {
      name: pool.name,
      capacity,
      committed: { ...used, storageBytes: {} },
      runOut: {
        cpu: runOutMonth(used.cpuMillis, g.cpuMillis, () => capacity.cpuMillis, month),
        memory: runOutMonth(used.memoryBytes, g.memoryBytes, () => capacity.memoryBytes, month),
        gpu: capacity.gpu === 0 && used.gpu === 0 ? null : runOutMonth(used.gpu, g.gpu, () => capacity.gpu, month),
      },
    };
  });
  const storageTiers = site.storageTiers.map((tier) => {
    const capacityBytes = parseBytes(tier.capacity) ?? 0;
    const committedBytes = committed.storageBytes[tier.name] ?? 0;
    return {
      name: tier.name,
      capacityBytes,
      committedBytes,
      runOut: runOutMonth(committedBytes, growth.storageBytes[tier.name] ?? 0, () => capacityBytes, month),
    };
  });
  return {
    site: site.id,
    status: site.status,
    committed,
    growthPerMonth: growth,
    phases,
    runOut: entries.length
      ? {
          cpu: runOutMonth(committed.cpuMillis, growth.cpuMillis, (m) => capacityIn(m, "cpuMillis"), month),
          memory: runOutMonth(committed.memoryBytes, growth.memoryBytes, (m) => capacityIn(m, "memoryBytes"), month),
        }
      : { cpu: null, memory: null },
    pools,
    storageTiers,
  };
}

/**
 * The first month, from `fromMonth` on, in which `committed + growth × months elapsed` exceeds the
 * capacity of that month; null when that does not happen within the horizon. Commitments already
 * over capacity run out in `fromMonth`.
 */
export function runOutMonth(
  committed: number,
  growthPerMonth: number,
  capacityIn: (month: string) => number,
  fromMonth: string,
  horizonMonths = RUN_OUT_HORIZON_MONTHS,
): RunOut {
  for (let k = 0; k <= horizonMonths; k++) {
    const month = addMonths(fromMonth, k);
    if (committed + growthPerMonth * k > capacityIn(month)) return month;
  }
  return null;
}

/**
 * Growth of commitments per month: what was held at `now` minus what was held `windowMonths`
 * earlier, divided by the window (never negative: a site that shrank does not run out).
 */
export function growthPerMonth(heldNow: ResourceAmounts, heldBefore: ResourceAmounts, windowMonths: number): ResourceAmounts {
  const rate = (a: number, b: number) => Math.max(0, (a - b) / windowMonths);
  const storageBytes: Record<string, number> = {};
  for (const tier of new Set([...Object.keys(heldNow.storageBytes), ...Object.keys(heldBefore.storageBytes)])) {
    storageBytes[tier] = rate(heldNow.storageBytes[tier] ?? 0, heldBefore.storageBytes[tier] ?? 0);
  }
  return {
    cpuMillis: rate(heldNow.cpuMillis, heldBefore.cpuMillis),
    memoryBytes: rate(heldNow.memoryBytes, heldBefore.memoryBytes),
    gpu: rate(heldNow.gpu, heldBefore.gpu),
    storageBytes,
  };
}

/** How far back the observed growth of commitments is measured. */
export const GROWTH_WINDOW_DAYS = 90;
/** The same window in months of 30 days (growth is per month). */
const GROWTH_WINDOW_MONTHS = GROWTH_WINDOW_DAYS / 30;

/**
 * Observed growth per month at one site, per pool: what the holdings held at `now` minus what they
 * held `GROWTH_WINDOW_DAYS` earlier, over 3 months (never negative). `poolOf` says which pool an
 * interval's environment occupies at that site (unknown ones count in no pool).
 */
export function observedGrowthByPool(
  intervals: readonly HoldingInterval[],
  site: string,
  poolOf: (i: HoldingInterval) => string | undefined,
  now: Date,
): Map<string, ResourceAmounts> {
  const before = new Date(now.getTime() - GROWTH_WINDOW_DAYS * 86_400_000);
  const byPool = new Map<string, HoldingInterval[]>();
  for (const i of intervals) {
    const pool = i.site === site ? poolOf(i) : undefined;
    if (pool !== undefined) byPool.set(pool, [...(byPool.get(pool) ?? []), i]);
  }
  const growth = new Map<string, ResourceAmounts>();
  for (const [pool, list] of byPool) {
    growth.set(pool, growthPerMonth(heldAt(list, now).get(site) ?? ZERO_AMOUNTS, heldAt(list, before).get(site) ?? ZERO_AMOUNTS, GROWTH_WINDOW_MONTHS));
  }
  return growth;
}

/** Checks a site's roadmap: phases in order without repeats, years in order, quantities and dates valid. */
export function roadmapIssues(site: Site, path: string): ValidationIssue[] {
  const issues = new IssueCollector();
  let previous: RoadmapEntry | undefined;
  (site.roadmap ?? []).forEach((e, i) => {
    const at = `${path}[${i}]`;
    if (e.to < e.from) issues.add(`${at}.to`, e.to, "roadmap-years", `must not be before from (${e.from})`);
    if (previous && e.phase <= previous.phase)
      issues.add(`${at}.phase`, e.phase, "roadmap-order", `must be later than the previous entry's phase ${previous.phase}; list phases in order, once each`);
    if (previous && e.from <= previous.to) issues.add(`${at}.from`, e.from, "roadmap-order", `must be after the previous phase's last year ${previous.to}`);
    if (parseCpuMillis(e.cpu) === undefined) issues.add(`${at}.cpu`, e.cpu, "quantity-format", 'must be a CPU quantity such as "160000"');
    if (parseBytes(e.memory) === undefined) issues.add(`${at}.memory`, e.memory, "quantity-format", 'must be a quantity of bytes such as "2Pi"');
    if (e.onlineFrom !== undefined) {
      const day = vietnamDayStart(e.onlineFrom);
      if (!day) issues.add(`${at}.onlineFrom`, e.onlineFrom, "date-format", "is not a calendar date; write YYYY-MM-DD");
      else if (Number(e.onlineFrom.slice(0, 4)) < e.from || Number(e.onlineFrom.slice(0, 4)) > e.to) {
        issues.add(`${at}.onlineFrom`, e.onlineFrom, "roadmap-years", `must fall within the phase's years ${e.from}–${e.to}`);
      }
    }
    previous = e;
  });
  return issues.issues;
}

/** A phase's capacity in canonical units. */
function roadmapCapacity(e: RoadmapEntry): ResourceAmounts {
  return { cpuMillis: parseCpuMillis(e.cpu) ?? 0, memoryBytes: parseBytes(e.memory) ?? 0, gpu: 0, storageBytes: {} };
}

/** For messages: a roadmap phase's capacity as Kubernetes quantities. */
export function describeCapacity(a: ResourceAmounts): string {
  return `${formatCpu(a.cpuMillis)} cores, ${formatBytes(a.memoryBytes)} memory`;
}
