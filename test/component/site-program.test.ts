import { describe, expect, test } from "vitest";
import {
  buildEnvironmentObjects,
  objectKey,
  planStaticEnvironments,
  parseSiteStack,
  ValidationError,
  type KubernetesObject,
  type SiteStackConfig,
} from "../../model/index.ts";
import { deployableValues, runSiteProgram, stackValues, STACKS, TEST_DATABASE_URL, type CapturedResource, type ProgramRun } from "./_site-program-mocks.ts";
import { testSiteStack, testSpec } from "../../model/testing.ts";
import { bytHisAppManifests } from "../expected/manifests.ts";

const T = {
  site: "ndc:index:DataCenterSite",
  zone: "ndc:index:SecurityZone",
  pool: "ndc:index:ComputePool",
  tier: "ndc:index:StorageTier",
  landing: "ndc:index:OrganizationLanding",
  env: "ndc:index:TenantEnvironment",
  controlPlane: "ndc:index:ControlPlane",
  namespace: "kubernetes:core/v1:Namespace",
  node: "kubernetes:core/v1:NodePatch",
  storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
  clusterRole: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
  clusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
  roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  quota: "kubernetes:core/v1:ResourceQuota",
  configMap: "kubernetes:core/v1:ConfigMap",
  deployment: "kubernetes:apps/v1:Deployment",
} as const;

const count = (run: ProgramRun, type: string) => run.resources.filter((r) => r.type === type).length;
const byName = (run: ProgramRun) => new Map(run.resources.map((r) => [`${r.type}::${r.name}`, r]));
const config = (stack: string): SiteStackConfig => parseSiteStack(stackValues(stack), stack);
const clone = <T>(v: T): T => structuredClone(v);
/** The aggregated ClusterRoles the API server itself keeps (tenant RoleBindings use them). */
const KUBERNETES_ROLES = ["admin", "edit", "view"];
/** Stacks whose site has a cluster: the per-resource rules below have something to check there. */
const BUILT = STACKS.filter((stack) => config(stack).site.status !== "planned");
const PLANNED = STACKS.filter((stack) => config(stack).site.status === "planned");

describe("siteProgram", { timeout: 60_000 }, () => {
  const runs = new Map<string, ProgramRun>();
  const run = async (stack: string) => {
    if (!runs.has(stack)) runs.set(stack, await runSiteProgram(stack));
    const r = runs.get(stack)!;
    if (r.error) throw r.error;
    return r;
  };

  test("the sample stacks include both kinds: sites with a cluster and a planned one", () => {
    expect(BUILT).toEqual(["local", "ndc1-hoalac", "ndc2"]);
    expect(PLANNED).toEqual(["ndc3"]);
  });

  test.each(PLANNED)("%s (planned): registers its DataCenterSite and nothing else, with empty namespaces and the roadmap as capacity", async (stack) => {
    const r = await run(stack);
    expect(r.resources.map((x) => [x.type, x.name, x.custom])).toEqual([[T.site, "ndc3", false]]);
    const site = r.site!;
    expect(site.siteId).toBe("ndc3");
    expect(site.namespaces).toEqual({ zones: [], landings: [], environments: [] });
    expect(site.complianceExceptions).toEqual([]);
    expect(site.capacity).toMatchObject({ site: "ndc3", status: "planned", phase: 3, pools: [], storageTiers: [], total: { gpu: 0 } });
    expect(site.capacity.roadmap).toEqual([{ phase: 3, from: 2029, to: 2030, racks: 2600, cpu: "320000", memory: "3Pi" }]);
  });

  test.each(STACKS)("%s: one DataCenterSite at the root, every other resource parented under it with a stable name", async (stack) => {
    const r = await run(stack);
    const cfg = config(stack);
    const roots = r.resources.filter((x) => x.parentType === undefined);
    expect(roots.map((x) => [x.type, x.name])).toEqual([[T.site, cfg.site.id]]);
    for (const x of r.resources.filter((x) => x.parentType !== undefined)) {
      expect(x.name.startsWith(`${cfg.site.id}-`), x.name).toBe(true);
      expect(x.parentType!.startsWith("ndc:index:"), x.urn).toBe(true);
    }
    // URNs are unique: no two resources collide, renaming nothing between runs.
    expect(new Set(r.resources.map((x) => x.urn)).size).toBe(r.resources.length);
    // Kubernetes children are named <component>-<role>: namespace or <kind>-<object name>.
    for (const x of r.resources.filter((x) => x.custom)) {
      const role = x.type === T.namespace ? "namespace" : `${String(x.inputs.kind).toLowerCase()}-${x.inputs.metadata.name}`;
      expect(x.name.endsWith(`-${role}`), `${x.name} ends with -${role}`).toBe(true);
    }
  });

  test.each(STACKS)("%s: resource counts follow the stack config", async (stack) => {
    const r = await run(stack);
    const cfg = config(stack);
    if (cfg.site.status === "planned") {
      expect(r.resources.map((x) => x.type)).toEqual([T.site]);
      return;
    }
    const envs = cfg.environments ?? [];
    const cp = cfg.controlPlane ? 1 : 0;
    expect(count(r, T.zone)).toBe(cfg.site.zones.length);
    expect(count(r, T.pool)).toBe(cfg.site.computePools.length);
    expect(count(r, T.tier)).toBe(cfg.site.storageTiers.length);
    expect(count(r, T.landing)).toBe(cfg.organizations.length);
    expect(count(r, T.env)).toBe(envs.length);
    expect(count(r, T.controlPlane)).toBe(cp);
    expect(count(r, T.namespace)).toBe(cfg.site.zones.length + cfg.organizations.length + envs.length + cp);
    expect(count(r, T.storageClass)).toBe(cfg.site.storageTiers.length);
    expect(count(r, T.node)).toBe(cfg.site.computePools.reduce((n, p) => n + (p.nodeNames?.length ?? 0), 0));
    expect(count(r, T.clusterRole)).toBe(2);
    expect(count(r, T.clusterRoleBinding)).toBe(cp);
    // One entitlement record per organization, the site record, the control plane's stack file.
    expect(count(r, T.configMap)).toBe(cfg.organizations.length + 1 + cp);
    // Every namespace with an org label (landing or environment) has exactly one quota.
    expect(count(r, T.quota)).toBe(cfg.organizations.length + envs.length);
  });

  test.each(BUILT)("%s: static environments are exactly what the model's builder produces", async (stack) => {
    const r = await run(stack);
    const cfg = config(stack);
    for (const plan of planStaticEnvironments(cfg)) {
      const organization = cfg.organizations.find((o) => o.slug === plan.environment.org)!;
      const expected = buildEnvironmentObjects({ plan, site: cfg.site, organization, managedBy: "pulumi" });
      const component = `${cfg.site.id}-env-${plan.namespace}`;
      const captured = r.resources.filter((x) => x.custom && x.name.startsWith(`${component}-`)).map((x) => x.inputs);
      // Registration order follows dependencies (Namespace first), not list order: compare by key.
      const sorted = (os: readonly Record<string, any>[]) =>
        [...os].sort((a, b) => objectKey(a as KubernetesObject).localeCompare(objectKey(b as KubernetesObject)));
      expect(sorted(captured)).toEqual(sorted(expected));
      expect(r.resources.find((x) => x.type === T.env && x.name === component)).toBeDefined();
    }
  });

  test("a static environment registers exactly the hand-written manifests (test/expected/), labelled managed-by pulumi", async () => {
    const values = JSON.parse(JSON.stringify(testSiteStack())) as Record<string, any>;
    values.environments = [{ org: "byt", ...testSpec({ name: "his-app", viewers: ["byt-auditors"] }) }];
    const r = await runSiteProgram("handwritten", values);
    if (r.error) throw r.error;
    const captured = r.resources.filter((x) => x.custom && x.name.startsWith("ndc1-env-byt-his-app-")).map((x) => x.inputs);
    const byKey = (os: readonly Record<string, any>[]) =>
      [...os].sort((a, b) => objectKey(a as KubernetesObject).localeCompare(objectKey(b as KubernetesObject)));
    expect(byKey(captured)).toEqual(byKey(bytHisAppManifests({ managedBy: "pulumi" })));
  });

  test.each(BUILT)("%s: registers each Namespace before the objects in it, and the ClusterRoles before any RoleBinding", async (stack) => {
    const r = await run(stack);
    // The engine registers a resource only after its dependsOn have registered: order shows dependencies.
    const position = new Map(r.resources.map((x, i) => [`${x.inputs.kind}/${x.inputs.metadata?.name}`, i]));
    r.resources.forEach((x, i) => {
      const ns = x.inputs.metadata?.namespace;
      if (x.custom && ns !== undefined) expect(position.get(`Namespace/${ns}`), `${x.name} after Namespace ${ns}`).toBeLessThan(i);
      if (x.type === T.roleBinding || x.type === T.clusterRoleBinding) {
        // Kubernetes' own user-facing roles exist before any program runs; every other role must be
        // registered by this program, before the binding: a binding to a role nobody registers fails.
        const role = position.get(`ClusterRole/${x.inputs.roleRef.name}`);
        if (KUBERNETES_ROLES.includes(x.inputs.roleRef.name)) expect(role, `${x.name}: ${x.inputs.roleRef.name} is Kubernetes' own`).toBeUndefined();
        else {
          expect(role, `${x.name}: ClusterRole ${x.inputs.roleRef.name} is registered by the program`).toBeTypeOf("number");
          expect(role!, `${x.name} after its role`).toBeLessThan(i);
        }
      }
    });
  });

  test.each(BUILT)("%s: every namespace enforces Pod Security restricted and is labelled managed-by pulumi", async (stack) => {
    const r = await run(stack);
    for (const ns of r.resources.filter((x) => x.type === T.namespace)) {
      expect(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], ns.name).toBe("restricted");
      expect(ns.inputs.metadata.labels["app.kubernetes.io/managed-by"], ns.name).toBe("pulumi");
    }
  });

  test.each(BUILT)("%s: nothing is bound to cluster-admin", async (stack) => {
    const r = await run(stack);
    for (const b of r.resources.filter((x) => x.type === T.clusterRoleBinding || x.type === T.roleBinding)) {
      expect(b.inputs.roleRef.name, b.name).not.toBe("cluster-admin");
    }
  });

  describe("ndc1-hoalac", () => {
    test("zones, pools, tiers and the national databases", async () => {
      const r = await run("ndc1-hoalac");
      const names = (type: string) => r.resources.filter((x) => x.type === type).map((x) => x.inputs.metadata.name);
      expect(names(T.namespace).filter((n: string) => n.startsWith("ndc-zone-"))).toEqual([
        "ndc-zone-dmz",
        "ndc-zone-app",
        "ndc-zone-data",
        "ndc-zone-restricted",
        "ndc-zone-mgmt",
        "ndc-zone-secops",
        "ndc-zone-backup",
      ]);
      expect(r.resources.filter((x) => x.type === T.pool).map((x) => x.name)).toEqual([
        "ndc1-pool-shared",
        "ndc1-pool-shared-gpu",
        "ndc1-pool-dedicated",
        "ndc1-pool-restricted",
        "ndc1-pool-platform",
      ]);
      // Production pools are labelled by provisioning: no node patches.
      expect(count(r, T.node)).toBe(0);
      const classes = Object.fromEntries(r.resources.filter((x) => x.type === T.storageClass).map((x) => [x.inputs.metadata.name, x.inputs.reclaimPolicy]));
      expect(classes).toEqual({ "ndc-standard": "Delete", "ndc-fast": "Retain", "ndc-archive": "Retain" });
      const dancu = r.resources.find((x) => x.type === T.namespace && x.inputs.metadata.name === "bca-csdlqg-dancu")!;
      expect(dancu.inputs.metadata.labels).toMatchObject({
        "ndc.gov.vn/zone": "restricted",
        "ndc.gov.vn/data-class": "core",
        "ndc.gov.vn/security-level": "5",
        "ndc.gov.vn/pool": "restricted",
      });
      expect(dancu.parentType).toBe(T.env);
      const deployment = r.resources.find((x) => x.type === T.deployment)!;
      expect(deployment.inputs.metadata.annotations).toBeUndefined(); // production waits for readiness
      expect(deployment.inputs.spec.replicas).toBe(3);
    });

    test("outputs the namespaces, the capacity summary and the multi-site exceptions", async () => {
      const r = await run("ndc1-hoalac");
      const site = r.site!;
      expect(site.namespaces.landings).toHaveLength(32);
      expect(site.namespaces.landings).toContain("bca-landing");
      expect(site.namespaces.environments).toEqual(["bca-csdlqg-dancu", "bca-dancu-api", "bnnmt-csdlqg-datdai", "btc-csdlqg-baohiem", "btp-csdlqg-hotich"]);
      expect(site.namespaces.controlPlane).toBe("ndc-control-plane");
      const restricted = site.capacity.pools.find((p) => p.name === "restricted")!;
      expect(restricted).toMatchObject({ nodes: 120, cpu: "30720", memory: "240Ti", committedCpu: String(768 + 256 + 384 + 128), dedicated: true });
      expect(site.capacity.storageTiers.find((t) => t.name === "fast")).toMatchObject({ capacity: "6Pi", reclaimPolicy: "Retain" });
      expect(site.complianceExceptions.map((e) => e.namespace)).toEqual(["bca-csdlqg-dancu", "bnnmt-csdlqg-datdai", "btc-csdlqg-baohiem", "btp-csdlqg-hotich"]);
      expect(site.complianceExceptions.every((e) => e.rule === "multi-site")).toBe(true);
    });

    test("the entitlement record carries the Vietnamese name in NFC and the entitlements", async () => {
      const r = await run("ndc1-hoalac");
      const record = r.resources.find((x) => x.type === T.configMap && x.inputs.metadata.namespace === "bvhttdl-landing")!;
      const org = JSON.parse(record.inputs.data["organization.json"]);
      expect(org.name.vi).toBe("Bộ Văn hóa, Thể thao và Du lịch".normalize("NFC"));
      expect(org.entitlements.app).toEqual({ cpu: "128", memory: "512Gi", storage: { standard: "50Ti" } });
      const ns = r.resources.find((x) => x.type === T.namespace && x.inputs.metadata.name === "bvhttdl-landing")!;
      expect(ns.inputs.metadata.annotations["ndc.gov.vn/display-name"]).toBe("Bộ Văn hóa, Thể thao và Du lịch");
    });
  });

  describe("local", () => {
    test("labels each named node with its pool and one zone; dedicated nodes are tainted", async () => {
      const r = await run("local");
      const nodes = Object.fromEntries(
        r.resources
          .filter((x) => x.type === T.node)
          .map((x) => [
            x.inputs.metadata.name,
            [x.inputs.metadata.labels["ndc.gov.vn/zone"], x.inputs.metadata.labels["ndc.gov.vn/pool"], x.inputs.spec?.taints?.[0]?.key ?? null],
          ]),
      );
      expect(nodes).toEqual({
        "local-general-1": ["dmz", "general", null],
        "local-general-2": ["app", "general", null],
        "local-general-3": ["data", "general", null],
        "local-general-4": ["backup", "general", null],
        "local-secure-1": ["app", "secure", "ndc.gov.vn/dedicated"],
        "local-secure-2": ["data", "secure", "ndc.gov.vn/dedicated"],
        "local-secure-3": ["restricted", "secure", "ndc.gov.vn/dedicated"],
        "local-platform-1": ["mgmt", "platform", null],
        "local-platform-2": ["secops", "platform", null],
      });
      expect(r.resources.filter((x) => x.type === T.node).every((x) => x.parentType === T.pool)).toBe(true);
    });

    test("the control plane runs with the least-privilege role, the configured image and the stack file", async () => {
      const r = await run("local");
      const crb = r.resources.find((x) => x.type === T.clusterRoleBinding)!;
      expect(crb.inputs.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "ndc-control-plane" });
      expect(crb.inputs.subjects).toEqual([{ kind: "ServiceAccount", name: "ndc-control-plane", namespace: "ndc-control-plane" }]);
      const deployment = r.resources.find((x) => x.type === T.deployment)!;
      expect(deployment.parentType).toBe(T.controlPlane);
      expect(deployment.inputs.spec.replicas).toBe(1);
      expect(deployment.inputs.spec.template.spec.containers[0].image).toBe("registry.local.ndc.gov.vn/ndc/control-plane:dev");
      // No kubelet runs pods locally: the provider must not wait for readiness (waitForReady: false).
      expect(deployment.inputs.metadata.annotations).toEqual({ "pulumi.com/skipAwait": "true" });
      const stackFile = r.resources.find((x) => x.type === T.configMap && x.inputs.metadata.name === "ndc-stack")!;
      expect(Object.keys(stackFile.inputs.data)).toEqual(["Pulumi.local.yaml"]);
      const role = r.resources.find((x) => x.type === T.clusterRole && x.inputs.metadata.name === "ndc-control-plane")!;
      expect(JSON.stringify(role.inputs.rules)).not.toContain('"*"');
      const ns = r.resources.find((x) => x.type === T.namespace && x.inputs.metadata.name === "ndc-control-plane")!;
      expect(ns.inputs.metadata.labels["ndc.gov.vn/zone"]).toBe("mgmt");
    });

    test("the mgmt and secops platform namespaces carry the zone labels tenant policies select", async () => {
      const r = await run("local");
      const zoneOf = (name: string) =>
        r.resources.find((x) => x.type === T.namespace && x.inputs.metadata.name === name)!.inputs.metadata.labels["ndc.gov.vn/zone"];
      expect(zoneOf("ndc-zone-mgmt")).toBe("mgmt");
      expect(zoneOf("ndc-zone-secops")).toBe("secops");
      const policies = r.resources
        .filter((x) => x.type === T.networkPolicy && x.inputs.metadata.namespace === "ndc-zone-secops")
        .map((x) => x.inputs.metadata.name);
      expect(policies).toEqual(["ndc-default-deny", "ndc-allow-dns", "ndc-allow-log-ingress"]);
    });
  });
});

describe("siteProgram: a config change changes exactly the resources it should", { timeout: 60_000 }, () => {
  /** Keys whose inputs differ, were added or were removed between two runs. */
  async function diff(change: (values: Record<string, any>) => void) {
    const before = await runSiteProgram("local");
    const values = clone(stackValues("local")) as Record<string, any>;
    change(values);
    const after = await runSiteProgram("local", values);
    if (after.error) throw after.error;
    const a = byName(before);
    const b = byName(after);
    const changed = [...b.keys()].filter((k) => a.has(k) && JSON.stringify(a.get(k)!.inputs) !== JSON.stringify(b.get(k)!.inputs)).sort();
    const added = [...b.keys()].filter((k) => !a.has(k)).sort();
    const removed = [...a.keys()].filter((k) => !b.has(k)).sort();
    return { changed, added, removed };
  }

  test("adding an organization adds its landing and nothing else", async () => {
    const d = await diff((v) => {
      v.organizations.push({
        slug: "danang",
        name: { vi: "Ủy ban nhân dân thành phố Đà Nẵng", en: "Da Nang People's Committee" },
        kind: "province",
        ownerGroups: ["danang-platform-admins"],
        maxDataClass: "important",
        maxSecurityLevel: 3,
        entitlements: { app: { cpu: "2", memory: "4Gi" } },
      });
    });
    expect(d.removed).toEqual([]);
    expect(d.added).toEqual(
      [
        `${T.configMap}::local-org-danang-configmap-ndc-entitlements`,
        `${T.namespace}::local-org-danang-namespace`,
        `${T.networkPolicy}::local-org-danang-networkpolicy-ndc-default-deny`,
        `${T.quota}::local-org-danang-resourcequota-ndc-quota`,
        `${T.roleBinding}::local-org-danang-rolebinding-ndc-org-admins`,
        `${T.landing}::local-org-danang`,
      ].sort(),
    );
    // The control plane's copy of the stack file is the one thing that follows every config change.
    expect(d.changed).toEqual([`${T.configMap}::local-control-plane-configmap-ndc-stack`]);
  });

  test("growing a pool by one named node adds one node patch", async () => {
    const d = await diff((v) => {
      const general = v.site.computePools[0];
      general.nodes = 5;
      general.nodeNames.push("local-general-5");
    });
    expect(d).toEqual({
      added: [`${T.node}::local-pool-general-node-local-general-5`],
      removed: [],
      changed: [`${T.configMap}::local-control-plane-configmap-ndc-stack`],
    });
  });

  test("resizing a static environment changes only its quota and limits", async () => {
    const d = await diff((v) => {
      v.environments[1].resources.cpu = "3";
    });
    expect(d.added).toEqual([]);
    expect(d.removed).toEqual([]);
    expect(d.changed).toEqual(
      [
        `${T.configMap}::local-control-plane-configmap-ndc-stack`,
        "kubernetes:core/v1:LimitRange::local-env-byt-his-dev-limitrange-ndc-limits",
        `${T.quota}::local-env-byt-his-dev-resourcequota-ndc-quota`,
      ].sort(),
    );
  });

  test("monitoring adds the alerts as one PrometheusRule, each runbook_url absolute; nothing else changes but the stack file", async () => {
    const d = await diff((v) => {
      v.controlPlane.monitoring = { runbookBaseUrl: "https://docs.example.gov.vn/ndc-platform/" };
    });
    expect(d).toEqual({
      added: ["kubernetes:monitoring.coreos.com/v1:PrometheusRule::local-control-plane-prometheusrule-ndc-control-plane"],
      removed: [],
      changed: [`${T.configMap}::local-control-plane-configmap-ndc-stack`],
    });
    const values = clone(stackValues("local")) as Record<string, any>;
    values.controlPlane.monitoring = { runbookBaseUrl: "https://docs.example.gov.vn/ndc-platform" };
    const r = await runSiteProgram("local", values);
    const rule = r.resources.find((x) => x.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule")!;
    expect(rule.parentType).toBe(T.controlPlane);
    expect(rule.inputs.metadata).toMatchObject({ name: "ndc-control-plane", namespace: "ndc-control-plane" });
    const alerts = (rule.inputs.spec.groups as { rules: { alert: string; annotations: { runbook_url: string } }[] }[]).flatMap((g) => g.rules);
    expect(alerts).toHaveLength(14);
    expect(alerts.find((a) => a.alert === "NdcSiteDegraded")!.annotations.runbook_url).toBe(
      "https://docs.example.gov.vn/ndc-platform/runbooks/site-degraded.md",
    );
  }, 60_000);

  test("changing the control-plane image changes only its Deployment (and stack file)", async () => {
    const d = await diff((v) => {
      v.controlPlane.image = "registry.local.ndc.gov.vn/ndc/control-plane:next";
    });
    expect(d).toEqual({
      added: [],
      removed: [],
      changed: [`${T.deployment}::local-control-plane-deployment-ndc-control-plane`, `${T.configMap}::local-control-plane-configmap-ndc-stack`].sort(),
    });
  });
});

describe("siteProgram: invalid config fails before any resource is registered", { timeout: 60_000 }, () => {
  test.each([
    [
      "a malformed pool quantity",
      (v: any) => {
        v.site.computePools[0].nodeCpu = "lots";
      },
      "ndc:site.computePools[0].nodeCpu",
      "quantity-format",
    ],
    [
      "a misspelt key",
      (v: any) => {
        v.organisations = v.organizations;
      },
      "ndc:organisations",
      "unknown-field",
    ],
    [
      "core data outside restricted",
      (v: any) => {
        v.environments[0].zone = "data";
      },
      "ndc:environments[0].zone",
      "zone-for-data-class",
    ],
    [
      "a slug with diacritics",
      (v: any) => {
        v.organizations[2].slug = "hànội";
      },
      "ndc:organizations[2].slug",
      "slug-format",
    ],
    [
      "an environment over its entitlement",
      (v: any) => {
        v.environments[1].resources.cpu = "64";
      },
      "ndc:environments[1].resources.cpu",
      "entitlement",
    ],
  ])("fails when the stack has %s", async (_what, change, path, rule) => {
    const values = clone(stackValues("local")) as Record<string, any>;
    change(values);
    const r = await runSiteProgram("local", values);
    expect(r.error).toBeInstanceOf(ValidationError);
    const message = (r.error as Error).message;
    expect(message).toContain("stacks/Pulumi.local.yaml");
    expect(message).toContain(path);
    expect(message).toContain(`[${rule}]`);
    expect(r.resources).toEqual([]);
  });
});

// Keep the type import used (CapturedResource documents the shape the assertions read).
export type { CapturedResource };

// A full site under mocks takes seconds on a loaded 2-core machine.
describe("siteProgram: one explicit Kubernetes provider", { timeout: 60_000 }, () => {
  test.each(STACKS.filter((s) => s !== "ndc3"))(
    "%s: every Kubernetes resource goes through the stack's provider ndc-cluster, none through a default one",
    async (stack) => {
      const r = await runSiteProgram(stack, deployableValues(stack), { withProvider: true });
      if (r.error) throw r.error;
      const k8sResources = r.resources.filter((x) => x.custom && x.type.startsWith("kubernetes:"));
      expect(k8sResources.length).toBeGreaterThan(10);
      for (const x of k8sResources) expect(x.provider, x.urn).toMatch(/^urn:pulumi:[^:]+::ndc::pulumi:providers:kubernetes::ndc-cluster::/);
      expect(r.resources.filter((x) => x.type === "pulumi:providers:kubernetes").map((x) => x.name)).toEqual(["ndc-cluster"]);
    },
  );
});

describe("siteProgram: the control plane's store", { timeout: 60_000 }, () => {
  test("fails when several replicas would run on SQLite, naming the key and how to set the database secret, with nothing registered", async () => {
    const values = structuredClone(stackValues("ndc1-hoalac")) as Record<string, any>;
    delete values.controlPlane.databaseSecret;
    const r = await runSiteProgram("ndc1-hoalac", values);
    expect(r.error).toBeInstanceOf(ValidationError);
    expect((r.error as Error).message).toBe(
      "stacks/Pulumi.ndc1-hoalac.yaml: ndc:controlPlane.databaseSecret: is required with 3 replicas: they must share one PostgreSQL database (SQLite is per pod); name the Secret that holds its URL, " +
        "or set the URL as a Pulumi secret with `npm run pulumi -- config set --secret --path ndc:controlPlane.databaseUrl postgresql://… --stack <stack>` (got nothing) [shared-database]",
    );
    expect(r.resources).toEqual([]);
  });

  test("fails when the database URL is plain text in the stack file, without showing it", async () => {
    const r = await runSiteProgram("ndc1-hoalac", deployableValues("ndc1-hoalac"), { databaseUrlIsSecret: false });
    expect(r.error).toBeInstanceOf(ValidationError);
    const message = (r.error as Error).message;
    expect(message).toContain("ndc:controlPlane.databaseUrl: is plain text in the stack file; a database password must be a Pulumi secret");
    expect(message).toContain("[secret-in-plain-text]");
    expect(message).not.toContain("s3cret-pw");
    expect(r.resources).toEqual([]);
  });

  test("fails when the database URL is not PostgreSQL", async () => {
    const values = deployableValues("ndc2") as Record<string, any>;
    values.controlPlane.databaseUrl = "mysql://ndc:pw@db/ndc";
    const r = await runSiteProgram("ndc2", values);
    expect((r.error as Error).message).toBe(
      'stacks/Pulumi.ndc2.yaml: ndc:controlPlane.databaseUrl: must be a PostgreSQL URL (postgresql://user:password@host:5432/db) (got "(secret, not shown)") [database-url-format]',
    );
  });

  test("one replica runs on SQLite: no database Secret, no DATABASE_URL", async () => {
    const r = await runSiteProgram("local");
    expect(r.resources.filter((x) => x.type === "kubernetes:core/v1:Secret")).toEqual([]);
    const deployment = r.resources.find((x) => x.type === T.deployment)!;
    expect(deployment.inputs.spec.template.spec.containers[0].env.map((e: { name: string }) => e.name)).not.toContain("DATABASE_URL");
  });

  test("with PostgreSQL the URL reaches the pods only through a Secret, never the mounted stack file", async () => {
    const r = await runSiteProgram("ndc1-hoalac");
    if (r.error) throw r.error;
    const secret = r.resources.find((x) => x.type === "kubernetes:core/v1:Secret")!;
    expect(secret.name).toBe("ndc1-control-plane-secret-ndc-control-plane-database");
    expect(secret.inputs.metadata).toMatchObject({ name: "ndc-control-plane-database", namespace: "ndc-control-plane" });
    expect(JSON.stringify(secret.inputs.stringData)).toContain(TEST_DATABASE_URL);
    const deployment = r.resources.find((x) => x.type === T.deployment)!;
    expect(deployment.inputs.spec.replicas).toBe(3);
    // Read from the mounted Secret as a file, never from the environment.
    const pod = deployment.inputs.spec.template.spec;
    expect(pod.containers[0].env).toContainEqual({ name: "DATABASE_URL_FILE", value: "/etc/ndc/database/url" });
    expect(JSON.stringify(pod.containers[0].env)).not.toContain("s3cret-pw");
    expect(pod.volumes).toContainEqual(
      expect.objectContaining({ name: "database", secret: expect.objectContaining({ secretName: "ndc-control-plane-database" }) }),
    );
    const stackFile = r.resources.find((x) => x.type === T.configMap && x.name.endsWith("configmap-ndc-stack"))!;
    expect(JSON.stringify(stackFile.inputs)).not.toContain("s3cret-pw");
    expect(JSON.stringify(stackFile.inputs)).not.toContain("databaseUrl");
  });
});
