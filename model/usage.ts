import { requestedAmounts } from "./admission.ts";
import type { EnvironmentSpec } from "./environment-spec.ts";
import { addAmounts, ZERO_AMOUNTS, type ResourceAmounts } from "./quantity.ts";
import type { PriceListVersion, Site } from "./site-config.ts";
import { IssueCollector, type ValidationIssue } from "./validation-error.ts";
import { vietnamDayStart, vietnamMonthBounds } from "./vietnam-time.ts";

/**
 * Showback: what each organization's environments held, month by month, priced from each site's
 * versioned price list. An environment holds its resources from the moment it is first Ready until
 * it is Deleted (a Retained environment still holds its capacity: admission keeps counting it);
 * a resize counts from the moment its new size is Ready.
 */

/** From this instant on, an environment holds these amounts at each of these sites (null: nothing any more). */
export interface HoldingChange {
  readonly at: string;
  readonly org: string;
  readonly environment: string;
  readonly holds: { readonly sites: readonly string[]; readonly amounts: ResourceAmounts } | null;
}

/** An environment holding fixed amounts at one site during [from, to); `to` null while it still holds them. */
export interface HoldingInterval {
  readonly org: string;
  readonly environment: string;
  readonly site: string;
  readonly from: string;
  readonly to: string | null;
  readonly amounts: ResourceAmounts;
}

/** One priced piece of usage: an interval clipped to the month and to one price-list version. */
export interface UsageLine {
  readonly org: string;
  readonly environment: string;
  readonly site: string;
  readonly from: string;
  readonly to: string;
  readonly seconds: number;
  readonly amounts: ResourceAmounts;
  /** The price-list version applied; null when the site had no price in force (cost 0). */
  readonly priceVersion: string | null;
  readonly currency: string | null;
  /** Whole units of the currency (đồng), each part rounded to the nearest unit; total = the sum of the parts. */
  readonly cost: {
    readonly cpu: number;
    readonly memory: number;
    readonly gpu: number;
    readonly storage: Readonly<Record<string, number>>;
    readonly total: number;
  };
}

/** An environment arriving in a lifecycle phase, with the spec it is built to then (one record of the audit trail). */
export interface LifecycleStep {
  readonly at: string;
  readonly org: string;
  readonly environment: string;
  readonly phase: string;
  readonly spec: Pick<EnvironmentSpec, "sites" | "resources"> | null;
}

/** Arriving here, an environment holds what its spec asks for (first Ready, or Ready after a resize). */
export const HOLDING_STARTS_IN = "Ready";
/** Arriving here, it holds nothing any more. */
export const HOLDING_ENDS_IN = "Deleted";

/**
 * The holding changes a lifecycle history implies: each arrival in Ready holds the spec's sites and
 * amounts from that instant (recorded only when they differ from what it held, so a restore or a
 * rejected decommission does not split an interval), arrival in Deleted ends it. Other phases change
 * nothing: Updating and Retained keep holding what was built.
 */
export function holdingChanges(steps: readonly LifecycleStep[]): HoldingChange[] {
  const sorted = [...steps].map((s, i) => ({ s, i })).sort((a, b) => a.s.at.localeCompare(b.s.at) || a.i - b.i);
  const held = new Map<string, string | null>();
  const changes: HoldingChange[] = [];
  for (const { s } of sorted) {
    const key = `${s.org}/${s.environment}`;
    let holds: HoldingChange["holds"] | undefined;
    if (s.phase === HOLDING_STARTS_IN && s.spec)
      holds = { sites: [...s.spec.sites].sort(), amounts: requestedAmounts({ org: s.org, spec: s.spec as EnvironmentSpec }) };
    else if (s.phase === HOLDING_ENDS_IN) holds = null;
    if (holds === undefined) continue;
    const fingerprint = holds === null ? null : JSON.stringify(holds);
    if ((held.get(key) ?? null) === fingerprint) continue;
    held.set(key, fingerprint);
    changes.push({ at: s.at, org: s.org, environment: s.environment, holds });
  }
  return changes;
}

const GIB = 2 ** 30;
const TIB = 2 ** 40;

/**
 * Turns a history of holding changes into intervals per site. Changes are applied in time order
 * per environment; each one closes what the environment held before and opens what it holds now.
 */
export function holdingIntervals(changes: readonly HoldingChange[]): HoldingInterval[] {
  const sorted = [...changes].map((c, i) => ({ c, i })).sort((a, b) => a.c.at.localeCompare(b.c.at) || a.i - b.i);
  const open = new Map<string, HoldingInterval[]>();
  const closed: HoldingInterval[] = [];
  for (const { c } of sorted) {
    const key = `${c.org}/${c.environment}`;
    for (const interval of open.get(key) ?? []) if (interval.from < c.at) closed.push({ ...interval, to: c.at });
    open.delete(key);
    if (c.holds)
      open.set(
        key,
        c.holds.sites.map((site) => ({ org: c.org, environment: c.environment, site, from: c.at, to: null, amounts: c.holds!.amounts })),
      );
  }
  const all = [...closed, ...[...open.values()].flat()];
  return all.sort(
    (a, b) => a.org.localeCompare(b.org) || a.environment.localeCompare(b.environment) || a.site.localeCompare(b.site) || a.from.localeCompare(b.from),
  );
}

/**
 * Prices every interval's part inside a Vietnam month (YYYY-MM), split where a new price-list
 * version takes effect. Intervals still open are counted up to `now` (a month in progress).
 * @param priceLists price list per site id (the stack's `site.prices`)
 */
export function usageForMonth(
  intervals: readonly HoldingInterval[],
  priceLists: ReadonlyMap<string, readonly PriceListVersion[]>,
  month: string,
  now: Date,
): UsageLine[] {
  const { start, end } = vietnamMonthBounds(month);
  const monthMs = end.getTime() - start.getTime();
  const lines: UsageLine[] = [];
  for (const interval of intervals) {
    const from = Math.max(Date.parse(interval.from), start.getTime());
    const to = Math.min(interval.to === null ? now.getTime() : Date.parse(interval.to), end.getTime(), now.getTime());
    if (to <= from) continue;
    for (const piece of pricePieces(priceLists.get(interval.site) ?? [], from, to)) {
      const ms = piece.to - piece.from;
      lines.push({
        org: interval.org,
        environment: interval.environment,
        site: interval.site,
        from: new Date(piece.from).toISOString(),
        to: new Date(piece.to).toISOString(),
        seconds: ms / 1000,
        amounts: interval.amounts,
        priceVersion: piece.price?.version ?? null,
        currency: piece.price?.currency ?? null,
        cost: cost(interval.amounts, piece.price, ms / monthMs),
      });
    }
  }
  return lines;
}

/** Sums the cost of usage lines (whole units: the sum is exact). */
export function totalCost(lines: readonly UsageLine[]): number {
  return lines.reduce((sum, l) => sum + l.cost.total, 0);
}

/** What is held at one instant, per site, from the intervals (for growth of commitments). */
export function heldAt(intervals: readonly HoldingInterval[], instant: Date): Map<string, ResourceAmounts> {
  const t = instant.toISOString();
  const bySite = new Map<string, ResourceAmounts>();
  for (const i of intervals) {
    if (i.from <= t && (i.to === null || t < i.to)) bySite.set(i.site, addAmounts(bySite.get(i.site) ?? ZERO_AMOUNTS, i.amounts));
  }
  return bySite;
}

/**
 * Checks a site's price list: unique versions, real dates in increasing order, and a price for
 * every storage tier of the site (and no other).
 */
export function priceListIssues(site: Site, path: string): ValidationIssue[] {
  const issues = new IssueCollector();
  const tiers = site.storageTiers.map((t) => t.name);
  let previous: { version: string; at: number } | undefined;
  const seen = new Set<string>();
  (site.prices ?? []).forEach((p, i) => {
    const at = `${path}[${i}]`;
    if (seen.has(p.version)) issues.add(`${at}.version`, p.version, "duplicate-name", "is declared twice; each price-list version must be unique");
    seen.add(p.version);
    const day = vietnamDayStart(p.effectiveFrom);
    if (!day) {
      issues.add(`${at}.effectiveFrom`, p.effectiveFrom, "date-format", "is not a calendar date; write YYYY-MM-DD");
    } else {
      if (previous && day.getTime() <= previous.at) {
        issues.add(
          `${at}.effectiveFrom`,
          p.effectiveFrom,
          "price-list-order",
          `must be later than the previous version ${previous.version}'s; list versions oldest first`,
        );
      }
      previous = { version: p.version, at: day.getTime() };
    }
    for (const tier of tiers) {
      if (p.perMonth.storageTiB[tier] === undefined)
        issues.add(
          `${at}.perMonth.storageTiB`,
          p.perMonth.storageTiB,
          "price-for-every-tier",
          `has no price for storage tier ${tier}; price every tier of ${site.id} (${tiers.join(", ")})`,
        );
    }
    for (const tier of Object.keys(p.perMonth.storageTiB)) {
      if (!tiers.includes(tier))
        issues.add(`${at}.perMonth.storageTiB.${tier}`, tier, "storage-tier-known", `is not a storage tier of ${site.id}; tiers: ${tiers.join(", ")}`);
    }
  });
  return issues.issues;
}

/** Splits [from, to) where a price-list version takes effect; each piece carries the version in force. */
function pricePieces(list: readonly PriceListVersion[], from: number, to: number): { from: number; to: number; price: PriceListVersion | undefined }[] {
  const starts = list.map((p) => ({ price: p, at: vietnamDayStart(p.effectiveFrom)!.getTime() })).sort((a, b) => a.at - b.at);
  const pieces: { from: number; to: number; price: PriceListVersion | undefined }[] = [];
  let cursor = from;
  while (cursor < to) {
    const current = starts.filter((s) => s.at <= cursor).at(-1);
    const next = starts.find((s) => s.at > cursor);
    const pieceEnd = Math.min(to, next?.at ?? Number.POSITIVE_INFINITY);
    pieces.push({ from: cursor, to: pieceEnd, price: current?.price });
    cursor = pieceEnd;
  }
  return pieces;
}

function cost(a: ResourceAmounts, price: PriceListVersion | undefined, fractionOfMonth: number): UsageLine["cost"] {
  if (!price) return { cpu: 0, memory: 0, gpu: 0, storage: {}, total: 0 };
  const p = price.perMonth;
  const cpu = Math.round((a.cpuMillis / 1000) * p.cpuCore * fractionOfMonth);
  const memory = Math.round((a.memoryBytes / GIB) * p.memoryGiB * fractionOfMonth);
  const gpu = Math.round(a.gpu * p.gpu * fractionOfMonth);
  const storage: Record<string, number> = {};
  for (const [tier, bytes] of Object.entries(a.storageBytes)) storage[tier] = Math.round((bytes / TIB) * (p.storageTiB[tier] ?? 0) * fractionOfMonth);
  const total = cpu + memory + gpu + Object.values(storage).reduce((s, v) => s + v, 0);
  return { cpu, memory, gpu, storage, total };
}
