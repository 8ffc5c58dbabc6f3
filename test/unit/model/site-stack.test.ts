import { describe, expect, test } from "vitest";
import { stringify } from "yaml";
import { parseSiteStack, parseStackFile, ValidationError, type SiteStackConfig } from "../../../model/index.ts";
import { testOrganization, testSiteStack, testSpec } from "../../../model/testing.ts";

const FILE = "stacks/Pulumi.test.yaml";

/** A stack file's text from a config, with `ndc:` keys as Pulumi writes them. */
function stackText(config: SiteStackConfig | Record<string, unknown>): string {
  return stringify({ config: Object.fromEntries(Object.entries(config).map(([k, v]) => [`ndc:${k}`, v])) });
}

function failure(mutate: (c: any) => void): ValidationError {
  const config = structuredClone(testSiteStack()) as any;
  config.environments = [{ org: "byt", ...testSpec() }];
  mutate(config);
  try {
    parseStackFile(stackText(config), FILE);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error("expected the stack file to be rejected");
}

describe("parseStackFile", () => {
  test("parses a valid stack and keeps display names as written (NFC)", () => {
    const config = parseStackFile(stackText(testSiteStack()), FILE);
    expect(config.site.name.vi).toBe("Trung tâm Dữ liệu quốc gia số 1");
    expect(config.site.name.vi.normalize("NFC")).toBe(config.site.name.vi);
  });

  test.each([
    ["an unknown key", (c: any) => (c.site.colour = "blue"), "ndc:site.colour", "unknown-field"],
    ["a site id with diacritics", (c: any) => (c.site.id = "hòa-lạc"), "ndc:site.id", "slug-format"],
    ["an unknown site status", (c: any) => (c.site.status = "building"), "ndc:site.status", "allowed-values"],
    ["a location outside Vietnam", (c: any) => (c.site.location.latitude = 48.8), "ndc:site.location.latitude", "range"],
    [
      "a pool in a zone the site does not have",
      (c: any) => ((c.site.zones = ["app", "data"]), (c.site.computePools[0].zones = ["app", "dmz"])),
      "ndc:site.computePools[0].zones[1]",
      "zone-at-site",
    ],
    ["a malformed node cpu", (c: any) => (c.site.computePools[0].nodeCpu = "lots"), "ndc:site.computePools[0].nodeCpu", "quantity-format"],
    ["a negative tier capacity", (c: any) => (c.site.storageTiers[0].capacity = "-2Pi"), "ndc:site.storageTiers[0].capacity", "quantity-format"],
    ["two pools with one name", (c: any) => (c.site.computePools[1].name = "general"), "ndc:site.computePools[1].name", "duplicate-name"],
    [
      "two tiers with one StorageClass",
      (c: any) => (c.site.storageTiers[1].storageClass = "ndc-standard"),
      "ndc:site.storageTiers[1].storageClass",
      "duplicate-name",
    ],
    ["two organizations with one slug", (c: any) => c.organizations.push(testOrganization()), "ndc:organizations[1].slug", "duplicate-name"],
    [
      "an entitlement to an unknown tier",
      (c: any) => (c.organizations[0].entitlements.app.storage = { gold: "1Ti" }),
      "ndc:organizations[0].entitlements.app.storage.gold",
      "storage-tier-known",
    ],
    ["an environment of an unknown organization", (c: any) => (c.environments[0].org = "xyz"), "ndc:environments[0].org", "organization-known"],
    ["two environments with one name", (c: any) => c.environments.push({ org: "byt", ...testSpec() }), "ndc:environments[1].name", "duplicate-name"],
    [
      "core data outside restricted",
      (c: any) => Object.assign(c.environments[0], { dataClass: "core", securityLevel: 4 }),
      "ndc:environments[0].zone",
      "zone-for-data-class",
    ],
    [
      "an environment over the organization's entitlement",
      (c: any) => (c.environments[0].resources = { cpu: "999", memory: "1Gi" }),
      "ndc:environments[0].resources.cpu",
      "entitlement",
    ],
    [
      "a price list in dollars",
      (c: any) =>
        (c.site.prices = [
          {
            ...{
              version: "2026.1",
              effectiveFrom: "2026-01-01",
              currency: "VND",
              perMonth: { cpuCore: 1, memoryGiB: 1, gpu: 1, storageTiB: { standard: 1, fast: 1 } },
            },
            currency: "USD",
          },
        ]),
      "ndc:site.prices[0].currency",
      "allowed-values",
    ],
    [
      "a negative price",
      (c: any) =>
        (c.site.prices = [
          {
            ...{
              version: "2026.1",
              effectiveFrom: "2026-01-01",
              currency: "VND",
              perMonth: { cpuCore: 1, memoryGiB: 1, gpu: 1, storageTiB: { standard: 1, fast: 1 } },
            },
            perMonth: { cpuCore: -1, memoryGiB: 1, gpu: 1, storageTiB: { standard: 1, fast: 1 } },
          },
        ]),
      "ndc:site.prices[0].perMonth.cpuCore",
      "range",
    ],
    [
      "a price list without a price for a tier",
      (c: any) =>
        (c.site.prices = [
          {
            ...{
              version: "2026.1",
              effectiveFrom: "2026-01-01",
              currency: "VND",
              perMonth: { cpuCore: 1, memoryGiB: 1, gpu: 1, storageTiB: { standard: 1, fast: 1 } },
            },
            perMonth: { cpuCore: 1, memoryGiB: 1, gpu: 1, storageTiB: { standard: 1 } },
          },
        ]),
      "ndc:site.prices[0].perMonth.storageTiB",
      "price-for-every-tier",
    ],
    [
      "a price-list date that does not exist",
      (c: any) =>
        (c.site.prices = [
          {
            ...{
              version: "2026.1",
              effectiveFrom: "2026-01-01",
              currency: "VND",
              perMonth: { cpuCore: 1, memoryGiB: 1, gpu: 1, storageTiB: { standard: 1, fast: 1 } },
            },
            effectiveFrom: "2026-02-29",
          },
        ]),
      "ndc:site.prices[0].effectiveFrom",
      "date-format",
    ],
    [
      "roadmap phases out of order",
      (c: any) =>
        (c.site.roadmap = [
          { phase: 2, from: 2026, to: 2028, racks: 1, cpu: "1", memory: "1Gi" },
          { phase: 1, from: 2029, to: 2030, racks: 1, cpu: "1", memory: "1Gi" },
        ]),
      "ndc:site.roadmap[1].phase",
      "roadmap-order",
    ],
    [
      "a phase online date outside its years",
      (c: any) => (c.site.roadmap = [{ phase: 3, from: 2029, to: 2030, racks: 1, cpu: "1", memory: "1Gi", onlineFrom: "2028-12-01" }]),
      "ndc:site.roadmap[0].onlineFrom",
      "roadmap-years",
    ],
    [
      "a peer that names the site itself",
      (c: any) => (c.peers = [{ id: "ndc1", status: "active", location: c.site.location }]),
      "ndc:peers[0].id",
      "peer-not-self",
    ],
  ])("fails on %s, naming the file, the key path and the rule", (_case, mutate, field, rule) => {
    const error = failure(mutate);
    expect(error.issues.map((i) => `${i.field} [${i.rule}]`)).toContain(`${field} [${rule}]`);
    expect(error.message.startsWith(`${FILE}: `)).toBe(true);
    expect(error.message).toContain(`${field}: `);
    expect(error.message).toContain(`[${rule}]`);
  });

  test("fails on YAML that does not parse, naming the file", () => {
    expect(() => parseStackFile("config:\n  ndc:site: [unclosed", FILE)).toThrow(`${FILE}: (file): is not valid YAML`);
  });
});

describe("the control plane's stack config", () => {
  const stack = (controlPlane: Record<string, unknown>, siteId = "ndc1") =>
    ({ ...testSiteStack({ id: siteId }), controlPlane }) as unknown as Record<string, unknown>;
  const digest = `registry.ndc1.ndc.gov.vn/ndc/control-plane:0.1.0@sha256:${"0f".repeat(32)}`;
  const apiServers = [{ cidr: "10.10.0.10/32", port: 6443 }];
  const issues = (values: Record<string, unknown>) => {
    try {
      parseSiteStack(values, "stacks/Pulumi.x.yaml");
      return [];
    } catch (error) {
      return (error as ValidationError).issues.map((i) => `${i.field} ${i.rule}`);
    }
  };

  test("a pinned image, a shared database for several replicas and named API servers pass", () => {
    expect(issues(stack({ image: digest, replicas: 3, databaseSecret: "ndc-control-plane-database", apiServers }))).toEqual([]);
  });

  test.each([
    ["a tag-only image", { image: "registry.ndc1.ndc.gov.vn/ndc/control-plane:0.1.0", replicas: 1, apiServers }, "ndc:controlPlane.image image-digest"],
    ["several replicas without a database Secret", { image: digest, replicas: 2, apiServers }, "ndc:controlPlane.databaseSecret shared-database"],
    ["no API servers (egress would have to be open)", { image: digest, replicas: 1 }, "ndc:controlPlane.apiServers api-server-egress"],
  ])("fails with %s", (_what, controlPlane, expected) => {
    expect(issues(stack(controlPlane))).toEqual([expected]);
  });

  test("the local stack may use a tag and no API servers", () => {
    expect(issues(stack({ image: "registry.local.ndc.gov.vn/ndc/control-plane:dev", replicas: 1 }, "local"))).toEqual([]);
  });
});
