// Reports through the HTTP API on SQLite and PostgreSQL: compliance per organization and per site
// (JSON and CSV), showback prorated in Vietnam time from the price lists, the capacity roadmap by
// phase, and committed capacity per organization on /metrics. Every expected figure is worked out
// by hand in the comments beside it.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { assemblePlatform, type EnvironmentSpec, type Platform } from "../../../model/index.ts";
import { testOrganization, testSiteStack, testSpec } from "../../../model/testing.ts";
import { applyTransition, type LifecycleEvent } from "../../../control-plane/workflow/index.ts";
import { BACKENDS, startTestApp, type TestApp } from "./_harness.ts";

/** The scraper's token (NDC_METRICS_TOKEN): the per-organization series are served only with it. */
const METRICS_TOKEN = "metrics-token-0123456789abcdef";

const GIB = 2 ** 30;

/**
 * ndc1 (active): price list 2025.1 from 2025-08-18 and 2026.2 from 2026-11-16; roadmap phase 1
 * online (16 cores, 64Gi), phase 2 online from 2027-03-01 (40 cores, 256Gi).
 * ndc2 (commissioning, dev/test only): one price list 2026.1. ndc4 (commissioning): its first phase
 * comes online on 2027-06-01. With one active site, core data on ndc1 is an open exception.
 */
function reportPlatform(): Platform {
  const orgs = [
    testOrganization(),
    testOrganization({
      slug: "bct",
      name: { vi: "Bộ Công Thương", en: "Ministry of Industry and Trade" },
      ownerGroups: ["bct-admins"],
      maxDataClass: "important",
      maxSecurityLevel: 3,
      maxEnvironments: 5,
    }),
  ];
  const perMonth = (cpuCore: number, memoryGiB: number, gpu: number, standard: number, fast: number) => ({
    cpuCore,
    memoryGiB,
    gpu,
    storageTiB: { standard, fast },
  });
  return assemblePlatform([
    testSiteStack(
      {
        prices: [
          { version: "2025.1", effectiveFrom: "2025-08-18", currency: "VND", perMonth: perMonth(250_000, 50_000, 9_000_000, 1_200_000, 3_000_000) },
          { version: "2026.2", effectiveFrom: "2026-11-16", currency: "VND", perMonth: perMonth(200_000, 40_000, 8_000_000, 1_000_000, 2_500_000) },
        ],
        roadmap: [
          { phase: 1, from: 2023, to: 2025, racks: 10, cpu: "16", memory: "64Gi" },
          { phase: 2, from: 2026, to: 2028, racks: 20, cpu: "40", memory: "256Gi", onlineFrom: "2027-03-01" },
        ],
      },
      orgs,
    ),
    testSiteStack(
      {
        id: "ndc2",
        status: "commissioning",
        name: { vi: "Trung tâm Dữ liệu quốc gia số 2", en: "National Data Center No. 2" },
        location: { name: "Đà Nẵng", latitude: 16.0544, longitude: 108.2022 },
        prices: [{ version: "2026.1", effectiveFrom: "2026-01-01", currency: "VND", perMonth: perMonth(240_000, 48_000, 8_500_000, 1_100_000, 2_800_000) }],
      },
      orgs,
    ),
    testSiteStack(
      {
        id: "ndc4",
        status: "commissioning",
        name: { vi: "Trung tâm Dữ liệu quốc gia số 4", en: "National Data Center No. 4" },
        location: { name: "Cần Thơ", latitude: 10.0452, longitude: 105.7469 },
        roadmap: [{ phase: 1, from: 2027, to: 2028, racks: 10, cpu: "100", memory: "1Ti", onlineFrom: "2027-06-01" }],
      },
      orgs,
    ),
  ]);
}

describe.each(BACKENDS)("reports (%s)", (backend) => {
  let t: TestApp;
  // The reports are asked for at 2 December 2026, 10:00 in Hà Nội; the history before it is written
  // through the workflow at chosen instants (the audit records' times).
  const clock = new Date("2026-12-02T10:00:00+07:00");
  const provisioner = { subject: "system:provisioner", role: "system" };
  const as = (subject: string, role: "requester" | "operator", org: string | undefined, at: string) => ({
    principal: { subject, roles: [role], via: "token" as const, ...(org ? { org } : {}) },
    now: new Date(at),
  });
  /** Moves an environment as the provisioner would, at a chosen instant. */
  const drive = async (org: string, name: string, event: LifecycleEvent, at: string) => {
    const moved = await t.store.transaction([], async (tx) => {
      const env = (await tx.getEnvironment(org, name))!;
      return applyTransition(tx, env.id, env.version, event, provisioner, new Date(at).toISOString());
    });
    expect(moved, `${org}/${name} ${event}`).toBeDefined();
  };
  const submit = async (org: string, subject: string, spec: EnvironmentSpec, at: string) =>
    (await t.app.ndc.requests.submit(as(subject, "requester", org, at), org, spec)).environment;
  let dancuCreatedAt = "";

  beforeAll(async () => {
    t = await startTestApp(backend, { platform: reportPlatform(), now: () => clock, metricsToken: METRICS_TOKEN });
    const requests = t.app.ndc.requests;
    // bct/erp: dev on ndc1 and ndc2, 2 cores and 8Gi, Ready 2026-10-01 00:00, decommissioned 11-11, deleted 11-26.
    expect(
      (
        await submit(
          "bct",
          "bob",
          testSpec({ name: "erp", owners: ["bct-erp"], sites: ["ndc1", "ndc2"], resources: { cpu: "2", memory: "8Gi" } }),
          "2026-09-30T10:00:00+07:00",
        )
      ).phase,
    ).toBe("Approved");
    await drive("bct", "erp", "start-provisioning", "2026-10-01T00:00:00+07:00");
    await drive("bct", "erp", "provisioned", "2026-10-01T00:00:00+07:00");
    // byt/his: dev on ndc1, 4 cores, 16Gi, 256Gi standard, Ready 2026-11-06 00:00; resized to 8 cores on 11-21.
    await submit(
      "byt",
      "alice",
      testSpec({ name: "his", resources: { cpu: "4", memory: "16Gi", storage: { standard: "256Gi" } } }),
      "2026-10-20T09:00:00+07:00",
    );
    await drive("byt", "his", "start-provisioning", "2026-11-06T00:00:00+07:00");
    await drive("byt", "his", "provisioned", "2026-11-06T00:00:00+07:00");
    expect((await requests.decommission(as("bob", "requester", "bct", "2026-11-11T00:00:00+07:00"), "bct", "erp")).phase).toBe("Decommissioning");
    await drive("bct", "erp", "decommissioned", "2026-11-11T00:00:00+07:00");
    const his = await requests.get("byt", "his");
    const resized = await requests.update(
      as("alice", "requester", "byt", "2026-11-21T00:00:00+07:00"),
      "byt",
      "his",
      { resources: { cpu: "8", memory: "16Gi", storage: { standard: "256Gi" } } },
      his.version,
    );
    expect(resized.phase).toBe("Updating");
    await drive("byt", "his", "provisioned", "2026-11-21T00:00:00+07:00");
    await drive("bct", "erp", "retention-expired", "2026-11-26T00:00:00+07:00");
    // byt/dancu: core data, level 4, restricted zone on ndc1 only, approved by an operator (never Ready).
    const dancu = await submit(
      "byt",
      "alice",
      testSpec({
        name: "dancu",
        stage: "prod",
        zone: "restricted",
        dataClass: "core",
        securityLevel: 4,
        resources: { cpu: "4", memory: "8Gi" },
        owners: ["byt-dancu"],
      }),
      "2026-11-27T08:00:00+07:00",
    );
    dancuCreatedAt = dancu.createdAt;
    expect((await requests.approve(as("oscar", "operator", undefined, "2026-11-27T09:00:00+07:00"), "byt", "dancu", dancu.version)).phase).toBe("Approved");
    // bct/crm: dev on ndc1, 1 core and 2Gi, approved and waiting for the provisioner.
    await submit("bct", "bob", testSpec({ name: "crm", owners: ["bct-crm"], resources: { cpu: "1", memory: "2Gi" } }), "2026-11-28T08:00:00+07:00");
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  describe("showback", () => {
    test("November for byt: his prorated by day in Vietnam time, split where the new price list starts and where it was resized", async () => {
      const res = await t.call("GET", "/v1/organizations/byt/usage?month=2026-11", t.tokens.alice);
      expect(res.statusCode, res.body).toBe(200);
      const report = res.json() as {
        from: string;
        to: string;
        total: number;
        lines: {
          site: string;
          from: string;
          to: string;
          priceVersion: string;
          amounts: { cpuMillis: number };
          cost: { cpu: number; memory: number; storage: Record<string, number>; total: number };
        }[];
      };
      // The month runs from 1 November 00:00 to 1 December 00:00 in Hà Nội (30 days).
      expect(report).toMatchObject({ month: "2026-11", from: "2026-10-31T17:00:00.000Z", to: "2026-11-30T17:00:00.000Z", currency: "VND" });
      expect(report.lines.map((l) => [l.site, l.from, l.to, l.priceVersion, l.amounts.cpuMillis])).toEqual([
        ["ndc1", "2026-11-05T17:00:00.000Z", "2026-11-15T17:00:00.000Z", "2025.1", 4000],
        ["ndc1", "2026-11-15T17:00:00.000Z", "2026-11-20T17:00:00.000Z", "2026.2", 4000],
        ["ndc1", "2026-11-20T17:00:00.000Z", "2026-11-30T17:00:00.000Z", "2026.2", 8000],
      ]);
      expect(report.lines.map((l) => l.cost)).toEqual([
        // 10 of 30 days at 2025.1: 4 × 250,000 / 3 = 333,333.3; 16 × 50,000 / 3 = 266,666.7; 0.25 TiB × 1,200,000 / 3 = 100,000
        { cpu: 333_333, memory: 266_667, gpu: 0, storage: { standard: 100_000 }, total: 700_000 },
        // 5 of 30 days at 2026.2: 4 × 200,000 / 6 = 133,333.3; 16 × 40,000 / 6 = 106,666.7; 0.25 × 1,000,000 / 6 = 41,666.7
        { cpu: 133_333, memory: 106_667, gpu: 0, storage: { standard: 41_667 }, total: 281_667 },
        // 10 of 30 days at 2026.2 with 8 cores: 8 × 200,000 / 3 = 533,333.3; 16 × 40,000 / 3 = 213,333.3; 0.25 × 1,000,000 / 3 = 83,333.3
        { cpu: 533_333, memory: 213_333, gpu: 0, storage: { standard: 83_333 }, total: 829_999 },
      ]);
      expect(report.total).toBe(1_811_666);
      expect(res.json()).toMatchObject({ organizations: [{ org: "byt", total: 1_811_666, environments: [{ environment: "his", total: 1_811_666 }] }] });
    });

    test("the platform's November: bct/erp held both sites until it was deleted (Retained still holds), each at its own site's prices", async () => {
      const res = await t.call("GET", "/v1/usage?month=2026-11", t.tokens.audrey);
      expect(res.statusCode, res.body).toBe(200);
      const report = res.json() as {
        total: number;
        organizations: unknown[];
        lines: { org: string; site: string; from: string; to: string; cost: { total: number } }[];
      };
      expect(report.lines.filter((l) => l.org === "bct").map((l) => [l.site, l.from, l.to, l.cost.total])).toEqual([
        // 1–16 Nov (15 days) at 2025.1: 2 × 250,000 / 2 + 8 × 50,000 / 2 = 250,000 + 200,000
        ["ndc1", "2026-10-31T17:00:00.000Z", "2026-11-15T17:00:00.000Z", 450_000],
        // 16–26 Nov (10 days) at 2026.2: 2 × 200,000 / 3 = 133,333.3 and 8 × 40,000 / 3 = 106,666.7
        ["ndc1", "2026-11-15T17:00:00.000Z", "2026-11-25T17:00:00.000Z", 240_000],
        // 1–26 Nov (25 days) at ndc2's 2026.1: 2 × 240,000 × 5/6 + 8 × 48,000 × 5/6 = 400,000 + 320,000
        ["ndc2", "2026-10-31T17:00:00.000Z", "2026-11-25T17:00:00.000Z", 720_000],
      ]);
      expect(report.organizations).toEqual([
        { org: "bct", total: 1_410_000, environments: [{ environment: "erp", total: 1_410_000 }] },
        { org: "byt", total: 1_811_666, environments: [{ environment: "his", total: 1_811_666 }] },
      ]);
      expect(report.total).toBe(3_221_666);
    });

    test("October: a whole month of erp; his was not Ready yet", async () => {
      const bct = (await t.call("GET", "/v1/organizations/bct/usage?month=2026-10", t.tokens.bob)).json() as { total: number };
      // ndc1 at 2025.1: 2 × 250,000 + 8 × 50,000 = 900,000; ndc2 at 2026.1: 2 × 240,000 + 8 × 48,000 = 864,000
      expect(bct.total).toBe(1_764_000);
      expect((await t.call("GET", "/v1/organizations/byt/usage?month=2026-10", t.tokens.alice)).json()).toMatchObject({
        total: 0,
        lines: [],
        organizations: [],
      });
    });

    test("the figures reconcile with the audit trail: every line starts and ends at a recorded transition or a month boundary", async () => {
      const audit = (await t.call("GET", "/v1/audit?limit=200", t.tokens.audrey)).json() as {
        items: { at: string; action: string; org: string; after: { phase: string } | null }[];
      };
      const ready = audit.items
        .filter((r) => r.after?.phase === "Ready" || r.after?.phase === "Deleted")
        .map((r) => `${r.org} ${r.action} ${r.after!.phase} ${r.at}`);
      expect(ready).toEqual([
        "bct environment.provisioned Ready 2026-09-30T17:00:00.000Z",
        "byt environment.provisioned Ready 2026-11-05T17:00:00.000Z",
        "byt environment.provisioned Ready 2026-11-20T17:00:00.000Z",
        "bct environment.retention-expired Deleted 2026-11-25T17:00:00.000Z",
      ]);
      const report = (await t.call("GET", "/v1/usage?month=2026-11", t.tokens.audrey)).json() as { lines: { from: string; to: string }[] };
      const boundaries = new Set([...audit.items.map((r) => r.at), "2026-10-31T17:00:00.000Z", "2026-11-30T17:00:00.000Z", "2026-11-15T17:00:00.000Z"]);
      for (const line of report.lines) {
        expect(boundaries.has(line.from), line.from).toBe(true);
        expect(boundaries.has(line.to), line.to).toBe(true);
      }
    });

    test("CSV export: one row per line, its parts and its total", async () => {
      const res = await t.call("GET", "/v1/organizations/byt/usage?month=2026-11", t.tokens.alice, undefined, { accept: "text/csv" });
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toBe("text/csv; charset=utf-8");
      expect(res.headers["content-disposition"]).toBe('attachment; filename="usage-byt-2026-11.csv"');
      expect(res.body.split("\r\n")).toEqual([
        "month,org,environment,site,from,to,seconds,cpuMillis,memoryBytes,gpu,priceVersion,currency,cpuCost,memoryCost,gpuCost,storageCost.standard,total",
        `2026-11,byt,his,ndc1,2026-11-05T17:00:00.000Z,2026-11-15T17:00:00.000Z,864000,4000,${16 * GIB},0,2025.1,VND,333333,266667,0,100000,700000`,
        `2026-11,byt,his,ndc1,2026-11-15T17:00:00.000Z,2026-11-20T17:00:00.000Z,432000,4000,${16 * GIB},0,2026.2,VND,133333,106667,0,41667,281667`,
        `2026-11,byt,his,ndc1,2026-11-20T17:00:00.000Z,2026-11-30T17:00:00.000Z,864000,8000,${16 * GIB},0,2026.2,VND,533333,213333,0,83333,829999`,
        "",
      ]);
    });

    test("an organization sees only its own figures; the platform report is confined for it too", async () => {
      expect((await t.call("GET", "/v1/organizations/byt/usage?month=2026-11", t.tokens.bob)).statusCode).toBe(404);
      const own = (await t.call("GET", "/v1/usage?month=2026-11", t.tokens.bob)).json() as { total: number; organizations: { org: string }[] };
      expect(own.organizations.map((o) => o.org)).toEqual(["bct"]);
      expect(own.total).toBe(1_410_000);
    });

    test("fails when the month is not YYYY-MM, naming the field and rule", async () => {
      const res = await t.call("GET", "/v1/organizations/byt/usage?month=2026-13", t.tokens.alice);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        code: "NDC_ERR_VALIDATION",
        errors: [{ field: "query.month", rule: "month-format", message: "must be a month written YYYY-MM, e.g. 2026-11", value: "2026-13" }],
      });
    });

    test("fails when the month 0000-01 is answered (its first day starts in the year -1, which a date-time cannot say: the answer broke its own schema)", async () => {
      const res = await t.call("GET", "/v1/usage?month=0000-01", t.tokens.audrey);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: "NDC_ERR_VALIDATION", errors: [{ field: "query.month", rule: "month-format", value: "0000-01" }] });
      expect((await t.call("GET", "/v1/usage?month=0001-01", t.tokens.audrey)).json()).toMatchObject({ month: "0001-01", from: "0000-12-31T17:00:00.000Z" });
    });

    test("without a month: the current one, counted up to now (2 December 10:00)", async () => {
      const report = (await t.call("GET", "/v1/organizations/byt/usage", t.tokens.alice)).json() as {
        month: string;
        lines: { from: string; to: string; cost: { total: number } }[];
      };
      expect(report.month).toBe("2026-12");
      // 1 Dec 00:00 to 2 Dec 10:00 = 34 hours of 31 days: 8 × 200,000 × 34/744 = 73,118.3; 16 × 40,000 × 34/744 = 29,247.3; 0.25 × 1,000,000 × 34/744 = 11,424.7
      expect(report.lines.map((l) => [l.from, l.to, l.cost.total])).toEqual([
        ["2026-11-30T17:00:00.000Z", "2026-12-02T03:00:00.000Z", 73_118 + 29_247 + 11_425],
      ]);
    });
  });

  describe("compliance", () => {
    test("per organization: every approved environment against every rule, with its source; core data on the only active site is an open exception", async () => {
      const res = await t.call("GET", "/v1/organizations/byt/compliance", t.tokens.alice);
      expect(res.statusCode, res.body).toBe(200);
      const report = res.json() as {
        summary: unknown;
        environments: { environment: string; status: string; findings: { rule: string; status: string; source: { law: string; confirmed: boolean } }[] }[];
        exceptions: { environment: string; rule: string; since: string; message: string }[];
      };
      expect(report.summary).toMatchObject({ environments: 2, byStatus: { compliant: 1, exception: 1, violation: 0 } });
      expect(report.environments.map((e) => [e.environment, e.status])).toEqual([
        ["dancu", "exception"],
        ["his", "compliant"],
      ]);
      const dancu = report.environments[0]!;
      expect(Object.fromEntries(dancu.findings.map((f) => [f.rule, f.status]))).toEqual({
        "zone-for-data-class": "compliant",
        "minimum-security-level": "compliant",
        "dedicated-pool": "compliant",
        residency: "compliant",
        "multi-site": "exception",
        retention: "compliant",
      });
      expect(dancu.findings.find((f) => f.rule === "residency")!.source.law).toContain("Data Law 60/2024/QH15");
      expect(report.exceptions).toHaveLength(1);
      expect(report.exceptions[0]).toMatchObject({ environment: "dancu", rule: "multi-site", since: dancuCreatedAt });
      expect(report.exceptions[0]!.message).toContain("only 1 site is active, admitted with an exception until a second site can take the replica");
    });

    test("per site: an operator sees every organization's environments there; an organization only its own", async () => {
      const all = (await t.call("GET", "/v1/sites/ndc1/compliance", t.tokens.oscar)).json() as {
        scope: unknown;
        environments: { org: string; environment: string }[];
        summary: { environments: number };
      };
      expect(all.scope).toEqual({ site: "ndc1" });
      expect(all.environments.map((e) => `${e.org}/${e.environment}`)).toEqual(["bct/crm", "byt/dancu", "byt/his"]);
      const bob = (await t.call("GET", "/v1/sites/ndc1/compliance", t.tokens.bob)).json() as { environments: { org: string; environment: string }[] };
      expect(bob.environments.map((e) => `${e.org}/${e.environment}`)).toEqual(["bct/crm"]);
      // erp was deleted: nothing of it is reported at ndc2.
      expect(((await t.call("GET", "/v1/sites/ndc2/compliance", t.tokens.audrey)).json() as { summary: { environments: number } }).summary.environments).toBe(
        0,
      );
      expect((await t.call("GET", "/v1/organizations/byt/compliance", t.tokens.bob)).statusCode).toBe(404);
      expect((await t.call("GET", "/v1/sites/ndc9/compliance", t.tokens.oscar)).json()).toMatchObject({
        status: 404,
        detail: "no site ndc9; sites: ndc1, ndc2, ndc4",
      });
    });

    test("CSV: one row per environment and rule, with the legal source", async () => {
      const res = await t.call("GET", "/v1/organizations/byt/compliance", t.tokens.carol, undefined, { accept: "text/csv" });
      expect(res.headers["content-type"]).toBe("text/csv; charset=utf-8");
      const rows = res.body.trimEnd().split("\r\n");
      expect(rows[0]).toBe("org,environment,namespace,phase,sites,zone,dataClass,securityLevel,rule,status,since,message,source,sourceConfirmed");
      expect(rows).toHaveLength(1 + 2 * 6);
      const multiSite = rows.find((r) => r.startsWith("byt,dancu,") && r.includes(",multi-site,"))!;
      expect(multiSite).toMatch(
        new RegExp(`^byt,dancu,byt-dancu,Approved,ndc1,restricted,core,4,multi-site,exception,${dancuCreatedAt.replaceAll(".", "\\.")},"`),
      );
      expect(multiSite).toMatch(/,false$/);
    });
  });

  describe("paging (limit 1–200 and a cursor, like every list; CSV has every row)", () => {
    test("a site's compliance by two environments: the summary counts all three, each page has its own environments' exceptions", async () => {
      const first = (await t.call("GET", "/v1/sites/ndc1/compliance?limit=2", t.tokens.oscar)).json() as {
        summary: { environments: number; byStatus: Record<string, number> };
        environments: { org: string; environment: string }[];
        exceptions: { environment: string }[];
        nextCursor?: string;
      };
      expect(first.environments.map((e) => `${e.org}/${e.environment}`)).toEqual(["bct/crm", "byt/dancu"]);
      expect(first.nextCursor).toBe("byt/dancu");
      // crm and his are compliant, dancu (core data on the only active site) is an exception: the whole site.
      expect(first.summary).toMatchObject({ environments: 3, byStatus: { compliant: 2, exception: 1, violation: 0 } });
      expect(first.exceptions.map((x) => x.environment)).toEqual(["dancu"]);
      const second = (await t.call("GET", `/v1/sites/ndc1/compliance?limit=2&cursor=${first.nextCursor}`, t.tokens.oscar)).json() as typeof first;
      expect(second.environments.map((e) => `${e.org}/${e.environment}`)).toEqual(["byt/his"]);
      expect(second.exceptions).toEqual([]);
      expect(second.nextCursor).toBeUndefined();
      expect(second.summary.environments).toBe(3);
    });

    test("the platform's November usage by one environment: every line of bct/erp, then of byt/his; the totals are the month's", async () => {
      const first = (await t.call("GET", "/v1/usage?month=2026-11&limit=1", t.tokens.audrey)).json() as {
        total: number;
        organizations: { org: string }[];
        lines: { org: string; environment: string; site: string }[];
        nextCursor?: string;
      };
      expect(first.lines.map((l) => `${l.org}/${l.environment}@${l.site}`)).toEqual(["bct/erp@ndc1", "bct/erp@ndc1", "bct/erp@ndc2"]);
      expect(first.nextCursor).toBe("bct/erp");
      expect(first.total).toBe(3_221_666);
      expect(first.organizations.map((o) => o.org)).toEqual(["bct", "byt"]);
      const second = (await t.call("GET", `/v1/usage?month=2026-11&limit=1&cursor=${first.nextCursor}`, t.tokens.audrey)).json() as typeof first;
      expect(second.lines.map((l) => `${l.org}/${l.environment}@${l.site}`)).toEqual(["byt/his@ndc1", "byt/his@ndc1", "byt/his@ndc1"]);
      expect(second.nextCursor).toBeUndefined();
      expect(second.total).toBe(3_221_666);
    });

    test("the document gives limit 1–200 and the cursor's form on each report", async () => {
      const doc = (await t.app.inject({ method: "GET", url: "/openapi.json" })).json() as {
        paths: Record<string, { get: { parameters: { name: string; schema: Record<string, unknown> }[] } }>;
      };
      for (const path of ["/v1/organizations/{org}/compliance", "/v1/sites/{site}/compliance", "/v1/organizations/{org}/usage", "/v1/usage"]) {
        const params = doc.paths[path]!.get.parameters;
        expect(params.find((p) => p.name === "limit")?.schema, path).toMatchObject({ type: "integer", minimum: 1, maximum: 200 });
        expect(params.find((p) => p.name === "cursor")?.schema, path).toMatchObject({
          pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
        });
      }
    });

    test.each([
      ["/v1/organizations/byt/compliance?limit=0", "query.limit", "range"],
      ["/v1/sites/ndc1/compliance?limit=201", "query.limit", "range"],
      ["/v1/usage?limit=201", "query.limit", "range"],
      ["/v1/organizations/byt/usage?cursor=byt", "query.cursor", "cursor-format"],
      ["/v1/sites/ndc1/compliance?cursor=BYT%2Fhis", "query.cursor", "cursor-format"],
    ])("fails with 400 for %s, naming %s and %s", async (url, field, rule) => {
      const res = await t.call("GET", url, t.tokens.oscar);
      expect(res.statusCode, res.body).toBe(400);
      expect((res.json() as { errors: { field: string; rule: string }[] }).errors[0]).toMatchObject({ field, rule });
    });

    test("CSV ignores the page: every row of the site, whatever the limit", async () => {
      const res = await t.call("GET", "/v1/sites/ndc1/compliance?limit=1", t.tokens.oscar, undefined, { accept: "text/csv" });
      expect(res.statusCode).toBe(200);
      // A header and six rules for each of crm, dancu and his.
      expect(res.body.trimEnd().split("\r\n")).toHaveLength(1 + 3 * 6);
    });
  });

  describe("capacity roadmap", () => {
    test("ndc1 by phase against what is committed, and when it runs out at the growth of the last 90 days", async () => {
      const res = await t.call("GET", "/v1/capacity/roadmap", t.tokens.bob);
      expect(res.statusCode, res.body).toBe(200);
      const sites = (
        res.json() as {
          sites: {
            site: string;
            committed: { cpuMillis: number; memoryBytes: number };
            growthPerMonth: { cpuMillis: number };
            phases: unknown[];
            runOut: unknown;
            pools: { name: string; runOut: unknown }[];
          }[];
        }
      ).sites;
      expect(sites.map((s) => s.site)).toEqual(["ndc1", "ndc2", "ndc4"]);
      const ndc1 = sites[0]!;
      // Committed now: his 8 cores/16Gi, dancu 4/8Gi, crm 1/2Gi = 13 cores, 26Gi.
      expect(ndc1.committed).toMatchObject({ cpuMillis: 13_000, memoryBytes: 26 * GIB });
      // Held 90 days ago (3 Sep): nothing; held now: his (8 cores): 8,000 m / 3 months.
      expect(ndc1.growthPerMonth.cpuMillis).toBeCloseTo(8000 / 3, 6);
      expect(ndc1.phases).toEqual([
        {
          phase: 1,
          from: 2023,
          to: 2025,
          onlineFrom: "2023-01-01",
          racks: 10,
          status: "online",
          capacity: { cpuMillis: 16_000, memoryBytes: 64 * GIB, gpu: 0, storageBytes: {} },
          headroom: { cpuMillis: 3_000, memoryBytes: 38 * GIB },
        },
        {
          phase: 2,
          from: 2026,
          to: 2028,
          onlineFrom: "2027-03-01",
          racks: 20,
          status: "upcoming",
          capacity: { cpuMillis: 40_000, memoryBytes: 256 * GIB, gpu: 0, storageBytes: {} },
          headroom: { cpuMillis: 27_000, memoryBytes: 230 * GIB },
        },
      ]);
      // cpu: 13,000 + 2,666.7 k > 16,000 first at k = 2 (2027-02), before phase 2 comes online.
      // memory: 26 + 5.33 k > 64Gi at k = 8 would be 2027-08, but phase 2 (256Gi) is online from 2027-03: 26 + 5.33 k > 256 first at k = 44 (2030-08).
      expect(ndc1.runOut).toEqual({ cpu: "2027-02", memory: "2030-08" });
      // The general pool (10 × 64 cores × overcommit 2 = 1,280 cores) does not run out within 20 years.
      expect(ndc1.pools.find((p) => p.name === "general")!.runOut).toEqual({ cpu: null, memory: null, gpu: null });
    });

    test("admission refuses a site before the phase that brings its capacity online, naming the date", async () => {
      const res = await t.call("POST", "/v1/organizations/byt/environments", t.tokens.alice, testSpec({ name: "early", sites: ["ndc4"] }));
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({
        errors: [
          { field: "sites[0]", rule: "capacity-online", message: "ndc4's capacity comes online with phase 1 on 2027-06-01; request this site from that date" },
        ],
      });
    });
  });

  test("metrics: committed capacity per organization over all sites (to a scrape with the metrics token)", async () => {
    const text = (await t.call("GET", "/metrics", METRICS_TOKEN)).body;
    // byt: his 8 cores + dancu 4 = 12 cores; 16Gi + 8Gi; 256Gi standard. bct: crm 1 core, 2Gi (erp released when deleted).
    expect(text).toMatch(/^ndc_organization_committed\{org="byt",resource="cpu_millis"\} 12000$/m);
    expect(text).toMatch(new RegExp(`^ndc_organization_committed\\{org="byt",resource="memory_bytes"\\} ${24 * GIB}$`, "m"));
    expect(text).toMatch(new RegExp(`^ndc_organization_committed_storage_bytes\\{org="byt",tier="standard"\\} ${256 * GIB}$`, "m"));
    expect(text).toMatch(/^ndc_organization_committed\{org="bct",resource="cpu_millis"\} 1000$/m);
  });
});
