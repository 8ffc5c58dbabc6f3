import { LABELS } from "../model/index.ts";

/**
 * Pod Security Admission labels for `restricted`, the level every namespace of the baseline enforces
 * (the builder stamps the same on tenant namespaces).
 * @see https://kubernetes.io/docs/concepts/security/pod-security-admission/
 */
export const RESTRICTED_POD_SECURITY: Readonly<Record<string, string>> = {
  "pod-security.kubernetes.io/enforce": "restricted",
  "pod-security.kubernetes.io/enforce-version": "latest",
  "pod-security.kubernetes.io/audit": "restricted",
  "pod-security.kubernetes.io/warn": "restricted",
};

/** Labels on every object the site stack owns: who manages it (prune and drift rely on it) and where. */
export function baselineLabels(siteId: string, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { [LABELS.managedBy]: "pulumi", [LABELS.site]: siteId, ...extra };
}

/** Label for the storage tier a StorageClass implements. */
export const STORAGE_TIER_LABEL = "ndc.gov.vn/storage-tier";
