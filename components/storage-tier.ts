import * as pulumi from "@pulumi/pulumi";
import type { SiteStackConfig, StorageTier as StorageTierConfig } from "../model/index.ts";
import { dependenciesOf } from "./_dependencies.ts";
import { registerObjects } from "./_kubernetes-resources.ts";
import { storageClassObject, tierReclaimPolicy } from "./_tier-objects.ts";

/** Arguments of a {@link StorageTier}. */
export interface StorageTierArgs {
  /** The whole stack: whether the tier can hold core data depends on entitlements and environments. */
  readonly config: SiteStackConfig;
  readonly tier: StorageTierConfig;
}

/**
 * A storage tier: its StorageClass, `Retain` whenever core data can land on it, else the tier's
 * `reclaimPolicy` (@default `Delete`). Child: `${name}-storageclass-<class>`.
 */
export class StorageTier extends pulumi.ComponentResource {
  readonly storageClass: string;
  readonly reclaimPolicy: "Retain" | "Delete";

  constructor(name: string, args: StorageTierArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ndc:index:StorageTier", name, {}, opts);
    this.storageClass = args.tier.storageClass;
    this.reclaimPolicy = tierReclaimPolicy(args.config, args.tier);
    registerObjects(this, name, [storageClassObject(args.config, args.tier)], dependenciesOf(opts));
    this.registerOutputs({ storageClass: this.storageClass, reclaimPolicy: this.reclaimPolicy });
  }
}
