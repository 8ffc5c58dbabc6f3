import { cp, mkdir, readFile, symlink } from "node:fs/promises";
import { join } from "node:path";
import { DEFAULT_CONTROL_PLANE_REPLICAS, parseStackFile } from "../../model/index.ts";
import { repoRoot } from "../toolchain/index.ts";
import { bindStack } from "./bind.ts";
import { runPulumi } from "./run-pulumi.ts";

/** What the program needs to run from another folder (no state, no stack files). */
const PROGRAM_ENTRIES = ["Pulumi.yaml", "index.ts", "package.json", "components", "model", "policy"];

/**
 * Copies the site program and the given stacks' files to `dir`, with the repository's node_modules
 * linked for the program and the policy pack, so tests and benchmarks can bind, configure and apply
 * stacks without touching the repository's stack files.
 * @returns the project folder
 */
export async function copyProgram(dir: string, stacks: readonly string[]): Promise<string> {
  for (const entry of PROGRAM_ENTRIES) await cp(join(repoRoot, entry), join(dir, entry), { recursive: true });
  await mkdir(join(dir, "stacks"), { recursive: true });
  for (const stack of stacks) await cp(join(repoRoot, "stacks", `Pulumi.${stack}.yaml`), join(dir, "stacks", `Pulumi.${stack}.yaml`));
  await symlink(join(repoRoot, "node_modules"), join(dir, "node_modules"));
  await symlink(join(repoRoot, "node_modules"), join(dir, "policy", "node_modules"));
  return dir;
}

/** How to make a copied stack deployable. */
export interface PrepareStackOptions {
  readonly project: string;
  readonly stack: string;
  /** Kubeconfig of the cluster to bind the stack to. */
  readonly kubeconfig: string;
  /** File backend folder. */
  readonly stateDir: string;
  /** Passphrase of the stack's secrets (site stacks have no built-in one). */
  readonly passphrase: string;
  /** PostgreSQL URL for a control plane with several replicas. */
  readonly databaseUrl: string;
}

/**
 * Does to a copied stack what its operators do once: binds it to the cluster (`bind`) and, when its
 * control plane runs several replicas, sets the database URL as a secret
 * (`config set --secret --path ndc:controlPlane.databaseUrl`).
 */
export async function prepareStack(opts: PrepareStackOptions): Promise<void> {
  const file = join(opts.project, "stacks", `Pulumi.${opts.stack}.yaml`);
  const config = parseStackFile(await readFile(file, "utf8"), file);
  if (config.site.status !== "planned") await bindStack({ stack: opts.stack, cwd: opts.project, kubeconfig: opts.kubeconfig });
  const cp = config.controlPlane;
  if (cp && (cp.replicas ?? DEFAULT_CONTROL_PLANE_REPLICAS) > 1 && cp.databaseUrl === undefined) {
    await runPulumi(["config", "set", "--secret", "--path", "ndc:controlPlane.databaseUrl", opts.databaseUrl], {
      stack: opts.stack,
      cwd: opts.project,
      stateDir: opts.stateDir,
      env: { PULUMI_CONFIG_PASSPHRASE: opts.passphrase },
      quiet: true,
    });
  }
}
