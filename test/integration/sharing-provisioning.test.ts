// Data-sharing agreements on real API servers: while an agreement is in force the provider's ingress
// and the consumer's egress NetworkPolicies exist on every site both environments share (and only
// there); a deleted one is put back; revoke, expiry and decommissioning remove them. Two clusters
// stand for two sites; the provisioner runs as the `ndc-control-plane` ClusterRole's user.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { admitEnvironment, buildEnvironmentObjects, POLICY, type KubernetesObject, type SharingAgreement, type SharingOffer } from "../../model/index.ts";
import { testOrganization, testPlatform, testSpec } from "../../model/testing.ts";
import { hasDrifted, kubeCredentialsFrom, Provisioner, SiteConnection } from "../../control-plane/provisioner/index.ts";
import { complianceReport } from "../../control-plane/reports/index.ts";
import { openStore, type Store } from "../../control-plane/store/index.ts";
import { SharingAgreements, WorkAnnouncer, type RequestContext } from "../../control-plane/workflow/index.ts";
import { acquireCluster, type ClusterLease } from "../../scripts/cluster/index.ts";
import { adminKubeConfig, uniqueNamespacePrefix, waitUntil } from "./_cluster.ts";
import { controlPlaneKubeConfig } from "./_control-plane-identity.ts";
import { approvedEnvironment, lifecycleEvent, waitForPhase } from "./_provisioning.ts";

const SECOND_CLUSTER = "test-site-b";
const platform = testPlatform({
  secondSite: true,
  organizations: [
    testOrganization(),
    testOrganization({ slug: "bct", name: { vi: "Bộ Công Thương", en: "Ministry of Industry and Trade" }, ownerGroups: ["bct-admins"] }),
  ],
});
const prefix = uniqueNamespacePrefix("sh").replace(/-$/, "");

let siteB: ClusterLease;
let store: Store;
let provisioner: Provisioner;
let agreements: SharingAgreements;
const sites = new Map<string, SiteConnection>();

const person = (subject: string, org?: string): RequestContext => ({
  principal: { subject, roles: [org ? "requester" : "operator"], via: "token", ...(org ? { org } : {}) },
  now: new Date(),
});

/** An offer from byt's `provider` environment to bct's `consumer`, valid from a minute ago for `seconds`. */
function offer(name: string, provider: string, consumer: string, seconds = 86_400): SharingOffer {
  return {
    name,
    providerEnvironment: provider,
    consumer: { org: "bct", environment: consumer },
    port: 5432,
    protocol: "TCP",
    purpose: "Đối soát dữ liệu (data reconciliation)",
    legalBasis: "Nghị định 194/2025/NĐ-CP",
    validFrom: new Date(Date.now() - 60_000).toISOString(),
    validUntil: new Date(Date.now() + seconds * 1000).toISOString(),
  };
}

const netpol = (namespace: string, name: string): KubernetesObject => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name, namespace },
});
const present = async (site: string, o: KubernetesObject) => (await sites.get(site)!.get(o)) !== undefined;

/** What the builder says the environment's sharing policy is, with `agreement` in force. */
function built(org: string, spec: ReturnType<typeof testSpec>, site: string, agreement: SharingAgreement): KubernetesObject {
  const plan = admitEnvironment({ org, spec }, platform);
  return buildEnvironmentObjects({
    plan,
    site: platform.sites.get(site)!.config!,
    organization: platform.organizations.get(org)!,
    agreements: [agreement],
  }).find((o) => o.metadata.name === `ndc-share-${agreement.id}`)!;
}

// The provider runs on both sites, the consumer on ndc1 only: the policies may exist only at ndc1.
const provider = testSpec({ name: `${prefix}-db`, sites: ["ndc1", "ndc2"] });
const consumer = testSpec({ name: `${prefix}-app`, owners: ["bct-app"] });
const providerNs = `byt-${provider.name}`;
const consumerNs = `bct-${consumer.name}`;

beforeAll(async () => {
  const adminA = adminKubeConfig();
  siteB = await acquireCluster({ name: SECOND_CLUSTER, log: () => {} });
  const adminB = new KubeConfig();
  adminB.loadFromFile(siteB.kubeconfig);
  const cluster = (await import("vitest")).inject("clusterName");
  const kubeConfigs = new Map([
    ["ndc1", await controlPlaneKubeConfig(adminA, cluster)],
    ["ndc2", await controlPlaneKubeConfig(adminB, SECOND_CLUSTER)],
  ]);
  sites.set("ndc1", SiteConnection.open("ndc1", kubeCredentialsFrom(adminA))).set("ndc2", SiteConnection.open("ndc2", kubeCredentialsFrom(adminB)));
  store = await openStore({ sqlitePath: join(mkdtempSync(join(tmpdir(), "ndc-sh-")), "ndc.sqlite") });
  provisioner = new Provisioner({
    store,
    platform,
    sites: new Map([...kubeConfigs].map(([s, kc]) => [s, kubeCredentialsFrom(kc)])),
    log: pino({ level: "silent" }),
    registry: new Registry(),
    retryBaseMs: 100,
    idleCheckMs: 100,
    retentionDays: 0,
  });
  const work = new WorkAnnouncer();
  work.subscribe(() => provisioner.notify());
  agreements = new SharingAgreements({ store, platform, policy: POLICY, work });
  await provisioner.start();
  for (const [org, spec] of [
    ["byt", provider],
    ["bct", consumer],
  ] as const) {
    const env = await approvedEnvironment(store, platform, org, spec);
    provisioner.notify();
    await waitForPhase(store, env.id, "Ready");
  }
}, 300_000);

afterAll(async () => {
  await provisioner?.stop();
  for (const s of sites.values()) s.close();
  await store?.close();
  await siteB?.release();
});

describe("sharing policies on real clusters", () => {
  const name = "recon";
  const policy = `ndc-share-byt-${name}`;

  test("offered but not accepted: no policy anywhere", async () => {
    await agreements.offer(person("alice", "byt"), "byt", offer(name, provider.name, consumer.name));
    await provisioner.syncSharing();
    expect(await present("ndc1", netpol(providerNs, policy))).toBe(false);
    expect(await present("ndc1", netpol(consumerNs, policy))).toBe(false);
  });

  test("accepted: the provider's ingress and the consumer's egress at ndc1, exactly as the builder says; nothing at ndc2", async () => {
    const accepted = await agreements.decide(person("bob", "bct"), "byt", name, "accept");
    expect(accepted.state).toBe("Approved");
    const agreement: SharingAgreement = {
      id: `byt-${name}`,
      provider: { org: "byt", environment: provider.name },
      consumer: { org: "bct", environment: consumer.name },
      port: 5432,
      protocol: "TCP",
      approvedBy: { provider: true, consumer: true, operator: true },
    };
    const ingress = built("byt", provider, "ndc1", agreement);
    const egress = built("bct", consumer, "ndc1", agreement);
    await waitUntil("both sharing policies at ndc1", 20_000, async () => (await present("ndc1", ingress)) && (await present("ndc1", egress)));
    const liveIngress = (await sites.get("ndc1")!.get(ingress))!;
    expect(hasDrifted(ingress, liveIngress)).toBe(false);
    expect(hasDrifted(egress, (await sites.get("ndc1")!.get(egress))!)).toBe(false);
    expect(liveIngress.spec).toEqual({
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": consumerNs } } }], ports: [{ protocol: "TCP", port: 5432 }] }],
    });
    expect(liveIngress.metadata.labels?.["ndc.gov.vn/sharing-agreement"]).toBe(`byt-${name}`);
    // ndc2 holds the provider but not the consumer: no policy is opened there.
    expect(await present("ndc2", { apiVersion: "v1", kind: "Namespace", metadata: { name: providerNs } })).toBe(true);
    expect(await present("ndc2", netpol(providerNs, policy))).toBe(false);
  });

  test("a deleted sharing policy is put back like every other object, and the repair is audited", async () => {
    await sites.get("ndc1")!.delete(netpol(consumerNs, policy));
    await waitUntil("the egress policy put back", 20_000, () => present("ndc1", netpol(consumerNs, policy)));
    await waitUntil(
      "the repair audited",
      10_000,
      async () => (await store.listAudit({ action: "environment.drift-repaired", target: `environment bct/${consumer.name}`, limit: 10 })).length >= 1,
    );
  });

  test("revoked: both policies are removed, and the removal is audited", async () => {
    await agreements.decide(person("alice", "byt"), "byt", name, "revoke", { reason: "kết thúc đối soát" });
    await waitUntil(
      "both sharing policies gone",
      20_000,
      async () => !(await present("ndc1", netpol(providerNs, policy))) && !(await present("ndc1", netpol(consumerNs, policy))),
    );
    const removed = await store.listAudit({ action: "sharing.policy-removed", target: `sharing-agreement byt/${name}`, limit: 10 });
    expect(removed.map((r) => (r.detail as { namespace: string }).namespace).sort()).toEqual([consumerNs, providerNs].sort());
  });

  test("expired: the policies go when validUntil passes, without anyone asking", async () => {
    await agreements.offer(person("alice", "byt"), "byt", offer("short", provider.name, consumer.name, 8));
    await agreements.decide(person("bob", "bct"), "byt", "short", "accept");
    await waitUntil("the short agreement's policies", 20_000, () => present("ndc1", netpol(providerNs, "ndc-share-byt-short")));
    const until = Date.parse((await store.getAgreement("byt", "short"))!.offer.validUntil);
    await waitUntil(
      "the short agreement's policies gone after it expired",
      30_000,
      async () => !(await present("ndc1", netpol(providerNs, "ndc-share-byt-short"))) && !(await present("ndc1", netpol(consumerNs, "ndc-share-byt-short"))),
    );
    expect(Date.now()).toBeGreaterThanOrEqual(until);
  });

  test("the site compliance report counts what is live on the cluster", async () => {
    const report = await complianceReport(store, platform, POLICY, { site: "ndc1" }, new Date());
    const ours = report.environments
      .filter((e) => e.environment.startsWith(prefix))
      .map((e) => e.namespace)
      .sort();
    const live = await sites.get("ndc1")!.list("Namespace", "app.kubernetes.io/managed-by=ndc-control-plane");
    expect(ours).toEqual(
      live
        .map((n) => n.metadata.name)
        .filter((n) => n.includes(prefix))
        .sort(),
    );
    expect(ours).toEqual([consumerNs, providerNs].sort());
  });

  test("decommissioning the consumer removes the provider's ingress too", async () => {
    await agreements.offer(person("alice", "byt"), "byt", offer("last", provider.name, consumer.name));
    await agreements.decide(person("bob", "bct"), "byt", "last", "accept");
    await waitUntil(
      "the last agreement's policies",
      20_000,
      async () => (await present("ndc1", netpol(providerNs, "ndc-share-byt-last"))) && (await present("ndc1", netpol(consumerNs, "ndc-share-byt-last"))),
    );
    const app = (await store.getEnvironment("bct", consumer.name))!;
    await lifecycleEvent(store, app.id, "decommission");
    provisioner.notify();
    await waitUntil("the provider's ingress gone", 30_000, async () => !(await present("ndc1", netpol(providerNs, "ndc-share-byt-last"))));
    expect(await agreements.statusOf((await store.getAgreement("byt", "last"))!, new Date())).toBe("Ended");
  });
});
