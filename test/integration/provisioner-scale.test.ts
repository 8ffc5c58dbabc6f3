// Many environments at once, and a provisioner killed mid-work: nothing lost, nothing applied twice.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, NetworkingV1Api, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { testPlatform, testSpec } from "../../model/testing.ts";
import { kubeCredentialsFrom, Provisioner, SiteConnection } from "../../control-plane/provisioner/index.ts";
import { openStore, type EnvironmentRecord, type Store } from "../../control-plane/store/index.ts";
import { adminKubeConfig, uniqueNamespacePrefix, waitUntil } from "./_cluster.ts";
import { controlPlaneKubeConfig } from "./_control-plane-identity.ts";
import { startCountingProxy } from "./_counting-proxy.ts";
import { approvedEnvironment } from "./_provisioning.ts";

const platform = testPlatform({ secondSite: true });
let admin: SiteConnection;

beforeAll(async () => {
  admin = SiteConnection.open("ndc1", kubeCredentialsFrom(adminKubeConfig()));
});
afterAll(() => admin?.close());

async function approveMany(store: Store, prefix: string, count: number): Promise<EnvironmentRecord[]> {
  const envs: EnvironmentRecord[] = [];
  for (let i = 0; i < count; i++) {
    envs.push(await approvedEnvironment(store, platform, "byt", testSpec({ name: `${prefix}-${i}`, resources: { cpu: "100m", memory: "256Mi" } })));
  }
  return envs;
}

async function countReady(store: Store, ids: string[]): Promise<number> {
  let n = 0;
  for (const id of ids) if ((await store.getEnvironmentById(id))?.phase === "Ready") n++;
  return n;
}

describe("scale", () => {
  test("200 environments approved at once all reach Ready", async () => {
    const store = await openStore({ sqlitePath: join(mkdtempSync(join(tmpdir(), "ndc-scale-")), "ndc.sqlite") });
    const kc = await controlPlaneKubeConfig(adminKubeConfig(), inject("clusterName"));
    const provisioner = new Provisioner({
      store,
      platform,
      sites: new Map([["ndc1", kubeCredentialsFrom(kc)]]),
      log: pino({ level: "silent" }),
      idleCheckMs: 100,
    });
    try {
      const envs = await approveMany(store, uniqueNamespacePrefix("sc").replace(/-$/, ""), 200);
      const started = performance.now();
      await provisioner.start();
      await waitUntil(
        "200 environments Ready",
        300_000,
        async () =>
          (await countReady(
            store,
            envs.map((e) => e.id),
          )) === envs.length,
      );
      const seconds = (performance.now() - started) / 1000;
      console.log(`provisioned ${envs.length} environments in ${seconds.toFixed(1)} s (${(envs.length / seconds).toFixed(1)} env/s)`);
      const ns = await admin.list("Namespace", `ndc.gov.vn/environment=${envs[0]!.name}`);
      expect(ns).toHaveLength(1);
    } finally {
      await provisioner.stop();
      await store.close();
    }
  });
});

describe("replicas", () => {
  test("two provisioners on one PostgreSQL store: every environment is reconciled by exactly one", async () => {
    const store = await openStore({ databaseUrl: inject("databaseUrl") });
    const kc = await controlPlaneKubeConfig(adminKubeConfig(), inject("clusterName"));
    const replicas = ["replica-a", "replica-b"].map(
      (owner) =>
        new Provisioner({
          store,
          platform,
          sites: new Map([["ndc1", kubeCredentialsFrom(kc)]]),
          log: pino({ level: "silent" }),
          idleCheckMs: 50,
          owner,
          repairDrift: false,
        }),
    );
    try {
      const envs = await approveMany(store, uniqueNamespacePrefix("rp").replace(/-$/, ""), 60);
      await Promise.all(replicas.map((r) => r.start()));
      await waitUntil(
        "60 environments Ready",
        120_000,
        async () =>
          (await countReady(
            store,
            envs.map((e) => e.id),
          )) === envs.length,
      );
      for (const env of envs) {
        const records = await store.listAudit({ target: `environment byt/${env.name}`, limit: 50 });
        const starts = records.filter((r) => r.action === "environment.start-provisioning");
        expect(starts.length, env.name).toBe(1);
        expect(records.filter((r) => r.action === "environment.provisioned").length, env.name).toBe(1);
      }
      // Both replicas took work (claims are spread, not serialized behind one leader).
      const applies = await Promise.all(replicas.map(async (r) => (await r.metrics.applies.get()).values.reduce((n, v) => n + v.value, 0)));
      console.log(`replicas: server-side applies per replica ${applies.join(", ")}`);
      expect(applies.every((n) => n > 0)).toBe(true);
      // No environment was applied twice: exactly 13 server-side applies each, across both replicas.
      expect(applies.reduce((a, b) => a + b, 0)).toBe(envs.length * 13);
    } finally {
      await Promise.all(replicas.map((r) => r.stop()));
      await store.close();
    }
  });
});

/** A provisioner on a fresh SQLite store with no watches and no timer: only a resync called by the test can notice drift. */
async function resyncOnlyProvisioner(dirPrefix: string): Promise<{ store: Store; provisioner: Provisioner }> {
  const store = await openStore({ sqlitePath: join(mkdtempSync(join(tmpdir(), dirPrefix)), "ndc.sqlite") });
  const kc = await controlPlaneKubeConfig(adminKubeConfig(), inject("clusterName"));
  const provisioner = new Provisioner({
    store,
    platform,
    sites: new Map([["ndc1", kubeCredentialsFrom(kc)]]),
    log: pino({ level: "silent" }),
    idleCheckMs: 50,
    repairDrift: false,
    resyncIntervalMs: 0,
  });
  return { store, provisioner };
}

describe("resync", () => {
  test("drift no watch saw (the process was not watching) is put back by the periodic resync", async () => {
    const { store, provisioner } = await resyncOnlyProvisioner("ndc-resync-");
    try {
      await provisioner.start();
      const [env] = await approveMany(store, uniqueNamespacePrefix("rs").replace(/-$/, ""), 1);
      provisioner.notify();
      await waitUntil("environment Ready", 60_000, async () => (await countReady(store, [env!.id])) === 1);
      const deny = { kind: "NetworkPolicy", metadata: { name: "ndc-default-deny", namespace: env!.namespace } };
      const owners = { kind: "RoleBinding", metadata: { name: "ndc-owners", namespace: env!.namespace } };
      await admin.delete(deny);
      await admin.delete(owners);
      expect(await provisioner.resync()).toBeGreaterThanOrEqual(1);
      await provisioner.repairsIdle();
      expect(await admin.get(deny)).toBeDefined();
      expect(await admin.get(owners)).toBeDefined();
      const audit = await store.listAudit({ action: "environment.drift-repaired", target: `environment byt/${env!.name}`, limit: 5 });
      expect(audit[0]?.detail).toMatchObject({
        found: "resync",
        objects: expect.arrayContaining([`NetworkPolicy/${env!.namespace}/ndc-default-deny`, `RoleBinding/${env!.namespace}/ndc-owners`]),
      });
    } finally {
      await provisioner.stop();
      await store.close();
    }
  });
});

describe("resync prunes what carries our labels and the builder does not want", () => {
  test("fails when a NetworkPolicy someone created with our labels (an allow-all ingress) survives the resync (bug: the resync only put back what was missing, never removed extras)", async () => {
    const { store, provisioner } = await resyncOnlyProvisioner("ndc-resync-extra-");
    try {
      await provisioner.start();
      const [env] = await approveMany(store, uniqueNamespacePrefix("rx").replace(/-$/, ""), 1);
      provisioner.notify();
      await waitUntil("environment Ready", 60_000, async () => (await countReady(store, [env!.id])) === 1);
      const ns = env!.namespace;
      const ours = (await admin.get({ kind: "NetworkPolicy", metadata: { name: "ndc-default-deny", namespace: ns } }))!;
      // Someone with write access adds an allow-all ingress policy carrying our labels, and one of their own without them.
      const intruder = {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "allow-all-ingress", namespace: ns, labels: { ...ours.metadata.labels } },
        spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{}] },
      };
      const theirs = {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "tenant-own-policy", namespace: ns, labels: { team: "his" } },
        spec: { podSelector: { matchLabels: { app: "his" } }, policyTypes: ["Ingress"] },
      };
      const networking = adminKubeConfig().makeApiClient(NetworkingV1Api);
      await networking.createNamespacedNetworkPolicy({ namespace: ns, body: intruder as never });
      await networking.createNamespacedNetworkPolicy({ namespace: ns, body: theirs as never });
      expect(await provisioner.resync()).toBeGreaterThanOrEqual(1);
      await provisioner.repairsIdle();
      expect(await admin.get(intruder)).toBeUndefined();
      // Not ours (no managed-by label): left alone. Ours: still there.
      expect(await admin.get(theirs)).toBeDefined();
      expect(await admin.get(ours)).toBeDefined();
      const audit = await store.listAudit({ action: "environment.drift-repaired", target: `environment byt/${env!.name}`, limit: 5 });
      expect(audit[0]?.detail).toMatchObject({ found: "resync", objects: [], pruned: [`NetworkPolicy/${ns}/allow-all-ingress`] });
      // The environment is clean again: after one more read, the pass after reads nothing.
      await provisioner.resync();
      await provisioner.repairsIdle();
      expect(await provisioner.resync()).toBe(0);
    } finally {
      await provisioner.stop();
      await store.close();
    }
  });
});

describe("drift that replaces", () => {
  test("fails when a RoleBinding recreated under our name with another role (admin) is left in place (bug: roleRef is immutable, so the forced apply was refused and the repair gave up)", async () => {
    const { store, provisioner } = await resyncOnlyProvisioner("ndc-roleref-");
    try {
      await provisioner.start();
      const [env] = await approveMany(store, uniqueNamespacePrefix("rr").replace(/-$/, ""), 1);
      provisioner.notify();
      await waitUntil("environment Ready", 60_000, async () => (await countReady(store, [env!.id])) === 1);
      const owners = { kind: "RoleBinding", metadata: { name: "ndc-owners", namespace: env!.namespace } };
      const ours = (await admin.get(owners))!;
      // A cluster admin (kubectl delete, then kubectl create) binds the owners to Kubernetes' admin
      // role, which may write NetworkPolicies and RoleBindings: our labels kept, so it looks like ours.
      await admin.delete(owners);
      await adminKubeConfig()
        .makeApiClient(RbacAuthorizationV1Api)
        .createNamespacedRoleBinding({
          namespace: env!.namespace,
          body: {
            metadata: { name: "ndc-owners", namespace: env!.namespace, labels: { ...ours.metadata.labels } },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
            subjects: ours.subjects as never,
          },
        });
      expect(await provisioner.resync()).toBeGreaterThanOrEqual(1);
      await provisioner.repairsIdle();
      expect((await admin.get(owners))?.roleRef).toEqual({
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: "ndc-tenant-admin",
      });
      const audit = await store.listAudit({ action: "environment.drift-repaired", target: `environment byt/${env!.name}`, limit: 5 });
      expect(audit[0]?.detail).toMatchObject({ found: "resync", objects: expect.arrayContaining([`RoleBinding/${env!.namespace}/ndc-owners`]) });
    } finally {
      await provisioner.stop();
      await store.close();
    }
  });
});

describe("resync by metadata-only lists", () => {
  test("a pass after a clean one reads no object: one list per owned kind, only an environment that changed is read again, and a tenant's own work (a quota's status rewritten) is no change", async () => {
    const { store, provisioner } = await resyncOnlyProvisioner("ndc-resync-meta-");
    const pass = async () => {
      await provisioner.resync();
      await provisioner.repairsIdle();
      return { ...provisioner.lastResyncStats! };
    };
    try {
      await provisioner.start();
      const envs = await approveMany(store, uniqueNamespacePrefix("rm").replace(/-$/, ""), 3);
      provisioner.notify();
      await waitUntil(
        "environments Ready",
        60_000,
        async () =>
          (await countReady(
            store,
            envs.map((e) => e.id),
          )) === 3,
      );
      // First pass after a start: every environment is read object by object (OBJECTS_PER_ENVIRONMENT objects each).
      const first = await pass();
      expect(first.queued).toBe(3); // this store's environments; other tests' live in other stores
      expect(first.getCalls).toBe(3 * OBJECTS_PER_ENVIRONMENT);
      // A tenant at work is not drift: a ConfigMap created in two namespaces makes the quota admission
      // and controller write each quota's status (a new resourceVersion), and the quotas are still ours.
      for (const e of [envs[0]!, envs[2]!]) {
        await adminKubeConfig()
          .makeApiClient(CoreV1Api)
          .createNamespacedConfigMap({ namespace: e.namespace, body: { metadata: { name: "tenant-settings" }, data: { a: "b" } } });
      }
      await waitUntil("quota status counts the ConfigMaps", 60_000, async () => {
        for (const e of [envs[0]!, envs[2]!]) {
          const quota = await liveQuota(e.namespace);
          // kube-root-ca.crt, published in every namespace, and ours
          if (quota?.status?.used?.configmaps !== "2") return false;
        }
        return true;
      });
      // Nothing of ours changed: only the lists. The builder's kinds: Namespace, ServiceAccount, ResourceQuota,
      // LimitRange, NetworkPolicy, RoleBinding — at least one page each, and no GET at all.
      const quiet = await pass();
      expect(quiet.queued).toBe(0);
      expect(quiet.getCalls).toBe(0);
      expect(quiet.listCalls).toBeGreaterThanOrEqual(6);
      // An edit of one object (a label added by someone else) changes that environment's fingerprint only.
      const target = envs[1]!;
      await admin.request("PATCH", `/api/v1/namespaces/${target.namespace}/resourcequotas/ndc-quota`, { metadata: { labels: { intruder: "yes" } } });
      const edited = await pass();
      expect(edited.queued).toBe(1);
      expect(edited.getCalls).toBe(OBJECTS_PER_ENVIRONMENT);
      // A deleted object is found by the list alone and put back.
      const deny = { kind: "NetworkPolicy", metadata: { name: "ndc-default-deny", namespace: envs[2]!.namespace } };
      await admin.delete(deny);
      const deleted = await pass();
      expect(deleted.queued).toBe(1);
      expect(await admin.get(deny)).toBeDefined();
      // The repair itself changed that environment's objects: the next pass reads it once more, finds it
      // clean, and the one after that reads nothing.
      expect((await pass()).queued).toBe(1);
      expect((await pass()).queued).toBe(0);
      // An edit of a quota's spec by someone else (a merge patch: a new managedFields entry) is seen too.
      await admin.request("PATCH", `/api/v1/namespaces/${envs[0]!.namespace}/resourcequotas/ndc-quota`, { spec: { hard: { pods: "1000" } } });
      const spec = await pass();
      expect(spec.queued).toBe(1);
      expect(spec.getCalls).toBe(OBJECTS_PER_ENVIRONMENT);
      expect((await liveQuota(envs[0]!.namespace))?.spec?.hard?.pods).not.toBe("1000");
    } finally {
      await provisioner.stop();
      await store.close();
    }
  });
});

/**
 * The objects of one environment as approveMany asks for it (testSpec at ndc1, a dev app): Namespace,
 * ServiceAccount, ResourceQuota, LimitRange, 7 NetworkPolicies and 2 RoleBindings, as in
 * test/unit/model/fixtures/environment-byt-his-app-ndc1.yaml. Written here, not counted from the builder.
 */
const OBJECTS_PER_ENVIRONMENT = 13;

type LiveQuota = { spec?: { hard?: Record<string, string> }; status?: { used?: Record<string, string> } };
const liveQuota = async (namespace: string): Promise<LiveQuota | undefined> =>
  (await admin.get({ kind: "ResourceQuota", metadata: { name: "ndc-quota", namespace } })) as LiveQuota | undefined;

describe("crash", () => {
  test("a provisioner killed with SIGKILL mid-work: the next one completes it, nothing lost or applied twice", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ndc-crash-"));
    const sqlite = join(dir, "ndc.sqlite");
    const store = await openStore({ sqlitePath: sqlite });
    const kc = await controlPlaneKubeConfig(adminKubeConfig(), inject("clusterName"));
    // Every apply of both provisioners goes through a counting proxy to the real API server.
    const proxy = await startCountingProxy(kubeCredentialsFrom(kc) as { server: string; ca: string; cert: string; key: string });
    const config = JSON.parse(kc.exportConfig()) as { clusters: { cluster: Record<string, unknown> }[] };
    for (const c of config.clusters) c.cluster = { server: proxy.url, "certificate-authority-data": Buffer.from(proxy.ca).toString("base64") };
    const kubeconfigFile = join(dir, "cp.kubeconfig");
    writeFileSync(kubeconfigFile, JSON.stringify(config));
    const prefix = uniqueNamespacePrefix("cr").replace(/-$/, "");
    const envs = await approveMany(store, prefix, 60);
    const ids = envs.map((e) => e.id);
    const run = () => {
      const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "fixtures/run-provisioner.ts")], {
        env: { ...process.env, NDC_TEST_SQLITE: sqlite, NDC_TEST_SITE_KUBECONFIG: kubeconfigFile },
        stdio: ["ignore", "pipe", "inherit"],
      });
      return child;
    };
    let first: ChildProcess | undefined = run();
    let second: ChildProcess | undefined;
    try {
      // Kill it once some, not all, environments are done.
      await waitUntil("some environments Ready", 120_000, async () => (await countReady(store, ids)) >= 5);
      first.kill("SIGKILL");
      await new Promise((r) => first!.once("exit", r));
      first = undefined;
      const readyAtKill = new Set<string>();
      for (const env of envs) if ((await store.getEnvironmentById(env.id))?.phase === "Ready") readyAtKill.add(env.namespace);
      const byFirst = proxy.counts();
      console.log(
        `crash: SIGKILL with ${readyAtKill.size}/${ids.length} Ready, ${[...byFirst.values()].reduce((a, b) => a + b, 0)} applies sent by the first provisioner`,
      );
      expect(readyAtKill.size).toBeLessThan(ids.length);
      second = run();
      await waitUntil("all environments Ready after restart", 180_000, async () => (await countReady(store, ids)) === ids.length);
      const total = proxy.counts();
      // Nothing applied twice, counted per environment for all of them: the first provisioner applied
      // each environment at most once; the second applied none of those Ready at the kill and each
      // other one exactly once (all of its objects, whatever the first had sent before it died).
      const twice: string[] = [];
      for (const env of envs) {
        const firstCount = byFirst.get(env.namespace) ?? 0;
        const secondCount = (total.get(env.namespace) ?? 0) - firstCount;
        const expectedSecond = readyAtKill.has(env.namespace) ? 0 : OBJECTS_PER_ENVIRONMENT;
        if (
          firstCount > OBJECTS_PER_ENVIRONMENT ||
          secondCount !== expectedSecond ||
          (readyAtKill.has(env.namespace) && firstCount !== OBJECTS_PER_ENVIRONMENT)
        ) {
          twice.push(
            `${env.namespace}: ${firstCount} applies before the kill, ${secondCount} after (${readyAtKill.has(env.namespace) ? "Ready at the kill" : "not Ready at the kill"})`,
          );
        }
      }
      expect(twice).toEqual([]);
      // And each has exactly its objects on the server: one namespace, nothing left over or missing.
      for (const env of envs) {
        const live = await admin.list("Namespace", `ndc.gov.vn/environment=${env.name}`);
        expect(
          live.map((n) => n.metadata.name),
          env.name,
        ).toEqual([env.namespace]);
      }
      // Nothing lost: exactly one "provisioned" transition per environment in the audit trail.
      for (const env of envs) {
        const records = await store.listAudit({ target: `environment byt/${env.name}`, limit: 50 });
        expect(records.filter((r) => r.action === "environment.provisioned").length, env.name).toBe(1);
      }
    } finally {
      first?.kill("SIGKILL");
      second?.kill("SIGTERM");
      if (second) await new Promise((r) => second!.once("exit", r));
      await store.close();
      await proxy.close();
    }
  });
});
