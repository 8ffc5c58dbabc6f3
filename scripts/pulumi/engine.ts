import { join } from "node:path";
import { ensureTool, pulumiKubernetesTool, pulumiKubernetesVersion, pulumiTool, pulumiVersion } from "../toolchain/index.ts";

/** Where the Pulumi engine's executables are, and which versions they are. */
export interface PulumiEngine {
  /** Folder with `pulumi` and `pulumi-language-nodejs`; goes first on PATH. */
  readonly binDir: string;
  /** The `pulumi` executable. */
  readonly pulumi: string;
  /** Folder with `pulumi-resource-kubernetes`. */
  readonly providerDir: string;
  /** The Kubernetes provider executable. */
  readonly provider: string;
  /** CLI version, e.g. `v3.276.0`. */
  readonly cliVersion: string;
  /** Kubernetes provider version without `v`, e.g. `4.25.0` (what `pulumi plugin install` takes). */
  readonly kubernetesVersion: string;
}

/**
 * Returns the Pulumi CLI, Node.js language host and Kubernetes provider built from tools/pulumi and
 * tools/pulumi-kubernetes, building them into the version-keyed cache first when missing (a cold
 * build takes tens of minutes on 2 cores; progress goes to stderr).
 * @throws when a build fails, with go's output and what to fix
 */
export async function ensurePulumiEngine(): Promise<PulumiEngine> {
  const binDir = await ensureTool(pulumiTool);
  const providerDir = await ensureTool(pulumiKubernetesTool);
  return {
    binDir,
    pulumi: join(binDir, "pulumi"),
    providerDir,
    provider: join(providerDir, "pulumi-resource-kubernetes"),
    cliVersion: pulumiVersion,
    kubernetesVersion: pulumiKubernetesVersion,
  };
}
