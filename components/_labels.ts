import { LABELS } from "../model/index.ts";

/** The baseline enforces the same Pod Security level as tenant namespaces: the model's labels. */
export { RESTRICTED_POD_SECURITY } from "../model/index.ts";

/** Labels on every object the site stack owns: who manages it (prune and drift rely on it) and where. */
export function baselineLabels(siteId: string, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { [LABELS.managedBy]: "pulumi", [LABELS.site]: siteId, ...extra };
}

/** Label for the storage tier a StorageClass implements. */
export const STORAGE_TIER_LABEL = "ndc.gov.vn/storage-tier";
