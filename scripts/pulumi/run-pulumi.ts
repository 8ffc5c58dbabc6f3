import { mkdir } from "node:fs/promises";
import { $, type Duration, type ProcessOutput } from "zx";
import { repoRoot } from "../toolchain/index.ts";
import { ensurePulumiEngine, type PulumiEngine } from "./engine.ts";
import { pulumiEnv, pulumiHome, pulumiStateDir } from "./environment.ts";

/** How to run one `pulumi` command. */
export interface RunPulumiOptions {
  /** Stack name, e.g. `local`; created in the file backend when missing. */
  readonly stack: string;
  /** Project folder (holds Pulumi.yaml). @default the repository root */
  readonly cwd?: string;
  /** Extra environment; wins over the offline defaults, `undefined` removes a variable. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Kubeconfig for the Kubernetes provider (sets `KUBECONFIG`). @default the inherited `KUBECONFIG` */
  readonly kubeconfig?: string;
  /** File backend folder. @default `$NDC_PULUMI_STATE_DIR` or `<cache>/pulumi-state` */
  readonly stateDir?: string;
  /**
   * Let pulumi prompt (stdin inherited) instead of adding `--non-interactive`; `up` and `destroy`
   * then ask for confirmation unless `--yes` is given. @default false
   */
  readonly interactive?: boolean;
  /** Do not echo pulumi's output while it runs (it is returned either way). @default false */
  readonly quiet?: boolean;
  /** Return a non-zero exit instead of throwing. @default false */
  readonly nothrow?: boolean;
  /** Kill pulumi after this long (zx duration). @default `"30m"` */
  readonly timeout?: Duration;
}

/** What a `pulumi` command printed and how it exited. */
export interface PulumiResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Commands that act on a stack and so take `--stack` (pulumi rejects it elsewhere). */
const stackCommands = new Set(["preview", "pre", "up", "update", "destroy", "down", "refresh", "import", "stack", "config", "state", "cancel", "watch", "console", "logs"]);

/**
 * Runs `pulumi <args>` offline against a stack: builds the engine when the cache lacks it, installs
 * the Kubernetes provider plugin from our build, creates or selects the stack in the file backend,
 * then runs the command with `--stack` (for stack commands) and `--non-interactive` unless
 * `interactive`.
 * @example await runPulumi(["up", "--yes", "--skip-preview"], { stack: "local", kubeconfig })
 * @throws when pulumi exits non-zero (unless `nothrow`), with its output in the message
 */
export async function runPulumi(args: readonly string[], opts: RunPulumiOptions): Promise<PulumiResult> {
  const engine = await ensurePulumiEngine();
  const env = pulumiEnv(engine, opts);
  const cwd = opts.cwd ?? repoRoot;
  const stateDir = opts.stateDir ?? pulumiStateDir();
  await mkdir(stateDir, { recursive: true });
  await mkdir(pulumiHome(), { recursive: true });
  await ensureKubernetesPlugin(engine, env);

  const command = args.find((a) => !a.startsWith("-"));
  const isStackCommand = command !== undefined && stackCommands.has(command);
  if (isStackCommand) await ensureStack(engine, opts.stack, cwd, env);

  const extra = [
    ...(isStackCommand && !args.some((a) => a === "--stack" || a === "-s" || a.startsWith("--stack="))
      ? ["--stack", opts.stack]
      : []),
    ...(opts.interactive ? [] : ["--non-interactive"]),
  ];
  const proc = $({
    cwd,
    env,
    quiet: true,
    nothrow: true,
    stdio: [opts.interactive ? "inherit" : "ignore", "pipe", "pipe"],
  })`${engine.pulumi} ${args} ${extra}`.timeout(opts.timeout ?? "30m");
  if (!opts.quiet) {
    proc.stdout.on("data", (chunk: Buffer) => process.stdout.write(chunk));
    proc.stderr.on("data", (chunk: Buffer) => process.stderr.write(chunk));
  }
  const out: ProcessOutput = await proc;
  const result = { exitCode: out.exitCode ?? 1, stdout: out.stdout, stderr: out.stderr };
  if (result.exitCode !== 0 && !opts.nothrow) {
    throw new Error(`pulumi ${[...args, ...extra].join(" ")} exited ${result.exitCode} in ${cwd}:\n${tail(result.stdout + result.stderr)}`);
  }
  return result;
}

/**
 * Installs our provider build as the `kubernetes` resource plugin at the npm SDK's version, once per
 * PULUMI_HOME: with automatic plugin acquisition off, the engine only loads installed plugins.
 */
async function ensureKubernetesPlugin(engine: PulumiEngine, env: Record<string, string>): Promise<void> {
  const listed = await $({ env, quiet: true })`${engine.pulumi} plugin ls --json`.timeout("2m");
  const plugins = JSON.parse(listed.stdout || "[]") as { name: string; kind: string; version: string }[];
  if (plugins.some((p) => p.name === "kubernetes" && p.kind === "resource" && p.version === engine.kubernetesVersion)) return;
  console.error(`pulumi: installing the kubernetes ${engine.kubernetesVersion} resource plugin from ${engine.provider}`);
  await $({ env, quiet: true })`${engine.pulumi} plugin install resource kubernetes ${engine.kubernetesVersion} --file ${engine.provider}`.timeout("5m");
}

/** Selects the stack, creating it in the file backend when it does not exist yet. */
async function ensureStack(engine: PulumiEngine, stack: string, cwd: string, env: Record<string, string>): Promise<void> {
  await $({ cwd, env, quiet: true })`${engine.pulumi} stack select --create --non-interactive --stack ${stack}`.timeout("2m");
}

/** Last lines of a long output, for error messages. */
function tail(text: string, lines = 40): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
