import { buildEnvironmentObjects, retainedObjects, type EnvironmentPlan, type KubernetesObject, type Platform } from "../../model/index.ts";
import { isFrozen, isLive, retentionEnded } from "../domain/index.ts";
import type { EnvironmentRecord } from "../store/index.ts";

/**
 * What an environment should look like at one site, from its stored spec and plan, using the same
 * builder as the Pulumi components. Undefined when nothing should exist (or the site is unknown).
 */
export function desiredObjects(env: EnvironmentRecord, site: string, platform: Platform, now: Date = new Date()): KubernetesObject[] | undefined {
  const siteConfig = platform.sites.get(site)?.config;
  const organization = platform.organizations.get(env.org);
  if (!siteConfig || !organization || !env.plan.placements.some((p) => p.site === site)) return undefined;
  const plan: EnvironmentPlan = { ...env.plan, environment: { org: env.org, spec: env.spec }, namespace: env.namespace };
  const objects = buildEnvironmentObjects({ plan, site: siteConfig, organization, managedBy: "ndc-control-plane" });
  if (isLive(env.phase)) return objects;
  // Once retention has run out the environment is being removed: nothing is repaired any more.
  if (retentionEnded(env, now)) return undefined;
  if (isFrozen(env.phase)) return retainedObjects(objects);
  return undefined;
}
