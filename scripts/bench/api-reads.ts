// Benchmark: authenticated API reads against a real listening control plane with N environments in
// the store, beside a baseline (GET /healthz: same server, no auth, no store) in the same run.
//   npx tsx scripts/bench/api-reads.ts [--environments 10000] [--seconds 10] [--concurrency 32] [--database-url postgres://…]
// Target (ANCHORS.md): >= 2,000 authenticated reads/s, p99 <= 20 ms with 10,000 environments.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadPlatform } from "../../control-plane/index.ts";
import { openStore } from "../../control-plane/store/index.ts";
import { testSpec } from "../../model/testing.ts";

const { values } = parseArgs({
  options: {
    environments: { type: "string", default: "10000" },
    seconds: { type: "string", default: "10" },
    concurrency: { type: "string", default: "32" },
    "database-url": { type: "string" },
    port: { type: "string", default: "18181" },
  },
});
const count = Number(values.environments);
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const port = Number(values.port);
const bootstrap = "bench-bootstrap-token-0123456789";
const dataDir = mkdtempSync(join(tmpdir(), "ndc-bench-"));

const { platform } = loadPlatform("stacks");
const orgs = [...platform.organizations.keys()].filter((o) => o !== "ndc").sort();
const store = await openStore(values["database-url"] ? { databaseUrl: values["database-url"] } : { dataDir });
console.log(`seeding ${count} environments across ${orgs.length} organizations (${store.backend})…`);
const seedStart = performance.now();
for (let start = 0; start < count; start += 500) {
  await store.transaction([], async (tx) => {
    for (let i = start; i < Math.min(count, start + 500); i++) {
      const org = orgs[i % orgs.length]!;
      const name = `bench-${i}`;
      await tx.insertEnvironment(
        {
          org,
          spec: testSpec({ name }),
          namespace: `${org}-${name}`,
          plan: { dataClass: "other", minimumLevel: 1, placements: [{ site: "ndc1", zone: "app", pool: "general", dedicatedPool: false }], amounts: { cpuMillis: 100, memoryBytes: 2 ** 28, gpu: 0, storageBytes: {} }, complianceExceptions: [], policyVersion: "bench" },
          conditions: [],
          requestedBy: "bench",
        },
        { subject: "bench" },
        new Date().toISOString(),
      );
    }
  });
}
await store.close();
console.log(`seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

const server = spawn(process.execPath, ["--import", "tsx", "control-plane/server.ts"], {
  env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", NDC_DATA_DIR: dataDir, NDC_BOOTSTRAP_TOKEN: bootstrap, LOG_LEVEL: "warn", NDC_RATE_LIMIT_PER_MINUTE: "100000000", ...(values["database-url"] ? { DATABASE_URL: values["database-url"] } : {}) },
  stdio: ["ignore", "inherit", "inherit"],
});
const base = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; ; i++) {
    if ((await fetch(`${base}/readyz`).catch(() => undefined))?.ok) break;
    if (i > 300) throw new Error("server did not become ready in 30 s");
    await new Promise((r) => setTimeout(r, 100));
  }
  // One requester per organization (the rate limit is raised out of the way above), minted by the
  // platform admin that the bootstrap token mints first (it mints nothing else).
  const mintAs = async (by: string, body: object) =>
    ((await (await fetch(`${base}/v1/tokens`, { method: "POST", headers: { authorization: `Bearer ${by}`, "content-type": "application/json" }, body: JSON.stringify(body) })).json()) as { token: string }).token;
  const admin = await mintAs(bootstrap, { subject: "bench-admin", role: "platform-admin" });
  const mint = (org: string) => mintAs(admin, { subject: `bench-${org}`, role: "requester", org });
  const tokens = await Promise.all(orgs.map(mint));

  const run = async (label: string, request: (i: number) => [string, Record<string, string>]) => {
    const latencies: number[] = [];
    let errors = 0;
    const deadline = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => {
        for (let i = worker; performance.now() < deadline; i += concurrency) {
          const [url, headers] = request(i);
          const t0 = performance.now();
          const res = await fetch(url, { headers });
          await res.arrayBuffer();
          latencies.push(performance.now() - t0);
          if (res.status !== 200) errors++;
        }
      }),
    );
    latencies.sort((a, b) => a - b);
    const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!.toFixed(1);
    console.log(`${label.padEnd(34)} ${(latencies.length / seconds).toFixed(0).padStart(6)} req/s  p50 ${q(0.5)} ms  p99 ${q(0.99)} ms  errors ${errors}`);
  };

  const residentMiB = async () => (Number(/^ndc_process_resident_memory_bytes (\S+)$/m.exec(await (await fetch(`${base}/metrics`)).text())?.[1] ?? NaN) / 2 ** 20).toFixed(0);
  console.log(`server resident memory before the runs: ${await residentMiB()} MiB`);
  await run("baseline GET /healthz (no auth)", () => [`${base}/healthz`, {}]);
  await run("GET one environment (token)", (i) => {
    const n = i % count;
    const org = orgs[n % orgs.length]!;
    return [`${base}/v1/organizations/${org}/environments/bench-${n}`, { authorization: `Bearer ${tokens[n % orgs.length]}` }];
  });
  await run("GET list, 50 per page (token)", (i) => {
    const k = i % orgs.length;
    return [`${base}/v1/organizations/${orgs[k]}/environments?limit=50`, { authorization: `Bearer ${tokens[k]}` }];
  });
  console.log(`server resident memory after the runs: ${await residentMiB()} MiB (${count} environments in the store)`);
} finally {
  server.kill("SIGTERM");
  await new Promise((r) => server.once("exit", r));
  rmSync(dataDir, { recursive: true, force: true });
}
