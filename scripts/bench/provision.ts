// Benchmark: provisioning environments on a real kube-apiserver, beside two baselines in the same
// run on the same API server — raw server-side apply of the same objects (the ceiling) and
// `kubectl apply --server-side` of the same manifests (what a person would script) — then drift
// repair latency with all those environments in place, and the provisioner's memory.
//   npx tsx scripts/bench/provision.ts [--environments 1000] [--kubectl-environments 100] [--drift-samples 10]
// Targets (ANCHORS.md): >= 50 environments/s; >= 5x kubectl; >= 70 % of raw server-side apply;
// drift repaired <= 2 s.
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
const rows: [string, string][] = [];
const rate = (n: number, ms: number) => n / (ms / 1000);

try {
  // Baseline 1: raw server-side apply, namespace first then the rest, 24 connections.
  const rawEnvs = Array.from({ length: count }, (_, i) => objectsOf(`raw-${run}-${i}`));
  let started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < rawEnvs.length) {
      const [ns, ...rest] = rawEnvs[next++]!;
      await conn.apply(ns!);
      await Promise.all(rest.map((o) => conn.apply(o)));
    }
  }));
  const rawRate = rate(count, performance.now() - started);
  rows.push(["raw server-side apply", `${rawRate.toFixed(1)} env/s (${(rawRate * rawEnvs[0]!.length).toFixed(0)} objects/s)`]);

  // Baseline 2: kubectl apply --server-side of the same manifests, one file, one process.
  const k8sBin = await ensureTool(kubernetesTool);
  const manifests = join(mkdtempSync(join(tmpdir(), "ndc-bench-")), "envs.yaml");
  const kubectlEnvs = Array.from({ length: kubectlCount }, (_, i) => objectsOf(`kctl-${run}-${i}`));
  writeFileSync(manifests, kubectlEnvs.flat().map((o) => stringify(o)).join("---\n"));
  started = performance.now();
  await $({ quiet: true })`${join(k8sBin, "kubectl")} --kubeconfig ${cluster.kubeconfig} apply --server-side --field-manager bench -f ${manifests}`.timeout("30m");
  const kubectlRate = rate(kubectlCount, performance.now() - started);
  rows.push(["kubectl apply --server-side", `${kubectlRate.toFixed(1)} env/s`]);

  // The provisioner: requests submitted and auto-approved through the workflow, then provisioned.
  const store = await openStore({ sqlitePath: join(mkdtempSync(join(tmpdir(), "ndc-bench-")), "ndc.sqlite") });
  const requests = new EnvironmentRequests({ store, platform });
  const principal = { subject: "bench", roles: ["platform-admin" as const], via: "token" as const };
  const names = Array.from({ length: count }, (_, i) => `ctl-${run}-${i}`);
  for (const name of names) await requests.submit({ principal, now: new Date() }, org.slug, spec(name));
  const rssBefore = process.memoryUsage().rss;
  const provisioner = new Provisioner({ store, platform, sites: new Map([["ndc1", kubeCredentialsFrom(admin)]]), log: pino({ level: "silent" }), idleCheckMs: 50 });
  started = performance.now();
  await provisioner.start();
  for (;;) {
    const ready = (await store.countByPhase()).Ready ?? 0;
    if (ready >= count) break;
    await sleep(20);
  }
  const ctlRate = rate(count, performance.now() - started);
  rows.push(["ndc provisioner (approval -> Ready)", `${ctlRate.toFixed(1)} env/s`]);
  rows.push(["  vs kubectl", `${(ctlRate / kubectlRate).toFixed(1)}x (target >= 5x)`]);
  rows.push(["  vs raw server-side apply", `${((ctlRate / rawRate) * 100).toFixed(0)} % (target >= 70 %)`]);

  // Drift: delete a default-deny policy in random environments; time until it is back.
  await sleep(2_000); // let the watches settle after the initial burst
  const latencies: number[] = [];
  for (let i = 0; i < driftSamples; i++) {
    const name = names[Math.floor(Math.random() * names.length)]!;
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
  latencies.sort((a, b) => a - b);
  rows.push([`drift repair with ${count * 3 + kubectlCount} environments on the server`, `median ${latencies[Math.floor(latencies.length / 2)]!.toFixed(2)} s, max ${latencies.at(-1)!.toFixed(2)} s (target <= 2 s)`]);
  rows.push(["provisioner memory (whole bench process RSS)", `${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB (before start ${(rssBefore / 2 ** 20).toFixed(0)} MiB)`]);
  await provisioner.stop();
  await store.close();
} finally {
  conn.close();
  await cluster.release();
}

const width = Math.max(...rows.map(([k]) => k.length));
console.log(`\nprovisioning benchmark: ${count} environments of ${objectsOf("x").length} objects (kubectl: ${kubectlCount})`);
for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
