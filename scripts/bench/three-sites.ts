// Benchmark: three sites at once — N approved environments spread over three real clusters (one
// kube-apiserver and etcd each), provisioned by one provisioner. Checks on the servers that no work
// was lost (one namespace per environment on its site) or duplicated (exactly one server-side apply
// per object), and reports each site's rate beside the one-site rate measured first in the same run.
//   npx tsx scripts/bench/three-sites.ts [--environments 50000]
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { admitEnvironment, assemblePlatform, type Platform } from "../../model/index.ts";
import { testOrganization, testSiteStack, testSpec } from "../../model/testing.ts";
import { kubeCredentialsFrom, OWNED_SELECTOR, Provisioner } from "../../control-plane/provisioner/index.ts";
import { openStore, type Store } from "../../control-plane/store/index.ts";
import { applyTransition } from "../../control-plane/workflow/index.ts";
import { acquireCluster, type ClusterLease } from "../cluster/index.ts";
import { progress, publish } from "./report.ts";
import { countNamespaces } from "./server-counts.ts";

const { values } = parseArgs({ options: { environments: { type: "string", default: "50000" }, help: { type: "boolean", default: false } } });
if (values.help) {
  console.log("usage: npx tsx scripts/bench/three-sites.ts [--environments 50000]");
  process.exit(0);
}
const count = Number(values.environments);
const bench = "three-sites";
const SITES = [
  { id: "ndc1", location: { name: "Hòa Lạc, Hà Nội", latitude: 21.0127, longitude: 105.5253 } },
  { id: "ndc2", location: { name: "Đà Nẵng", latitude: 16.0544, longitude: 108.2022 } },
  { id: "ndc3", location: { name: "Thành phố Hồ Chí Minh", latitude: 10.8231, longitude: 106.6297 } },
] as const;
const OBJECTS_PER_ENVIRONMENT = 13;

// Organizations of at most 1,000 environments (the most one may have), entitled to whole pools.
const orgs = Array.from({ length: Math.ceil(count / 1000) }, (_, i) =>
  testOrganization({
    slug: `bench${i}`,
    ownerGroups: [`bench${i}-admins`],
    maxEnvironments: 1000,
    entitlements: { app: { cpu: "1000000", memory: "10000Ti" } },
  }),
);
const stacks = SITES.map((s) =>
  testSiteStack(
    {
      id: s.id,
      name: { vi: s.id, en: s.id },
      location: s.location,
      computePools: [{ name: "general", zones: ["dmz", "app", "data", "backup"], nodes: 10_000, nodeCpu: "64", nodeMemory: "512Gi" }],
    },
    orgs,
  ),
);
const platform = assemblePlatform(stacks);
const siteOf = (i: number) => SITES[i % SITES.length]!.id;

/** Approved environments straight into the store (admission is proven elsewhere; this measures provisioning). */
async function seed(store: Store, names: (i: number) => string, n: number, site: (i: number) => string, p: Platform): Promise<void> {
  const actor = { subject: "bench", role: "platform-admin" };
  for (let start = 0; start < n; start += 200) {
    await store.transaction([], async (tx) => {
      for (let i = start; i < Math.min(n, start + 200); i++) {
        const org = orgs[Math.floor(i / 1000)]!;
        const spec = testSpec({ name: names(i), sites: [site(i)], owners: [`${org.slug}-admins`], resources: { cpu: "50m", memory: "64Mi" } });
        const { environment: _e, namespace, ...plan } = admitEnvironment({ org: org.slug, spec }, p);
        const now = new Date().toISOString();
        const created = await tx.insertEnvironment({ org: org.slug, spec, namespace, plan, conditions: [], requestedBy: actor.subject }, actor, now);
        await applyTransition(tx, created.id, created.version, "auto-approve", actor, now);
      }
    });
    if (start % 5000 === 0 && start > 0) progress(bench, `seeded ${start}/${n}`);
  }
}

/** Provisions every approved environment of `store` on `sites`; returns seconds until each site was done. */
async function provision(
  store: Store,
  clusters: Map<string, ClusterLease>,
  perSite: Map<string, number>,
): Promise<{ provisioner: Provisioner; seconds: Map<string, number>; total: number }> {
  const sites = new Map([...clusters].map(([id, c]) => [id, kubeCredentialsFrom(kubeConfigOf(c))] as const));
  const provisioner = new Provisioner({ store, platform, sites, log: pino({ level: "silent" }), idleCheckMs: 50, resyncIntervalMs: 0, repairDrift: false });
  const seconds = new Map<string, number>();
  const started = performance.now();
  await provisioner.start();
  let lastReport = 0;
  while (seconds.size < perSite.size) {
    const applies = new Map((await provisioner.metrics.applies.get()).values.map((v) => [String(v.labels.site), v.value]));
    for (const [site, n] of perSite)
      if (!seconds.has(site) && (applies.get(site) ?? 0) >= n * OBJECTS_PER_ENVIRONMENT) seconds.set(site, (performance.now() - started) / 1000);
    if (performance.now() - lastReport > 15_000) {
      progress(bench, [...perSite.keys()].map((s) => `${s} ${Math.floor((applies.get(s) ?? 0) / OBJECTS_PER_ENVIRONMENT)}/${perSite.get(s)}`).join(", "));
      lastReport = performance.now();
    }
    await sleep(200);
  }
  const total = [...perSite.values()].reduce((a, b) => a + b, 0);
  while (((await store.countByPhase()).Ready ?? 0) < total) await sleep(100);
  return { provisioner, seconds, total: (performance.now() - started) / 1000 };
}

function kubeConfigOf(cluster: ClusterLease): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  return kc;
}

const clusters = new Map<string, ClusterLease>();
try {
  for (const s of SITES) {
    progress(bench, `starting the ${s.id} cluster`);
    clusters.set(s.id, await acquireCluster({ name: `bench-${s.id}`, log: () => {} }));
  }
  const run = Date.now().toString(36);

  // Baseline: one site alone, a third of the environments, same provisioner settings.
  const third = Math.ceil(count / 3);
  const oneStore = await openStore({ sqlitePath: join(mkdtempSync(join(tmpdir(), "ndc-bench-3s-")), "one.sqlite") });
  progress(bench, `baseline: seeding ${third} environments on ndc1 alone`);
  await seed(
    oneStore,
    (i) => `one-${run}-${i}`,
    third,
    () => "ndc1",
    platform,
  );
  const one = await provision(oneStore, new Map([["ndc1", clusters.get("ndc1")!]]), new Map([["ndc1", third]]));
  await one.provisioner.stop();
  await oneStore.close();
  const oneRate = third / one.seconds.get("ndc1")!;

  // Three sites at once.
  const store = await openStore({ sqlitePath: join(mkdtempSync(join(tmpdir(), "ndc-bench-3s-")), "three.sqlite") });
  progress(bench, `seeding ${count} environments over ${SITES.length} sites`);
  await seed(store, (i) => `tri-${run}-${i}`, count, siteOf, platform);
  const perSite = new Map(SITES.map((s, k) => [s.id, Math.floor(count / SITES.length) + (k < count % SITES.length ? 1 : 0)]));
  const three = await provision(store, clusters, perSite);
  await three.provisioner.stop();

  // Nothing lost: one namespace per environment on its site. Nothing duplicated: one apply per object.
  const applies = new Map((await three.provisioner.metrics.applies.get()).values.map((v) => [String(v.labels.site), v.value]));
  const problems: string[] = [];
  for (const [site, n] of perSite) {
    const namespaces = await countNamespaces(kubeConfigOf(clusters.get(site)!), OWNED_SELECTOR);
    const ours = namespaces - (site === "ndc1" ? third : 0);
    if (ours !== n) problems.push(`${site}: ${ours} namespaces for ${n} environments`);
    if (applies.get(site) !== n * OBJECTS_PER_ENVIRONMENT) problems.push(`${site}: ${applies.get(site)} applies for ${n * OBJECTS_PER_ENVIRONMENT} objects`);
  }
  const scale = `${count.toLocaleString("en-US")} environments over 3 sites`;
  publish({
    bench,
    name: `all three sites, ${scale}`,
    value: count / three.total,
    unit: "env/s",
    baseline: { name: `one site alone (${third.toLocaleString("en-US")} environments)`, value: oneRate },
    note: problems.length
      ? `LOST OR DUPLICATED: ${problems.join("; ")}`
      : "no work lost or duplicated (namespaces counted on each server, one apply per object)",
  });
  for (const [site, n] of perSite) {
    publish({
      bench,
      name: `${site} while all three ran, ${n.toLocaleString("en-US")} environments`,
      value: n / three.seconds.get(site)!,
      unit: "env/s",
      baseline: { name: "one site alone", value: oneRate },
    });
  }
  await store.close();
  if (problems.length) process.exitCode = 1;
} finally {
  for (const c of clusters.values()) await c.release();
}
