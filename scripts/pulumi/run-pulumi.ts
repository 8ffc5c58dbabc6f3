import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { $, type Duration, type ProcessOutput } from "zx";
import { repoRoot } from "../toolchain/index.ts";
import { stackFilePath } from "./bind.ts";
import { ensurePulumiEngine, type PulumiEngine } from "./engine.ts";
import { pulumiEnv, pulumiHome, pulumiStateDir } from "./environment.ts";
import { resolveStateSettings, stackNamedIn, type DeclaredState, type StateSettings } from "./state-settings.ts";
import { UpdateMetrics } from "./update-metrics.ts";

/** How to run one `pulumi` command. */
export interface RunPulumiOptions {
  /** Stack name, e.g. `local`; created in the file backend when missing. */
  readonly stack: string;
  /** Project folder (holds Pulumi.yaml). @default the repository root */
  readonly cwd?: string;
  /** Extra environment; wins over the offline defaults, `undefined` removes a variable. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `KUBECONFIG` for programs on Pulumi's default provider; the site program ignores it. @default none (an inherited one is removed) */
  readonly kubeconfig?: string;
  /** The local cluster the `local` stack applies to (`NDC_LOCAL_CLUSTER`). @default the stack's `ndc:cluster.localCluster` */
  readonly localCluster?: string;
  /**
   * A file backend in this folder, whatever the stack names (tests, `npm start`).
   * @default the stack's backend (state-settings.ts): `PULUMI_BACKEND_URL`, `ndc:state.backend`,
   *   `$NDC_PULUMI_STATE_DIR` or `<cache>/pulumi-state` for `local`, or `pulumi login`'s
   */
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
  /**
   * node_exporter's textfile-collector directory: updates, their last output and lock refusals are
   * written there for the alerts (update-metrics.ts). @default `$NDC_PULUMI_METRICS_DIR`; unset: none
   */
  readonly metricsDir?: string;
}

/** What a `pulumi` command printed and how it exited. */
export interface PulumiResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Commands that run the program, and so the policy pack. */
const programCommands = new Set(["preview", "pre", "up", "update"]);

/** Commands that act on a stack and so take `--stack` (pulumi rejects it elsewhere). */
const stackCommands = new Set([
  "preview",
  "pre",
  "up",
  "update",
  "destroy",
  "down",
  "refresh",
  "import",
  "stack",
  "config",
  "state",
  "cancel",
  "watch",
  "console",
  "logs",
]);

/**
 * Runs `pulumi <args>` against a stack: resolves its backend and secrets (state-settings.ts), builds
 * the engine when the cache lacks it, installs the Kubernetes provider plugin from our build, creates
 * or selects the stack, then runs the command with `--stack` (for stack commands), the policy pack
 * `policy/` (for preview and up, when the project has it) and `--non-interactive` unless `interactive`.
 * @example await runPulumi(["up", "--yes", "--skip-preview"], { stack: "local", localCluster: "dev" })
 * @throws when pulumi exits non-zero (unless `nothrow`), with its output in the message
 */
export async function runPulumi(args: readonly string[], opts: RunPulumiOptions): Promise<PulumiResult> {
  const cwd = opts.cwd ?? repoRoot;
  const named = stackNamedIn(args);
  if (named !== undefined && named !== opts.stack) {
    throw new Error(
      `pulumi ${args.join(" ")}: the arguments name stack ${named}, but its backend and secrets were resolved for stack ${opts.stack}: name the stack once, to the wrapper (--stack ${named})`,
    );
  }
  const command = args.find((a) => !a.startsWith("-"));
  const isStackCommand = command !== undefined && stackCommands.has(command);
  // Refused before anything runs: a site stack without its backend or passphrase.
  const state = isStackCommand ? await stateSettings(opts.stack, cwd, opts) : undefined;
  const engine = await ensurePulumiEngine();
  const env = pulumiEnv(engine, { ...opts, ...(state ? { state } : {}) });
  if (state?.backend?.startsWith("file://")) await mkdir(state.backend.slice("file://".length), { recursive: true });
  await mkdir(pulumiHome(), { recursive: true });
  await ensureKubernetesPlugin(engine, env);
  if (state) {
    if (!opts.quiet)
      console.error(
        `pulumi: stack ${opts.stack}: state in ${state.backend ?? "the backend of pulumi login"} (${state.backendFrom}), secrets by ${state.secretsProvider}${state.builtInPassphrase ? " (the built-in local passphrase)" : ""}`,
      );
    await ensureStack(engine, opts.stack, cwd, env, state);
  }
  // The policy pack is mandatory: every run of the program goes through it.
  const policyPack = join(cwd, "policy");
  const withPolicy =
    command !== undefined &&
    programCommands.has(command) &&
    existsSync(join(policyPack, "PulumiPolicy.yaml")) &&
    !args.some((a) => a === "--policy-pack" || a.startsWith("--policy-pack="));

  const extra = [
    ...(isStackCommand && named === undefined ? ["--stack", opts.stack] : []),
    ...(withPolicy ? ["--policy-pack", policyPack] : []),
    ...(opts.interactive ? [] : ["--non-interactive"]),
  ];
  const metricsDir = opts.metricsDir ?? opts.env?.NDC_PULUMI_METRICS_DIR ?? process.env.NDC_PULUMI_METRICS_DIR;
  const metrics = metricsDir && isStackCommand ? new UpdateMetrics(metricsDir, opts.stack, command) : undefined;
  metrics?.start();
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
  if (metrics) for (const stream of [proc.stdout, proc.stderr]) stream.on("data", () => metrics.output());
  const out: ProcessOutput = await proc;
  const result = { exitCode: out.exitCode ?? 1, stdout: out.stdout, stderr: out.stderr };
  metrics?.end(result.exitCode, result.stdout + result.stderr);
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

/** Selects the stack, creating it with its secrets provider when the backend does not have it yet. */
async function ensureStack(engine: PulumiEngine, stack: string, cwd: string, env: Record<string, string>, state: StateSettings): Promise<void> {
  const provider = state.secretsProvider === "passphrase" ? [] : ["--secrets-provider", state.secretsProvider];
  await $({ cwd, env, quiet: true })`${engine.pulumi} stack select --create --non-interactive --stack ${stack} ${provider}`.timeout("2m");
}

/** The stack's backend and secrets: what its stack file names (`ndc:state`) and what the machine offers. */
async function stateSettings(stack: string, cwd: string, opts: RunPulumiOptions): Promise<StateSettings> {
  const file = await stackFilePath(cwd, stack).catch(() => undefined);
  const doc = file && existsSync(file) ? (parse(await readFile(file, "utf8")) as { config?: Record<string, unknown> } | null) : undefined;
  const declared = (doc?.config?.["ndc:state"] ?? {}) as DeclaredState;
  const credentials = join(pulumiHome(), "credentials.json");
  const loggedIn = existsSync(credentials) ? (JSON.parse(await readFile(credentials, "utf8")) as { current?: string }).current || undefined : undefined;
  return resolveStateSettings(stack, declared, {
    env: { ...process.env, ...opts.env },
    ...(loggedIn ? { loggedIn } : {}),
    ...(opts.stateDir ? { stateDir: opts.stateDir } : {}),
    defaultStateDir: pulumiStateDir(),
  });
}

/** Last lines of a long output, for error messages. */
function tail(text: string, lines = 40): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
