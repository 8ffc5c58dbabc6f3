import { buildEnvironmentObjects, retainedObjects, type EnvironmentPlan, type KubernetesObject, type Platform } from "../../model/index.ts";
import type { EnvironmentRecord } from "../store/store.ts";

/** Phases whose objects must exist and be kept as built. */
const LIVE = new Set(["Approved", "Provisioning", "Ready", "Updating"]);
/** Phases whose objects must exist in their frozen form. */
const FROZEN = new Set(["Decommissioning", "Retained"]);

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
  if (LIVE.has(env.phase)) return objects;
  // Once retention has run out the environment is being removed: nothing is repaired any more.
  if (env.phase === "Retained" && env.retainUntil !== null && Date.parse(env.retainUntil) <= now.getTime()) return undefined;
  if (FROZEN.has(env.phase)) return retainedObjects(objects);
  return undefined;
}
