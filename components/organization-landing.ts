import * as pulumi from "@pulumi/pulumi";
import { landingNamespaceName, type Organization, type Site } from "../model/index.ts";
import { dependenciesOf } from "./_dependencies.ts";
import { registerObjects } from "./_kubernetes-resources.ts";
import { landingObjects } from "./_landing-objects.ts";

/** Arguments of an {@link OrganizationLanding}. */
export interface OrganizationLandingArgs {
  readonly site: Site;
  readonly organization: Organization;
}

/**
 * An onboarded organization at a site: its landing namespace `<org>-landing` (quota of zero
 * workloads, default deny, Pod Security restricted), the admin RoleBinding of its owner groups to
 * `ndc-tenant-admin`, and the entitlement record ConfigMap `ndc-entitlements`. Children:
 * `${name}-namespace`, `${name}-<kind>-<object>`.
 */
export class OrganizationLanding extends pulumi.ComponentResource {
  readonly namespace: string;
  readonly org: string;

  constructor(name: string, args: OrganizationLandingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ndc:index:OrganizationLanding", name, {}, opts);
    this.org = args.organization.slug;
    this.namespace = landingNamespaceName(args.organization.slug);
    registerObjects(this, name, landingObjects(args.site, args.organization), dependenciesOf(opts));
    this.registerOutputs({ namespace: this.namespace, org: this.org });
  }
}
