// Benchmark: the control-plane service's resident memory with N environments, beside the same
// service with none in the same run — after provisioning them all, and after a restart (every watch
// re-lists every object it owns at start-up).
//   npx tsx scripts/bench/service-memory.ts [--environments 10000]
// Targets: <= 200 MiB resident with 10,000 environments once provisioning settles, <= 300 MiB with 50,000.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { stringify } from "yaml";
import { admitEnvironment, type SiteStackConfig } from "../../model/index.ts";
import { testOrganization, testSiteStack, testSpec } from "../../model/testing.ts";
import { assemblePlatform } from "../../model/index.ts";
import { openStore, type Store } from "../../control-plane/store/index.ts";
import { applyTransition } from "../../control-plane/workflow/index.ts";
import { acquireCluster } from "../cluster/index.ts";
import { freeLoopbackPort } from "../cluster/index.ts";
import { repoRoot } from "../toolchain/index.ts";
import { progress, publish } from "./report.ts";

const { values } = parseArgs({ options: { environments: { type: "string", default: "10000" }, help: { type: "boolean" } } });
if (values.help) {
  console.log("usage: npx tsx scripts/bench/service-memory.ts [--environments 10000]");
  process.exit(0);
}
const count = Number(values.environments);
const work = mkdtempSync(join(tmpdir(), "ndc-bench-mem-"));

// A site whose shared pool holds every environment, and organizations of 1,000 environments each
// (the most an organization may have).
const orgs = Array.from({ length: Math.ceil(count / 1000) }, (_, i) =>
  testOrganization({ slug: `bench${i}`, maxEnvironments: 1000, entitlements: { app: { cpu: "100000", memory: "1000Ti" } } }),
);
const stack: SiteStackConfig = testSiteStack(
  { computePools: [{ name: "general", zones: ["dmz", "app", "data", "backup"], nodes: 1000, nodeCpu: "64", nodeMemory: "512Gi" }] },
  orgs,
);
const stacksDir = join(work, "stacks");
mkdirSync(stacksDir);
writeFileSync(join(stacksDir, "Pulumi.bench.yaml"), stringify({ config: Object.fromEntries(Object.entries(stack).map(([k, v]) => [`ndc:${k}`, v])) }));
const platform = assemblePlatform([stack]);

const cluster = await acquireCluster({ name: "bench-mem", log: () => {} });
const bench = "service-memory";
const scale = `${count.toLocaleString("en-US")} environments`;
const targetMiB = count <= 10_000 ? 200 : 300;

function rssMiB(child: ChildProcess): number {
  if (child.exitCode !== null) throw new Error(`the service exited with code ${child.exitCode}; see its output above`);
  const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

async function startService(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freeLoopbackPort();
  const child = spawn(process.execPath, ["--import", "tsx", join(repoRoot, "control-plane/server.ts")], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      NDC_DATA_DIR: dataDir,
      NDC_STACKS_DIR: stacksDir,
      NDC_SITES: "bench",
      NDC_KUBECONFIG_NDC1: cluster.kubeconfig,
      LOG_LEVEL: "warn",
      NDC_BOOTSTRAP_TOKEN: "bench-bootstrap-token-0123456789",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  for (
    let i = 0;
    i < 300 &&
    !(await fetch(`${url}/readyz`)
      .then((r) => r.ok)
      .catch(() => false));
    i++
  )
    await sleep(100);
  return { child, url };
}

async function stop(child: ChildProcess): Promise<void> {
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
}

/** Approved environments straight into the store (admission already proven elsewhere; this measures the service). */
async function seed(store: Store): Promise<void> {
  const actor = { subject: "bench", role: "platform-admin" };
  for (let i = 0; i < count; i++) {
    const org = orgs[Math.floor(i / 1000)]!;
    const spec = testSpec({ name: `mem-${i}`, owners: [`${org.slug}-team`], resources: { cpu: "50m", memory: "128Mi" } });
    const { environment: _e, namespace, ...plan } = admitEnvironment({ org: org.slug, spec }, platform);
    const now = new Date().toISOString();
    await store.transaction([], async (tx) => {
      const created = await tx.insertEnvironment({ org: org.slug, spec, namespace, plan, conditions: [], requestedBy: actor.subject }, actor, now);
      await applyTransition(tx, created.id, created.version, "auto-approve", actor, now);
    });
  }
}

try {
  // Baseline: the same service, same stack and cluster, no environments.
  progress(bench, "the service with no environments");
  const empty = await startService(join(work, "empty"));
  await sleep(5_000);
  const baseline = rssMiB(empty.child);
  await stop(empty.child);

  const dataDir = join(work, "full");
  mkdirSync(dataDir);
  const store = await openStore({ dataDir });
  let started = performance.now();
  progress(bench, `seeding ${count} approved environments`);
  await seed(store);
  progress(bench, `seeded in ${((performance.now() - started) / 1000).toFixed(1)} s; provisioning them`);

  let service = await startService(dataDir);
  started = performance.now();
  let peak = 0;
  let lastReport = 0;
  for (;;) {
    const ready = (await store.countByPhase()).Ready ?? 0;
    if (ready >= count) break;
    peak = Math.max(peak, rssMiB(service.child));
    if (performance.now() - lastReport > 15_000) {
      progress(bench, `${ready}/${count} Ready, ${rssMiB(service.child).toFixed(0)} MiB`);
      lastReport = performance.now();
    }
    await sleep(500);
  }
  const seconds = (performance.now() - started) / 1000;
  publish({ bench, name: `service provisioning rate, ${scale}`, value: count / seconds, unit: "env/s" });
  publish({ bench, name: `peak while provisioning, ${scale}`, value: peak, unit: "MiB", baseline: { name: "0 environments", value: baseline } });
  await sleep(10_000);
  publish({
    bench,
    name: `settled with ${scale} Ready`,
    value: rssMiB(service.child),
    unit: "MiB",
    baseline: { name: "0 environments", value: baseline },
    target: { op: "<=", value: targetMiB },
  });

  // Restart: every watch starts by listing everything the control plane owns.
  await stop(service.child);
  service = await startService(dataDir);
  peak = 0;
  for (let i = 0; i < 60; i++) {
    peak = Math.max(peak, rssMiB(service.child));
    await sleep(500);
  }
  const afterRestart = rssMiB(service.child);
  publish({
    bench,
    name: `30 s after a restart with ${scale} (initial watch lists)`,
    value: afterRestart,
    unit: "MiB",
    baseline: { name: "0 environments", value: baseline },
    note: `peak ${Math.max(peak, afterRestart).toFixed(0)} MiB`,
  });
  await stop(service.child);
  await store.close();
} finally {
  await cluster.release();
}
