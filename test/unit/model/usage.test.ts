import { describe, expect, test } from "vitest";
import {
  holdingChanges,
  holdingIntervals,
  heldAt,
  priceListIssues,
  totalCost,
  usageForMonth,
  type HoldingChange,
  type PriceListVersion,
  type ResourceAmounts,
} from "../../../model/index.ts";
import { testSiteStack } from "../../../model/testing.ts";

const GI = 2 ** 30;
const TI = 2 ** 40;
const small: ResourceAmounts = { cpuMillis: 4000, memoryBytes: 16 * GI, gpu: 0, storageBytes: { standard: TI / 2 } };
const large: ResourceAmounts = { cpuMillis: 8000, memoryBytes: 32 * GI, gpu: 1, storageBytes: { standard: TI } };

/** Prices chosen so a hand calculation is exact: 30-day November, halves and thirds of it. */
const PRICES: PriceListVersion[] = [
  {
    version: "2026.1",
    effectiveFrom: "2026-01-01",
    currency: "VND",
    perMonth: { cpuCore: 300_000, memoryGiB: 60_000, gpu: 9_000_000, storageTiB: { standard: 1_200_000, fast: 3_000_000 } },
  },
  {
    version: "2026.2",
    effectiveFrom: "2026-11-16",
    currency: "VND",
    perMonth: { cpuCore: 360_000, memoryGiB: 60_000, gpu: 9_000_000, storageTiB: { standard: 1_200_000, fast: 3_000_000 } },
  },
];
const LISTS = new Map([["ndc1", PRICES]]);
const END_OF_YEAR = new Date("2027-01-01T00:00:00Z");

// November 2026 in Vietnam: 2026-10-31T17:00Z .. 2026-11-30T17:00Z (30 days).
const change = (at: string, holds: HoldingChange["holds"], environment = "his-app"): HoldingChange => ({ at, org: "byt", environment, holds });

describe("holdingIntervals", () => {
  test("a resize closes the old size and opens the new one; Deleted closes it", () => {
    const intervals = holdingIntervals([
      change("2026-11-10T17:00:00.000Z", { sites: ["ndc1"], amounts: large }),
      change("2026-11-05T17:00:00.000Z", { sites: ["ndc1"], amounts: small }),
      change("2026-11-20T17:00:00.000Z", null),
    ]);
    expect(intervals).toEqual([
      { org: "byt", environment: "his-app", site: "ndc1", from: "2026-11-05T17:00:00.000Z", to: "2026-11-10T17:00:00.000Z", amounts: small },
      { org: "byt", environment: "his-app", site: "ndc1", from: "2026-11-10T17:00:00.000Z", to: "2026-11-20T17:00:00.000Z", amounts: large },
    ]);
  });

  test("an environment on two sites holds its amounts at each", () => {
    const intervals = holdingIntervals([change("2026-11-01T00:00:00.000Z", { sites: ["ndc1", "ndc2"], amounts: small })]);
    expect(intervals.map((i) => [i.site, i.to])).toEqual([
      ["ndc1", null],
      ["ndc2", null],
    ]);
  });
});

describe("usageForMonth", () => {
  test("half of November at the first prices: 4 cores, 16 GiB, 0.5 TiB standard", () => {
    // 2026-11-01 00:00 to 2026-11-16 00:00 Vietnam time = 15 of 30 days; the new prices start on the 16th.
    const intervals = holdingIntervals([change("2026-10-31T17:00:00.000Z", { sites: ["ndc1"], amounts: small }), change("2026-11-15T17:00:00.000Z", null)]);
    const lines = usageForMonth(intervals, LISTS, "2026-11", END_OF_YEAR);
    expect(lines).toHaveLength(1);
    // cpu 4 x 300,000 / 2 = 600,000; memory 16 x 60,000 / 2 = 480,000; storage 0.5 x 1,200,000 / 2 = 300,000
    expect(lines[0]!.cost).toEqual({ cpu: 600_000, memory: 480_000, gpu: 0, storage: { standard: 300_000 }, total: 1_380_000 });
    expect(lines[0]!.seconds).toBe(15 * 86_400);
    expect(lines[0]!.priceVersion).toBe("2026.1");
  });

  test("a whole month across a price change is split at the new version's first day", () => {
    const intervals = holdingIntervals([change("2026-10-01T00:00:00.000Z", { sites: ["ndc1"], amounts: small })]);
    const lines = usageForMonth(intervals, LISTS, "2026-11", END_OF_YEAR);
    expect(lines.map((l) => [l.priceVersion, l.from, l.to, l.cost.cpu])).toEqual([
      ["2026.1", "2026-10-31T17:00:00.000Z", "2026-11-15T17:00:00.000Z", 600_000],
      ["2026.2", "2026-11-15T17:00:00.000Z", "2026-11-30T17:00:00.000Z", 720_000], // 4 x 360,000 / 2
    ]);
    expect(totalCost(lines)).toBe(600_000 + 480_000 + 300_000 + 720_000 + 480_000 + 300_000);
  });

  test("a resize on 11 November charges the small size for 10 days and the large one until the end", () => {
    const intervals = holdingIntervals([
      change("2026-10-31T17:00:00.000Z", { sites: ["ndc1"], amounts: small }),
      change("2026-11-10T17:00:00.000Z", { sites: ["ndc1"], amounts: large }),
    ]);
    const lines = usageForMonth(intervals, LISTS, "2026-11", END_OF_YEAR);
    // small 10 days (1/3 month) at 2026.1: cpu 400,000, memory 320,000, storage 200,000
    // large 5 days (1/6) at 2026.1: cpu 400,000, memory 320,000, gpu 1,500,000, storage 200,000
    // large 15 days (1/2) at 2026.2: cpu 1,440,000, memory 960,000, gpu 4,500,000, storage 600,000
    expect(lines.map((l) => l.cost.total)).toEqual([920_000, 2_420_000, 7_500_000]);
  });

  test("a month in progress counts open intervals up to now", () => {
    const intervals = holdingIntervals([change("2026-10-31T17:00:00.000Z", { sites: ["ndc1"], amounts: small })]);
    const lines = usageForMonth(intervals, LISTS, "2026-11", new Date("2026-11-03T17:00:00.000Z"));
    expect(lines[0]!.seconds).toBe(3 * 86_400);
    expect(lines[0]!.cost.cpu).toBe(120_000); // 4 x 300,000 x 3/30
  });

  test("a site without prices reports the time held at no cost", () => {
    const intervals = holdingIntervals([change("2026-10-31T17:00:00.000Z", { sites: ["ndc9"], amounts: small })]);
    const [line] = usageForMonth(intervals, LISTS, "2026-11", END_OF_YEAR);
    expect([line!.priceVersion, line!.cost.total, line!.seconds]).toEqual([null, 0, 30 * 86_400]);
  });

  test("nothing held in the month gives no line", () => {
    const intervals = holdingIntervals([change("2026-09-01T00:00:00.000Z", { sites: ["ndc1"], amounts: small }), change("2026-10-01T00:00:00.000Z", null)]);
    expect(usageForMonth(intervals, LISTS, "2026-11", END_OF_YEAR)).toEqual([]);
  });
});

describe("heldAt", () => {
  test("sums what every environment holds at an instant, per site", () => {
    const intervals = holdingIntervals([
      change("2026-11-01T00:00:00.000Z", { sites: ["ndc1"], amounts: small }),
      change("2026-11-02T00:00:00.000Z", { sites: ["ndc1"], amounts: large }, "his-db"),
    ]);
    expect(heldAt(intervals, new Date("2026-11-03T00:00:00Z")).get("ndc1")?.cpuMillis).toBe(12_000);
    expect(heldAt(intervals, new Date("2026-11-01T12:00:00Z")).get("ndc1")?.cpuMillis).toBe(4000);
  });
});

describe("priceListIssues", () => {
  const site = (prices: PriceListVersion[]) => testSiteStack({ prices }).site;
  test("a valid list has no issues", () => {
    expect(priceListIssues(site(PRICES), "ndc:site.prices")).toEqual([]);
  });
  test("fails when versions repeat, go back in time, miss a tier or price an unknown one", () => {
    const bad: PriceListVersion[] = [
      PRICES[1]!,
      { ...PRICES[0]!, version: "2026.2", perMonth: { ...PRICES[0]!.perMonth, storageTiB: { standard: 1, archive: 2 } } },
      { ...PRICES[0]!, version: "2027.1", effectiveFrom: "2027-02-30" },
    ];
    expect(priceListIssues(site(bad), "ndc:site.prices").map((i) => [i.field, i.rule, i.message])).toEqual([
      ["ndc:site.prices[1].version", "duplicate-name", "is declared twice; each price-list version must be unique"],
      ["ndc:site.prices[1].effectiveFrom", "price-list-order", "must be later than the previous version 2026.2's; list versions oldest first"],
      ["ndc:site.prices[1].perMonth.storageTiB", "price-for-every-tier", "has no price for storage tier fast; price every tier of ndc1 (standard, fast)"],
      ["ndc:site.prices[1].perMonth.storageTiB.archive", "storage-tier-known", "is not a storage tier of ndc1; tiers: standard, fast"],
      ["ndc:site.prices[2].effectiveFrom", "date-format", "is not a calendar date; write YYYY-MM-DD"],
    ]);
  });
});

describe("holdingChanges", () => {
  const step = (at: string, phase: string, cpu: string | null, sites = ["ndc1"]) => ({
    at,
    org: "byt",
    environment: "his-app",
    phase,
    spec: cpu === null ? null : { sites, resources: { cpu, memory: "16Gi", storage: { standard: "512Gi" } } },
  });
  test("Ready opens a holding, a resize that is Ready changes it, Deleted ends it; other phases and repeats change nothing", () => {
    const changes = holdingChanges([
      step("2026-11-01T00:00:00.000Z", "Approved", "4"),
      step("2026-11-02T00:00:00.000Z", "Ready", "4", ["ndc2", "ndc1"]),
      step("2026-11-03T00:00:00.000Z", "Updating", "8", ["ndc1", "ndc2"]),
      step("2026-11-04T00:00:00.000Z", "Ready", "8", ["ndc1", "ndc2"]),
      step("2026-11-05T00:00:00.000Z", "Retained", "8", ["ndc1", "ndc2"]),
      step("2026-11-06T00:00:00.000Z", "Ready", "8", ["ndc2", "ndc1"]),
      step("2026-11-07T00:00:00.000Z", "Deleted", "8"),
    ]);
    const amounts = (cpuMillis: number) => ({ cpuMillis, memoryBytes: 16 * GI, gpu: 0, storageBytes: { standard: TI / 2 } });
    expect(changes).toEqual([
      { at: "2026-11-02T00:00:00.000Z", org: "byt", environment: "his-app", holds: { sites: ["ndc1", "ndc2"], amounts: amounts(4000) } },
      { at: "2026-11-04T00:00:00.000Z", org: "byt", environment: "his-app", holds: { sites: ["ndc1", "ndc2"], amounts: amounts(8000) } },
      { at: "2026-11-07T00:00:00.000Z", org: "byt", environment: "his-app", holds: null },
    ]);
  });
});
