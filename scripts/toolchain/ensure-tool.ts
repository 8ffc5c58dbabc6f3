import { existsSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { withLock } from "./_lock.ts";
import { toolDir } from "./_paths.ts";
import type { ToolBuild } from "./_tool.ts";
import { findTool } from "./registry.ts";

/** Written last into a tool's folder; a folder without it is an unfinished build. */
const marker = ".built.json";

/** Folder of a tool's binaries in the cache, whether built or not. */
export function toolBinDir(tool: ToolBuild): string {
  return toolDir(tool.name, tool.version);
}

/** True when the cache holds a finished build of this tool version with every binary. */
export function isToolBuilt(tool: ToolBuild): boolean {
  const dir = toolBinDir(tool);
  return existsSync(join(dir, marker)) && tool.binaries.every((b) => existsSync(join(dir, b)));
}

/**
 * Returns the folder holding the tool's binaries, building them first when the cache lacks them.
 * Builds into a temporary folder and publishes it by rename, so a killed build is redone; a lock file
 * makes concurrent callers wait for one build.
 * @param toolOrName a tool or its registry name (`kubernetes`, `etcd`, …)
 * @throws when the build fails (the message says what to fix)
 */
export async function ensureTool(toolOrName: ToolBuild | string, opts: { readonly force?: boolean } = {}): Promise<string> {
  const tool = typeof toolOrName === "string" ? findTool(toolOrName) : toolOrName;
  const dir = toolBinDir(tool);
  if (!opts.force && isToolBuilt(tool)) return dir;
  await mkdir(dirname(dir), { recursive: true });
  // One build per tool version at a time (vitest's projects, parallel scripts): the others wait and
  // find it built.
  return withLock(
    `${dir}.lock`,
    async () => {
      if (!opts.force && isToolBuilt(tool)) return dir;
      return buildInto(tool, dir);
    },
    90 * 60_000,
    (holder) => console.error(`${tool.name} ${tool.version}: process ${holder} is building it; waiting`),
  );
}

async function buildInto(tool: ToolBuild, dir: string): Promise<string> {
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const started = Date.now();
  try {
    await tool.build(tmp);
    const missing = tool.binaries.filter((b) => !existsSync(join(tmp, b)));
    if (missing.length > 0) {
      throw new Error(`${tool.name} ${tool.version}: the build did not produce ${missing.join(", ")}; check ${tool.name}'s build() output names`);
    }
    const seconds = Math.round((Date.now() - started) / 1000);
    await writeFile(
      join(tmp, marker),
      JSON.stringify({ name: tool.name, version: tool.version, binaries: tool.binaries, seconds, builtAt: new Date().toISOString() }, null, 2) + "\n",
    );
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
    return dir;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}
