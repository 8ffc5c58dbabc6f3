#!/usr/bin/env -S npx tsx
// Run first by `npm test` (scripts/node24.sh): says what the tests need from the machine and stops at
// once, with how to install it, when something is missing.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { prerequisitesReport, testPrerequisites, type MachineProbe } from "./prerequisites/test-prerequisites.ts";
import { isToolBuilt, tools } from "./toolchain/index.ts";

const usage = `usage: tsx scripts/check-prerequisites.ts [--json]

Checks what npm test needs beyond Node: PostgreSQL's initdb (or DATABASE_URL_NDC_TEST), openssl,
git, Chromium, python3 with venv and ensurepip (Schemathesis), and Go while a Go-built tool is
missing from the cache. Exits 1, saying how to install what is
missing. --json prints the checks as JSON.`;

function which(command: string): string | undefined {
  const out = spawnSync("sh", ["-c", 'command -v "$1"', "sh", command], { encoding: "utf8" });
  return out.status === 0 ? out.stdout.trim() || undefined : undefined;
}

function initdb(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return which("initdb");
  const newest = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a))[0];
  return newest ? join(root, newest, "bin", "initdb") : which("initdb");
}

/** `python3 -m venv` works when venv and ensurepip import and ensurepip finds its pip wheel. */
function pythonVenv(python: string): string | undefined {
  const out = spawnSync(python, ["-c", "import venv, ensurepip; print('ensurepip pip ' + ensurepip.version())"], { encoding: "utf8", timeout: 30_000 });
  return out.status === 0 ? out.stdout.trim() || undefined : undefined;
}

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log(usage);
  process.exit(0);
}
const probe: MachineProbe = {
  which,
  initdb,
  exists: existsSync,
  env: process.env,
  unbuiltTools: tools.filter((t) => !isToolBuilt(t)).map((t) => `${t.name} ${t.version}`),
  pythonVenv,
};
const items = testPrerequisites(probe);
const report = prerequisitesReport(items);
if (args.includes("--json")) console.log(JSON.stringify({ ok: report.ok, prerequisites: items }, null, 2));
else console.error(report.text);
process.exit(report.ok ? 0 : 1);
