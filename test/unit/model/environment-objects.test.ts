import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
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

/** Every combination of zone, class, personal data, level and stage that the rules admit. */
function generatedCases(): Case[] {
  const platform = testPlatform({ secondSite: true });
  const cases: Case[] = [];
  for (const zone of TENANT_ZONES)
    for (const dataClass of DATA_CLASSES)
      for (const personalData of PERSONAL_DATA)
        for (const securityLevel of SECURITY_LEVELS)
          for (const stage of STAGES) {
            const storage: Record<string, string> = zone === "restricted" ? { fast: "1Ti" } : { standard: "200Gi" };
            const spec = testSpec({
              name: `${zone}-${dataClass}-${personalData}-l${securityLevel}-${stage}`.slice(0, 50).replace(/-$/, ""),
              zone, dataClass, personalData, securityLevel, stage,
              sites: dataClass === "core" || securityLevel === 5 ? ["ndc1", "ndc2"] : ["ndc1"],
              resources: { cpu: "2", memory: "4Gi", storage, gpu: zone === "app" ? 1 : 0 },
              viewers: stage === "prod" ? ["byt-auditors"] : undefined,
            });
            try {
              cases.push({ label: spec.name, plan: admitEnvironment({ org: "byt", spec }, platform), platform });
            } catch (error) {
              if (!(error instanceof ValidationError)) throw error;
            }
          }
  return cases;
}

/** The static environments every sample stack declares. */
function stackCases(): Case[] {
  const dir = join(import.meta.dirname, "../../../stacks");
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => /^Pulumi\..+\.yaml$/.test(f));
  } catch {
    return [];
  }
  return files.flatMap((file) => {
    const config = parseStackFile(readFileSync(join(dir, file), "utf8"), file);
    const platform = assemblePlatform([config]);
    return planStaticEnvironments(config, file).map((plan) => ({ label: `${file}: ${plan.namespace}`, plan, platform }));
  });
}

const generated = generatedCases();
const all = [...generated, ...stackCases()];

function build(c: Case, site: string, agreements: SharingAgreement[] = []): KubernetesObject[] {
  const siteConfig = c.platform.sites.get(site)!.config!;
  const organization = c.platform.organizations.get(c.plan.environment.org)!;
  return buildEnvironmentObjects({ plan: c.plan, site: siteConfig, organization, agreements });
}

const kind = (objects: KubernetesObject[], k: string) => objects.filter((o) => o.kind === k);

describe("buildEnvironmentObjects", () => {
  test("the generator covers many admitted combinations", () => {
    expect(generated.length).toBeGreaterThan(150);
  });

  describe.each(all.map((c) => [c.label, c] as const))("%s", (_label, c) => {
    for (const placement of c.plan.placements) {
      const objects = build(c, placement.site);
      const site = c.platform.sites.get(placement.site)!.config as Site;
      const namespace = kind(objects, "Namespace")[0]!;

      test(`default deny in and out exists at ${placement.site}`, () => {
        const deny = kind(objects, "NetworkPolicy").find((p) => p.metadata.name === "ndc-default-deny")!;
        expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
      });

      test(`pod security is restricted at ${placement.site}`, () => {
        expect(namespace.metadata.labels!["pod-security.kubernetes.io/enforce"]).toBe("restricted");
      });

      test(`the quota covers every requested resource and nothing is unbounded at ${placement.site}`, () => {
        const hard = (kind(objects, "ResourceQuota")[0]!.spec as { hard: Record<string, string> }).hard;
        const { spec } = c.plan.environment;
        expect(parseCpuMillis(hard["requests.cpu"]!)).toBe(parseCpuMillis(spec.resources.cpu));
        expect(parseCpuMillis(hard["limits.cpu"]!)).toBe(parseCpuMillis(spec.resources.cpu));
        expect(parseBytes(hard["requests.memory"]!)).toBe(parseBytes(spec.resources.memory));
        expect(parseBytes(hard["limits.memory"]!)).toBe(parseBytes(spec.resources.memory));
        expect(Number(hard["requests.nvidia.com/gpu"])).toBe(spec.resources.gpu ?? 0);
        for (const tier of site.storageTiers) {
          const asked = spec.resources.storage?.[tier.name];
          expect(parseBytes(hard[`${tier.storageClass}.storageclass.storage.k8s.io/requests.storage`]!)).toBe(asked ? parseBytes(asked) : 0);
        }
        for (const key of ["requests.storage", "requests.ephemeral-storage", "limits.ephemeral-storage", "pods", "services", "secrets", "configmaps", "persistentvolumeclaims", "services.loadbalancers", "services.nodeports"]) {
          expect(hard[key], key).toBeDefined();
        }
        expect(hard["services.loadbalancers"]).toBe(spec.allowLoadBalancer ? "2" : "0");
      });

      test(`labels are complete at ${placement.site}`, () => {
        for (const key of Object.values(LABELS).filter((k) => k !== LABELS.role)) {
          expect(namespace.metadata.labels![key], key).toMatch(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/);
        }
        expect(namespace.metadata.labels![LABELS.site]).toBe(placement.site);
        for (const o of objects) {
          expect(o.metadata.labels).toMatchObject({ [LABELS.org]: c.plan.environment.org, [LABELS.environment]: c.plan.environment.spec.name, [LABELS.managedBy]: "ndc-control-plane" });
          if (o.kind !== "Namespace") expect(o.metadata.namespace).toBe(c.plan.namespace);
          expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
        }
      });

      test(`output is deterministic at ${placement.site}`, () => {
        expect(JSON.stringify(build(c, placement.site))).toBe(JSON.stringify(objects));
      });
    }
  });

  test("display names keep their diacritics in annotations", () => {
    const c = generated[0]!;
    const ns = kind(build(c, "ndc1"), "Namespace")[0]!;
    expect(ns.metadata.annotations!["ndc.gov.vn/display-name"]).toBe("Bộ Y tế");
    expect(ns.metadata.annotations!["ndc.gov.vn/purpose"]).toBe(testSpec().purpose);
  });

  test("a sharing agreement in force becomes one policy each side; one not approved becomes none", () => {
    const platform = testPlatform({ organizations: [testOrganization(), testOrganization({ slug: "bca", name: { vi: "Bộ Công an", en: "Ministry of Public Security" } })] });
    const provider = admitEnvironment({ org: "byt", spec: testSpec({ name: "his-db", zone: "data", dataClass: "important", securityLevel: 3 }) }, platform);
    const agreement: SharingAgreement = {
      id: "byt-bca-1", provider: { org: "byt", environment: "his-db" }, consumer: { org: "bca", environment: "csdl" }, port: 5432, protocol: "TCP",
      approvedBy: { provider: true, consumer: true, operator: true },
    };
    const withAgreement = build({ label: "p", plan: provider, platform }, "ndc1", [agreement]);
    const share = withAgreement.find((o) => o.metadata.name === "ndc-share-byt-bca-1")!;
    expect(share.spec).toEqual({
      podSelector: {}, policyTypes: ["Ingress"],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "bca-csdl" } } }], ports: [{ protocol: "TCP", port: 5432 }] }],
    });
    const pending = build({ label: "p", plan: provider, platform }, "ndc1", [{ ...agreement, approvedBy: { provider: true, consumer: true, operator: false } }]);
    expect(pending.some((o) => o.metadata.name.startsWith("ndc-share-"))).toBe(false);
  });

  test("app may reach restricted only from level 4", () => {
    const platform = testPlatform();
    const low = admitEnvironment({ org: "byt", spec: testSpec({ securityLevel: 3 }) }, platform);
    const high = admitEnvironment({ org: "byt", spec: testSpec({ securityLevel: 4 }) }, platform);
    const egressZones = (plan: EnvironmentPlan) => {
      const p = build({ label: "", plan, platform }, "ndc1").find((o) => o.metadata.name === "ndc-zone-egress")!;
      return (p.spec as { egress: { to: { namespaceSelector: { matchLabels: Record<string, string> } }[] }[] }).egress[0]!.to.map((t) => t.namespaceSelector.matchLabels[LABELS.zone]);
    };
    expect(egressZones(low)).toEqual(["data", "backup"]);
    expect(egressZones(high)).toEqual(["data", "restricted", "backup"]);
  });

  test("fails when asked for a site the environment is not placed on", () => {
    const c = generated[0]!;
    expect(() => build(c, "ndc2")).toThrow(`environment ${c.plan.namespace} is not placed on site ndc2; placed on ndc1`);
  });
});
