import {
  holdingChanges,
  holdingIntervals,
  totalCost,
  usageForMonth,
  vietnamMonthBounds,
  type Platform,
  type PriceListVersion,
  type UsageLine,
} from "../../model/index.ts";
import type { Store } from "../store/index.ts";
import { toCsv } from "./csv.ts";
import { lifecycleSteps } from "./history.ts";

export interface UsageReport {
  readonly month: string;
  /** The month's bounds (00:00 Vietnam time), and the instant the report was made (a month in progress counts up to it). */
  readonly from: string;
  readonly to: string;
  readonly generatedAt: string;
  readonly currency: "VND";
  readonly total: number;
  readonly organizations: readonly {
    readonly org: string;
    readonly total: number;
    readonly environments: readonly { readonly environment: string; readonly total: number }[];
  }[];
  /** Each environment's holding at one site, clipped to the month and to one price-list version. */
  readonly lines: readonly UsageLine[];
}

/** Each configured site's price list (its stack's `site.prices`). */
export function priceLists(platform: Platform): Map<string, readonly PriceListVersion[]> {
  return new Map([...platform.sites.values()].map((s) => [s.id, s.config?.prices ?? []]));
}

/**
 * Showback for a Vietnam month: what each environment held from Ready to Deleted (resizes from the
 * moment the new size is Ready), as the audit trail recorded it, priced from each site's price list
 * in force then. `orgs` limits it to those organizations (all when omitted).
 */
export async function usageReport(store: Store, platform: Platform, month: string, now: Date, orgs?: readonly string[]): Promise<UsageReport> {
  const intervals = holdingIntervals(holdingChanges(await lifecycleSteps(store, orgs)));
  const lines = usageForMonth(intervals, priceLists(platform), month, now);
  const byOrg = new Map<string, Map<string, number>>();
  for (const l of lines) {
    const envs = byOrg.get(l.org) ?? new Map<string, number>();
    envs.set(l.environment, (envs.get(l.environment) ?? 0) + l.cost.total);
    byOrg.set(l.org, envs);
  }
  const { start, end } = vietnamMonthBounds(month);
  return {
    month,
    from: start.toISOString(),
    to: end.toISOString(),
    generatedAt: now.toISOString(),
    currency: "VND",
    total: totalCost(lines),
    organizations: [...byOrg]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([org, envs]) => ({
        org,
        total: [...envs.values()].reduce((a, b) => a + b, 0),
        environments: [...envs].sort(([a], [b]) => a.localeCompare(b)).map(([environment, total]) => ({ environment, total })),
      })),
    lines,
  };
}

/** One row per usage line, its parts and its total, in whole đồng. */
export function usageCsv(report: UsageReport): string {
  const tiers = [...new Set(report.lines.flatMap((l) => Object.keys(l.cost.storage)))].sort();
  const header = [
    "month",
    "org",
    "environment",
    "site",
    "from",
    "to",
    "seconds",
    "cpuMillis",
    "memoryBytes",
    "gpu",
    "priceVersion",
    "currency",
    "cpuCost",
    "memoryCost",
    "gpuCost",
    ...tiers.map((t) => `storageCost.${t}`),
    "total",
  ];
  const rows = report.lines.map((l) => [
    report.month,
    l.org,
    l.environment,
    l.site,
    l.from,
    l.to,
    l.seconds,
    l.amounts.cpuMillis,
    l.amounts.memoryBytes,
    l.amounts.gpu,
    l.priceVersion,
    l.currency,
    l.cost.cpu,
    l.cost.memory,
    l.cost.gpu,
    ...tiers.map((t) => l.cost.storage[t] ?? 0),
    l.cost.total,
  ]);
  return toCsv(header, rows);
}
