/**
 * A fingerprint of what is live for one environment at one site: the sum of a hash of every owned
 * object's kind, namespace, name and resourceVersion. Any create, edit or delete of one of them
 * changes it, in whatever order the objects were listed; the resync compares it with the one it
 * last verified instead of reading each object again.
 */
export function objectFingerprint(kind: string, namespace: string | undefined, name: string, resourceVersion: string): number {
  return fnv1a(`${kind}/${namespace ?? ""}/${name}@${resourceVersion}`);
}

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
