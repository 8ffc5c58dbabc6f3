import { Type, type Static, type TSchema } from "@sinclair/typebox";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { COMPLIANCE_RULES, COMPLIANCE_STATUSES, vietnamMonthOf, type Platform, type Policy } from "../../model/index.ts";
import { capacityRoadmap, complianceCsv, compliancePage, complianceReport, usageCsv, usagePage, usageReport } from "../reports/index.ts";
import type { Store } from "../store/index.ts";
import { requirePermission } from "./authentication.ts";
import { NdcError } from "./errors.ts";
import { decodeCursor } from "./_presenters.ts";
import type { TypeBoxProvider } from "./_type-provider.ts";
import { OrgParamsSchema, PageQuerySchema, problems, SiteParamsSchema } from "./schemas.ts";

export interface ReportRoutesOptions {
  readonly store: Store;
  readonly platform: Platform;
  readonly policy: Policy;
  readonly now: () => Date;
}

const Status = Type.Union(COMPLIANCE_STATUSES.map((s) => Type.Literal(s)));
const SourceSchema = Type.Object({
  law: Type.String(),
  confirmed: Type.Boolean({ description: "false: the platform's reading, not yet confirmed by the legal department" }),
});
const Counts = Type.Record(Type.String(), Type.Integer(), { description: "per status" });

const ComplianceReportSchema = Type.Object({
  scope: Type.Union([Type.Object({ org: Type.String() }), Type.Object({ site: Type.String() })]),
  generatedAt: Type.String({ format: "date-time" }),
  summary: Type.Object(
    {
      policyVersion: Type.String(),
      environments: Type.Integer(),
      byStatus: Counts,
      byRule: Type.Record(Type.String(), Counts, { description: `per rule: ${COMPLIANCE_RULES.join(", ")}` }),
    },
    { description: "the whole report, every page" },
  ),
  environments: Type.Array(
    Type.Object({
      org: Type.String(),
      environment: Type.String(),
      namespace: Type.String(),
      phase: Type.String(),
      sites: Type.Array(Type.String()),
      zone: Type.String(),
      dataClass: Type.String(),
      securityLevel: Type.Integer(),
      status: Status,
      findings: Type.Array(
        Type.Object({ rule: Type.String(), status: Status, message: Type.String(), source: SourceSchema, since: Type.Optional(Type.String()) }),
      ),
    }),
    { description: "this page's environments, ordered by organization and name" },
  ),
  exceptions: Type.Array(
    Type.Object({
      org: Type.String(),
      environment: Type.String(),
      rule: Type.String(),
      since: Type.Union([Type.String(), Type.Null()]),
      message: Type.String(),
      source: SourceSchema,
    }),
    { description: "the open compliance exceptions of this page's environments: since when and why" },
  ),
  nextCursor: Type.Optional(Type.String({ description: "more environments follow: pass it as cursor for the next page" })),
});

const AmountsNumbers = Type.Object({
  cpuMillis: Type.Number(),
  memoryBytes: Type.Number(),
  gpu: Type.Number(),
  storageBytes: Type.Record(Type.String(), Type.Number()),
});

const UsageReportSchema = Type.Object({
  month: Type.String(),
  from: Type.String({ format: "date-time" }),
  to: Type.String({ format: "date-time" }),
  generatedAt: Type.String({ format: "date-time" }),
  currency: Type.Literal("VND"),
  total: Type.Integer({ description: "whole đồng: the sum of every line of the month (every page)" }),
  organizations: Type.Array(
    Type.Object({ org: Type.String(), total: Type.Integer(), environments: Type.Array(Type.Object({ environment: Type.String(), total: Type.Integer() })) }),
    { description: "the month's sums per organization and environment (every page)" },
  ),
  lines: Type.Array(
    Type.Object({
      org: Type.String(),
      environment: Type.String(),
      site: Type.String(),
      from: Type.String({ format: "date-time" }),
      to: Type.String({ format: "date-time" }),
      seconds: Type.Number(),
      amounts: AmountsNumbers,
      priceVersion: Type.Union([Type.String(), Type.Null()]),
      currency: Type.Union([Type.String(), Type.Null()]),
      cost: Type.Object({
        cpu: Type.Integer(),
        memory: Type.Integer(),
        gpu: Type.Integer(),
        storage: Type.Record(Type.String(), Type.Integer()),
        total: Type.Integer(),
      }),
    }),
    { description: "this page's environments' lines, ordered by organization and environment" },
  ),
  nextCursor: Type.Optional(Type.String({ description: "more environments follow: pass it as cursor for the next page" })),
});

const RunOut = Type.Union([Type.String({ description: "YYYY-MM, Vietnam time" }), Type.Null()]);
const RoadmapSchema = Type.Object({
  generatedAt: Type.String({ format: "date-time" }),
  sites: Type.Array(
    Type.Object({
      site: Type.String(),
      status: Type.String(),
      committed: AmountsNumbers,
      growthPerMonth: AmountsNumbers,
      phases: Type.Array(
        Type.Object({
          phase: Type.Integer(),
          from: Type.Integer(),
          to: Type.Integer(),
          onlineFrom: Type.String(),
          racks: Type.Integer(),
          status: Type.Union([Type.Literal("online"), Type.Literal("upcoming")]),
          capacity: AmountsNumbers,
          headroom: Type.Object({ cpuMillis: Type.Number(), memoryBytes: Type.Number() }),
        }),
      ),
      runOut: Type.Object({ cpu: RunOut, memory: RunOut }),
      pools: Type.Array(
        Type.Object({
          name: Type.String(),
          capacity: AmountsNumbers,
          committed: AmountsNumbers,
          runOut: Type.Object({ cpu: RunOut, memory: RunOut, gpu: RunOut }),
        }),
      ),
      storageTiers: Type.Array(Type.Object({ name: Type.String(), capacityBytes: Type.Number(), committedBytes: Type.Number(), runOut: RunOut })),
    }),
  ),
});

/** A page of a compliance report as the API returns it: the one type the `ndc` command line and the portal read it as. */
export type ComplianceReportResource = Static<typeof ComplianceReportSchema>;
/** A page of a usage report as the API returns it: the one type the `ndc` command line and the portal read it as. */
export type UsageReportResource = Static<typeof UsageReportSchema>;
/** The capacity roadmap as the API returns it: the one type the `ndc` command line and the portal read it as. */
export type RoadmapResource = Static<typeof RoadmapSchema>;

/** Pages of a report: environments, like every list (the summary and totals are the whole report's; CSV has every row). */
const ReportPage = PageQuerySchema("pair");
const CompliancePageQuery = Type.Object({ ...ReportPage });
const MonthQuery = Type.Object({
  ...ReportPage,
  month: Type.Optional(
    Type.String({
      // Years 0001–9999: the month before January of the year 0000 would start in the year -1, which
      // a date-time cannot say (Schemathesis found `from: "-000001-12-31T17:00:00.000Z"`).
      pattern: "^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])$",
      description: "YYYY-MM in Vietnam time; default the current month (counted up to now)",
      "x-rule": "month-format",
      "x-message": "must be a month written YYYY-MM, e.g. 2026-11",
    }),
  ),
});

/** A JSON report that can also be had as CSV (`Accept: text/csv`). */
const jsonOrCsv = (schema: TSchema, description: string) => ({
  description,
  content: { "application/json": { schema }, "text/csv": { schema: Type.String({ description: "the same report, one row per line (RFC 4180)" }) } },
});

/** The page a report's query asks for: at most `limit` environments after the cursor's organization/name. */
function pageOf(query: { limit?: number | undefined; cursor?: string | undefined }): [number, (readonly [string, string])?] {
  const after = decodeCursor<readonly [string, string]>(query.cursor, "pair");
  return after ? [query.limit ?? 50, after] : [query.limit ?? 50];
}

function wantsCsv(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? "";
  return /(^|,)\s*text\/csv\b/i.test(accept);
}

function sendCsv(reply: FastifyReply, filename: string, body: string) {
  return reply.type("text/csv; charset=utf-8").header("content-disposition", `attachment; filename="${filename}"`).send(body);
}

/**
 * Reports: compliance per organization and per site, showback per organization and for the platform,
 * and the capacity roadmap by phase. An organization sees only its own environments; operators,
 * auditors and platform admins see all.
 */
export const reportRoutes: FastifyPluginAsync<ReportRoutesOptions> = async (plain, { store, platform, policy, now }) => {
  const app = plain.withTypeProvider<TypeBoxProvider>();

  app.get(
    "/v1/organizations/:org/compliance",
    {
      schema: {
        operationId: "getOrganizationCompliance",
        tags: ["reports"],
        summary:
          "Every approved environment of the organization against every rule, with its legal source and open exceptions (JSON in pages of environments, or all of it as CSV with Accept: text/csv)",
        params: OrgParamsSchema,
        querystring: CompliancePageQuery,
        response: { 200: jsonOrCsv(ComplianceReportSchema, "the compliance report"), ...problems(400, 401, 404, 429) },
      },
    },
    async (request, reply) => {
      const { org } = request.params;
      requirePermission(request, "environments:read", org);
      if (!platform.organizations.has(org)) throw new NdcError("NDC_ERR_NOT_FOUND", `no organization ${org} is visible to you`);
      const report = await complianceReport(store, platform, policy, { org }, now());
      return wantsCsv(request) ? sendCsv(reply, `compliance-${org}.csv`, complianceCsv(report)) : compliancePage(report, ...pageOf(request.query));
    },
  );

  app.get(
    "/v1/sites/:site/compliance",
    {
      schema: {
        operationId: "getSiteCompliance",
        tags: ["reports"],
        summary:
          "Every approved environment placed on the site (of the caller's organization, or all for platform roles) against every rule (JSON in pages of environments, or all of it as CSV)",
        params: SiteParamsSchema,
        querystring: CompliancePageQuery,
        response: { 200: jsonOrCsv(ComplianceReportSchema, "the compliance report"), ...problems(400, 401, 404, 429) },
      },
    },
    async (request, reply) => {
      const principal = requirePermission(request, "environments:read");
      const { site } = request.params;
      if (!platform.sites.has(site)) throw new NdcError("NDC_ERR_NOT_FOUND", `no site ${site}; sites: ${[...platform.sites.keys()].sort().join(", ")}`);
      const report = await complianceReport(store, platform, policy, { site, ...(principal.org !== undefined ? { orgs: [principal.org] } : {}) }, now());
      return wantsCsv(request) ? sendCsv(reply, `compliance-${site}.csv`, complianceCsv(report)) : compliancePage(report, ...pageOf(request.query));
    },
  );

  app.get(
    "/v1/organizations/:org/usage",
    {
      schema: {
        operationId: "getOrganizationUsage",
        tags: ["reports"],
        summary:
          "Showback for a month: what each environment held, prorated from Ready to Deleted at the site's prices then (JSON in pages of environments, or all of it as CSV)",
        params: OrgParamsSchema,
        querystring: MonthQuery,
        response: { 200: jsonOrCsv(UsageReportSchema, "the usage report"), ...problems(400, 401, 404, 429) },
      },
    },
    async (request, reply) => {
      const { org } = request.params;
      requirePermission(request, "environments:read", org);
      if (!platform.organizations.has(org)) throw new NdcError("NDC_ERR_NOT_FOUND", `no organization ${org} is visible to you`);
      const at = now();
      const month = request.query.month ?? vietnamMonthOf(at);
      const report = await usageReport(store, platform, month, at, [org]);
      return wantsCsv(request) ? sendCsv(reply, `usage-${org}-${month}.csv`, usageCsv(report)) : usagePage(report, ...pageOf(request.query));
    },
  );

  app.get(
    "/v1/usage",
    {
      schema: {
        operationId: "getPlatformUsage",
        tags: ["reports"],
        summary: "Showback for a month across every organization the caller may see (JSON in pages of environments, or all of it as CSV)",
        querystring: MonthQuery,
        response: { 200: jsonOrCsv(UsageReportSchema, "the usage report"), ...problems(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const principal = requirePermission(request, "environments:read");
      const at = now();
      const month = request.query.month ?? vietnamMonthOf(at);
      // A caller confined to one organization sees its own figures only.
      const report = await usageReport(store, platform, month, at, principal.org !== undefined ? [principal.org] : undefined);
      return wantsCsv(request) ? sendCsv(reply, `usage-${month}.csv`, usageCsv(report)) : usagePage(report, ...pageOf(request.query));
    },
  );

  app.get(
    "/v1/capacity/roadmap",
    {
      schema: {
        operationId: "getCapacityRoadmap",
        tags: ["reports"],
        summary:
          "Capacity per site and roadmap phase against what is committed, and the month each site, pool and storage tier runs out at the observed growth",
        response: { 200: RoadmapSchema, ...problems(401, 429) },
      },
    },
    async (request) => {
      requirePermission(request, "platform:read");
      const roadmap = await capacityRoadmap(store, platform, now());
      // The model's readonly lists, as the schema's arrays.
      return {
        generatedAt: roadmap.generatedAt,
        sites: roadmap.sites.map((s) => ({ ...s, phases: [...s.phases], pools: [...s.pools], storageTiers: [...s.storageTiers] })),
      };
    },
  );
};
