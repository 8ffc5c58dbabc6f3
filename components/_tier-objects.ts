import { LABELS, type KubernetesObject, type SiteStackConfig, type StorageTier } from "../model/index.ts";
import { baselineLabels, STORAGE_TIER_LABEL } from "./_labels.ts";

/**
 * Whether core data can land on a tier: some organization is entitled to it in `restricted` (the only
 * zone core data may live in) or a restricted static environment asks for it.
 */
export function tierHoldsCoreData(config: SiteStackConfig, tier: StorageTier): boolean {
  const entitled = config.organizations.some((o) => o.entitlements.restricted?.storage?.[tier.name] !== undefined);
  const declared = (config.environments ?? []).some((e) => e.zone === "restricted" && e.resources.storage?.[tier.name] !== undefined);
  return entitled || declared;
}

/**
 * The reclaim policy of a tier's StorageClass: `Retain` whenever it can hold core data — a deleted
 * claim must never delete core data (decommissioned environments are retained, DOMAIN.md) — else the
 * configured one, `Delete` by default.
 */
export function tierReclaimPolicy(config: SiteStackConfig, tier: StorageTier): "Retain" | "Delete" {
  return tierHoldsCoreData(config, tier) ? "Retain" : (tier.reclaimPolicy ?? "Delete");
}

/** The StorageClass of a tier. Volumes bind where the pod lands (zone pinning), and may grow. */
export function storageClassObject(config: SiteStackConfig, tier: StorageTier): KubernetesObject {
  return {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: {
      name: tier.storageClass,
      labels: baselineLabels(config.site.id, { [STORAGE_TIER_LABEL]: tier.name, [LABELS.role]: "storage-tier" }),
      annotations: { "ndc.gov.vn/capacity": tier.capacity, "ndc.gov.vn/holds-core-data": String(tierHoldsCoreData(config, tier)) },
    },
    provisioner: tier.provisioner,
    reclaimPolicy: tierReclaimPolicy(config, tier),
    volumeBindingMode: "WaitForFirstConsumer",
    allowVolumeExpansion: true,
    ...(tier.parameters ? { parameters: { ...tier.parameters } } : {}),
  };
}
