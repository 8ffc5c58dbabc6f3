// The provisioner against real API servers: two clusters stand for two sites. It runs as the
// `ndc-control-plane` ClusterRole's user, never as an admin.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { admitEnvironment, buildEnvironmentObjects, objectKey, type KubernetesObject } from "../../model/index.ts";
import { testPlatform, testSpec } from "../../model/testing.ts";
import { kubeCredentialsFrom, objectPath, Provisioner, SiteConnection } from "../../control-plane/provisioner/index.ts";
import { openStore, type Store } from "../../control-plane/store/index.ts";
import { acquireCluster, type ClusterLease } from "../../scripts/cluster/index.ts";
import { adminKubeConfig, apiError, uniqueNamespacePrefix, waitUntil } from "./_cluster.ts";
import { controlPlaneKubeConfig } from "./_control-plane-identity.ts";
import { liveForm, withServerDefaults } from "./_live-form.ts";
import { bytHisAppManifests } from "../expected/manifests.ts";
import { approvedEnvironment, lifecycleEvent, waitForPhase } from "./_provisioning.ts";
import { restartApiServer, stopApiServer } from "./_apiserver-fault.ts";

const SECOND_CLUSTER = "test-site-b";
const platform = testPlatform({ secondSite: true });
const prefix = uniqueNamespacePrefix("pv").replace(/-$/, "");
let seq = 0;
const nextName = () => `${prefix}-${++seq}`;

let siteB: ClusterLease;
let store: Store;
let provisioner: Provisioner;
let registry: Registry;
const admins = new Map<string, KubeConfig>();
const sites = new Map<string, SiteConnection>();

beforeAll(async () => {
  const adminA = adminKubeConfig();
  // Shared with parallel runs: the last user stops it.
  siteB = await acquireCluster({ name: SECOND_CLUSTER, log: () => {} });
  const b = siteB;
  const adminB = new KubeConfig();
  adminB.loadFromFile(b.kubeconfig);
  admins.set("ndc1", adminA).set("ndc2", adminB);
  const cluster = (await import("vitest")).inject("clusterName");
  const kubeConfigs = new Map([
    ["ndc1", await controlPlaneKubeConfig(adminA, cluster)],
    ["ndc2", await controlPlaneKubeConfig(adminB, SECOND_CLUSTER)],
  ]);
  for (const [site, kc] of admins) sites.set(site, SiteConnection.open(site, kubeCredentialsFrom(kc)));
  store = await openStore({ sqlitePath: join(mkdtempSync(join(tmpdir(), "ndc-pv-")), "ndc.sqlite") });
  registry = new Registry();
  provisioner = new Provisioner({
    store,
    platform,
    sites: new Map([...kubeConfigs].map(([s, kc]) => [s, kubeCredentialsFrom(kc)])),
    log: pino({ level: "silent" }),
    registry,
    retryBaseMs: 100,
    idleCheckMs: 100,
    retentionDays: 0,
  });
  await provisioner.start();
}, 300_000);

afterAll(async () => {
  await provisioner?.stop();
  for (const s of sites.values()) s.close();
  await store?.close();
  await siteB?.release();
});

function desired(env: { org: string; spec: ReturnType<typeof testSpec> }, site: string): KubernetesObject[] {
  const plan = admitEnvironment(env, platform);
  return buildEnvironmentObjects({ plan, site: platform.sites.get(site)!.config!, organization: platform.organizations.get(env.org)! });
}

async function expectBuilt(objects: KubernetesObject[], site: string): Promise<void> {
  for (const o of objects) {
    const live = await sites.get(site)!.get(o);
    expect(live, `${objectKey(o)} at ${site}`).toBeDefined();
    // Not the drift comparator (under test in "drift"): the live object, cut to what a manifest
    // states, equals the builder's plus the API server's defaults (both written out by hand).
    expect(liveForm(live!), `${objectKey(o)} at ${site} matches the builder`).toEqual(withServerDefaults(o));
  }
}

describe("provisioning", () => {
  test("an environment placed on two sites goes Ready and matches the builder on both", async () => {
    const spec = testSpec({
      name: nextName(),
      zone: "restricted",
      dataClass: "core",
      securityLevel: 4,
      sites: ["ndc1", "ndc2"],
      resources: { cpu: "2", memory: "4Gi", storage: { fast: "100Gi" } },
    });
    const env = await approvedEnvironment(store, platform, "byt", spec);
    provisioner.notify();
    const ready = await waitForPhase(store, env.id, "Ready");
    expect(ready.sites.map((s) => [s.site, s.phase])).toEqual([
      ["ndc1", "Ready"],
      ["ndc2", "Ready"],
    ]);
    await expectBuilt(desired({ org: "byt", spec }, "ndc1"), "ndc1");
    await expectBuilt(desired({ org: "byt", spec }, "ndc2"), "ndc2");
  });

  test("what it applies is the hand-written manifests of byt/his-app (renamed), object for object", async () => {
    const name = nextName();
    const env = await approvedEnvironment(store, platform, "byt", testSpec({ name, viewers: ["byt-auditors"] }));
    provisioner.notify();
    await waitForPhase(store, env.id, "Ready");
    const expected = bytHisAppManifests({ environment: name });
    const live = await Promise.all(expected.map((o) => sites.get("ndc1")!.get(o)));
    expect(live.map((o) => liveForm(o!))).toEqual(expected.map(withServerDefaults));
  });

  test("a resize changes the quota in place", async () => {
    const spec = testSpec({ name: nextName() });
    const env = await approvedEnvironment(store, platform, "byt", spec);
    provisioner.notify();
    await waitForPhase(store, env.id, "Ready");
    const quota = { kind: "ResourceQuota", metadata: { name: "ndc-quota", namespace: env.namespace } };
    const before = (await sites.get("ndc1")!.get(quota)) as KubernetesObject & { metadata: { uid: string } };
    const bigger = { ...spec, resources: { ...spec.resources, cpu: "8", memory: "32Gi" } };
    const plan = admitEnvironment({ org: "byt", spec: bigger }, platform);
    const { environment: _e, namespace: _n, ...stored } = plan;
    await lifecycleEvent(store, env.id, "update", { spec: bigger, plan: stored });
    provisioner.notify();
    await waitForPhase(store, env.id, "Ready");
    const after = (await sites.get("ndc1")!.get(quota)) as KubernetesObject & { metadata: { uid: string }; spec: { hard: Record<string, string> } };
    expect(after.metadata.uid).toBe(before.metadata.uid);
    expect(after.spec.hard["requests.cpu"]).toBe("8");
    expect(after.spec.hard["limits.memory"]).toBe("32Gi");
  });

  test("decommission goes through Retained (access frozen, data kept) to Deleted", async () => {
    const spec = testSpec({ name: nextName(), viewers: ["byt-auditors"] });
    const env = await approvedEnvironment(store, platform, "byt", spec);
    provisioner.notify();
    await waitForPhase(store, env.id, "Ready");
    await lifecycleEvent(store, env.id, "decommission");
    provisioner.notify();
    // retentionDays is 0 for this provisioner, so Retained is left at once; catch it on the way or after.
    const retainedOrLater = await waitForPhase(store, env.id, ["Retained", "Deleted"]);
    expect(retainedOrLater.conditions.find((c) => c.type === "Decommissioned")?.status).toBe("True");
    const deleted = await waitForPhase(store, env.id, "Deleted", 120_000);
    expect(deleted.sites[0]!.phase).toBe("Deleted");
    expect(await sites.get("ndc1")!.get({ kind: "Namespace", metadata: { name: env.namespace } })).toBeUndefined();
  });

  test("never adopts a namespace it did not create", async () => {
    const name = nextName();
    const namespace = `byt-${name}`;
    const admin = admins.get("ndc1")!.makeApiClient(CoreV1Api);
    await admin.createNamespace({ body: { metadata: { name: namespace, labels: { "app.kubernetes.io/managed-by": "pulumi" } } } });
    const env = await approvedEnvironment(store, platform, "byt", testSpec({ name }));
    provisioner.notify();
    const failed = await waitForPhase(store, env.id, "Failed");
    expect(failed.reason).toContain(`namespace ${namespace} at ndc1 exists and is managed by pulumi`);
    const live = await admin.readNamespace({ name: namespace });
    expect(live.metadata?.labels?.["app.kubernetes.io/managed-by"]).toBe("pulumi");
    const quotas = await admin.listNamespacedResourceQuota({ namespace });
    expect(quotas.items).toHaveLength(0);
    // It can still be decommissioned: nothing of ours is there, and the foreign namespace stays.
    await lifecycleEvent(store, env.id, "decommission");
    provisioner.notify();
    await waitForPhase(store, env.id, "Deleted", 60_000);
    expect((await admin.readNamespace({ name: namespace })).metadata?.labels?.["app.kubernetes.io/managed-by"]).toBe("pulumi");
  });

  test("never takes over a namespace the control plane made for another environment", async () => {
    const name = nextName();
    const namespace = `byt-${name}`;
    const admin = admins.get("ndc1")!.makeApiClient(CoreV1Api);
    // Same name, made by us for org `byt-x`'s environment (a hyphenated org can collide: a + b-c = a-b + c).
    await admin.createNamespace({
      body: {
        metadata: {
          name: namespace,
          labels: { "app.kubernetes.io/managed-by": "ndc-control-plane", "ndc.gov.vn/org": "byt-x", "ndc.gov.vn/environment": name },
        },
      },
    });
    const env = await approvedEnvironment(store, platform, "byt", testSpec({ name }));
    provisioner.notify();
    const failed = await waitForPhase(store, env.id, "Failed");
    expect(failed.reason).toContain(`namespace ${namespace} at ndc1 belongs to environment byt-x/`);
  });

  test("the control plane's identity cannot do more than its ClusterRole allows", async () => {
    const kc = await controlPlaneKubeConfig(admins.get("ndc1")!, (await import("vitest")).inject("clusterName"));
    const api = kc.makeApiClient(CoreV1Api);
    expect((await apiError(() => api.listSecretForAllNamespaces())).code).toBe(403);
    expect(
      (
        await apiError(() =>
          api.createNamespacedPod({ namespace: "default", body: { metadata: { name: "x" }, spec: { containers: [{ name: "x", image: "x" }] } } }),
        )
      ).code,
    ).toBe(403);
    expect((await apiError(() => api.listNode())).code).toBe(403);
  });
});

describe("drift", () => {
  test.each([
    ["the default-deny NetworkPolicy", "NetworkPolicy", "ndc-default-deny"],
    ["the owners' RoleBinding", "RoleBinding", "ndc-owners"],
    ["the ResourceQuota", "ResourceQuota", "ndc-quota"],
  ])("a deleted %s is put back", async (_what, kind, name) => {
    const env = await approvedEnvironment(store, platform, "byt", testSpec({ name: nextName() }));
    provisioner.notify();
    await waitForPhase(store, env.id, "Ready");
    const conn = sites.get("ndc1")!;
    const target = { kind, metadata: { name, namespace: env.namespace } };
    const before = (await conn.get(target))!.metadata;
    const started = performance.now();
    await conn.delete(target);
    await waitUntil(`${kind} ${name} repaired`, 30_000, async () => {
      const live = await conn.get(target);
      return live !== undefined && live.metadata.uid !== before.uid;
    });
    const seconds = (performance.now() - started) / 1000;
    console.log(`drift: deleted ${kind}/${name} repaired in ${seconds.toFixed(2)} s`);
    // Audited right after the apply answers, a moment after the object is back.
    await waitUntil(
      "the repair audited",
      5_000,
      async () => (await store.listAudit({ action: "environment.drift-repaired", target: `environment byt/${env.name}`, limit: 10 })).length >= 1,
    );
  });

  test("an edited label on the namespace is put back", async () => {
    const env = await approvedEnvironment(store, platform, "byt", testSpec({ name: nextName() }));
    provisioner.notify();
    await waitForPhase(store, env.id, "Ready");
    const admin = admins.get("ndc1")!.makeApiClient(CoreV1Api);
    const namespaceRepairs = async () =>
      (await registry.getSingleMetric("ndc_drift_repairs_total")!.get()).values.find((v) => v.labels.kind === "Namespace")?.value ?? 0;
    const before = await namespaceRepairs();
    await admin.patchNamespace({
      name: env.namespace,
      body: [{ op: "replace", path: "/metadata/labels/pod-security.kubernetes.io~1enforce", value: "privileged" }],
    });
    await waitUntil("pod security label restored", 30_000, async () => {
      const ns = await admin.readNamespace({ name: env.namespace });
      return ns.metadata?.labels?.["pod-security.kubernetes.io/enforce"] === "restricted";
    });
    // The repair is counted once its apply has answered, a moment after the server has the label back.
    await waitUntil("the repair counted", 5_000, async () => (await namespaceRepairs()) > before);
  });
});

describe("drift that adds", () => {
  // Each edit is made by the cluster admin with a JSON patch (an Update by another field manager),
  // the way `kubectl edit` or `kubectl patch` would; none removes or changes a field we set.
  const attackerSubject = { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "attacker" };
  test.each([
    [
      "ingress and egress rules added to the default deny",
      "NetworkPolicy",
      "ndc-default-deny",
      [
        { op: "add", path: "/spec/ingress", value: [{}] },
        { op: "add", path: "/spec/egress", value: [{}] },
      ],
      (o: Record<string, any>) => o.spec.ingress === undefined && o.spec.egress === undefined,
    ],
    [
      "a hard limit added to the quota",
      "ResourceQuota",
      "ndc-quota",
      [{ op: "add", path: "/spec/hard/count~1leases.coordination.k8s.io", value: "1000" }],
      (o: Record<string, any>) => o.spec.hard["count/leases.coordination.k8s.io"] === undefined && o.spec.hard["requests.cpu"] === "4",
    ],
    [
      "a subject added to the owners' RoleBinding",
      "RoleBinding",
      "ndc-owners",
      [{ op: "add", path: "/subjects/-", value: attackerSubject }],
      (o: Record<string, any>) => isDeepStrictEqual(o.subjects, [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "byt-his-team" }]),
    ],
    [
      "a platform label added to the namespace (ingress-gateway role)",
      "Namespace",
      "",
      [{ op: "add", path: "/metadata/labels/ndc.gov.vn~1role", value: "ingress-gateway" }],
      (o: Record<string, any>) => o.metadata.labels["ndc.gov.vn/role"] === undefined && o.metadata.labels["ndc.gov.vn/zone"] === "app",
    ],
  ])("%s is drift and is removed", async (_what, kind, name, patch, repaired) => {
    const env = await approvedEnvironment(store, platform, "byt", testSpec({ name: nextName() }));
    provisioner.notify();
    await waitForPhase(store, env.id, "Ready");
    const conn = sites.get("ndc1")!;
    const admin = SiteConnection.open("ndc1", kubeCredentialsFrom(admins.get("ndc1")!));
    try {
      const target = { kind, metadata: { name: name || env.namespace, ...(kind === "Namespace" ? {} : { namespace: env.namespace }) } };
      const started = performance.now();
      const edited = (await admin.request("PATCH", objectPath(target), patch, "application/json-patch+json")) as Record<string, any>;
      expect(repaired(edited), "the edit took").toBe(false);
      await waitUntil(`${kind} ${target.metadata.name} repaired`, 30_000, async () => repaired((await conn.get(target)) as Record<string, any>));
      console.log(`drift: ${_what} repaired in ${((performance.now() - started) / 1000).toFixed(2)} s`);
    } finally {
      admin.close();
    }
  });

  test("a scopeSelector cannot be added to the quota at all: it limits storage and object counts, which no scope applies to", async () => {
    const env = await approvedEnvironment(store, platform, "byt", testSpec({ name: nextName() }));
    provisioner.notify();
    await waitForPhase(store, env.id, "Ready");
    const admin = SiteConnection.open("ndc1", kubeCredentialsFrom(admins.get("ndc1")!));
    try {
      const quota = { kind: "ResourceQuota", metadata: { name: "ndc-quota", namespace: env.namespace } };
      const error = await admin
        .request(
          "PATCH",
          objectPath(quota),
          [{ op: "add", path: "/spec/scopeSelector", value: { matchExpressions: [{ scopeName: "PriorityClass", operator: "In", values: ["none"] }] } }],
          "application/json-patch+json",
        )
        .then(
          () => undefined,
          (e: Error) => e,
        );
      expect(error?.message).toContain("unsupported scope applied to resource");
    } finally {
      admin.close();
    }
  });
});

describe("faults", () => {
  test("a site whose API server is down is Degraded and does not block the other; Ready after restart, nothing duplicated", async () => {
    const stopped = await stopApiServer(SECOND_CLUSTER);
    let restarted = false;
    try {
      const spec = testSpec({ name: nextName(), sites: ["ndc1", "ndc2"] });
      const env = await approvedEnvironment(store, platform, "byt", spec);
      provisioner.notify();
      await waitUntil("ndc1 Ready and ndc2 Degraded", 60_000, async () => {
        const e = (await store.getEnvironmentById(env.id))!;
        const phase = (s: string) => e.sites.find((x) => x.site === s)?.phase;
        return phase("ndc1") === "Ready" && phase("ndc2") === "Degraded";
      });
      const degraded = (await store.getEnvironmentById(env.id))!;
      expect(degraded.phase).toBe("Provisioning");
      expect(degraded.sites.find((s) => s.site === "ndc2")!.message).toMatch(/cannot reach|no answer/);
      await restartApiServer(stopped, () => sites.get("ndc2")!.ready());
      restarted = true;
      const ready = await waitForPhase(store, env.id, "Ready", 90_000);
      expect(ready.sites.map((s) => s.phase)).toEqual(["Ready", "Ready"]);
      for (const site of ["ndc1", "ndc2"]) {
        const objects = desired({ org: "byt", spec }, site);
        await expectBuilt(objects, site);
        const policies = await sites.get(site)!.list("NetworkPolicy", `ndc.gov.vn/environment=${spec.name}`, env.namespace);
        expect(policies.length).toBe(objects.filter((o) => o.kind === "NetworkPolicy").length);
      }
    } finally {
      if (!restarted) await restartApiServer(stopped, () => sites.get("ndc2")!.ready());
    }
  });
});
