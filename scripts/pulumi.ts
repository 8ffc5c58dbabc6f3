#!/usr/bin/env -S npx tsx
// Runs the Pulumi engine built from Go modules (docs/pulumi-engine.md) offline against a stack:
// file backend, passphrase secrets, no update checks, no plugin downloads. The logic lives in
// scripts/pulumi/; this is its command line.
import { resolve } from "node:path";
import { ensurePulumiEngine, pulumiHome, pulumiStateDir, runPulumi } from "./pulumi/index.ts";

export { runPulumi, type RunPulumiOptions, type PulumiResult } from "./pulumi/index.ts";

const usage = `usage: tsx scripts/pulumi.ts <pulumi command> [pulumi args] [--stack <name>] [--cwd <dir>] [--kubeconfig <path>]
       tsx scripts/pulumi.ts engine     build the engine when missing and print where it is

examples:
  tsx scripts/pulumi.ts preview --stack local
  tsx scripts/pulumi.ts up --stack local --yes
  tsx scripts/pulumi.ts destroy --stack local --yes --kubeconfig ~/.cache/ndc-platform/cluster/dev/admin.kubeconfig

options (taken out; everything else goes to pulumi unchanged):
  --stack <name>       stack to select, created when missing (default local)
  --cwd <dir>          project folder with Pulumi.yaml (default the repository root)
  --kubeconfig <path>  cluster for the Kubernetes provider (default $KUBECONFIG)

environment:
  PULUMI_CONFIG_PASSPHRASE  secrets passphrase (default: a fixed local-development value)
  NDC_PULUMI_STATE_DIR      file backend folder (default ${pulumiStateDir()})
  PULUMI_HOME               plugins and settings (default ${pulumiHome()})
  NDC_CACHE_DIR             cache root for the built engine (default ~/.cache/ndc-platform)`;

/** Takes `--name value` / `--name=value` out of args; returns the value and the rest. */
function takeOption(args: string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === `--${name}`) {
      const value = args[i + 1];
      if (value === undefined) throw new Error(`--${name} needs a value`);
      args.splice(i, 2);
      return value;
    }
    if (arg.startsWith(`--${name}=`)) {
      args.splice(i, 1);
      return arg.slice(name.length + 3);
    }
  }
  return undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.length === 0 || args[0] === "--help" || args[0] === "-h") {
    console.log(usage);
    return;
  }
  if (args[0] === "engine") {
    console.log(JSON.stringify(await ensurePulumiEngine(), null, 2));
    return;
  }
  const stack = takeOption(args, "stack") ?? "local";
  const cwd = takeOption(args, "cwd");
  const kubeconfig = takeOption(args, "kubeconfig");
  const result = await runPulumi(args, {
    stack,
    ...(cwd ? { cwd: resolve(cwd) } : {}),
    ...(kubeconfig ? { kubeconfig: resolve(kubeconfig) } : {}),
    interactive: Boolean(process.stdin.isTTY),
    nothrow: true,
  });
  process.exitCode = result.exitCode;
}

// Run only as a command, so tests and `npm start` can import runPulumi from here.
if (import.meta.url === new URL(`file://${resolve(process.argv[1] ?? "")}`).href) {
  try {
    await main();
  } catch (err) {
    console.error(`pulumi.ts: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
