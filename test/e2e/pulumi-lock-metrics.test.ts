// The metrics behind NdcPulumiStackLocked, with the real engine: a lock left in the file backend by an
// update that was killed (the lock file Pulumi's diy backend writes, pkg/backend/diy/lock.go) makes
// `up` refuse, and runPulumi's textfile says the stack is locked; `pulumi cancel` removes the lock and
// clears it; the next command that takes the lock runs and leaves the stack unlocked, not running.
// The program is fixtures/smoke-program, copied to a temp folder; nothing is created on a cluster.
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { hostname, tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { ensurePulumiEngine, readUpdateState, runPulumi, type RunPulumiOptions } from "../../scripts/pulumi/index.ts";
import { repoRoot } from "../../scripts/toolchain/index.ts";

let work: string;
let metricsDir: string;
let opts: RunPulumiOptions;
/** Where the diy backend keeps the stack's locks: `.pulumi/locks/<org>/<project>/<stack>/` (organization for project-scoped stacks). */
let lockDir: string;

beforeAll(async () => {
  await ensurePulumiEngine();
  work = await mkdtemp(join(tmpdir(), "ndc-pulumi-lock-"));
  const program = join(work, "program");
  await cp(join(repoRoot, "test/e2e/fixtures/smoke-program"), program, { recursive: true });
  await symlink(join(repoRoot, "node_modules"), join(program, "node_modules"));
  metricsDir = join(work, "textfile");
  opts = {
    stack: "lock",
    cwd: program,
    stateDir: join(work, "state"),
    kubeconfig: inject("kubeconfig"),
    env: { PULUMI_CONFIG_PASSPHRASE: "e2e-lock-passphrase" },
    quiet: true,
    metricsDir,
  };
  // Creates the stack in the file backend (config takes no lock and writes no metrics).
  await runPulumi(["config", "set", "namespace", "ndc-lock-never-created"], opts);
  lockDir = join(work, "state", ".pulumi", "locks", "organization", "ndc-smoke", "lock");
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe("a stale lock, seen through the textfile metrics", () => {
  test("up refuses with Pulumi's lock message, and the stack's file says locked, not running", async () => {
    expect(await readdir(metricsDir).catch(() => [])).toEqual([]);
    // What a killed `pulumi up` leaves behind: its lock file, naming a process that is gone.
    await mkdir(lockDir, { recursive: true });
    await writeFile(
      join(lockDir, "2f0c6f8e-6a43-4c1e-9a1e-0e0b7c1d2a3b.json"),
      JSON.stringify({ pid: 999999, username: userInfo().username, hostname: hostname(), timestamp: "2026-12-01T10:00:00Z" }),
    );
    const result = await runPulumi(["up", "--yes", "--skip-preview"], { ...opts, nothrow: true });
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout + result.stderr).toContain("the stack is currently locked by 1 lock(s)");
    expect(await readdir(metricsDir)).toEqual(["ndc-pulumi-lock.prom"]);
    expect(readUpdateState(metricsDir, "lock")).toMatchObject({ command: "up", running: false, locked: true });
    expect(await readFile(join(metricsDir, "ndc-pulumi-lock.prom"), "utf8")).toContain('ndc_pulumi_stack_locked{stack="lock"} 1\n');
  });

  test("pulumi cancel removes the lock and the file says unlocked", async () => {
    const result = await runPulumi(["cancel", "--yes"], { ...opts, nothrow: true });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(await readdir(lockDir)).toEqual([]);
    expect(readUpdateState(metricsDir, "lock")).toMatchObject({ running: false, locked: false });
  });

  test("the next refresh gets past the lock and ends: not running, not locked", async () => {
    const result = await runPulumi(["refresh", "--yes", "--skip-preview"], { ...opts, nothrow: true });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(readUpdateState(metricsDir, "lock")).toMatchObject({ command: "refresh", running: false, locked: false });
  });
});
