// What `ndc report` and `ndc agreement` print, from answers written by hand: pages joined into one
// report, amounts in đồng, cores and sizes, and the agreement table with a Vietnamese purpose.
import { describe, expect, test } from "vitest";
import { agreementTable, parseAgreementRef, type AgreementResource } from "../../../control-plane/cli/commands/agreements.ts";
import {
  complianceText,
  formatCores,
  formatDong,
  formatSize,
  joinReportPages,
  usageText,
  type ComplianceReport,
  type UsageReport,
} from "../../../control-plane/cli/commands/reports.ts";

describe("joinReportPages", () => {
  test("keeps the first page's summary, joins the lists in page order and drops the cursor (a join that keeps only the last page breaks it)", () => {
    const pages = [
      { summary: { environments: 3 }, environments: ["a", "b"], exceptions: ["b!"], nextCursor: "byt/b" },
      { summary: { environments: 3 }, environments: ["c"], exceptions: [] as string[] },
    ];
    expect(joinReportPages(pages, ["environments", "exceptions"])).toEqual({ summary: { environments: 3 }, environments: ["a", "b", "c"], exceptions: ["b!"] });
  });

  test("one page is the report as it came, without a cursor", () => {
    const pages: { total: number; lines: number[]; nextCursor?: string }[] = [{ total: 5, lines: [1, 2] }];
    expect(joinReportPages(pages, ["lines"])).toEqual({ total: 5, lines: [1, 2] });
  });
});

describe("amounts", () => {
  test.each([
    [3_221_666, "3.221.666 VND"],
    [700_000, "700.000 VND"],
    [999, "999 VND"],
    [0, "0 VND"],
  ])("%d đồng -> %s", (amount, text) => expect(formatDong(amount)).toBe(text));

  test.each([
    [13_000, "13"],
    [8000 / 3, "2.7"],
    [500, "0.5"],
  ])("%d millicores -> %s cores", (millis, text) => expect(formatCores(millis)).toBe(text));

  test.each([
    [26 * 2 ** 30, "26Gi"],
    [(16 * 2 ** 30) / 3, "5.3Gi"],
    [1280 * 2 ** 40, "1280Ti"],
    [2 ** 40, "1Ti"],
  ])("%d bytes -> %s", (bytes, text) => expect(formatSize(bytes)).toBe(text));
});

describe("parseAgreementRef", () => {
  test("provider/name", () => expect(parseAgreementRef("byt/his-erp")).toEqual({ org: "byt", name: "his-erp" }));
  test.each(["byt", "byt/", "BYT/his", "byt/his/x"])("fails for %j, saying the form", (ref) => {
    expect(() => parseAgreementRef(ref)).toThrow(/an agreement is named <provider org>\/<name>/);
  });
});

const agreement = (name: string, purpose: string): AgreementResource => ({
  name,
  provider: { org: "byt", environment: "his-db" },
  consumer: { org: "bct", environment: "erp" },
  port: 5432,
  protocol: "TCP",
  purpose,
  legalBasis: "Nghị định 194/2025/NĐ-CP",
  validFrom: "2026-12-01T00:00:00+07:00",
  validUntil: "2027-12-01T00:00:00+07:00",
  sites: ["ndc1"],
  state: "Approved",
  status: "InForce",
  operatorApprovalRequired: false,
  approvalReasons: [],
  networkPolicy: `ndc-share-byt-${name}`,
  offeredBy: "alice",
  acceptedBy: "bob",
  decidedBy: null,
  revokedBy: null,
  reason: null,
  createdAt: "2026-12-01T01:00:00.000Z",
  updatedAt: "2026-12-01T02:00:00.000Z",
  version: 2,
});

describe("agreementTable", () => {
  test("the purpose column starts at the same terminal column in every row, decomposed Vietnamese included", () => {
    const text = agreementTable([agreement("his-erp", "Đối soát thuốc".normalize("NFD")), agreement("x", "Tra cứu")]);
    const [header, first, second] = text.split("\n").map((l) => [...l.normalize("NFC")]);
    const at = header!.join("").indexOf("PURPOSE");
    expect(first!.slice(at).join("")).toBe("Đối soát thuốc");
    expect(second!.slice(at).join("")).toBe("Tra cứu");
    expect(first!.slice(0, 8).join("")).toBe("byt/his-");
  });
});

describe("complianceText", () => {
  const report: Omit<ComplianceReport, "nextCursor"> = {
    scope: { site: "ndc1" },
    generatedAt: "2026-12-02T03:00:00.000Z",
    summary: {
      policyVersion: "2026.1",
      environments: 2,
      byStatus: { compliant: 1, exception: 1, violation: 0, "not-applicable": 0 },
      byRule: { "zone-for-data-class": { compliant: 1 }, "multi-site": { exception: 1 } },
    },
    environments: [
      {
        org: "byt",
        environment: "dancu",
        namespace: "byt-dancu",
        phase: "Approved",
        sites: ["ndc1"],
        zone: "restricted",
        dataClass: "core",
        securityLevel: 4,
        status: "exception",
        findings: [
          { rule: "zone-for-data-class", status: "compliant", message: "ok", source: { law: "Decree 53/2022", confirmed: true } },
          { rule: "multi-site", status: "exception", message: "only 1 site is active", source: { law: "Data Law 60/2024/QH15", confirmed: false } },
        ],
      },
      {
        org: "byt",
        environment: "his",
        namespace: "byt-his",
        phase: "Ready",
        sites: ["ndc1"],
        zone: "app",
        dataClass: "other",
        securityLevel: 2,
        status: "compliant",
        findings: [],
      },
    ],
    exceptions: [
      {
        org: "byt",
        environment: "dancu",
        rule: "multi-site",
        since: "2026-11-27T01:00:00.000Z",
        message: "only 1 site is active",
        source: { law: "Data Law 60/2024/QH15", confirmed: false },
      },
    ],
  };

  test("the summary line counts by status; each environment names what is not compliant; exceptions say since when, why and the law", () => {
    const lines = complianceText(report).split("\n");
    expect(lines[0]).toBe("compliance of site ndc1 (policy 2026.1): 2 environment(s): compliant 1, exception 1, violation 0");
    expect(lines[2]).toMatch(/^ENVIRONMENT +PHASE +SITES +ZONE +CLASS +STATUS +FINDINGS$/);
    expect(lines[3]).toMatch(/^byt\/dancu +Approved +ndc1 +restricted +core\/4 +exception +multi-site: exception$/);
    expect(lines[4]).toMatch(/^byt\/his +Ready +ndc1 +app +other\/2 +compliant +-$/);
    expect(lines[6]).toBe("open compliance exceptions:");
    expect(lines[8]).toMatch(/^byt\/dancu +multi-site +2026-11-27T01:00:00.000Z +only 1 site is active +Data Law 60\/2024\/QH15 \(unconfirmed\)$/);
  });
});

describe("usageText", () => {
  test("the month's total, a line per holding with its cost, the totals per organization", () => {
    const report: Omit<UsageReport, "nextCursor"> = {
      month: "2026-11",
      from: "2026-10-31T17:00:00.000Z",
      to: "2026-11-30T17:00:00.000Z",
      generatedAt: "2026-12-02T03:00:00.000Z",
      currency: "VND",
      total: 700_000,
      organizations: [{ org: "byt", total: 700_000, environments: [{ environment: "his", total: 700_000 }] }],
      lines: [
        {
          org: "byt",
          environment: "his",
          site: "ndc1",
          from: "2026-11-05T17:00:00.000Z",
          to: "2026-11-15T17:00:00.000Z",
          seconds: 10 * 24 * 3600,
          amounts: { cpuMillis: 4000, memoryBytes: 16 * 2 ** 30, gpu: 0, storageBytes: {} },
          priceVersion: "2025.1",
          currency: "VND",
          cost: { cpu: 333_333, memory: 266_667, gpu: 0, storage: { standard: 100_000 }, total: 700_000 },
        },
      ],
    };
    const lines = usageText(report).split("\n");
    expect(lines[0]).toBe("usage 2026-11 (2026-10-31T17:00:00.000Z .. 2026-11-30T17:00:00.000Z): total 700.000 VND");
    expect(lines[3]).toMatch(/^byt\/his +ndc1 +2026-11-05T17:00:00.000Z +2026-11-15T17:00:00.000Z +4 +16Gi +2025.1 +700.000 VND$/);
    expect(lines[6]).toMatch(/^byt +700.000 VND$/);
  });
});
