import * as pulumi from "@pulumi/pulumi";
import {
  admissionPolicies,
  planStaticEnvironments,
  platformClusterRoles,
  type ComplianceException,
  type Policy,
  type SiteStackConfig,
} from "../model/index.ts";
import { capacitySummary, type CapacitySummary } from "./_capacity-summary.ts";
import { registerObjects } from "./_kubernetes-resources.ts";
import { siteRecordObject } from "./_site-record.ts";
import { ComputePool } from "./compute-pool.ts";
import { ControlPlane } from "./control-plane.ts";
import { OrganizationLanding } from "./organization-landing.ts";
import { SecurityZone } from "./security-zone.ts";
import { StorageTier } from "./storage-tier.ts";
import { TenantEnvironment } from "./tenant-environment.ts";

/** Arguments of a {@link DataCenterSite}. */
export interface DataCenterSiteArgs {
  /** The stack config, already validated by the model's `parseSiteStack` (invalid config never gets here). */
  readonly config: SiteStackConfig;
  /** The Pulumi stack name (`ndc1-hoalac`, `local`, ...). */
  readonly stack: string;
  /** @default the model's current `POLICY` */
  readonly policy?: Policy;
}

/** Namespaces the site stack owns, by kind. */
export interface SiteNamespaces {
  readonly zones: readonly string[];
  readonly landings: readonly string[];
  readonly environments: readonly string[];
  readonly controlPlane?: string;
}

/** A compliance exception of a static environment, for reports. */
export interface SiteComplianceException extends ComplianceException {
  readonly namespace: string;
}

/**
 * One data-center site's baseline. Children, in dependency order:
 * `${name}-clusterrole-<role>` (platform ClusterRoles from the model), `${name}-zone-<zone>`,
 * `${name}-pool-<pool>`, `${name}-tier-<tier>`, `${name}-site-record`, `${name}-org-<slug>`,
 * `${name}-env-<namespace>`, `${name}-control-plane`.
 * A `planned` site has no cluster yet: it registers no Kubernetes resources, only its outputs.
 */
export class DataCenterSite extends pulumi.ComponentResource {
  readonly siteId: string;
  readonly namespaces: SiteNamespaces;
  readonly capacity: CapacitySummary;
  readonly complianceExceptions: readonly SiteComplianceException[];

  constructor(name: string, args: DataCenterSiteArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ndc:index:DataCenterSite", name, {}, opts);
    const { config, stack, policy } = args;
    const { site } = config;
    const plans = planStaticEnvironments(config, `stacks/Pulumi.${stack}.yaml`);
    this.siteId = site.id;
    this.capacity = capacitySummary(config, plans);
    this.complianceExceptions = plans.flatMap((p) => p.complianceExceptions.map((e) => ({ namespace: p.namespace, ...e })));
    const hasCluster = site.status !== "planned";
    const child = { parent: this };

    const zones: SecurityZone[] = [];
    const landings: OrganizationLanding[] = [];
    const environments: TenantEnvironment[] = [];
    let controlPlane: ControlPlane | undefined;
    if (hasCluster) {
      const roles = registerObjects(this, name, platformClusterRoles("pulumi"));
      // Guard rails RBAC cannot express (externalIPs, the control plane confined to its namespaces).
      registerObjects(this, name, admissionPolicies("pulumi"));
      for (const zone of site.zones) zones.push(new SecurityZone(`${name}-zone-${zone}`, { site, zone, ...(policy ? { policy } : {}) }, child));
      for (const pool of site.computePools) new ComputePool(`${name}-pool-${pool.name}`, { site, pool }, child);
      const tiers = site.storageTiers.map((tier) => new StorageTier(`${name}-tier-${tier.name}`, { config, tier }, child));
      const mgmt = zones.find((z) => z.zone === "mgmt");
      if (mgmt) registerObjects(this, `${name}-site-record`, [siteRecordObject(config)], [mgmt]);
      for (const organization of config.organizations) {
        landings.push(new OrganizationLanding(`${name}-org-${organization.slug}`, { site, organization }, { ...child, dependsOn: roles }));
      }
      for (const plan of plans) {
        const organization = config.organizations.find((o) => o.slug === plan.environment.org)!;
        environments.push(
          new TenantEnvironment(
            `${name}-env-${plan.namespace}`,
            { plan, site, organization, ...(policy ? { policy } : {}) },
            { ...child, dependsOn: [...roles, ...tiers, ...zones] },
          ),
        );
      }
      if (config.controlPlane) {
        controlPlane = new ControlPlane(
          `${name}-control-plane`,
          { config, stack, ...(policy ? { policy } : {}) },
          { ...child, dependsOn: [...roles, ...zones] },
        );
      }
    }
    this.namespaces = {
      zones: zones.map((z) => z.namespace),
      landings: landings.map((l) => l.namespace),
      environments: environments.map((e) => e.namespace),
      ...(controlPlane ? { controlPlane: controlPlane.namespace } : {}),
    };
    this.registerOutputs({ siteId: this.siteId, namespaces: this.namespaces, capacity: this.capacity, complianceExceptions: this.complianceExceptions });
  }
}
