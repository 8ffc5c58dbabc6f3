import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import {
  admitEnvironment,
  assemblePlatform,
  buildEnvironmentObjects,
  DATA_CLASSES,
  LABELS,
  parseBytes,
  parseCpuMillis,
  parseStackFile,
  PERSONAL_DATA,
  planStaticEnvironments,
  SECURITY_LEVELS,
  STAGES,
  TENANT_ZONES,
  ValidationError,
  type EnvironmentPlan,
  type KubernetesObject,
  type Platform,
  type SharingAgreement,
  type Site,
} from "../../../model/index.ts";
import { testOrganization, testPlatform, testSpec } from "../../../model/testing.ts";

interface Case {
  readonly label: string;
  readonly plan: EnvironmentPlan;
  readonly platform: Platform;
}

/** What a generated request asks for, kept apart so the checks compare with the input, not the output. */
interface Request {
  readonly zone: (typeof TENANT_ZONES)[number];
  readonly dataClass: (typeof DATA_CLASSES)[number];
  readonly personalData: (typeof PERSONAL_DATA)[number];
  readonly securityLevel: (typeof SECURITY_LEVELS)[number];
  readonly stage: (typeof STAGES)[number];
  readonly cpuCores: number;
  readonly memoryGi: number;
  readonly storageGi: number;
  readonly gpu: number;
  readonly allowLoadBalancer: boolean;
  readonly viewers: boolean;
  readonly twoSites: boolean;
}

const REQUEST: fc.Arbitrary<Request> = fc.record({
  zone: fc.constantFrom(...TENANT_ZONES),
  dataClass: fc.constantFrom(...DATA_CLASSES),
  personalData: fc.constantFrom(...PERSONAL_DATA),
  securityLevel: fc.constantFrom(...SECURITY_LEVELS),
  stage: fc.constantFrom(...STAGES),
  // Within the test organization's smallest entitlement, so most refusals are placement rules.
  cpuCores: fc.integer({ min: 1, max: 4 }),
  memoryGi: fc.integer({ min: 1, max: 16 }),
  storageGi: fc.integer({ min: 0, max: 200 }),
  gpu: fc.integer({ min: 0, max: 1 }),
  allowLoadBalancer: fc.boolean(),
  viewers: fc.boolean(),
  twoSites: fc.boolean(),
});

const PLATFORM = testPlatform({ secondSite: true });
const GI = 2 ** 30;

function planFor(r: Request): EnvironmentPlan {
  const tier = r.zone === "restricted" ? "fast" : "standard";
  const spec = testSpec({
    name: "gen",
    zone: r.zone,
    dataClass: r.dataClass,
    personalData: r.personalData,
    securityLevel: r.securityLevel,
    stage: r.stage,
    // Core data and level 5 must be on two sites; others may be.
    sites: r.twoSites || r.dataClass === "core" || r.securityLevel === 5 ? ["ndc1", "ndc2"] : ["ndc1"],
    resources: {
      cpu: String(r.cpuCores),
      memory: `${r.memoryGi}Gi`,
      ...(r.storageGi > 0 ? { storage: { [tier]: `${r.storageGi}Gi` } } : {}),
      gpu: r.zone === "app" ? r.gpu : 0,
    },
    ...(r.viewers ? { viewers: ["byt-auditors"] } : {}),
    ...(r.allowLoadBalancer ? { allowLoadBalancer: true } : {}),
  });
  return admitEnvironment({ org: "byt", spec }, PLATFORM);
}

/** The static environments every sample stack declares. */
function stackCases(): Case[] {
  const dir = join(import.meta.dirname, "../../../stacks");
  const files = readdirSync(dir).filter((f) => /^Pulumi\..+\.yaml$/.test(f));
  return files.flatMap((file) => {
    const config = parseStackFile(readFileSync(join(dir, file), "utf8"), file);
    const platform = assemblePlatform([config]);
    return planStaticEnvironments(config, file).map((plan) => ({ label: `${file}: ${plan.namespace}`, plan, platform }));
  });
}

function build(c: Case, site: string, agreements: SharingAgreement[] = []): KubernetesObject[] {
  const siteConfig = c.platform.sites.get(site)!.config!;
  const organization = c.platform.organizations.get(c.plan.environment.org)!;
  return buildEnvironmentObjects({ plan: c.plan, site: siteConfig, organization, agreements });
}

const kind = (objects: KubernetesObject[], k: string) => objects.filter((o) => o.kind === k);
const hardOf = (objects: KubernetesObject[]) => (kind(objects, "ResourceQuota")[0]!.spec as { hard: Record<string, string> }).hard;

/**
 * The rules every environment's objects keep, whatever was asked: default deny both ways, Pod
 * Security restricted, a quota with every resource bounded, complete labels and valid names.
 */
function expectInvariants(objects: KubernetesObject[], c: Case, site: string): void {
  const deny = kind(objects, "NetworkPolicy").find((p) => p.metadata.name === "ndc-default-deny")!;
  expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
  const namespace = kind(objects, "Namespace")[0]!;
  expect(namespace.metadata.labels!["pod-security.kubernetes.io/enforce"]).toBe("restricted");
  const hard = hardOf(objects);
  for (const key of [
    "requests.cpu",
    "limits.cpu",
    "requests.memory",
    "limits.memory",
    "requests.storage",
    "requests.ephemeral-storage",
    "limits.ephemeral-storage",
    "requests.nvidia.com/gpu",
    "pods",
    "services",
    "secrets",
    "configmaps",
    "persistentvolumeclaims",
    "services.loadbalancers",
    "services.nodeports",
  ]) {
    expect(hard[key], key).toBeDefined();
  }
  expect(hard["services.nodeports"]).toBe("0");
  for (const key of Object.values(LABELS).filter((k) => k !== LABELS.role)) {
    expect(namespace.metadata.labels![key], key).toMatch(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/);
  }
  expect(namespace.metadata.labels![LABELS.site]).toBe(site);
  for (const o of objects) {
    expect(o.metadata.labels).toMatchObject({
      [LABELS.org]: c.plan.environment.org,
      [LABELS.environment]: c.plan.environment.spec.name,
      [LABELS.managedBy]: "ndc-control-plane",
    });
    if (o.kind !== "Namespace") expect(o.metadata.namespace).toBe(c.plan.namespace);
    expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
  }
}

describe("buildEnvironmentObjects", () => {
  test("property: for any admitted request, at every placement, the invariants hold and the quota is exactly the request", () => {
    const covered = { runs: 0, admitted: 0, refused: 0, placements: 0, combinations: new Set<string>() };
    fc.assert(
      fc.property(REQUEST, (r) => {
        covered.runs++;
        let plan: EnvironmentPlan;
        try {
          plan = planFor(r);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          covered.refused++;
          return;
        }
        covered.admitted++;
        covered.combinations.add(`${r.zone}/${r.dataClass}/${r.personalData}/${r.securityLevel}/${r.stage}`);
        for (const placement of plan.placements) {
          covered.placements++;
          const c = { label: "generated", plan, platform: PLATFORM };
          const objects = build(c, placement.site);
          expectInvariants(objects, c, placement.site);
          // The quota is the request, computed here from the generated numbers, not from the spec text.
          const hard = hardOf(objects);
          expect(parseCpuMillis(hard["requests.cpu"]!)).toBe(r.cpuCores * 1000);
          expect(parseCpuMillis(hard["limits.cpu"]!)).toBe(r.cpuCores * 1000);
          expect(parseBytes(hard["requests.memory"]!)).toBe(r.memoryGi * GI);
          expect(parseBytes(hard["limits.memory"]!)).toBe(r.memoryGi * GI);
          expect(Number(hard["requests.nvidia.com/gpu"])).toBe(r.zone === "app" ? r.gpu : 0);
          expect(hard["services.loadbalancers"]).toBe(r.allowLoadBalancer ? "2" : "0");
          const site = PLATFORM.sites.get(placement.site)!.config as Site;
          for (const tier of site.storageTiers) {
            const asked = tier.name === (r.zone === "restricted" ? "fast" : "standard") ? r.storageGi * GI : 0;
            expect(parseBytes(hard[`${tier.storageClass}.storageclass.storage.k8s.io/requests.storage`]!), tier.name).toBe(asked);
          }
        }
      }),
      { numRuns: 2_000, seed: 19 },
    );
    console.log(
      `environment objects property: ${covered.runs} requests, ${covered.admitted} admitted (${covered.combinations.size} distinct zone/class/personal-data/level/stage combinations), ${covered.refused} refused, ${covered.placements} placements checked`,
    );
    // The generator reaches both outcomes and a wide spread of admitted combinations.
    expect(covered.admitted).toBeGreaterThan(150);
    expect(covered.refused).toBeGreaterThan(100);
    expect(covered.combinations.size).toBeGreaterThan(100);
  });

  test("every static environment of the sample stacks keeps the invariants at each of its sites", () => {
    const cases = stackCases();
    let placements = 0;
    for (const c of cases) {
      for (const placement of c.plan.placements) {
        placements++;
        expectInvariants(build(c, placement.site), c, placement.site);
      }
    }
    console.log(`static environments: ${cases.length} environments, ${placements} placements checked`);
    expect(cases.length).toBeGreaterThanOrEqual(5);
  });

  test("the objects of one environment are exactly the hand-checked manifest (fixtures/environment-byt-his-app-ndc1.yaml)", () => {
    const platform = testPlatform();
    const c = { label: "byt/his-app", plan: admitEnvironment({ org: "byt", spec: testSpec() }, platform), platform };
    const expected = parseYaml(readFileSync(join(import.meta.dirname, "fixtures/environment-byt-his-app-ndc1.yaml"), "utf8")) as KubernetesObject[];
    expect(build(c, "ndc1")).toEqual(expected);
  });

  test("display names keep their diacritics in annotations", () => {
    const c = { label: "", plan: admitEnvironment({ org: "byt", spec: testSpec() }, PLATFORM), platform: PLATFORM };
    const ns = kind(build(c, "ndc1"), "Namespace")[0]!;
    expect(ns.metadata.annotations!["ndc.gov.vn/display-name"]).toBe("Bộ Y tế");
    expect(ns.metadata.annotations!["ndc.gov.vn/purpose"]).toBe(testSpec().purpose);
  });

  test("a sharing agreement in force becomes one policy each side; one not approved becomes none", () => {
    const platform = testPlatform({
      organizations: [testOrganization(), testOrganization({ slug: "bca", name: { vi: "Bộ Công an", en: "Ministry of Public Security" } })],
    });
    const provider = admitEnvironment({ org: "byt", spec: testSpec({ name: "his-db", zone: "data", dataClass: "important", securityLevel: 3 }) }, platform);
    const agreement: SharingAgreement = {
      id: "byt-bca-1",
      provider: { org: "byt", environment: "his-db" },
      consumer: { org: "bca", environment: "csdl" },
      port: 5432,
      protocol: "TCP",
      approvedBy: { provider: true, consumer: true, operator: true },
    };
    const withAgreement = build({ label: "p", plan: provider, platform }, "ndc1", [agreement]);
    const share = withAgreement.find((o) => o.metadata.name === "ndc-share-byt-bca-1")!;
    expect(share.spec).toEqual({
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "bca-csdl" } } }], ports: [{ protocol: "TCP", port: 5432 }] }],
    });
    const pending = build({ label: "p", plan: provider, platform }, "ndc1", [
      { ...agreement, approvedBy: { provider: true, consumer: true, operator: false } },
    ]);
    expect(pending.some((o) => o.metadata.name.startsWith("ndc-share-"))).toBe(false);
  });

  test("app may reach restricted only from level 4", () => {
    const platform = testPlatform();
    const low = admitEnvironment({ org: "byt", spec: testSpec({ securityLevel: 3 }) }, platform);
    const high = admitEnvironment({ org: "byt", spec: testSpec({ securityLevel: 4 }) }, platform);
    const egressZones = (plan: EnvironmentPlan) => {
      const p = build({ label: "", plan, platform }, "ndc1").find((o) => o.metadata.name === "ndc-zone-egress")!;
      return (p.spec as { egress: { to: { namespaceSelector: { matchLabels: Record<string, string> } }[] }[] }).egress[0]!.to.map(
        (t) => t.namespaceSelector.matchLabels[LABELS.zone],
      );
    };
    expect(egressZones(low)).toEqual(["data", "backup"]);
    expect(egressZones(high)).toEqual(["data", "restricted", "backup"]);
  });

  test("fails when asked for a site the environment is not placed on", () => {
    const c = { label: "", plan: admitEnvironment({ org: "byt", spec: testSpec() }, PLATFORM), platform: PLATFORM };
    expect(() => build(c, "ndc2")).toThrow(`environment ${c.plan.namespace} is not placed on site ndc2; placed on ndc1`);
  });
});
