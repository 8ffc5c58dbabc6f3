import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./_paths.ts";
import type { ToolBuild } from "./_tool.ts";

/**
 * The environment of a build on a fresh machine: empty Go module cache, empty Go build cache and an
 * empty tool cache, all under `root`. A step that reads a module it never downloaded (as `go list -m`
 * does) fails here even when this machine's own caches hide it.
 */
export function coldCacheEnv(root: string): { GOMODCACHE: string; GOCACHE: string; NDC_CACHE_DIR: string } {
  return { GOMODCACHE: join(root, "gomodcache"), GOCACHE: join(root, "gocache"), NDC_CACHE_DIR: join(root, "ndc-cache") };
}

/** How one tool's cold build went. */
export interface ColdBuildResult {
  readonly tool: string;
  readonly version: string;
  readonly ok: boolean;
  readonly seconds: number;
}

/**
 * Builds each tool as a fresh machine would (`toolchain build <tool>` with {@link coldCacheEnv}), one
 * after another, and removes the temporary caches afterwards. Slow by design: every module is
 * downloaded and every package compiled again (tens of minutes for all tools on 2 cores).
 * @param keep leave the temporary caches for inspection
 */
export async function checkCold(
  selected: readonly ToolBuild[],
  opts: { readonly keep?: boolean; readonly log?: (line: string) => void } = {},
): Promise<ColdBuildResult[]> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const root = await mkdtemp(join(tmpdir(), "ndc-cold-"));
  const env = { ...process.env, ...coldCacheEnv(root), GOTOOLCHAIN: "local" };
  log(`check-cold: empty caches under ${root} (GOMODCACHE, GOCACHE, NDC_CACHE_DIR)`);
  const results: ColdBuildResult[] = [];
  try {
    for (const tool of selected) {
      const started = Date.now();
      log(`check-cold: ${tool.name} ${tool.version}: building from empty caches`);
      const code = await run(process.execPath, ["--import", "tsx", join(repoRoot, "scripts", "toolchain.ts"), "build", tool.name], env);
      const result = { tool: tool.name, version: tool.version, ok: code === 0, seconds: Math.round((Date.now() - started) / 1000) };
      log(`check-cold: ${tool.name} ${tool.version}: ${result.ok ? "built" : `FAILED (exit ${code})`} in ${result.seconds} s`);
      results.push(result);
    }
  } finally {
    if (opts.keep) log(`check-cold: kept ${root}`);
    else {
      // Go writes the module cache read-only; `go clean -modcache` is the way to remove it.
      await run("go", ["clean", "-modcache"], env);
      await rm(root, { recursive: true, force: true });
    }
  }
  return results;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, env, stdio: ["ignore", "inherit", "inherit"] });
    child.once("error", reject);
    child.once("exit", (code) => resolve(code ?? 1));
  });
}
