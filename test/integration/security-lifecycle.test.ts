// Issue 10 end to end: the HTTP API, the store and the provisioner against two real API servers
// (two sites), the provisioner as the `ndc-control-plane` ClusterRole's user. Decommissioning a
// prod environment (item 10) and dropping a site (item 3).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppsV1Api, BatchV1Api, CoreV1Api, KubeConfig, NetworkingV1Api, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { testSpec } from "../../model/testing.ts";
import { buildApp } from "../../control-plane/api/index.ts";
import { kubeCredentialsFrom, Provisioner } from "../../control-plane/provisioner/index.ts";
import { openStore, type Store } from "../../control-plane/store/index.ts";
import { acquireCluster, type ClusterLease } from "../../scripts/cluster/index.ts";
import { adminKubeConfig, uniqueNamespacePrefix, waitUntil } from "./_cluster.ts";
import { controlPlaneKubeConfig } from "./_control-plane-identity.ts";
import { testPlatformForApi } from "./control-plane/_harness.ts";

const SECOND_CLUSTER = "test-site-b";
const BOOTSTRAP = "bootstrap-token-for-e2e-0123456789";
const platform = testPlatformForApi();
const prefix = uniqueNamespacePrefix("sl").replace(/-$/, "").replace(/^sl-/, "s");
const ENVS = "/v1/organizations/byt/environments";

let dir: string;
let store: Store;
let app: FastifyInstance;
let provisioner: Provisioner;
let siteB: ClusterLease;
const admins = new Map<string, KubeConfig>();
const tokens: Record<string, string> = {};

async function call(method: "GET" | "POST" | "PATCH" | "DELETE", url: string, token: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}`, ...headers },
    ...(body === undefined ? {} : { payload: body as object }),
  });
  return { status: res.statusCode, body: res.body ? (res.json() as Record<string, any>) : {} };
}

async function phaseOf(name: string, phase: string, timeoutMs = 60_000): Promise<Record<string, any>> {
  let last: Record<string, any> = {};
  await waitUntil(`${name} ${phase}`, timeoutMs, async () => {
    last = (await call("GET", `${ENVS}/${name}`, tokens.oscar!)).body;
    return last.phase === phase;
  });
  return last;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ndc-sl-"));
  siteB = await acquireCluster({ name: SECOND_CLUSTER, log: () => {} });
  const adminA = adminKubeConfig();
  const adminB = new KubeConfig();
  adminB.loadFromFile(siteB.kubeconfig);
  admins.set("ndc1", adminA).set("ndc2", adminB);
  const cluster = (await import("vitest")).inject("clusterName");
  const sites = new Map([
    ["ndc1", kubeCredentialsFrom(await controlPlaneKubeConfig(adminA, cluster))],
    ["ndc2", kubeCredentialsFrom(await controlPlaneKubeConfig(adminB, SECOND_CLUSTER))],
  ]);
  store = await openStore({ sqlitePath: join(dir, "ndc.sqlite") });
  app = await buildApp({ store, platform, auth: { bootstrapToken: BOOTSTRAP }, defaultMetrics: false, rateLimit: false });
  provisioner = new Provisioner({ store, platform, sites, log: pino({ level: "silent" }), retryBaseMs: 100, idleCheckMs: 100, retentionDays: 1 });
  app.ndc.requests.work.subscribe(() => provisioner.notify());
  await provisioner.start();
  const admin = (await call("POST", "/v1/tokens", BOOTSTRAP, { subject: "admin", role: "platform-admin" })).body.token as string;
  for (const [subject, role, org] of [
    ["alice", "requester", "byt"],
    ["oscar", "operator"],
    ["olga", "operator"],
  ] as const) {
    tokens[subject] = (await call("POST", "/v1/tokens", admin, { subject, role, ...(org ? { org } : {}) })).body.token as string;
  }
}, 300_000);

afterAll(async () => {
  await provisioner?.stop();
  // Namespaces this file made (the shared clusters outlive the run).
  for (const kc of admins.values()) {
    const core = kc.makeApiClient(CoreV1Api);
    for (const ns of (await core.listNamespace()).items)
      if (ns.metadata!.name!.startsWith(`byt-${prefix}-`)) await core.deleteNamespace({ name: ns.metadata!.name! }).catch(() => undefined);
  }
  await app?.close();
  await store?.close();
  await siteB?.release();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("item 10: decommissioning a prod environment needs an operator; Retained stops workloads and closes ingress; an operator can restore", () => {
  const name = `${prefix}-web`;
  const namespace = `byt-${name}`;
  const apps = () => admins.get("ndc1")!.makeApiClient(AppsV1Api);
  const batch = () => admins.get("ndc1")!.makeApiClient(BatchV1Api);
  const netpols = async () =>
    (await admins.get("ndc1")!.makeApiClient(NetworkingV1Api).listNamespacedNetworkPolicy({ namespace })).items.map((p) => p.metadata!.name!).sort();
  const bindings = async () =>
    (await admins.get("ndc1")!.makeApiClient(RbacAuthorizationV1Api).listNamespacedRoleBinding({ namespace })).items.map((b) => b.metadata!.name!).sort();

  test("request -> Ready; DELETE without If-Match is 428; with it the environment waits, still serving, for an operator; approved -> Retained with workloads at zero and no ingress; restored -> Ready with them back", async () => {
    const created = await call(
      "POST",
      ENVS,
      tokens.alice!,
      testSpec({ name, stage: "prod", zone: "dmz", securityLevel: 3, resources: { cpu: "2", memory: "4Gi" } }),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await call("POST", `${ENVS}/${name}/approve`, tokens.oscar!, undefined, { "if-match": `"${created.body.version}"` })).status).toBe(200);
    let env = await phaseOf(name, "Ready");
    const before = await netpols();
    expect(before).toContain("ndc-allow-gateway-ingress");
    // What the tenant runs: a deployment of two replicas and a cron job.
    await apps().createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: "portal" },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: "portal" } },
          template: {
            metadata: { labels: { app: "portal" } },
            spec: {
              containers: [
                {
                  name: "web",
                  image: "registry.ndc.gov.vn/portal:1",
                  resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "100m", memory: "128Mi" } },
                },
              ],
            },
          },
        },
      },
    });
    await batch().createNamespacedCronJob({
      namespace,
      body: {
        metadata: { name: "report" },
        spec: {
          schedule: "0 1 * * *",
          jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "r", image: "registry.ndc.gov.vn/report:1" }] } } } },
        },
      },
    });

    const refused = await call("DELETE", `${ENVS}/${name}`, tokens.alice!);
    expect(refused.status).toBe(428);
    expect(refused.body.errors[0]).toMatchObject({ field: "header.if-match", rule: "decommission-version-required" });
    expect((await call("GET", `${ENVS}/${name}`, tokens.alice!)).body.phase).toBe("Ready");

    const asked = await call("DELETE", `${ENVS}/${name}`, tokens.alice!, undefined, { "if-match": `"${env.version}"` });
    expect(asked.status, JSON.stringify(asked.body)).toBe(202);
    expect(asked.body).toMatchObject({ phase: "AwaitingDecommission", modifiedBy: "alice" });
    expect(asked.body.conditions).toContainEqual(expect.objectContaining({ type: "Decommissioned", status: "Unknown", reason: "AwaitingApproval" }));
    // Still serving while it waits: nothing was frozen.
    expect((await apps().readNamespacedDeployment({ name: "portal", namespace })).spec!.replicas).toBe(2);
    expect(await netpols()).toEqual(before);

    expect((await call("POST", `${ENVS}/${name}/approve`, tokens.oscar!, undefined, { "if-match": `"${asked.body.version}"` })).status).toBe(200);
    env = await phaseOf(name, "Retained");
    const deployment = await apps().readNamespacedDeployment({ name: "portal", namespace });
    expect(deployment.spec!.replicas).toBe(0);
    expect(deployment.metadata!.annotations!["ndc.gov.vn/replicas-before-retention"]).toBe("2");
    expect((await batch().readNamespacedCronJob({ name: "report", namespace })).spec!.suspend).toBe(true);
    expect(await netpols()).toEqual(["ndc-allow-dns", "ndc-allow-log-egress", "ndc-allow-mgmt-admin", "ndc-default-deny"]);
    expect(await bindings()).toEqual([]);
    await waitUntil(
      "no pods left",
      30_000,
      async () => (await admins.get("ndc1")!.makeApiClient(CoreV1Api).listNamespacedPod({ namespace })).items.length === 0,
    );
    const decommissioned = env.conditions.find((c: { type: string }) => c.type === "Decommissioned");
    expect(decommissioned).toMatchObject({ status: "True", reason: "Retained" });
    expect(decommissioned.message).toContain("ingress closed, workloads stopped (1 scaled to zero, 1 jobs suspended");

    const restored = await call("POST", `${ENVS}/${name}/restore`, tokens.olga!, undefined, { "if-match": `"${env.version}"` });
    expect(restored.status, JSON.stringify(restored.body)).toBe(200);
    env = await phaseOf(name, "Ready");
    expect((await apps().readNamespacedDeployment({ name: "portal", namespace })).spec!.replicas).toBe(2);
    expect((await batch().readNamespacedCronJob({ name: "report", namespace })).spec!.suspend).toBe(false);
    expect(await netpols()).toEqual(before);
    expect(await bindings()).toContain("ndc-owners");
    expect(env.conditions).toContainEqual(expect.objectContaining({ type: "Decommissioned", status: "False", reason: "Restored" }));
  });
});

describe("item 3: a site dropped from an environment goes Retained -> Deleted there, and holds its capacity until the namespace is gone", () => {
  const name = `${prefix}-two`;
  const namespace = `byt-${name}`;
  const at = (site: string) => admins.get(site)!;
  const held = async () =>
    (await store.commitments(["ndc1", "ndc2"]))
      .filter((c) => c.environment === name)
      .map((c) => c.site)
      .sort();

  test("PATCH sites [ndc1, ndc2] -> [ndc1]: ndc2 is frozen with its workloads stopped, kept and counted; after its retention the namespace is deleted and only then released", async () => {
    const created = await call("POST", ENVS, tokens.alice!, testSpec({ name, sites: ["ndc1", "ndc2"], resources: { cpu: "1", memory: "2Gi" } }));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    let env = await phaseOf(name, "Ready");
    await at("ndc2")
      .makeApiClient(AppsV1Api)
      .createNamespacedDeployment({
        namespace,
        body: {
          metadata: { name: "api" },
          spec: {
            replicas: 3,
            selector: { matchLabels: { app: "api" } },
            template: {
              metadata: { labels: { app: "api" } },
              spec: {
                containers: [
                  {
                    name: "api",
                    image: "registry.ndc.gov.vn/api:1",
                    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "100m", memory: "128Mi" } },
                  },
                ],
              },
            },
          },
        },
      });

    const patched = await call("PATCH", `${ENVS}/${name}`, tokens.alice!, { sites: ["ndc1"] }, { "if-match": `"${env.version}"` });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    await waitUntil("ndc2 retained", 60_000, async () => (await call("GET", `${ENVS}/${name}`, tokens.oscar!)).body.sites?.ndc2?.phase === "Retained");
    env = (await call("GET", `${ENVS}/${name}`, tokens.oscar!)).body;
    expect(env.sites.ndc2.message).toContain("dropped from the environment: access frozen, ingress closed, 1 workloads scaled to zero");
    // Still there, frozen, and still counted against ndc2's capacity.
    expect((await at("ndc2").makeApiClient(CoreV1Api).readNamespace({ name: namespace })).metadata!.name).toBe(namespace);
    expect((await at("ndc2").makeApiClient(RbacAuthorizationV1Api).listNamespacedRoleBinding({ namespace })).items).toEqual([]);
    expect((await at("ndc2").makeApiClient(AppsV1Api).readNamespacedDeployment({ name: "api", namespace })).spec!.replicas).toBe(0);
    const policies = (await at("ndc2").makeApiClient(NetworkingV1Api).listNamespacedNetworkPolicy({ namespace })).items.map((p) => p.metadata!.name!);
    expect(policies).not.toContain("ndc-zone-ingress");
    expect(policies).toContain("ndc-default-deny");
    expect(await held()).toEqual(["ndc1", "ndc2"]);
    // ndc1 is untouched.
    expect((await at("ndc1").makeApiClient(RbacAuthorizationV1Api).listNamespacedRoleBinding({ namespace })).items.map((b) => b.metadata!.name)).toContain(
      "ndc-owners",
    );

    // Its retention runs out (the clock moved on): the namespace at ndc2 is deleted, then the capacity released.
    await store.transaction([], async (tx) => {
      const site = env.sites.ndc2;
      await tx.setSiteStatus(
        env.id,
        {
          site: "ndc2",
          namespace,
          phase: "Retained",
          message: site.message,
          observedGeneration: site.observedGeneration,
          retainUntil: new Date(Date.now() - 1000).toISOString(),
        },
        new Date().toISOString(),
      );
    });
    provisioner.notify();
    await waitUntil("ndc2 forgotten", 120_000, async () => (await call("GET", `${ENVS}/${name}`, tokens.oscar!)).body.sites?.ndc2 === undefined);
    expect((await at("ndc2").makeApiClient(CoreV1Api).listNamespace()).items.map((n) => n.metadata!.name)).not.toContain(namespace);
    expect(await held()).toEqual(["ndc1"]);
    expect((await call("GET", `${ENVS}/${name}`, tokens.oscar!)).body.phase).toBe("Ready");
  });
});
