import { delimiter, dirname, join } from "node:path";
import { cacheRoot } from "../toolchain/index.ts";
import type { PulumiEngine } from "./engine.ts";

/**
 * Passphrase for stack secrets when `PULUMI_CONFIG_PASSPHRASE` is unset: a fixed value, because the
 * local stacks hold no real secrets and tests must decrypt what earlier runs wrote. Never use it for
 * a site stack; set `PULUMI_CONFIG_PASSPHRASE` (or `_FILE`) there.
 */
export const localDevPassphrase = "ndc-local-dev-passphrase-not-secret";

/**
 * Folder of the file backend (`pulumi login file://…`) that holds stack state.
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
  /** File backend folder. @default {@link pulumiStateDir} */
  readonly stateDir?: string;
  /** Kubeconfig the Kubernetes provider uses (sets `KUBECONFIG`). @default the inherited `KUBECONFIG` */
  readonly kubeconfig?: string;
  /** Extra variables; they win over everything else, `undefined` removes one. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * The environment that runs `pulumi` offline: file backend, passphrase secrets, no update checks,
 * no plugin downloads, and our engine and this Node first on PATH so the CLI finds the language host
 * and the language host runs the Node that runs these scripts.
 */
export function pulumiEnv(engine: PulumiEngine, opts: PulumiEnvOptions = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    PULUMI_BACKEND_URL: `file://${opts.stateDir ?? pulumiStateDir()}`,
    PULUMI_HOME: pulumiHome(),
    PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? (process.env.PULUMI_CONFIG_PASSPHRASE_FILE ? undefined : localDevPassphrase),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    // The provider is not put on PATH: it is installed as a plugin, and an ambient copy makes the
    // engine warn on every run.
    PATH: [engine.binDir, dirname(process.execPath), process.env.PATH ?? ""].join(delimiter),
    ...(opts.kubeconfig ? { KUBECONFIG: opts.kubeconfig } : {}),
    ...opts.env,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}
