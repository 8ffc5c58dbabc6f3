import { objectKey, type KubernetesObject } from "../../model/index.ts";

/**
 * Whether every field we set is present with the same value in the live object. Fields the server
 * or other managers add (status, defaults, managedFields) do not count as drift.
 */
export function isSubset(desired: unknown, actual: unknown): boolean {
  if (Array.isArray(desired)) {
    return Array.isArray(actual) && desired.length === actual.length && desired.every((d, i) => isSubset(d, actual[i]));
  }
  if (desired !== null && typeof desired === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return false;
    const a = actual as Record<string, unknown>;
    return Object.entries(desired as Record<string, unknown>).every(([k, v]) => isSubset(v, a[k]));
  }
  return desired === actual;
}

/** Whether a live object has drifted from what we apply (labels, annotations and spec we own). */
export function hasDrifted(desired: KubernetesObject, actual: KubernetesObject): boolean {
  const { apiVersion: _a, kind: _k, metadata, ...rest } = desired;
  const actualMeta = actual.metadata;
  return !(
    isSubset(metadata.labels ?? {}, actualMeta.labels ?? {}) &&
    isSubset(metadata.annotations ?? {}, actualMeta.annotations ?? {}) &&
    isSubset(rest, actual)
  );
}

/** Live objects we own that the desired set no longer has: what to prune. */
export function prunable(desired: readonly KubernetesObject[], live: readonly KubernetesObject[]): KubernetesObject[] {
  const keep = new Set(desired.map(objectKey));
  return live.filter((o) => !keep.has(objectKey(o)));
}
