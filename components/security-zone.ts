import * as pulumi from "@pulumi/pulumi";
import type { Policy, Site, Zone } from "../model/index.ts";
import { dependenciesOf } from "./_dependencies.ts";
import { registerObjects } from "./_kubernetes-resources.ts";
import { zoneNamespaceName, zoneObjects } from "./_zone-objects.ts";

/** Arguments of a {@link SecurityZone}. */
export interface SecurityZoneArgs {
  /** The validated site the zone belongs to. */
  readonly site: Site;
  readonly zone: Zone;
  /** @default the model's current `POLICY` (ports and flows) */
  readonly policy?: Policy;
}

/**
 * A network-security zone at a site: its platform namespace `ndc-zone-<zone>` (label
 * `ndc.gov.vn/zone`) with default deny and the zone-wide platform flows. Children:
 * `${name}-namespace`, `${name}-networkpolicy-<policy>`.
 */
export class SecurityZone extends pulumi.ComponentResource {
  /** The zone's platform namespace. */
  readonly namespace: string;
  readonly zone: Zone;

  constructor(name: string, args: SecurityZoneArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ndc:index:SecurityZone", name, {}, opts);
    this.zone = args.zone;
    this.namespace = zoneNamespaceName(args.zone);
    registerObjects(this, name, zoneObjects(args.site, args.zone, args.policy), dependenciesOf(opts));
    this.registerOutputs({ namespace: this.namespace, zone: this.zone });
  }
}
