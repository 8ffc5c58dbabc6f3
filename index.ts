// Pulumi program entry (Pulumi.yaml `main`): one stack per site, config in stacks/Pulumi.<stack>.yaml.
// The config is validated by the model before any resource is registered.
import * as pulumi from "@pulumi/pulumi";
import { ValidationError } from "./model/index.ts";
import { readStackValues, siteProgram, type DataCenterSite } from "./components/index.ts";

function run(): DataCenterSite {
  try {
    return siteProgram(readStackValues(), pulumi.getStack());
  } catch (error) {
    // A RunError is shown as its message alone: file, key path and rule, without a stack trace.
    if (error instanceof ValidationError) throw new pulumi.RunError(error.message);
    throw error;
  }
}

const site = run();

/** The site this stack declares. */
export const siteId = site.siteId;
/** Namespaces the stack owns: zone platform namespaces, landings, static environments, control plane. */
export const namespaces = site.namespaces;
/** Capacity per pool and storage tier, and what static environments hold. */
export const capacity = site.capacity;
/** Rules admitted with an exception (multi-site while only one site is active). */
export const complianceExceptions = site.complianceExceptions;
