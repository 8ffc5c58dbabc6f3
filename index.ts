// Pulumi program entry (Pulumi.yaml `main`): one stack per site, config in stacks/Pulumi.<stack>.yaml.
// The config is validated by the model, and the cluster checked, before any resource is registered.
import * as pulumi from "@pulumi/pulumi";
import { ValidationError } from "./model/index.ts";
import { boundSiteProgram, ClusterIdentityError, readStackValues, type DataCenterSite } from "./components/index.ts";

async function run(): Promise<DataCenterSite> {
  try {
    return await boundSiteProgram(readStackValues(), pulumi.getStack());
  } catch (error) {
    // A RunError is shown as its message alone (file, key path and rule; stack and clusters), without a stack trace.
    if (error instanceof ValidationError || error instanceof ClusterIdentityError) throw new pulumi.RunError(error.message);
    throw error;
  }
}

// The cluster's identity is checked before anything is registered (top-level await).
const site = await run();

/** The site this stack declares. */
export const siteId = site.siteId;
/** Namespaces the stack owns: zone platform namespaces, landings, static environments, control plane. */
export const namespaces = site.namespaces;
/** Capacity per pool and storage tier, and what static environments hold. */
export const capacity = site.capacity;
/** Rules admitted with an exception (multi-site while only one site is active). */
export const complianceExceptions = site.complianceExceptions;
