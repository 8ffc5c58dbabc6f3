import { objectKey, type KubernetesObject } from "../../model/index.ts";

/** The provisioner's field manager (server-side apply). Defined here so the comparator has no I/O imports. */
const OUR_MANAGER = "ndc-control-plane";

/**
 * Label and annotation prefixes only the platform may set: network policies select namespaces by
 * them (zone, organization, role, security level) and Pod Security reads its level from them, so one
 * added by anyone else widens access.
 */
const RESERVED_METADATA_PREFIXES = ["ndc.gov.vn/", "pod-security.kubernetes.io/"];

/**
 * Whether every field we set is present with the same value in the live object. Fields the server
 * or other managers add (status, defaults, managedFields) are not looked at here.
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

/** One entry of `metadata.managedFields`. */
interface ManagedFieldsEntry {
  readonly manager?: string;
  readonly operation?: string;
  readonly subresource?: string;
  readonly fieldsV1?: Record<string, unknown>;
}

/** Every owned path of a `fieldsV1` set, e.g. `["f:spec", "f:ingress"]` (`.` marks an owned node). */
function ownedPaths(fields: Record<string, unknown>, prefix: readonly string[] = []): string[][] {
  const out: string[][] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (key === ".") {
      out.push([...prefix]);
      continue;
    }
    const child = (value ?? {}) as Record<string, unknown>;
    if (Object.keys(child).length === 0) out.push([...prefix, key]);
    else out.push(...ownedPaths(child, [...prefix, key]));
  }
  return out;
}

/**
 * Fields of the live object that someone other than us set and that our objects do not hold:
 * anything in the body (spec, rules, subjects, roleRef… of objects the control plane owns outright),
 * and labels or annotations under the platform's reserved prefixes. Server defaults belong to no
 * manager and status is written through its subresource, so neither counts. Our own manager counts
 * as someone else when it wrote by update rather than apply (`kubectl edit --field-manager=…`).
 * @returns the paths (fieldsV1 form) down to the first element our object does not have
 */
export function foreignFields(desired: KubernetesObject, live: KubernetesObject): string[][] {
  const entries = ((live.metadata as { managedFields?: ManagedFieldsEntry[] }).managedFields ?? []).filter(
    (e) => !e.subresource && !(e.manager === OUR_MANAGER && e.operation === "Apply"),
  );
  const found = new Map<string, string[]>();
  for (const entry of entries) {
    for (const path of ownedPaths(entry.fieldsV1 ?? {})) {
      const [top, second, third] = path;
      if (!top?.startsWith("f:")) continue;
      const field = top.slice(2);
      if (field === "metadata") {
        if ((second !== "f:labels" && second !== "f:annotations") || !third?.startsWith("f:")) continue;
        const key = third.slice(2);
        if (!RESERVED_METADATA_PREFIXES.some((p) => key.startsWith(p))) continue;
      } else if (field === "apiVersion" || field === "kind" || field === "status") {
        continue;
      }
      const cut = firstAbsent(desired, path);
      if (cut) found.set(JSON.stringify(cut), cut);
    }
  }
  return [...found.values()];
}

/**
 * The shortest prefix of `path` that our object does not have, or undefined when it has the whole
 * path (then a changed value shows in {@link isSubset}, and a forced apply takes the field back).
 * An element selector (`k:`, `v:`, `i:`) stands for its whole list: removed, then re-applied.
 */
function firstAbsent(desired: unknown, path: readonly string[]): string[] | undefined {
  let node: unknown = desired;
  for (let i = 0; i < path.length; i++) {
    const step = path[i]!;
    // A list element someone else owns: the list is not ours alone any more.
    if (!step.startsWith("f:")) return path.slice(0, i);
    if (node === null || typeof node !== "object" || Array.isArray(node) || !(step.slice(2) in (node as object))) return path.slice(0, i + 1);
    node = (node as Record<string, unknown>)[step.slice(2)];
  }
  return undefined;
}

/**
 * Whether a live object has drifted from what we apply: a field we set is missing or different
 * (labels, annotations and body), or someone else added to it (see {@link foreignFields}).
 */
export function hasDrifted(desired: KubernetesObject, actual: KubernetesObject): boolean {
  const { apiVersion: _a, kind: _k, metadata, ...rest } = desired;
  const actualMeta = actual.metadata;
  const ours =
    isSubset(metadata.labels ?? {}, actualMeta.labels ?? {}) && isSubset(metadata.annotations ?? {}, actualMeta.annotations ?? {}) && isSubset(rest, actual);
  return !ours || foreignFields(desired, actual).length > 0;
}

/**
 * A JSON merge patch that removes what others added ({@link foreignFields}): server-side apply keeps
 * fields other managers own, so a forced apply alone would leave `ingress: [{}]` in a default deny.
 * A list someone added an element to is removed whole; the apply that follows puts ours back.
 * @returns undefined when there is nothing to remove
 */
export function removalPatch(desired: KubernetesObject, live: KubernetesObject): Record<string, unknown> | undefined {
  const paths = foreignFields(desired, live);
  if (paths.length === 0) return undefined;
  const patch: Record<string, unknown> = {};
  for (const path of paths) {
    let node = patch;
    const keys = path.map((p) => p.slice(2));
    keys.forEach((key, i) => {
      if (i === keys.length - 1) node[key] = null;
      else node = (node[key] ??= {}) as Record<string, unknown>;
    });
  }
  return patch;
}

/**
 * Whether a live RoleBinding binds another role than ours. `roleRef` cannot be changed once the
 * binding exists (the API server refuses the apply), so someone who deleted ours and created one of
 * the same name binding, say, `admin` is put right only by deleting theirs and creating ours.
 */
export function roleRefChanged(desired: KubernetesObject, live: KubernetesObject): boolean {
  if (desired.kind !== "RoleBinding") return false;
  return !(isSubset(desired.roleRef, live.roleRef) && isSubset(live.roleRef, desired.roleRef));
}

/** Live objects we own that the desired set no longer has: what to prune. */
export function prunable(desired: readonly KubernetesObject[], live: readonly KubernetesObject[]): KubernetesObject[] {
  const keep = new Set(desired.map(objectKey));
  return live.filter((o) => !keep.has(objectKey(o)));
}
