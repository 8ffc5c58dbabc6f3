// The Pulumi components of a site baseline. They import only model/, never control-plane/.
export * from "./data-center-site.ts";
export * from "./security-zone.ts";
export * from "./compute-pool.ts";
export * from "./storage-tier.ts";
export * from "./organization-landing.ts";
export * from "./tenant-environment.ts";
export * from "./control-plane.ts";
export * from "./site-program.ts";
export * from "./cluster-identity.ts";
export { capacitySummary, type CapacitySummary, type PoolCapacitySummary, type TierCapacitySummary } from "./_capacity-summary.ts";
export { zoneNamespaceName, zoneObjects } from "./_zone-objects.ts";
export { nodeAssignments, poolNodeObjects, PATCH_FORCE_ANNOTATION } from "./_pool-objects.ts";
export { storageClassObject, tierHoldsCoreData, tierReclaimPolicy } from "./_tier-objects.ts";
export { landingObjects, entitlementRecord, ENTITLEMENT_RECORD, LANDING_ROLE } from "./_landing-objects.ts";
export { controlPlaneObjects, stackFileText, CONTROL_PLANE_NAME, CONTROL_PLANE_NAMESPACE, CONTROL_PLANE_PORT } from "./_control-plane-objects.ts";
export { siteRecordObject, configuredSites, SITE_RECORD } from "./_site-record.ts";
export { objectRole, SUPPORTED_KINDS } from "./_kubernetes-resources.ts";
export { STORAGE_TIER_LABEL } from "./_labels.ts";
