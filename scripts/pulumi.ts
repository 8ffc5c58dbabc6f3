#!/usr/bin/env -S npx tsx
// Runs the Pulumi engine built from Go modules (docs/pulumi-engine.md) offline against a stack:
// file backend, passphrase secrets, no update checks, no plugin downloads. The logic lives in
// scripts/pulumi/; this is its command line.
import { resolve } from "node:path";
import { bindStack, ensurePulumiEngine, pulumiHome, pulumiStateDir, runPulumi } from "./pulumi/index.ts";

export { runPulumi, type RunPulumiOptions, type PulumiResult } from "./pulumi/index.ts";

const usage = `usage: tsx scripts/pulumi.ts <pulumi command> [pulumi args] [--stack <name>] [--cwd <dir>] [--kubeconfig <path>]
       tsx scripts/pulumi.ts engine     build the engine when missing and print where it is
       tsx scripts/pulumi.ts bind --stack <name> [--kubeconfig <path>] [--context <name>] [--cwd <dir>]
                                        bind the stack to the cluster that kubeconfig reaches now:
                                        records its API server and kube-system UID in ndc:cluster

examples:
  tsx scripts/pulumi.ts preview --stack local
  tsx scripts/pulumi.ts up --stack local --yes
  tsx scripts/pulumi.ts bind --stack ndc1-hoalac --kubeconfig ~/.kube/ndc/ndc1-hoalac.kubeconfig --context ndc1-hoalac

options (taken out; everything else goes to pulumi unchanged):
  --stack <name>       stack to select, created when missing (default local; -s <name> too)
  --cwd <dir>          project folder with Pulumi.yaml (default the repository root)
  --kubeconfig <path>  KUBECONFIG for programs on Pulumi's default provider (not the site program:
                       it applies only through its stack's ndc:cluster binding; $KUBECONFIG is ignored)

environment:
  PULUMI_CONFIG_PASSPHRASE  secrets passphrase (or PULUMI_CONFIG_PASSPHRASE_FILE); only the local stack
                            falls back to a fixed local-development value
  NDC_PULUMI_STATE_DIR      file backend folder (default ${pulumiStateDir()})
  PULUMI_HOME               plugins and settings (default ${pulumiHome()})
  NDC_CACHE_DIR             cache root for the built engine (default ~/.cache/ndc-platform)
  NDC_PULUMI_METRICS_DIR    node_exporter's textfile directory: up/destroy/refresh/import and lock
                            refusals are written there per stack for the alerts (default: not written)`;

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

/** Takes pulumi's `-s <name>` (or `-s=<name>`, `-s<name>`) out of args. */
function takeShortStack(args: string[]): string | undefined {
  const i = args.findIndex((a) => a === "-s" || a.startsWith("-s=") || /^-s[^-]/.test(a));
  if (i < 0) return undefined;
  const arg = args[i]!;
  if (arg === "-s") {
    const value = args[i + 1];
    if (value === undefined) throw new Error("-s needs a value");
    args.splice(i, 2);
    return value;
  }
  args.splice(i, 1);
  return arg.startsWith("-s=") ? arg.slice(3) : arg.slice(2);
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
  // -s is pulumi's own short form: taken out too, so the stack's backend and secrets are the ones resolved
  // (a second one left in the arguments is refused by runPulumi when it names another stack).
  const stack = takeOption(args, "stack") ?? takeShortStack(args) ?? "local";
  const cwd = takeOption(args, "cwd");
  const kubeconfig = takeOption(args, "kubeconfig");
  if (args[0] === "bind") {
    const context = takeOption(args, "context");
    if (args.length > 1) throw new Error(`bind: unexpected ${args.slice(1).join(" ")}`);
    const result = await bindStack({ stack, ...(cwd ? { cwd: resolve(cwd) } : {}), ...(kubeconfig ? { kubeconfig } : {}), ...(context ? { context } : {}) });
    const { binding } = result;
    if (result.previous) console.log(`stack ${stack} was bound to ${result.previous.server} (kube-system uid ${result.previous.uid}); rebinding`);
    console.log(
      `stack ${stack} bound to ${binding.server} (kube-system uid ${binding.uid}) through ${binding.kubeconfig}${binding.context ? ` (context ${binding.context})` : ""}; recorded in ${result.file}`,
    );
    return;
  }
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
