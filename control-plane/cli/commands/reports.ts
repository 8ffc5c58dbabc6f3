// `ndc report compliance|usage` and `ndc roadmap`: compliance per organization or site, showback per
// month, and capacity by roadmap phase. Reports come in pages of environments; ndc reads every page
// and prints the whole report (-o json: the pages joined, as one report).
import { Command } from "commander";
import { apiPath, callApi, callApiText } from "../api-client.ts";
import { action, withCommonOptions, type CommandContext } from "../command-kit.ts";
import type { Connection } from "../connection.ts";
import { EXIT, ExitWith, UsageError } from "../exit-codes.ts";
import { emit, renderTable } from "../output.ts";
import type { ComplianceReportResource, RoadmapResource, UsageReportResource } from "../../api/index.ts";

/** A page of a compliance report as the API returns it (the API's own schema type). */
export type ComplianceReport = ComplianceReportResource;

/** A page of a usage report as the API returns it (the API's own schema type). */
export type UsageReport = UsageReportResource;

/** The capacity roadmap as the API returns it (the API's own schema type). */
type Roadmap = RoadmapResource;

/**
 * The pages of one report joined into the report: the first page's summary and totals (they cover
 * every page), the `lists` of every page one after the other, and no cursor.
 */
export function joinReportPages<R extends { nextCursor?: string }>(pages: readonly R[], lists: readonly (keyof R & string)[]): Omit<R, "nextCursor"> {
  if (pages.length === 0) throw new Error("a report has at least one page");
  const { nextCursor: _next, ...first } = pages[0]!;
  const joined: Record<string, unknown> = { ...first };
  for (const key of lists) joined[key] = pages.flatMap((p) => p[key] as unknown[]);
  return joined as Omit<R, "nextCursor">;
}

/** Every page of a report at `path` (200 environments a page), joined. */
async function wholeReport<R extends { nextCursor?: string }>(
  conn: Connection,
  path: string,
  query: Record<string, string | undefined>,
  lists: readonly (keyof R & string)[],
): Promise<Omit<R, "nextCursor">> {
  const pages: R[] = [];
  let cursor: string | undefined;
  do {
    const page: R = await callApi<R>(conn, "GET", path, { query: { ...query, limit: "200", cursor } });
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return joinReportPages(pages, lists);
}

/** --csv prints the service's CSV as it came; a table or JSON would be another format. */
async function printCsv(ctx: CommandContext, path: string, query: Record<string, string | undefined> = {}): Promise<void> {
  if (ctx.output !== "table") throw new UsageError(`--csv prints CSV; drop -o ${ctx.output}`);
  process.stdout.write(await callApiText(ctx.connection(), path, "text/csv", { query }));
}

/** Whole đồng, grouped as Vietnamese writes them: 3.221.666. */
export function formatDong(amount: number): string {
  return `${String(Math.round(amount)).replace(/\B(?=(\d{3})+(?!\d))/g, ".")} VND`;
}

/** Cores with at most one decimal: 13, 2.7. */
export function formatCores(millis: number): string {
  return String(Math.round(millis / 100) / 10);
}

/** Memory or storage in Gi, or Ti from 1 Ti, with at most one decimal: 26Gi, 5.3Gi, 1280Ti. */
export function formatSize(bytes: number): string {
  const ti = 2 ** 40;
  const gi = 2 ** 30;
  return bytes >= ti ? `${Math.round((bytes / ti) * 10) / 10}Ti` : `${Math.round((bytes / gi) * 10) / 10}Gi`;
}

/** A compliance report as text: the summary, a row per environment, then the open exceptions. */
export function complianceText(r: Omit<ComplianceReport, "nextCursor">): string {
  const scope = "org" in r.scope ? `organization ${r.scope.org}` : `site ${r.scope.site}`;
  const counts = Object.entries(r.summary.byStatus)
    .filter(([status, n]) => n > 0 || status !== "not-applicable")
    .map(([status, n]) => `${status} ${n}`)
    .join(", ");
  const head = `compliance of ${scope} (policy ${r.summary.policyVersion}): ${r.summary.environments} environment(s): ${counts}`;
  if (r.environments.length === 0) return `${head}\nno approved environments`;
  const envs = renderTable(r.environments, [
    { header: "environment", value: (e) => `${e.org}/${e.environment}` },
    { header: "phase", value: (e) => e.phase },
    { header: "sites", value: (e) => e.sites.join(",") },
    { header: "zone", value: (e) => e.zone },
    { header: "class", value: (e) => `${e.dataClass}/${e.securityLevel}` },
    { header: "status", value: (e) => e.status },
    {
      header: "findings",
      value: (e) =>
        e.findings
          .filter((f) => f.status !== "compliant" && f.status !== "not-applicable")
          .map((f) => `${f.rule}: ${f.status}`)
          .join(", ") || "-",
      max: 70,
    },
  ]);
  const exceptions =
    r.exceptions.length === 0
      ? "no open compliance exceptions"
      : `open compliance exceptions:\n${renderTable(r.exceptions, [
          { header: "environment", value: (x) => `${x.org}/${x.environment}` },
          { header: "rule", value: (x) => x.rule },
          { header: "since", value: (x) => x.since },
          { header: "why", value: (x) => x.message, max: 80 },
          { header: "source", value: (x) => `${x.source.law}${x.source.confirmed ? "" : " (unconfirmed)"}`, max: 50 },
        ])}`;
  return `${head}\n\n${envs}\n\n${exceptions}`;
}

/** A usage report as text: the month's total, a row per line, then the totals per organization. */
export function usageText(r: Omit<UsageReport, "nextCursor">): string {
  const head = `usage ${r.month} (${r.from} .. ${r.to}): total ${formatDong(r.total)}`;
  if (r.lines.length === 0) return `${head}\nno environment held resources this month`;
  const lines = renderTable(r.lines, [
    { header: "environment", value: (l) => `${l.org}/${l.environment}` },
    { header: "site", value: (l) => l.site },
    { header: "from", value: (l) => l.from },
    { header: "to", value: (l) => l.to },
    { header: "cpu", value: (l) => formatCores(l.amounts.cpuMillis) },
    { header: "memory", value: (l) => formatSize(l.amounts.memoryBytes) },
    { header: "prices", value: (l) => l.priceVersion ?? "none" },
    { header: "cost", value: (l) => formatDong(l.cost.total) },
  ]);
  const orgs = renderTable(r.organizations, [
    { header: "organization", value: (o) => o.org },
    { header: "total", value: (o) => formatDong(o.total) },
  ]);
  return `${head}\n\n${lines}\n\n${orgs}`;
}

/** The roadmap as text: per site, its phases, then when each resource runs out. */
export function roadmapText(r: Roadmap): string {
  if (r.sites.length === 0) return "no configured sites";
  return r.sites
    .map((s) => {
      const head = `site ${s.site} (${s.status}): committed ${formatCores(s.committed.cpuMillis)} cores, ${formatSize(s.committed.memoryBytes)}; growth per month ${formatCores(s.growthPerMonth.cpuMillis)} cores, ${formatSize(s.growthPerMonth.memoryBytes)}; runs out: cpu ${s.runOut.cpu ?? "not within 20 years"}, memory ${s.runOut.memory ?? "not within 20 years"}`;
      const phases =
        s.phases.length === 0
          ? "no roadmap phases in its stack"
          : renderTable(s.phases, [
              { header: "phase", value: (p) => p.phase },
              { header: "years", value: (p) => `${p.from}–${p.to}` },
              { header: "online from", value: (p) => p.onlineFrom },
              { header: "status", value: (p) => p.status },
              { header: "racks", value: (p) => p.racks },
              { header: "cpu", value: (p) => formatCores(p.capacity.cpuMillis) },
              { header: "memory", value: (p) => formatSize(p.capacity.memoryBytes) },
              { header: "cpu headroom", value: (p) => formatCores(p.headroom.cpuMillis) },
              { header: "memory headroom", value: (p) => formatSize(p.headroom.memoryBytes) },
            ]);
      const pools =
        s.pools.length === 0
          ? ""
          : `\n\n${renderTable(s.pools, [
              { header: "pool", value: (p) => p.name },
              { header: "cpu used/total", value: (p) => `${formatCores(p.committed.cpuMillis)}/${formatCores(p.capacity.cpuMillis)}` },
              { header: "memory used/total", value: (p) => `${formatSize(p.committed.memoryBytes)}/${formatSize(p.capacity.memoryBytes)}` },
              { header: "cpu runs out", value: (p) => p.runOut.cpu ?? "-" },
              { header: "memory runs out", value: (p) => p.runOut.memory ?? "-" },
            ])}`;
      const tiers =
        s.storageTiers.length === 0
          ? ""
          : `\n\n${renderTable(s.storageTiers, [
              { header: "storage tier", value: (t) => t.name },
              { header: "used/total", value: (t) => `${formatSize(t.committedBytes)}/${formatSize(t.capacityBytes)}` },
              { header: "runs out", value: (t) => t.runOut ?? "-" },
            ])}`;
      return `${head}\n${phases}${pools}${tiers}`;
    })
    .join("\n\n");
}

export function reportCommand(): Command {
  const report = new Command("report").description("compliance and showback reports, JSON, YAML, a table or the service's CSV");

  withCommonOptions(
    report
      .command("compliance")
      .description(
        "every approved environment of an organization, or on a site, against every rule with its legal source; open compliance exceptions with since when and why",
      )
      .option("--org <org>", "the organization's environments (yours, or any for platform roles)")
      .option("--site <site>", "the environments placed on the site (your organization's, or all for platform roles)")
      .option("--csv", "print the service's CSV instead (one row per environment and rule)")
      .addHelpText(
        "after",
        "\none of --org or --site.\n\nexamples:\n  ndc report compliance --org byt\n  ndc report compliance --site ndc1-hoalac --csv > compliance-ndc1.csv\n  ndc report compliance --org byt -o json | jq '.exceptions'",
      ),
  ).action(
    action(async (ctx, flags: { org?: string; site?: string; csv?: boolean }) => {
      if ((flags.org === undefined) === (flags.site === undefined)) throw new UsageError("name one of --org <org> or --site <site>");
      const path = flags.org !== undefined ? apiPath`/v1/organizations/${flags.org}/compliance` : apiPath`/v1/sites/${flags.site!}/compliance`;
      if (flags.csv) return printCsv(ctx, path);
      const r = await wholeReport<ComplianceReport>(ctx.connection(), path, {}, ["environments", "exceptions"]);
      emit(ctx.output, r, () => complianceText(r));
    }),
  );

  withCommonOptions(
    report
      .command("usage")
      .description(
        "showback for a month: what each environment held, prorated from Ready to Deleted at each site's prices then, in whole đồng; without --org, every organization you may see",
      )
      .requiredOption("--month <YYYY-MM>", "the month in Vietnam time, e.g. 2026-11 (the current month counts up to now)")
      .option("--org <org>", "one organization's (default: the platform's, confined to your organization if you belong to one)")
      .option("--csv", "print the service's CSV instead (one row per line)")
      .addHelpText(
        "after",
        "\nexamples:\n  ndc report usage --org byt --month 2026-11\n  ndc report usage --month 2026-11 --csv > usage-2026-11.csv\n  ndc report usage --org byt --month 2026-11 -o json | jq .total",
      ),
  ).action(
    action(async (ctx, flags: { month: string; org?: string; csv?: boolean }) => {
      const path = flags.org !== undefined ? apiPath`/v1/organizations/${flags.org}/usage` : "/v1/usage";
      if (flags.csv) return printCsv(ctx, path, { month: flags.month });
      const r = await wholeReport<UsageReport>(ctx.connection(), path, { month: flags.month }, ["lines"]);
      emit(ctx.output, r, () => usageText(r));
    }),
  );
  return report;
}

export function roadmapCommand(): Command {
  return withCommonOptions(
    new Command("roadmap")
      .description(
        "capacity per site and roadmap phase (2023–2025, 2026–2028, 2029–2030) against what is committed, and the month each site, pool and storage tier runs out at the growth of the last 90 days",
      )
      .argument("[site]", "one site (ndc sites lists them); default: every configured site")
      .addHelpText("after", "\nexamples:\n  ndc roadmap\n  ndc roadmap ndc1-hoalac -o json | jq '.sites[0].runOut'"),
  ).action(
    action(async (ctx, site: string | undefined) => {
      const r = await callApi<Roadmap>(ctx.connection(), "GET", "/v1/capacity/roadmap");
      const shown = site === undefined ? r : { ...r, sites: r.sites.filter((s) => s.site === site) };
      if (shown.sites.length === 0 && site !== undefined)
        throw new ExitWith(EXIT.notFound, `no configured site ${site} in the roadmap; sites: ${r.sites.map((s) => s.site).join(", ") || "none"}`);
      emit(ctx.output, shown, () => roadmapText(shown));
    }),
  );
}
