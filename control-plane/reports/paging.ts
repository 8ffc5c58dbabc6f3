// Reports page by environment, like every list of the API (limit 1–200, a cursor that is the key
// of the page's last item): a site's report holds every environment placed there, and a month's
// usage a line per environment, site and price. The summary and totals always cover the whole report.
import type { ComplianceReport } from "./compliance-report.ts";
import type { UsageReport } from "./usage-report.ts";

/** An environment's key: its organization and name. */
export type EnvironmentKey = readonly [org: string, environment: string];

/** Orders keys by organization, then name, in code-unit order (slugs are lower-case ASCII). */
export function compareKeys(a: EnvironmentKey, b: EnvironmentKey): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return 0;
}

/**
 * The rows of at most `limit` environments after `after`, in key order (the rows of one environment
 * stay together and in their order), and the key to continue after when more environments follow.
 */
export function pageByEnvironment<T>(
  rows: readonly T[],
  keyOf: (row: T) => EnvironmentKey,
  limit: number,
  after?: EnvironmentKey,
): { rows: T[]; next?: EnvironmentKey } {
  const sorted = rows.map((row, i) => ({ row, i, key: keyOf(row) })).sort((a, b) => compareKeys(a.key, b.key) || a.i - b.i);
  const keys: EnvironmentKey[] = [];
  for (const { key } of sorted) if (keys.length === 0 || compareKeys(keys.at(-1)!, key) !== 0) keys.push(key);
  const remaining = after ? keys.filter((k) => compareKeys(k, after) > 0) : keys;
  const taken = remaining.slice(0, limit);
  const last = taken.at(-1);
  const inPage = (key: EnvironmentKey) => taken.length > 0 && compareKeys(key, taken[0]!) >= 0 && compareKeys(key, last!) <= 0;
  return {
    rows: sorted.filter((s) => inPage(s.key)).map((s) => s.row),
    ...(remaining.length > limit && last ? { next: last } : {}),
  };
}

/** A page of a compliance report: its environments and their open exceptions; the summary is the whole report's. */
export function compliancePage(report: ComplianceReport, limit: number, after?: EnvironmentKey): ComplianceReport & { nextCursor?: string } {
  const page = pageByEnvironment(report.environments, (e) => [e.org, e.environment], limit, after);
  const shown = new Set(page.rows.map((e) => `${e.org}/${e.environment}`));
  return {
    ...report,
    environments: page.rows,
    exceptions: report.exceptions.filter((x) => shown.has(`${x.org}/${x.environment}`)),
    ...(page.next ? { nextCursor: `${page.next[0]}/${page.next[1]}` } : {}),
  };
}

/** A page of a usage report: the lines of its environments; the total and the per-organization sums are the whole month's. */
export function usagePage(report: UsageReport, limit: number, after?: EnvironmentKey): UsageReport & { nextCursor?: string } {
  const page = pageByEnvironment(report.lines, (l) => [l.org, l.environment], limit, after);
  return { ...report, lines: page.rows, ...(page.next ? { nextCursor: `${page.next[0]}/${page.next[1]}` } : {}) };
}
