// Benchmark: authenticated API reads and writes against a real listening control plane with N
// environments in the store (SQLite, or PostgreSQL with --postgres), beside a baseline in the same
// run: GET /healthz on the same server (no auth, no store).
//   npx tsx scripts/bench/api-reads.ts [--environments 10000] [--seconds 10] [--concurrency 32] [--postgres | --database-url URL]
// Targets: reads p99 <= 20 ms with the environments stored; a list page costs the same at any N.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openStore } from "../../control-plane/store/index.ts";
import { applyTransition } from "../../control-plane/workflow/index.ts";
import { stringify } from "yaml";
import { assemblePlatform } from "../../model/index.ts";
import { testOrganization, testSiteStack, testSpec } from "../../model/testing.ts";
import { startThrowawayPostgres, type ThrowawayPostgres } from "../postgres/throwaway-postgres.ts";
import { freeLoopbackPort } from "../cluster/index.ts";
import { progress, publish, quantile } from "./report.ts";

const { values } = parseArgs({
  options: {
    environments: { type: "string", default: "10000" },
    seconds: { type: "string", default: "10" },
    concurrency: { type: "string", default: "32" },
    "database-url": { type: "string" },
    postgres: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log("usage: npx tsx scripts/bench/api-reads.ts [--environments 10000] [--seconds 10] [--concurrency 32] [--postgres | --database-url URL]");
  process.exit(0);
}
const count = Number(values.environments);
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const port = await freeLoopbackPort();
let postgres: ThrowawayPostgres | undefined;
if (values.postgres && !values["database-url"]) postgres = await startThrowawayPostgres();
const databaseUrl = values["database-url"] ?? postgres?.url;
const bootstrap = "bench-bootstrap-token-0123456789";
const dataDir = mkdtempSync(join(tmpdir(), "ndc-bench-"));

// Organizations of 1,000 environments each (the most one may have) on a site whose shared pool holds
// them all, so a PATCH is admitted again like any change (the stacks' real catalog would refuse it).
const orgList = Array.from({ length: Math.ceil(count / 1000) }, (_, i) =>
  testOrganization({ slug: `bench${i}`, ownerGroups: [`bench${i}-admins`], maxEnvironments: 1000, entitlements: { app: { cpu: "100000", memory: "1000Ti" } } }),
);
const stack = testSiteStack(
  { computePools: [{ name: "general", zones: ["dmz", "app", "data", "backup"], nodes: 1000, nodeCpu: "64", nodeMemory: "512Gi" }] },
  orgList,
);
const stacksDir = join(dataDir, "stacks");
mkdirSync(stacksDir);
writeFileSync(join(stacksDir, "Pulumi.bench.yaml"), stringify({ config: Object.fromEntries(Object.entries(stack).map(([k, v]) => [`ndc:${k}`, v])) }));
const platform = assemblePlatform([stack]);
const orgs = orgList.map((o) => o.slug);
const orgOf = (i: number) => orgs[Math.floor(i / 1000)]!;
const store = await openStore(databaseUrl ? { databaseUrl } : { dataDir });
const backend = store.backend;
const bench = `api-${backend}`;
progress(bench, `seeding ${count} approved environments in ${orgs.length} organizations`);
const seedStart = performance.now();
for (let start = 0; start < count; start += 500) {
  await store.transaction([], async (tx) => {
    for (let i = start; i < Math.min(count, start + 500); i++) {
      const org = orgOf(i);
      const name = `bench-${i}`;
      const created = await tx.insertEnvironment(
        {
          org,
          spec: testSpec({ name, owners: [platform.organizations.get(org)!.ownerGroups[0]!], resources: { cpu: "100m", memory: "256Mi" } }),
          namespace: `${org}-${name}`,
          plan: {
            dataClass: "other",
            minimumLevel: 1,
            placements: [{ site: "ndc1", zone: "app", pool: "general", dedicatedPool: false }],
            amounts: { cpuMillis: 100, memoryBytes: 2 ** 28, gpu: 0, storageBytes: {} },
            complianceExceptions: [],
            policyVersion: "bench",
          },
          conditions: [],
          requestedBy: "bench",
        },
        { subject: "bench" },
        new Date().toISOString(),
      );
      // Approved, as most environments are, so a PATCH is decided like a change to a live one.
      await applyTransition(tx, created.id, created.version, "auto-approve", { subject: "bench", role: "platform-admin" }, new Date().toISOString());
    }
  });
}
await store.close();
progress(bench, `seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

const server = spawn(process.execPath, ["--import", "tsx", "control-plane/server.ts"], {
  env: {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    NDC_DATA_DIR: dataDir,
    NDC_STACKS_DIR: stacksDir,
    NDC_BOOTSTRAP_TOKEN: bootstrap,
    LOG_LEVEL: "warn",
    NDC_RATE_LIMIT_PER_MINUTE: "100000000",
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  },
  stdio: ["ignore", "inherit", "inherit"],
});
const base = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; ; i++) {
    if ((await fetch(`${base}/readyz`).catch(() => undefined))?.ok) break;
    if (i > 1200) throw new Error("server did not become ready in 120 s");
    await new Promise((r) => setTimeout(r, 100));
  }
  // One requester per organization (the rate limit is raised out of the way above), minted by the
  // platform admin that the bootstrap token mints first (it mints nothing else).
  const mintAs = async (by: string, body: object) =>
    (
      (await (
        await fetch(`${base}/v1/tokens`, {
          method: "POST",
          headers: { authorization: `Bearer ${by}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        })
      ).json()) as { token: string }
    ).token;
  const admin = await mintAs(bootstrap, { subject: "bench-admin", role: "platform-admin" });
  const mint = (org: string) => mintAs(admin, { subject: `bench-${org}`, role: "requester", org });
  const tokens = await Promise.all(orgs.map(mint));

  interface Sample {
    readonly latencies: number[];
    readonly errors: number;
    readonly perSecond: number;
    /** The first failure's status and body, to say why. */
    readonly firstError?: string;
  }
  /** `concurrency` workers for `seconds`, each sending request(i) for i = worker, worker + concurrency, … */
  const run = async (label: string, request: (i: number) => Promise<Response>): Promise<Sample> => {
    progress(bench, `${label}: ${concurrency} clients for ${seconds} s`);
    const latencies: number[] = [];
    let errors = 0;
    let firstError: string | undefined;
    const deadline = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => {
        for (let i = worker; performance.now() < deadline; i += concurrency) {
          const t0 = performance.now();
          const res = await request(i);
          const body = await res.text();
          latencies.push(performance.now() - t0);
          if (!res.ok) {
            errors++;
            firstError ??= `${res.status} ${body.slice(0, 300)}`;
          }
        }
      }),
    );
    if (firstError) progress(bench, `${label}: ${errors} failed, the first with ${firstError}`);
    return { latencies, errors, perSecond: latencies.length / seconds, firstError };
  };
  const bearer = (n: number) => ({ authorization: `Bearer ${tokens[Math.floor(n / 1000)]}` });
  const envUrl = (n: number) => `${base}/v1/organizations/${orgOf(n)}/environments/bench-${n}`;

  // Warm-up (JIT, connection pools, SQLite page cache), not counted.
  await run("warm-up", (i) => (i % 2 ? fetch(`${base}/healthz`) : fetch(envUrl(i % count), { headers: bearer(i % count) })));
  const healthz = await run("baseline GET /healthz", () => fetch(`${base}/healthz`));
  const one = await run("GET one environment", (i) => fetch(envUrl(i % count), { headers: bearer(i % count) }));
  const list = await run("GET a list page of 50", (i) =>
    fetch(`${base}/v1/organizations/${orgs[i % orgs.length]}/environments?limit=50`, { headers: bearer((i % orgs.length) * 1000) }),
  );
  // Writes: each client changes its own environments' purpose (read for the version, not timed).
  let writeIndex = 0;
  const write = await run("PATCH purpose (If-Match)", async () => {
    const n = writeIndex++ % count;
    const current = await fetch(envUrl(n), { headers: bearer(n) });
    const etag = current.headers.get("etag") ?? "";
    await current.arrayBuffer();
    return fetch(envUrl(n), {
      method: "PATCH",
      headers: { ...bearer(n), "content-type": "application/json", "if-match": etag },
      body: JSON.stringify({ purpose: `đo hiệu năng ${writeIndex}` }),
    });
  });

  const scale = `${count.toLocaleString("en-US")} environments, ${backend}`;
  const errorNote = (s: Sample) => (s.errors > 0 ? `${s.errors} of ${s.latencies.length} requests failed` : undefined);
  publish({
    bench,
    name: `GET one environment, ${scale}`,
    value: one.perSecond,
    unit: "req/s",
    baseline: { name: "GET /healthz", value: healthz.perSecond },
    note: errorNote(one),
  });
  publish({
    bench,
    name: `GET one environment p99, ${scale}`,
    value: quantile(one.latencies, 0.99),
    unit: "ms",
    baseline: { name: "GET /healthz p99", value: quantile(healthz.latencies, 0.99) },
    target: { op: "<=", value: 20 },
  });
  publish({
    bench,
    name: `GET a page of 50 p99, ${scale}`,
    value: quantile(list.latencies, 0.99),
    unit: "ms",
    baseline: { name: "GET /healthz p99", value: quantile(healthz.latencies, 0.99) },
    target: { op: "<=", value: 20 },
    note: errorNote(list),
  });
  publish({
    bench,
    name: `PATCH an environment (write, audited), ${scale}`,
    value: write.perSecond,
    unit: "req/s",
    baseline: { name: "GET /healthz", value: healthz.perSecond },
    note: errorNote(write),
  });
  publish({
    bench,
    name: `PATCH p99, ${scale}`,
    value: quantile(write.latencies, 0.99),
    unit: "ms",
    baseline: { name: "GET /healthz p99", value: quantile(healthz.latencies, 0.99) },
  });
  const rss = Number(/^ndc_process_resident_memory_bytes (\S+)$/m.exec(await (await fetch(`${base}/metrics`)).text())?.[1] ?? NaN) / 2 ** 20;
  progress(bench, `server resident memory after the runs: ${rss.toFixed(0)} MiB`);
} finally {
  server.kill("SIGTERM");
  await new Promise((r) => server.once("exit", r));
  rmSync(dataDir, { recursive: true, force: true });
  await postgres?.stop();
}
