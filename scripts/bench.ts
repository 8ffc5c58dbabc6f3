// `npm run bench`: every benchmark, each beside its baseline in the same run, gathered into
// docs/benchmarks.md. Each benchmark is its own script under scripts/bench/ (runnable alone) and
// runs as a child process, so one that fails is reported and the others still run.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { execFileSync } from "node:child_process";
import { benchmarkMarkdown } from "./bench/markdown.ts";
import { headline, type Figure } from "./bench/report.ts";
import { capped, plan } from "./bench/plan.ts";
import { repoRoot } from "./toolchain/index.ts";

const usage = `usage: npm run bench [-- --quick] [--only NAME[,NAME]] [--cap N] [--out FILE] [--json]

Runs every benchmark with its baseline in the same run and writes docs/benchmarks.md.
  --quick        a small version of each (under 10 minutes on 2 idle cores); prints each headline
  --only NAMES   only these benchmarks (comma-separated): ${"{names}"}
  --cap N        the full run with no benchmark above N environments (the full sizes take hours on 2
                 cores); the report says it was capped
  --out FILE     where to write the report (default docs/benchmarks.md; "-" for none)
  --json         print the figures as JSON at the end (for scripts)
Exit code: 0 when every benchmark ran (missed targets are reported, not failures), 1 otherwise.`;

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    cap: { type: "string" },
    out: { type: "string", default: join(repoRoot, "docs/benchmarks.md") },
    json: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
const names = [...new Set(plan(false, true).map((r) => r.name))];
if (values.help) {
  console.log(usage.replace("{names}", names.join(", ")));
  process.exit(0);
}
const only = values.only
  ?.split(",")
  .map((s) => s.trim())
  .filter(Boolean);
const unknown = only?.filter((n) => !names.includes(n)) ?? [];
if (unknown.length > 0) {
  console.error(`bench: --only names unknown benchmarks: ${unknown.join(", ")} (known: ${names.join(", ")})`);
  process.exit(1);
}
const cap = values.cap === undefined ? undefined : Number(values.cap);
if (cap !== undefined && (!Number.isInteger(cap) || cap < 1)) {
  console.error(`bench: --cap takes a whole number of environments, got ${JSON.stringify(values.cap)}`);
  process.exit(1);
}
const postgres = existsSync("/usr/lib/postgresql") || Boolean(process.env.NDC_BENCH_DATABASE_URL);
const runs = capped(
  plan(values.quick, postgres).filter((r) => !only || only.includes(r.name)),
  cap,
);

const figuresFile = join(mkdtempSync(join(tmpdir(), "ndc-bench-")), "figures.jsonl");
writeFileSync(figuresFile, "");
const started = performance.now();
const loadStart = loadavg()[0]!;
const failures: { bench: string; reason: string }[] = [];

for (const [i, run] of runs.entries()) {
  console.log(`\n▶ [${i + 1}/${runs.length}] ${run.name} ${run.args.join(" ")}`);
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(repoRoot, "scripts/bench", run.script), ...run.args], {
      cwd: repoRoot,
      env: { ...process.env, NDC_BENCH_OUT: figuresFile },
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.once("exit", (c, signal) => resolve(c ?? (signal ? 128 : 1)));
  });
  if (code !== 0) failures.push({ bench: `${run.name} ${run.args.join(" ")}`, reason: `exited with code ${code}; its output is above` });
}

const figures = readFileSync(figuresFile, "utf8")
  .split("\n")
  .filter(Boolean)
  .map((line) => JSON.parse(line) as Figure);
const seconds = (performance.now() - started) / 1000;
console.log(`\n${figures.length} figures in ${(seconds / 60).toFixed(1)} min`);
for (const f of figures) console.log(`  ${headline(f)}`);
for (const f of failures) console.log(`  FAILED ${f.bench}: ${f.reason}`);

if (values.out !== "-") {
  const commit = (() => {
    try {
      return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: repoRoot, encoding: "utf8" }).trim();
    } catch {
      return "unknown";
    }
  })();
  writeFileSync(
    values.out!,
    benchmarkMarkdown(figures, {
      date: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC",
      mode: values.quick ? "quick" : "full",
      ...(cap !== undefined ? { cap } : {}),
      commit,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "unknown",
      memoryGiB: totalmem() / 2 ** 30,
      loadStart,
      loadEnd: loadavg()[0]!,
      node: process.version,
      failures,
      seconds,
    }),
  );
  console.log(`report written to ${values.out}`);
}
if (values.json) console.log(JSON.stringify({ figures, failures }, null, 2));
process.exit(failures.length > 0 ? 1 : 0);
