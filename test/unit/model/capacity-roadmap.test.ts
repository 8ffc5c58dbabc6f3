import { describe, expect, test } from "vitest";
import {
  admitEnvironment,
  assemblePlatform,
  capacityNotYetOnline,
  growthPerMonth,
  observedGrowthByPool,
  roadmapIssues,
  runOutMonth,
  siteRoadmap,
  type ValidationError,
  type ResourceAmounts,
  type RoadmapEntry,
} from "../../../model/index.ts";
import { testEnvironment, testSiteStack } from "../../../model/testing.ts";

const GI = 2 ** 30;
const TI = 2 ** 40;
const ROADMAP: RoadmapEntry[] = [
  { phase: 2, from: 2026, to: 2028, racks: 2000, cpu: "1000", memory: "4Ti" },
  { phase: 3, from: 2029, to: 2030, racks: 2600, cpu: "2000", memory: "8Ti", onlineFrom: "2029-07-01" },
];
const amounts = (cores: number, memoryGi: number, storage: Record<string, number> = {}): ResourceAmounts => ({
  cpuMillis: cores * 1000,
  memoryBytes: memoryGi * GI,
  gpu: 0,
  storageBytes: storage,
});

describe("capacityNotYetOnline", () => {
  const site = testSiteStack({ id: "ndc3", roadmap: [{ phase: 3, from: 2029, to: 2030, racks: 2600, cpu: "320000", memory: "3Pi" }] }).site;
  test("a site whose first phase starts in 2029 is not online in December 2026", () => {
    expect(capacityNotYetOnline(site, new Date("2026-12-02T00:00:00Z"))).toEqual({ phase: 3, onlineFrom: "2029-01-01" });
  });
  test("it is online from 00:00 Vietnam time on 1 January 2029", () => {
    expect(capacityNotYetOnline(site, new Date("2028-12-31T16:59:59Z"))).toBeDefined();
    expect(capacityNotYetOnline(site, new Date("2028-12-31T17:00:00Z"))).toBeUndefined();
  });
  test("a site without a roadmap is never refused for it", () => {
    expect(capacityNotYetOnline(testSiteStack().site, new Date("2020-01-01T00:00:00Z"))).toBeUndefined();
  });
});

describe("admission before the phase that brings a site online", () => {
  const platform = assemblePlatform([testSiteStack({ roadmap: [{ phase: 3, from: 2029, to: 2030, racks: 10, cpu: "1000", memory: "4Ti" }] })]);
  test("fails naming the date the capacity comes online", () => {
    let error: ValidationError | undefined;
    try {
      admitEnvironment(testEnvironment(), platform, { now: new Date("2026-12-02T00:00:00Z") });
    } catch (e) {
      error = e as ValidationError;
    }
    expect(error?.issues).toEqual([
      {
        field: "sites[0]",
        value: "ndc1",
        rule: "capacity-online",
        message: "ndc1's capacity comes online with phase 3 on 2029-01-01; request this site from that date",
      },
    ]);
  });
  test("admits the same request once the phase is online", () => {
    expect(admitEnvironment(testEnvironment(), platform, { now: new Date("2029-01-02T00:00:00Z") }).placements).toHaveLength(1);
  });
});

describe("runOutMonth", () => {
  test("100 committed, 10 more a month, capacity 150: over in the sixth month from now", () => {
    // month k holds 100 + 10k; 160 > 150 first at k = 6.
    expect(runOutMonth(100, 10, () => 150, "2026-12")).toBe("2027-06");
  });
  test("a later phase that adds capacity in time pushes the run-out back", () => {
    const capacity = (m: string) => (m >= "2027-03" ? 300 : 150);
    // k = 5 (2027-05) would be 150 but capacity is 300 by then; 310 > 300 at k = 21.
    expect(runOutMonth(100, 10, capacity, "2026-12")).toBe("2028-09");
  });
  test("no growth and room left: never", () => {
    expect(runOutMonth(100, 0, () => 150, "2026-12")).toBeNull();
  });
  test("already over capacity runs out this month", () => {
    expect(runOutMonth(200, 0, () => 150, "2026-12")).toBe("2026-12");
  });
});

describe("growthPerMonth", () => {
  test("is the change over the window, never negative", () => {
    const g = growthPerMonth(amounts(160, 640, { standard: 6 * TI }), amounts(100, 700, { standard: 0 }), 6);
    expect(g).toEqual({ cpuMillis: 10_000, memoryBytes: 0, gpu: 0, storageBytes: { standard: TI } });
  });
});

describe("siteRoadmap", () => {
  const site = testSiteStack({ roadmap: ROADMAP }).site;
  test("phases with headroom at today's commitments and run-out months per site, pool and tier", () => {
    const roadmap = siteRoadmap({
      site,
      committedByPool: new Map([
        ["general", amounts(400, 1024, { standard: TI })],
        ["secure", amounts(100, 512)],
      ]),
      growthByPool: new Map([["general", amounts(50, 0, { standard: 100 * TI })]]),
      now: new Date("2026-12-02T00:00:00Z"),
    });
    expect(roadmap.phases.map((p) => [p.phase, p.status, p.onlineFrom, p.headroom.cpuMillis / 1000, p.headroom.memoryBytes / GI])).toEqual([
      [2, "online", "2026-01-01", 500, 2560],
      [3, "upcoming", "2029-07-01", 1500, 6656],
    ]);
    // Site: 500 cores + 50 a month against 1000 (2000 from July 2029): 500 + 50k > 1000 at k = 11.
    expect(roadmap.runOut).toEqual({ cpu: "2027-11", memory: null });
    // Pool general: 10 nodes x 64 cores x 2 = 1280 cores; 400 + 50k > 1280 at k = 18.
    expect(roadmap.pools.find((p) => p.name === "general")?.runOut).toEqual({ cpu: "2028-06", memory: null, gpu: null });
    // Tier standard: 2 PiB = 2048 TiB; 1 + 100k > 2048 at k = 21.
    expect(roadmap.storageTiers.find((t) => t.name === "standard")?.runOut).toBe("2028-09");
  });
});

describe("roadmapIssues", () => {
  test("a valid roadmap has no issues", () => {
    expect(roadmapIssues(testSiteStack({ roadmap: ROADMAP }).site, "ndc:site.roadmap")).toEqual([]);
  });
  test("fails on phases out of order, years backwards, an online date outside the phase and bad quantities", () => {
    const bad: RoadmapEntry[] = [
      { phase: 3, from: 2029, to: 2028, racks: 1, cpu: "lots", memory: "8Ti", onlineFrom: "2031-01-01" },
      { phase: 2, from: 2026, to: 2028, racks: 1, cpu: "10", memory: "8TB" },
    ];
    expect(roadmapIssues(testSiteStack({ roadmap: bad }).site, "ndc:site.roadmap").map((i) => [i.field, i.rule])).toEqual([
      ["ndc:site.roadmap[0].to", "roadmap-years"],
      ["ndc:site.roadmap[0].cpu", "quantity-format"],
      ["ndc:site.roadmap[0].onlineFrom", "roadmap-years"],
      ["ndc:site.roadmap[1].phase", "roadmap-order"],
      ["ndc:site.roadmap[1].from", "roadmap-order"],
      ["ndc:site.roadmap[1].memory", "quantity-format"],
    ]);
  });
});

describe("observedGrowthByPool", () => {
  const interval = (environment: string, from: string, to: string | null, cores: number, site = "ndc1") => ({
    org: "byt",
    environment,
    site,
    from,
    to,
    amounts: amounts(cores, cores * 4),
  });
  test("what each pool held now minus 90 days ago, per month of 30 days; shrinking pools do not grow; other sites and unknown pools are left out", () => {
    const now = new Date("2026-12-01T00:00:00.000Z");
    // 90 days before: 2026-09-02T00:00Z.
    const growth = observedGrowthByPool(
      [
        interval("a", "2026-08-01T00:00:00.000Z", null, 6), // held both times: no growth
        interval("b", "2026-10-01T00:00:00.000Z", null, 9), // new: +9 cores over 3 months
        interval("c", "2026-08-01T00:00:00.000Z", "2026-11-01T00:00:00.000Z", 12), // gone: the secure pool shrank
        interval("d", "2026-10-01T00:00:00.000Z", null, 30, "ndc2"), // another site
        interval("e", "2026-10-01T00:00:00.000Z", null, 30), // pool unknown
      ],
      "ndc1",
      (i) => ({ a: "general", b: "general", c: "secure" })[i.environment as "a" | "b" | "c"],
      now,
    );
    expect(growth.get("general")).toEqual({ cpuMillis: 3000, memoryBytes: 12 * GI, gpu: 0, storageBytes: {} });
    expect(growth.get("secure")).toEqual({ cpuMillis: 0, memoryBytes: 0, gpu: 0, storageBytes: {} });
    expect([...growth.keys()].sort()).toEqual(["general", "secure"]);
  });
});
