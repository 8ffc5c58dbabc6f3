// Benchmark: provisioning environments on a real kube-apiserver, beside two baselines in the same
// run on the same API server — raw server-side apply of the same objects (the ceiling) and
// `kubectl apply --server-side` of the same manifests (what a person would script) — then drift
// repair latency with all those environments in place, and the provisioner's memory.
//   npx tsx scripts/bench/provision.ts [--environments 1000] [--kubectl-environments 100] [--drift-samples 10]
// Targets: the provisioner >= 90 % of raw server-side apply measured the same way (16 environments
// at a time over the same 24 reused connections); >= 5x kubectl; drift repaired within 2 s (p99).
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { $ } from "zx";
import { stringify } from "yaml";
import { admitEnvironment, buildEnvironmentObjects, type KubernetesObject } from "../../model/index.ts";
import { testOrganization, testPlatform, testSpec } from "../../model/testing.ts";
import { kubeCredentialsFrom, Provisioner, SiteConnection } from "../../control-plane/provisioner/index.ts";
import { openStore } from "../../control-plane/store/index.ts";
import { EnvironmentRequests } from "../../control-plane/workflow/index.ts";
import { acquireCluster } from "../cluster/index.ts";
import { ensureTool, kubernetesTool } from "../toolchain/index.ts";
import { progress, publish, quantile } from "./report.ts";
import { countNamespaces } from "./server-counts.ts";

const { values } = parseArgs({
  options: {
    environments: { type: "string", default: "1000" },
    "kubectl-environments": { type: "string", default: "100" },
    "drift-samples": { type: "string", default: "10" },
    cluster: { type: "string", default: "bench" },
    help: { type: "boolean" },
  },
});
if (values.help) {
  console.log("usage: npx tsx scripts/bench/provision.ts [--environments 1000] [--kubectl-environments 100] [--drift-samples 10] [--cluster bench]");
  process.exit(0);
}
const count = Number(values.environments);
const kubectlCount = Number(values["kubectl-environments"]);
const driftSamples = Number(values["drift-samples"]);
const run = Date.now().toString(36);

// One organization entitled to the whole shared pool, so admission never limits the run.
const org = testOrganization({ maxEnvironments: 100_000, entitlements: { app: { cpu: "100000", memory: "1000Ti" } } });
const platform = testPlatform({ organizations: [org] });
const site = platform.sites.get("ndc1")!.config!;
const spec = (name: string) => testSpec({ name, resources: { cpu: "100m", memory: "256Mi" } });
const objectsOf = (name: string): KubernetesObject[] =>
  buildEnvironmentObjects({ plan: admitEnvironment({ org: org.slug, spec: spec(name) }, platform), site, organization: org });

const cluster = await acquireCluster({ name: values.cluster!, log: () => {} });
const admin = new KubeConfig();
admin.loadFromFile(cluster.kubeconfig);
const conn = SiteConnection.open("ndc1", kubeCredentialsFrom(admin), { maxSockets: 24 });
const rate = (n: number, ms: number) => n / (ms / 1000);
const bench = "provision";
const scale = `${count.toLocaleString("en-US")} environments`;

try {
  // Baseline 1: raw server-side apply, namespace first then the rest, 24 connections.
  progress(bench, `raw server-side apply of ${count} environments`);
  const rawEnvs = Array.from({ length: count }, (_, i) => objectsOf(`raw-${run}-${i}`));
  let started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < rawEnvs.length) {
        const [ns, ...rest] = rawEnvs[next++]!;
        await conn.apply(ns!);
        await Promise.all(rest.map((o) => conn.apply(o)));
      }
    }),
  );
  const rawRate = rate(count, performance.now() - started);

  // Baseline 2: kubectl apply --server-side of the same manifests, one file, one process.
  const k8sBin = await ensureTool(kubernetesTool);
  const manifests = join(mkdtempSync(join(tmpdir(), "ndc-bench-")), "envs.yaml");
  progress(bench, `kubectl apply --server-side of ${kubectlCount} environments`);
  const kubectlEnvs = Array.from({ length: kubectlCount }, (_, i) => objectsOf(`kctl-${run}-${i}`));
  writeFileSync(
    manifests,
    kubectlEnvs
      .flat()
      .map((o) => stringify(o))
      .join("---\n"),
  );
  started = performance.now();
  await $({ quiet: true })`${join(k8sBin, "kubectl")} --kubeconfig ${cluster.kubeconfig} apply --server-side --field-manager bench -f ${manifests}`.timeout(
    "30m",
  );
  const kubectlRate = rate(kubectlCount, performance.now() - started);

  // The provisioner: requests submitted and auto-approved through the workflow, then provisioned.
  const store = await openStore({ sqlitePath: join(mkdtempSync(join(tmpdir(), "ndc-bench-")), "ndc.sqlite") });
  const requests = new EnvironmentRequests({ store, platform });
  const principal = { subject: "bench", roles: ["platform-admin" as const], via: "token" as const };
  const names = Array.from({ length: count }, (_, i) => `ctl-${run}-${i}`);
  progress(bench, `submitting ${count} requests, then provisioning them`);
  for (const name of names) await requests.submit({ principal, now: new Date() }, org.slug, spec(name));
  const rssBefore = process.memoryUsage().rss;
  const provisioner = new Provisioner({
    store,
    platform,
    sites: new Map([["ndc1", kubeCredentialsFrom(admin)]]),
    log: pino({ level: "silent" }),
    idleCheckMs: 50,
    resyncIntervalMs: 0,
  });
  started = performance.now();
  await provisioner.start();
  for (;;) {
    const ready = (await store.countByPhase()).Ready ?? 0;
    if (ready >= count) break;
    await sleep(20);
  }
  const ctlRate = rate(count, performance.now() - started);
  publish({
    bench,
    name: `ndc provisioner (approved -> Ready), ${scale}`,
    value: ctlRate,
    unit: "env/s",
    baseline: { name: "raw server-side apply", value: rawRate },
    target: { op: ">=", value: 0.9, on: "ratio" },
  });
  publish({
    bench,
    name: `ndc provisioner vs kubectl, ${scale}`,
    value: ctlRate,
    unit: "env/s",
    baseline: { name: `kubectl apply --server-side (${kubectlCount} environments)`, value: kubectlRate },
    target: { op: ">=", value: 5, on: "ratio" },
  });

  // Drift: delete a default-deny policy in random environments; time until it is back. What is on
  // the server is counted there, not computed.
  await sleep(2_000); // let the watches settle after the initial burst
  const onServer = await countNamespaces(admin);
  progress(bench, `drift repair: ${driftSamples} samples with ${onServer} namespaces on the server`);
  const latencies: number[] = [];
  for (let i = 0; i < driftSamples; i++) {
    const name = names[Math.floor((i * names.length) / driftSamples)]!; // spread over the run, reproducible
    const target = { kind: "NetworkPolicy", metadata: { name: "ndc-default-deny", namespace: `${org.slug}-${name}` } };
    const before = (await conn.get(target))!.metadata.uid;
    const t0 = performance.now();
    await conn.delete(target);
    for (;;) {
      const live = await conn.get(target);
      if (live && live.metadata.uid !== before) break;
      await sleep(10);
    }
    latencies.push((performance.now() - t0) / 1000);
  }
  const onServerNote = `${onServer.toLocaleString("en-US")} namespaces on the server`;
  publish({ bench, name: `drift repair p50, ${onServerNote}`, value: quantile(latencies, 0.5), unit: "s" });
  publish({ bench, name: `drift repair p99, ${onServerNote}`, value: quantile(latencies, 0.99), unit: "s", target: { op: "<=", value: 2 } });
  // Resync: the first pass after a start reads every object; a pass after a clean one lists
  // metadata per kind. The baseline is the old way: one GET per object of every environment.
  const objectsPerEnv = objectsOf("x").length;
  for (const label of ["first resync pass after start", "resync pass, nothing changed"]) {
    const t0 = performance.now();
    await provisioner.resync();
    await provisioner.repairsIdle();
    const stats = provisioner.lastResyncStats!;
    publish({
      bench,
      name: `${label}, API calls, ${scale}`,
      value: stats.listCalls + stats.getCalls,
      unit: "calls",
      baseline: { name: "one GET per object", value: count * objectsPerEnv },
      note: `${stats.listCalls} metadata lists + ${stats.getCalls} GETs in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    });
  }
  publish({
    bench,
    name: `bench process memory while provisioning, ${scale}`,
    value: process.memoryUsage().rss / 2 ** 20,
    unit: "MiB",
    baseline: { name: "before the provisioner started", value: rssBefore / 2 ** 20 },
  });
  await provisioner.stop();
  await store.close();
} finally {
  conn.close();
  await cluster.release();
}
