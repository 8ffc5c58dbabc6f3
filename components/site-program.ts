import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { configValues, controlPlaneDeployment, describeBinding, parseSiteStack, resolveClusterBinding } from "../model/index.ts";
import { verifyClusterIdentity, type ClusterTarget } from "./cluster-identity.ts";
import { DataCenterSite } from "./data-center-site.ts";

/**
 * Pulumi reads stack files as YAML 1.1, where an unquoted `2026-01-01` is a timestamp, and hands it
 * over as Go prints it (`2026-01-01 00:00:00 +0000 UTC`). The config means the calendar date, so a
 * midnight-UTC timestamp is turned back into `YYYY-MM-DD`; anything else is left for the model to judge.
 */
export function undoYamlTimestamp(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const match = /^(\d{4}-\d{2}-\d{2}) 00:00:00 \+0000 UTC$/.exec(value);
  return match ? match[1] : value;
}

/** The stack file a stack's config comes from (`stackConfigDir: stacks`), named in every error. */
export function stackFileName(stack: string): string {
  return `stacks/Pulumi.${stack}.yaml`;
}

/**
 * The stack's `ndc:*` config values, without the prefix. Reads the whole config map (not key by key)
 * so a misspelt key such as `ndc:organisations` is reported instead of ignored. Pulumi hands object
 * values over as JSON text.
 */
export function readStackValues(config: Record<string, string> = pulumi.runtime.allConfig()): Record<string, unknown> {
  const decoded: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(config)) {
    try {
      decoded[key] = JSON.parse(text, (_name, value: unknown) => undoYamlTimestamp(value));
    } catch {
      decoded[key] = undoYamlTimestamp(text); // a plain string value
    }
  }
  return configValues(decoded);
}

/**
 * The site program: validates the stack's values with the model and only then builds the site.
 * @throws ValidationError naming the stack file, the key path (`ndc:site.computePools[0].nodeCpu`)
 *   and the rule, before any resource is registered
 */
export function siteProgram(values: Record<string, unknown>, stack: string, options: SiteProgramOptions = {}): DataCenterSite {
  const config = parseSiteStack(values, stackFileName(stack));
  controlPlaneDeployment(config, options.databaseUrlIsSecret ?? isConfigSecret("ndc:controlPlane"), stackFileName(stack));
  // Children inherit the provider from the site component: every Kubernetes resource goes through it.
  return new DataCenterSite(config.site.id, { config, stack }, options.provider ? { providers: { kubernetes: options.provider } } : undefined);
}

/** Options of {@link siteProgram}. */
export interface SiteProgramOptions {
  /** The stack's one Kubernetes provider. @default none: Pulumi's default provider (tests under mocks only) */
  readonly provider?: k8s.Provider;
  /** Whether the engine handed `ndc:controlPlane` over as a secret. @default what the engine says */
  readonly databaseUrlIsSecret?: boolean;
}

/** Whether a config key holds a secret (`secure:` in the stack file). */
function isConfigSecret(key: string): boolean {
  // Exported by @pulumi/pulumi's runtime, though not in its typings.
  const check = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;
  return check ? check(key) : false;
}

/** Name of the stack's one explicit Kubernetes provider (a resource-name contract). */
export const CLUSTER_PROVIDER_NAME = "ndc-cluster";

/**
 * The provider for a cluster whose identity was checked. It gets the kubeconfig's text (never
 * `$KUBECONFIG`), and `clusterIdentifier` is the kube-system UID, so rotated credentials update the
 * provider instead of replacing every resource, while another cluster would replace it.
 */
export function clusterProvider(target: ClusterTarget): k8s.Provider {
  return new k8s.Provider(CLUSTER_PROVIDER_NAME, {
    kubeconfig: pulumi.secret(target.kubeconfig),
    ...(target.context ? { context: target.context } : {}),
    clusterIdentifier: target.identity.uid,
  });
}

/**
 * The site program as the engine runs it: validates the stack's values, resolves its `ndc:cluster`
 * binding, checks that the cluster its kubeconfig reaches is that cluster, and only then registers
 * the site through one explicit provider. A planned site (no cluster) needs no binding.
 * @throws ValidationError for bad config or a missing binding; ClusterIdentityError for another
 *   cluster — both before any resource is registered
 */
export async function boundSiteProgram(
  values: Record<string, unknown>,
  stack: string,
  verify: typeof verifyClusterIdentity = verifyClusterIdentity,
): Promise<DataCenterSite> {
  const source = stackFileName(stack);
  const config = parseSiteStack(values, source);
  // Every config problem is reported before the cluster is asked anything.
  controlPlaneDeployment(config, isConfigSecret("ndc:controlPlane"), source);
  const binding = resolveClusterBinding(config.cluster, stack, config.site.status !== "planned", source);
  if (!binding) return siteProgram(values, stack);
  const target = await verify(stack, binding);
  pulumi.log.info(
    `stack ${stack} applies to ${describeBinding(binding)}: ${target.identity.server} (kube-system uid ${target.identity.uid}) through ${target.path}`,
  );
  return siteProgram(values, stack, { provider: clusterProvider(target) });
}
