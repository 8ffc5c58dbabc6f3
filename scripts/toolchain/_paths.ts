import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Root of the repository (this file is `scripts/toolchain/_paths.ts`). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * Root of the machine-wide cache shared by every checkout.
 * @default `~/.cache/ndc-platform`, or `$NDC_CACHE_DIR` when set
 */
export function cacheRoot(): string {
  return process.env.NDC_CACHE_DIR || join(homedir(), ".cache", "ndc-platform");
}

/** Folder that holds one built version of a tool: `<cache>/bin/<name>-<version>`. */
export function toolDir(name: string, version: string): string {
  return join(cacheRoot(), "bin", `${name}-${version}`);
}

/** Wrapper Go module of a tool: `tools/<name>`. */
export function wrapperModuleDir(name: string): string {
  return join(repoRoot, "tools", name);
}
