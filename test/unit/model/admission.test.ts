import { describe, expect, test } from "vitest";
import {
  admitEnvironment,
  EnvironmentSpecSchema,
  NAMESPACE_MAX_LENGTH,
  OrganizationSchema,
  type AdmissionContext,
  assemblePlatform,
  commitmentsOf,
  ValidationError,
  type EnvironmentSpec,
  type Platform,
} from "../../../model/index.ts";
import { testEnvironment, testOrganization, testPlatform, testSiteStack, testSpec } from "../../../model/testing.ts";

const platform = testPlatform();
const twoSites = testPlatform({ secondSite: true });
const plannedOnly = assemblePlatform([
  testSiteStack(),
  testSiteStack({ id: "ndc3", status: "planned", name: { vi: "Trung tâm Dữ liệu quốc gia số 3", en: "NDC No. 3" } }),
  testSiteStack({
    id: "ndc2",
    status: "commissioning",
    name: { vi: "Trung tâm Dữ liệu quốc gia số 2", en: "NDC No. 2" },
    location: { name: "Đà Nẵng", latitude: 16.05, longitude: 108.2 },
  }),
]);
const small = assemblePlatform([
  testSiteStack({ computePools: [{ name: "general", zones: ["app"], nodes: 1, nodeCpu: "8", nodeMemory: "32Gi" }], overcommit: { cpu: 1, memory: 1 } }),
]);

function rejection(
  spec: Partial<EnvironmentSpec> | Record<string, unknown>,
  on: Platform = platform,
  ctx: AdmissionContext = {},
  org = "byt",
): ValidationError {
  try {
    admitEnvironment({ org, spec: { ...testSpec(), ...spec } as EnvironmentSpec }, on, ctx);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error("expected a ValidationError, the environment was admitted");
}

describe("admitEnvironment", () => {
  test("admits a valid low-risk environment on the shared pool", () => {
    const plan = admitEnvironment(testEnvironment(), platform);
    expect(plan.namespace).toBe("byt-his-app");
    expect(plan.placements).toEqual([{ site: "ndc1", zone: "app", pool: "general", dedicatedPool: false }]);
    expect(plan.complianceExceptions).toEqual([]);
  });

  test("places level >= 4 on a dedicated pool", () => {
    const plan = admitEnvironment(testEnvironment({ zone: "data", dataClass: "important", securityLevel: 4 }), platform);
    expect(plan.placements[0]).toMatchObject({ pool: "secure", dedicatedPool: true });
  });

  test("admits core data on one active site with a visible compliance exception", () => {
    const plan = admitEnvironment(
      testEnvironment({ zone: "restricted", dataClass: "core", securityLevel: 4, resources: { cpu: "4", memory: "8Gi" } }),
      platform,
    );
    expect(plan.complianceExceptions).toHaveLength(1);
    expect(plan.complianceExceptions[0]!.rule).toBe("multi-site");
  });

  test("core data on two active sites far apart needs no exception", () => {
    const plan = admitEnvironment(
      testEnvironment({ zone: "restricted", dataClass: "core", securityLevel: 4, sites: ["ndc1", "ndc2"], resources: { cpu: "4", memory: "8Gi" } }),
      twoSites,
    );
    expect(plan.complianceExceptions).toEqual([]);
    expect(plan.placements.map((p) => p.site)).toEqual(["ndc1", "ndc2"]);
  });

  test("counts what is committed: the last capacity goes to exactly one environment", () => {
    const first = admitEnvironment(testEnvironment({ name: "a", resources: { cpu: "6", memory: "8Gi" } }), small);
    const second = rejection({ name: "b", resources: { cpu: "6", memory: "8Gi" } }, small, { committed: commitmentsOf(first) });
    expect(second.issues).toEqual([
      { field: "resources.cpu", value: "6", rule: "site-capacity", message: "exceeds the capacity of pool general at ndc1: 6 requested, 2 of 8 free" },
    ]);
  });

  test("a resize does not count the environment's own commitment twice", () => {
    const first = admitEnvironment(testEnvironment({ name: "a", resources: { cpu: "6", memory: "8Gi" } }), small);
    const resized = admitEnvironment(testEnvironment({ name: "a", resources: { cpu: "8", memory: "8Gi" } }), small, { committed: commitmentsOf(first) });
    expect(resized.amounts.cpuMillis).toBe(8000);
  });
});

const long = "a".repeat(50);

/** Bad input table: [case, spec overrides, platform, expected field, expected rule]. */
const BAD: [string, Record<string, unknown>, Platform, string, string][] = [
  ["uppercase slug", { name: "HIS" }, platform, "name", "slug-format"],
  ["diacritics in slug", { name: "bệnh-viện" }, platform, "name", "slug-format"],
  ["slug with space", { name: "his app" }, platform, "name", "slug-format"],
  ["slug ending in hyphen", { name: "his-" }, platform, "name", "slug-format"],
  ["empty name", { name: "" }, platform, "name", "min-length"],
  ["name too long for a namespace", { name: `${long}x` }, platform, "name", "max-length"],
  ["unknown zone", { zone: "internet" }, platform, "zone", "allowed-values"],
  ["platform zone", { zone: "mgmt" }, platform, "zone", "tenant-zone"],
  ["unknown stage", { stage: "qa" }, platform, "stage", "allowed-values"],
  ["unknown data class", { dataClass: "secret" }, platform, "dataClass", "allowed-values"],
  ["level out of range", { securityLevel: 6 }, platform, "securityLevel", "allowed-values"],
  ["level as string", { securityLevel: "3" }, platform, "securityLevel", "allowed-values"],
  ["core data outside restricted", { dataClass: "core", securityLevel: 4, zone: "data" }, platform, "zone", "zone-for-data-class"],
  ["important data in app", { dataClass: "important", securityLevel: 3, zone: "app" }, platform, "zone", "zone-for-data-class"],
  ["level below data class minimum", { dataClass: "important", zone: "data", securityLevel: 2 }, platform, "securityLevel", "minimum-security-level"],
  ["level below personal data minimum", { personalData: "sensitive", securityLevel: 2 }, platform, "securityLevel", "minimum-security-level"],
  [
    "personal data volume raises class",
    { personalData: "basic", personalDataSubjects: 2_000_000, securityLevel: 2 },
    platform,
    "dataClass",
    "personal-data-volume",
  ],
  ["unknown site", { sites: ["ndc9"] }, platform, "sites[0]", "site-known"],
  ["planned site", { sites: ["ndc3"] }, plannedOnly, "sites[0]", "site-accepts"],
  ["prod on a commissioning site", { stage: "prod", sites: ["ndc2"] }, plannedOnly, "sites[0]", "site-accepts"],
  ["duplicate sites", { sites: ["ndc1", "ndc1"] }, platform, "sites", "unique-items"],
  ["no sites", { sites: [] }, platform, "sites", "min-items"],
  [
    "core data on one site when two are active",
    { dataClass: "core", zone: "restricted", securityLevel: 4, resources: { cpu: "1", memory: "1Gi" } },
    twoSites,
    "sites",
    "multi-site",
  ],
  ["negative cpu", { resources: { cpu: "-2", memory: "1Gi" } }, platform, "resources.cpu", "quantity-format"],
  ["malformed memory", { resources: { cpu: "2", memory: "lots" } }, platform, "resources.memory", "quantity-format"],
  ["zero cpu", { resources: { cpu: "0", memory: "1Gi" } }, platform, "resources.cpu", "quantity-format"],
  [
    "storage in a lowercase unit",
    { resources: { cpu: "2", memory: "1Gi", storage: { standard: "10gi" } } },
    platform,
    "resources.storage.standard",
    "quantity-format",
  ],
  ["unknown storage tier", { resources: { cpu: "2", memory: "1Gi", storage: { gold: "10Gi" } } }, platform, "resources.storage.gold", "storage-tier-known"],
  ["fractional gpu", { resources: { cpu: "2", memory: "1Gi", gpu: 0.5 } }, platform, "resources.gpu", "type"],
  ["unknown resource field", { resources: { cpu: "2", memory: "1Gi", disk: "1Ti" } }, platform, "resources.disk", "unknown-field"],
  ["unknown top-level field", { colour: "blue" }, platform, "colour", "unknown-field"],
  ["no owners", { owners: [] }, platform, "owners", "min-items"],
  [
    "over site capacity",
    { resources: { cpu: "2000", memory: "1Gi" } },
    assemblePlatform([testSiteStack({}, [testOrganization({ entitlements: { app: { cpu: "100000", memory: "1Pi" } } })])]),
    "resources.cpu",
    "site-capacity",
  ],
  ["over entitlement", { resources: { cpu: "65", memory: "1Gi" } }, platform, "resources.cpu", "entitlement"],
  [
    "no entitlement in the zone",
    { zone: "dmz", resources: { cpu: "1", memory: "1Gi", storage: { standard: "1Gi" } } },
    platform,
    "resources.storage.standard",
    "entitlement",
  ],
  ["load balancer without entitlement", { allowLoadBalancer: true }, platform, "allowLoadBalancer", "load-balancer-entitlement"],
  [
    "level above the organization's maximum",
    { securityLevel: 5, zone: "data", dataClass: "important" },
    assemblePlatform([testSiteStack({}, [testOrganization({ maxSecurityLevel: 4 })])]),
    "securityLevel",
    "organization-max-security-level",
  ],
];

describe("admitEnvironment bad input", () => {
  test("the table has at least 25 cases", () => expect(BAD.length).toBeGreaterThanOrEqual(25));

  test.each(BAD)("fails when %s", (_case, spec, on, field, rule) => {
    const error = rejection(spec, on);
    const issue = error.issues.find((i) => i.field === field && i.rule === rule);
    expect(issue, `issues were: ${error.message}`).toBeDefined();
    // The message names the field, the value and the rule.
    expect(error.message).toContain(`${field}:`);
    expect(error.message).toContain(`[${rule}]`);
    expect(error.message).toContain(`(got ${JSON.stringify(issue!.value).slice(0, 20)}`);
  });

  test("slug limits keep every namespace within Kubernetes' 63 characters", () => {
    const orgMax = OrganizationSchema.properties.slug.maxLength!;
    const nameMax = EnvironmentSpecSchema.properties.name.maxLength!;
    expect(orgMax + 1 + nameMax).toBeLessThanOrEqual(NAMESPACE_MAX_LENGTH);
  });

  test("fails when the organization is unknown, listing the known ones", () => {
    const error = rejection({}, platform, {}, "xyz");
    expect(error.issues).toEqual([{ field: "org", value: "xyz", rule: "organization-known", message: "is not an onboarded organization; known: byt" }]);
  });

  test("fails when the namespace is reserved by the site stack", () => {
    const error = rejection({}, platform, { reservedNamespaces: new Set(["byt-his-app"]) });
    expect(error.issues[0]).toMatchObject({ field: "name", rule: "name-unique" });
  });

  test("fails when the organization reached its environment limit", () => {
    const error = rejection({}, platform, { existingEnvironmentCount: 20 });
    expect(error.issues[0]).toMatchObject({ field: "org", rule: "environment-limit", message: "already has 20 environments, the limit is 20" });
  });

  test("explains diacritics in slugs", () => {
    const error = rejection({ name: "bệnh-viện" });
    expect(error.issues[0]!.message).toBe("must be ASCII: remove the diacritics 'ệ' (display names keep them, slugs do not)");
  });

  test("reports every problem at once", () => {
    const error = rejection({ dataClass: "core", zone: "app", securityLevel: 2 });
    expect(error.issues.map((i) => i.rule).sort()).toEqual(["minimum-security-level", "zone-for-data-class"]);
  });
});
