#!/usr/bin/env -S npx tsx
// Builds the Go-built tools (Kubernetes control plane, etcd, Pulumi engine) into the version-keyed
// cache, once. They are built from Go modules because this project may download nothing but packages (see README.md).
import { argv } from "zx";
import { checkCold, ensureTool, findTool, isToolBuilt, toolBinDir, tools } from "./toolchain/index.ts";

const usage = `usage: tsx scripts/toolchain.ts <command> [options]

commands:
  build [tool|all]   build into the cache unless already there (default: all)
  path <tool>        print the folder of a tool's binaries (builds it first when missing)
  list               show each tool, its version, binaries and whether it is built
  check-cold [tool|all]
                     build as a fresh machine would: empty GOMODCACHE, GOCACHE and tool cache in a
                     temporary folder (removed afterwards; --keep leaves it); exits 1 when a build
                     fails. Slow (every module downloaded, every package compiled): run it after
                     changing anything under tools/ or scripts/toolchain/

options:
  --force            rebuild even when the cache has it
  --json             machine-readable output (list, path, check-cold)
  --keep             check-cold: keep the temporary caches
  --help             this text

tools: ${tools.map((t) => `${t.name} ${t.version}`).join(", ")}
cache: $NDC_CACHE_DIR or ~/.cache/ndc-platform, binaries in bin/<tool>-<version>/`;

async function main(): Promise<void> {
  const [command, target] = argv._.map(String);
  if (argv.help || argv.h || !command) {
    console.log(usage);
    return;
  }
  const force = Boolean(argv.force);
  switch (command) {
    case "build": {
      const selected = !target || target === "all" ? tools : [findTool(target)];
      for (const tool of selected) {
        if (!force && isToolBuilt(tool)) {
          console.error(`${tool.name} ${tool.version}: already built in ${toolBinDir(tool)}`);
          continue;
        }
        console.error(`${tool.name} ${tool.version}: building into ${toolBinDir(tool)}`);
        await ensureTool(tool, { force });
      }
      return;
    }
    case "path": {
      if (!target) throw new Error(`path needs a tool name: one of ${tools.map((t) => t.name).join(", ")}`);
      const dir = await ensureTool(findTool(target), { force });
      console.log(argv.json ? JSON.stringify({ tool: target, dir }) : dir);
      return;
    }
    case "list": {
      const rows = tools.map((t) => ({ name: t.name, version: t.version, binaries: t.binaries, built: isToolBuilt(t), dir: toolBinDir(t) }));
      if (argv.json) console.log(JSON.stringify(rows, null, 2));
      else for (const r of rows) console.log(`${r.name} ${r.version} ${r.built ? "built" : "not built"} ${r.dir} (${r.binaries.join(", ")})`);
      return;
    }
    case "check-cold": {
      const selected = !target || target === "all" ? tools : [findTool(target)];
      const results = await checkCold(selected, { keep: Boolean(argv.keep) });
      if (argv.json) console.log(JSON.stringify(results, null, 2));
      else for (const r of results) console.log(`${r.tool} ${r.version} ${r.ok ? "ok" : "FAILED"} ${r.seconds} s`);
      if (results.some((r) => !r.ok)) process.exitCode = 1;
      return;
    }
    default:
      throw new Error(`unknown command "${command}"\n\n${usage}`);
  }
}

try {
  await main();
} catch (err) {
  console.error(`toolchain: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
