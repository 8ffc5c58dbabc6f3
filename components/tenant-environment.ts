import * as pulumi from "@pulumi/pulumi";
import { buildEnvironmentObjects, type ComplianceException, type EnvironmentPlan, type Organization, type Policy, type Site } from "../model/index.ts";
import { dependenciesOf } from "./_dependencies.ts";
import { registerObjects } from "./_kubernetes-resources.ts";

/** Arguments of a {@link TenantEnvironment}. */
export interface TenantEnvironmentArgs {
  /** The admitted plan (model `planStaticEnvironments` / `admitEnvironment`). */
  readonly plan: EnvironmentPlan;
  /** The site whose objects are built; one of the plan's placements. */
  readonly site: Site;
  readonly organization: Organization;
  /** @default the model's current `POLICY` */
  readonly policy?: Policy;
}

/**
 * A statically declared environment (e.g. a national database). Its objects come from the model's
 * `buildEnvironmentObjects` — the same function the control plane's provisioner calls — labelled
 * `managed-by: pulumi`. Children: `${name}-namespace`, `${name}-<kind>-<object>`; the Namespace is
 * applied first.
 */
export class TenantEnvironment extends pulumi.ComponentResource {
  readonly namespace: string;
  /** Rules admitted with an exception (e.g. multi-site while one site is active). */
  readonly complianceExceptions: readonly ComplianceException[];

  constructor(name: string, args: TenantEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ndc:index:TenantEnvironment", name, {}, opts);
    this.namespace = args.plan.namespace;
    this.complianceExceptions = args.plan.complianceExceptions;
    const objects = buildEnvironmentObjects({
      plan: args.plan,
      site: args.site,
      organization: args.organization,
      managedBy: "pulumi",
      ...(args.policy ? { policy: args.policy } : {}),
    });
    registerObjects(this, name, objects, dependenciesOf(opts));
    this.registerOutputs({ namespace: this.namespace, complianceExceptions: this.complianceExceptions });
  }
}
