import { delimiter, dirname, join } from "node:path";
import { cacheRoot } from "../toolchain/index.ts";
import type { PulumiEngine } from "./engine.ts";
import type { StateSettings } from "./state-settings.ts";

/**
 * Passphrase for the `local` stack's secrets when `PULUMI_CONFIG_PASSPHRASE` is unset: a fixed value,
 * because the local stack holds no real secrets and tests must decrypt what earlier runs wrote. The
 * wrapper refuses to use it for any other stack (state-settings.ts).
 */
export const localDevPassphrase = "ndc-local-dev-passphrase-not-secret";

/**
 * Folder of the file backend (`pulumi login file://…`) that holds the `local` stack's state.
 * @default `$NDC_PULUMI_STATE_DIR`, else `<cache>/pulumi-state`
 */
export function pulumiStateDir(): string {
  return process.env.NDC_PULUMI_STATE_DIR || join(cacheRoot(), "pulumi-state");
}

/**
 * PULUMI_HOME (plugins, credentials, workspace settings) for the engine we build, apart from any
 * `~/.pulumi` of another Pulumi install.
 * @default `$PULUMI_HOME`, else `<cache>/pulumi-home`
 */
export function pulumiHome(): string {
  return process.env.PULUMI_HOME || join(cacheRoot(), "pulumi-home");
}

/** What the environment of a `pulumi` process is made from. */
export interface PulumiEnvOptions {
  /** The stack's backend and secrets ({@link resolveStateSettings}); without it (commands on no stack) the inherited ones. */
  readonly state?: StateSettings;
  /** File-backend folder for commands on no stack. @default the inherited `PULUMI_BACKEND_URL` */
  readonly stateDir?: string;
  /**
   * `KUBECONFIG` for programs on Pulumi's default provider (the engine's smoke tests). The site program
   * never reads it: it applies through its stack's `ndc:cluster` binding.
   * @default none: an inherited `KUBECONFIG` is removed
   */
  readonly kubeconfig?: string;
  /**
   * The local cluster the `local` stack applies to instead of its `ndc:cluster.localCluster`
   * (`NDC_LOCAL_CLUSTER`; only a cluster `npm run cluster` runs on this machine).
   * @default the stack's own
   */
  readonly localCluster?: string;
  /** Extra variables; they win over everything else, `undefined` removes one. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * The environment that runs `pulumi`: the stack's backend and secrets, no update checks, no plugin
 * downloads, and our engine and this Node first on PATH so the CLI finds the language host and the
 * language host runs the Node that runs these scripts.
 */
export function pulumiEnv(engine: PulumiEngine, opts: PulumiEnvOptions = {}): Record<string, string> {
  const { state } = opts;
  const backend = state
    ? state.backendFrom === "pulumi login"
      ? undefined
      : state.backend
    : opts.stateDir
      ? `file://${opts.stateDir}`
      : process.env.PULUMI_BACKEND_URL;
  const env: Record<string, string | undefined> = {
    ...process.env,
    PULUMI_BACKEND_URL: backend,
    PULUMI_HOME: pulumiHome(),
    // Only the local stack falls back to the built-in passphrase (resolveStateSettings).
    PULUMI_CONFIG_PASSPHRASE: state?.builtInPassphrase ? localDevPassphrase : process.env.PULUMI_CONFIG_PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    // The provider is not put on PATH: it is installed as a plugin, and an ambient copy makes the
    // engine warn on every run.
    PATH: [engine.binDir, dirname(process.execPath), process.env.PATH ?? ""].join(delimiter),
    // Never the ambient cluster: a stale KUBECONFIG must not decide where anything goes.
    KUBECONFIG: opts.kubeconfig,
    ...(opts.localCluster ? { NDC_LOCAL_CLUSTER: opts.localCluster } : {}),
    ...opts.env,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}
