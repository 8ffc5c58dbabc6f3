import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { distanceKm, parseStackFile, planStaticEnvironments, TENANT_ZONES, type SiteStackConfig } from "../../model/index.ts";

const STACKS_DIR = join(import.meta.dirname, "..", "..", "stacks");
const files = readdirSync(STACKS_DIR)
  .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
  .sort();
const load = (file: string): SiteStackConfig => parseStackFile(readFileSync(join(STACKS_DIR, file), "utf8"), `stacks/${file}`);

const MINISTRIES = ["bqp", "bca", "bng", "bnv", "btp", "btc", "bct", "bnnmt", "bxd", "bvhttdl", "bkhcn", "bgddt", "byt", "bdttg", "nhnn", "ttcp", "vpcp"];
const SOCIO_POLITICAL = ["mttq", "tldld", "doantn", "hlhpn", "hnd", "hccb"];
const CITIES = ["hanoi", "hcmc", "haiphong", "danang", "hue", "cantho"];

describe("stacks/", () => {
  test("holds the three sites and the local one", () => {
    expect(files).toEqual(["Pulumi.local.yaml", "Pulumi.ndc1-hoalac.yaml", "Pulumi.ndc2.yaml", "Pulumi.ndc3.yaml"]);
  });

  test.each(files)("%s parses and admits its static environments", (file) => {
    const config = load(file);
    expect(config.site.id).toMatch(/^[a-z0-9-]+$/);
    expect(planStaticEnvironments(config, file)).toHaveLength(config.environments?.length ?? 0);
  });

  test.each(files)("%s keeps display names in NFC with their diacritics", (file) => {
    const text = readFileSync(join(STACKS_DIR, file), "utf8");
    expect(text).toBe(text.normalize("NFC"));
    const config = load(file);
    for (const name of [config.site.name, ...config.organizations.map((o) => o.name)]) {
      expect(name.vi).toBe(name.vi.normalize("NFC"));
      // eslint-disable-next-line no-control-regex -- the range starts at NUL on purpose: any non-ASCII character
      expect(name.vi).toMatch(/[^\x00-\x7f]/); // Vietnamese names always carry a diacritic or đ
    }
  });
});

describe("Pulumi.ndc1-hoalac.yaml", () => {
  const config = load("Pulumi.ndc1-hoalac.yaml");

  test("is NDC No. 1 at Hòa Lạc, phase 1, active, with its peers", () => {
    expect(config.site).toMatchObject({ id: "ndc1", phase: 1, status: "active" });
    expect(config.site.location.name).toBe("Khu Công nghệ cao Hòa Lạc, Hà Nội");
    expect(config.peers?.map((p) => [p.id, p.status])).toEqual([
      ["ndc2", "commissioning"],
      ["ndc3", "planned"],
    ]);
    expect(config.site.roadmap?.map((r) => [r.from, r.to])).toEqual([
      [2023, 2025],
      [2026, 2028],
      [2029, 2030],
    ]);
  });

  test("onboards all 17 ministries and ministerial agencies, the 6 socio-political organizations and the 6 cities", () => {
    const slugs = config.organizations.map((o) => o.slug);
    for (const slug of [...MINISTRIES, ...SOCIO_POLITICAL, ...CITIES]) expect(slugs).toContain(slug);
    expect(config.organizations.filter((o) => o.kind === "ministry" || o.kind === "agency")).toHaveLength(17);
    expect(config.organizations.filter((o) => o.kind === "socio-political")).toHaveLength(6);
  });

  test("keeps the Vietnamese names exactly", () => {
    const byt = config.organizations.find((o) => o.slug === "byt");
    expect(byt?.name).toEqual({ vi: "Bộ Y tế", en: "Ministry of Health" });
    expect(config.organizations.find((o) => o.slug === "bvhttdl")?.name.vi).toBe("Bộ Văn hóa, Thể thao và Du lịch");
  });

  test("gives restricted entitlements only to organizations that may hold core data", () => {
    for (const org of config.organizations) {
      if (org.entitlements.restricted) expect(org.maxDataClass, org.slug).toBe("core");
      for (const zone of Object.keys(org.entitlements)) expect(TENANT_ZONES).toContain(zone);
    }
  });

  test("admits the national population database in restricted with a multi-site compliance exception", () => {
    const plans = planStaticEnvironments(config);
    const dancu = plans.find((p) => p.namespace === "bca-csdlqg-dancu");
    expect(dancu).toBeDefined();
    expect(dancu!.dataClass).toBe("core");
    expect(dancu!.minimumLevel).toBe(5);
    expect(dancu!.placements).toEqual([{ site: "ndc1", zone: "restricted", pool: "restricted", dedicatedPool: true }]);
    // Only ndc1 is active (ndc2 is commissioning): the rule cannot be met yet, so it is reported.
    expect(dancu!.complianceExceptions.map((e) => e.rule)).toEqual(["multi-site"]);
  });

  test("places level-4 environments on the dedicated pool", () => {
    const api = planStaticEnvironments(config).find((p) => p.namespace === "bca-dancu-api");
    expect(api?.placements[0]).toMatchObject({ zone: "app", pool: "dedicated", dedicatedPool: true });
    expect(api?.complianceExceptions).toEqual([]);
  });
});

describe("Pulumi.ndc2.yaml", () => {
  const config = load("Pulumi.ndc2.yaml");
  test("is commissioning, at an undisclosed location more than 30 km from Hòa Lạc", () => {
    expect(config.site).toMatchObject({ id: "ndc2", phase: 2, status: "commissioning" });
    expect(config.site.location.disclosed).toBe(false);
    const ndc1 = config.peers?.find((p) => p.id === "ndc1");
    expect(ndc1?.status).toBe("active");
    expect(distanceKm(config.site.location, ndc1!.location)).toBeGreaterThan(30);
  });
  test("declares only dev or test environments (commissioning)", () => {
    for (const env of config.environments ?? []) expect(["dev", "test"]).toContain(env.stage);
  });
  test("carries the same catalog as ndc1", () => {
    const ndc1 = load("Pulumi.ndc1-hoalac.yaml");
    expect(config.organizations.map((o) => [o.slug, o.name])).toEqual(ndc1.organizations.map((o) => [o.slug, o.name]));
  });
});

describe("Pulumi.ndc3.yaml", () => {
  test("is planned and declares no environments", () => {
    const config = load("Pulumi.ndc3.yaml");
    expect(config.site).toMatchObject({ id: "ndc3", phase: 3, status: "planned" });
    expect(config.environments ?? []).toEqual([]);
  });
});

describe("Pulumi.local.yaml", () => {
  test("names the fake nodes of every pool and deploys a control plane", () => {
    const config = load("Pulumi.local.yaml");
    expect(config.site.status).toBe("active");
    for (const pool of config.site.computePools) expect(pool.nodeNames).toHaveLength(pool.nodes);
    expect(config.controlPlane?.image).toBeTruthy();
  });
});
