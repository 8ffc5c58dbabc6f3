import type { ObjectMetadata } from "./site-connection.ts";

/**
 * A fingerprint of what is live for one environment at one site: the sum of a hash of every owned
 * object's kind, namespace, name and resourceVersion. Any create, edit or delete of one of them
 * changes it, in whatever order the objects were listed; the resync compares it with the one it
 * last verified instead of reading each object again.
 */
export function objectFingerprint(kind: string, namespace: string | undefined, name: string, resourceVersion: string): number {
  return fnv1a(`${kind}/${namespace ?? ""}/${name}@${resourceVersion}`);
}

/**
 * The version of an object the resync compares: its resourceVersion, except for kinds whose status
 * others write as tenants work. A ResourceQuota's status changes with every pod or ConfigMap its
 * namespace creates (the quota admission and controller write `status.used`), which would make
 * every busy environment look changed on every pass. For those, the version is what a status write
 * leaves alone: uid (deleted and recreated), labels, annotations, deletion, and every managedFields
 * entry but the status ones. A spec edit shows there: another manager adds an entry, and a manager
 * that changes a value it owns gets a new `time` (one-second resolution; the watch sees live edits).
 */
export function objectVersion(kind: string, metadata: ObjectMetadata): string {
  if (!STATUS_WRITTEN_BY_OTHERS.has(kind)) return metadata.resourceVersion;
  const managed = (metadata.managedFields ?? [])
    .filter((f) => f.subresource !== "status")
    .map((f) => [f.manager, f.operation, f.subresource ?? "", f.time, JSON.stringify(f.fieldsV1 ?? null)].join("|"))
    .sort();
  return JSON.stringify([metadata.uid ?? "", sorted(metadata.labels), sorted(metadata.annotations), metadata.deletionTimestamp ?? "", managed]);
}

/** Owned kinds with a status written by someone else than us (see objectVersion). */
const STATUS_WRITTEN_BY_OTHERS: ReadonlySet<string> = new Set(["ResourceQuota"]);

const sorted = (map: Readonly<Record<string, string>> | undefined): [string, string][] =>
  Object.entries(map ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** Adds an object's fingerprint to an environment's (order-independent, 32 bits). */
export function addFingerprint(digest: number | undefined, object: number): number {
  return ((digest ?? 0) + object) >>> 0;
}

/** FNV-1a, 32 bits: fast and spread enough to tell resourceVersions apart. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
