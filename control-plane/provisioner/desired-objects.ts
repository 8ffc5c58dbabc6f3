import {
  buildEnvironmentObjects,
  retainedObjects,
  type Commitment,
  type EnvironmentPlan,
  type KubernetesObject,
  type Platform,
  type SharingAgreement,
} from "../../model/index.ts";
import { isFrozen, isLive, retentionEnded } from "../domain/index.ts";
import type { EnvironmentRecord } from "../store/index.ts";

/**
 * What an environment should look like at one site, from its stored spec and plan, using the same
 * builder as the Pulumi components, with the NetworkPolicies of the sharing agreements it must carry
 * there (`SharingIndex`). Undefined when nothing should exist (or the site is unknown).
 */
export function desiredObjects(
  env: EnvironmentRecord,
  site: string,
  platform: Platform,
  now: Date = new Date(),
  agreements: readonly SharingAgreement[] = [],
): KubernetesObject[] | undefined {
  const siteConfig = platform.sites.get(site)?.config;
  const organization = platform.organizations.get(env.org);
  if (!siteConfig || !organization || !env.plan.placements.some((p) => p.site === site)) return undefined;
  const plan: EnvironmentPlan = { ...env.plan, environment: { org: env.org, spec: env.spec }, namespace: env.namespace };
  const objects = buildEnvironmentObjects({ plan, site: siteConfig, organization, agreements, managedBy: "ndc-control-plane" });
  // A decommission that failed stays frozen, Failed or waiting for a decommission again: its
  // access and ingress must not come back through drift repair.
  if (env.failedDuring === "Decommissioning" && (env.phase === "Failed" || env.phase === "AwaitingDecommission")) return retainedObjects(objects);
  // A failed build, change or restore keeps what it was being built to: its isolation (default
  // deny, quota, bindings) is repaired while it waits for a retry.
  if (isLive(env.phase) || env.phase === "Failed") return objects;
  // Once retention has run out the environment is being removed: nothing is repaired any more.
  if (retentionEnded(env, now)) return undefined;
  if (isFrozen(env.phase)) return retainedObjects(objects);
  return undefined;
}

/**
 * The frozen form of an environment at a site it no longer wants (dropped by a change): built as it
 * was placed there (`held`: what it still holds at that site), access frozen and ingress closed.
 */
export function droppedSiteObjects(
  env: EnvironmentRecord,
  held: Pick<Commitment, "site" | "zone" | "pool">,
  platform: Platform,
): KubernetesObject[] | undefined {
  const siteConfig = platform.sites.get(held.site)?.config;
  const organization = platform.organizations.get(env.org);
  if (!siteConfig || !organization) return undefined;
  const dedicatedPool = siteConfig.computePools.find((p) => p.name === held.pool)?.dedicated ?? false;
  const plan: EnvironmentPlan = {
    ...env.plan,
    placements: [{ site: held.site, zone: held.zone, pool: held.pool, dedicatedPool }],
    environment: { org: env.org, spec: { ...env.spec, sites: [held.site] } },
    namespace: env.namespace,
  };
  return retainedObjects(buildEnvironmentObjects({ plan, site: siteConfig, organization, managedBy: "ndc-control-plane" }));
}
