// Benchmark: `ndc audit verify` of a long audit chain on SQLite, through the real service process,
// beside a raw read of the same rows in the same run (the database's ceiling: every row read page by
// page, nothing hashed). The chain is written straight into the database by the hand-written
// reference implementation (audit-chain-reference.ts), so writing it takes seconds, not the hours a
// million API calls would; the verify must find it intact, and the service's resident memory is
// sampled at every progress line: it must not grow with the chain.
//   npx tsx scripts/bench/audit-verify.ts [--records 1000000]
// Targets: the service's resident memory grows by <= 16 MiB over the second half of the walk (it
// plateaus: what V8 and the allocator grew to during the first pages is kept, but nothing more);
// >= 5,000 records/s, so a daily verify of a million records (years of a busy platform) takes
// minutes. The raw read is the ceiling, for scale: parsing each record's JSON and hashing its
// canonical JSON cost most of the difference.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { freeLoopbackPort } from "../cluster/index.ts";
import { repoRoot } from "../toolchain/index.ts";
import { writeReferenceChain } from "./audit-chain-reference.ts";
import { progress, publish } from "./report.ts";

const { values } = parseArgs({ options: { records: { type: "string", default: "1000000" }, help: { type: "boolean" } } });
if (values.help) {
  console.log("usage: npx tsx scripts/bench/audit-verify.ts [--records 1000000]");
  process.exit(0);
}
const count = Number(values.records);
if (!Number.isInteger(count) || count < 1) throw new Error(`--records takes a whole number, got ${values.records}`);
const bench = "audit-verify";
const scale = `${count.toLocaleString("en-US")} records`;
const BOOTSTRAP = "bench-bootstrap-token-0123456789";
const work = mkdtempSync(join(tmpdir(), "ndc-bench-audit-"));

function rssMiB(child: ChildProcess): number {
  if (child.exitCode !== null) throw new Error(`the service exited with code ${child.exitCode}; see its output above`);
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))![1]) / 1024;
}

/** Every row read page by page, 1,000 at a time, as the verify reads them, without hashing: rows/s. */
function rawRead(path: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const page = db.prepare("SELECT * FROM audit_records WHERE seq > ? ORDER BY seq LIMIT 1000");
    const started = performance.now();
    let read = 0;
    for (let after = 0; ;) {
      const rows = page.all(after) as { seq: number }[];
      read += rows.length;
      if (rows.length < 1000) break;
      after = Number(rows[rows.length - 1]!.seq);
    }
    return read / ((performance.now() - started) / 1000);
  } finally {
    db.close();
  }
}

const dataDir = join(work, "data");
mkdirSync(dataDir);
const port = await freeLoopbackPort();
const service = spawn(process.execPath, ["--import", "tsx", join(repoRoot, "control-plane/server.ts")], {
  cwd: repoRoot,
  env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", NDC_DATA_DIR: dataDir, NDC_BOOTSTRAP_TOKEN: BOOTSTRAP, LOG_LEVEL: "warn" },
  stdio: ["ignore", "ignore", "inherit"],
});
const url = `http://127.0.0.1:${port}`;
try {
  for (
    let i = 0;
    i < 600 &&
    !(await fetch(`${url}/readyz`)
      .then((r) => r.ok)
      .catch(() => false));
    i++
  )
    await sleep(100);
  // Record 1 is the service's own: the bootstrap token minting the admin who verifies.
  const minted = await fetch(`${url}/v1/tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${BOOTSTRAP}`, "content-type": "application/json" },
    body: JSON.stringify({ subject: "bench-admin", role: "platform-admin" }),
  });
  if (minted.status !== 201) throw new Error(`minting the admin: ${minted.status} ${await minted.text()}`);
  const token = ((await minted.json()) as { token: string }).token;

  const path = join(dataDir, "ndc.sqlite");
  progress(bench, `writing ${scale} with the reference chain`);
  let started = performance.now();
  const head = writeReferenceChain(path, count);
  progress(bench, `written in ${((performance.now() - started) / 1000).toFixed(1)} s; reading them raw (the baseline)`);
  const raw = rawRead(path);

  progress(bench, `ndc audit verify of ${(count + 1).toLocaleString("en-US")} records`);
  await sleep(2_000);
  const before = rssMiB(service);
  /** The service's resident memory at each progress line. */
  const samples: number[] = [];
  started = performance.now();
  const run = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    const child = execFile(
      process.execPath,
      [join(repoRoot, "control-plane/cli/bin/ndc.js"), "audit", "verify", "-o", "json", "--request-timeout", "60"],
      {
        cwd: repoRoot,
        env: { PATH: process.env.PATH, HOME: work, NDC_CONFIG: join(work, "no-login.json"), NDC_API: url, NDC_TOKEN: token },
        maxBuffer: 64 << 20,
      },
      (error, stdout, stderr) => done({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr }),
    );
    // The service's memory at every progress line (every 10,000 records), as the walk goes.
    child.stderr!.on("data", (chunk: Buffer) => {
      for (const _line of String(chunk).trimEnd().split("\n")) samples.push(rssMiB(service));
    });
  });
  const seconds = (performance.now() - started) / 1000;
  const result = JSON.parse(run.stdout || "{}") as { ok?: boolean; checked?: number };
  if (run.code !== 0 || result.ok !== true || result.checked !== head.seq)
    throw new Error(`ndc audit verify did not find the ${head.seq} records intact (exit ${run.code}): ${run.stdout.slice(0, 500)} ${run.stderr.slice(-500)}`);
  const lines = run.stderr.trimEnd().split("\n").length;
  publish({
    bench,
    name: `ndc audit verify, ${scale} on SQLite`,
    value: head.seq / seconds,
    unit: "records/s",
    baseline: { name: "raw paged read of the same rows", value: raw },
    target: { op: ">=", value: 5_000 },
    note: `${seconds.toFixed(1)} s in all, ${lines} progress lines`,
  });
  publish({
    bench,
    name: `service resident memory growth while verifying, ${scale} (peak)`,
    value: Math.max(0, ...samples.map((s) => s - before)),
    unit: "MiB",
    baseline: { name: "service resident memory before", value: before },
  });
  publish({
    bench,
    name: `service resident memory growth over the second half of the walk, ${scale}`,
    value: samples.at(-1)! - samples[Math.floor(samples.length / 2)]!,
    unit: "MiB",
    target: { op: "<=", value: 16 },
  });
} finally {
  service.kill("SIGTERM");
  if (service.exitCode === null) await new Promise((r) => service.once("exit", r));
  rmSync(work, { recursive: true, force: true });
}
