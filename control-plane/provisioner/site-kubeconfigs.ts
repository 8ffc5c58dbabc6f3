import { existsSync } from "node:fs";
import { inClusterCredentials, readKubeconfigFile, type KubeCredentials } from "./kube-credentials.ts";

/** The variable naming a site's kubeconfig: `NDC_KUBECONFIG_<SITE>`, e.g. `NDC_KUBECONFIG_NDC1`. */
export function kubeconfigVariable(site: string): string {
  return `NDC_KUBECONFIG_${site.toUpperCase().replace(/-/g, "_")}`;
}

/**
 * Loads the kubeconfig of every site that has one configured. Sites without one are simply not
 * provisioned by this process: their requests are admitted and approved and wait for a site.
 * @throws Error naming the variable when it points at a file that does not exist or does not parse
 */
export function siteKubeConfigsFromEnv(siteIds: Iterable<string>, env: NodeJS.ProcessEnv = process.env): Map<string, KubeCredentials> {
  const configs = new Map<string, KubeCredentials>();
  // Deployed by the site stack: the pod's own ServiceAccount reaches its own site.
  const inCluster = env.NDC_IN_CLUSTER_SITE;
  for (const site of siteIds) {
    if (site === inCluster && !env[kubeconfigVariable(site)]) {
      configs.set(site, inClusterCredentials(env));
      continue;
    }
    const variable = kubeconfigVariable(site);
    const path = env[variable];
    if (!path) continue;
    if (!existsSync(path)) throw new Error(`${variable} names ${path}, which does not exist; point it at the kubeconfig of site ${site}'s cluster`);
    try {
      configs.set(site, readKubeconfigFile(path));
    } catch (error) {
      throw new Error(`${variable} names ${path}, which is not a usable kubeconfig: ${(error as Error).message}`, { cause: error });
    }
  }
  return configs;
}
