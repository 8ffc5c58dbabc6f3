import { apiGroupOf, TENANT_KINDS, type KubernetesObject } from "../../model/index.ts";

/** A kind the control plane owns, and where it lives in the API. */
export interface OwnedKind {
  readonly kind: string;
  readonly apiVersion: string;
  /** Collection path; `{ns}` is replaced by the namespace for namespaced kinds. */
  readonly collection: string;
  readonly namespaced: boolean;
}

/**
 * The kinds the builder produces (the model's `TENANT_KINDS`), in apply order. Paths are fixed by
 * the Kubernetes API, so no discovery round trip is needed on the hot path.
 */
export const OWNED_KINDS: readonly OwnedKind[] = TENANT_KINDS.map(({ kind, apiVersion, plural, namespaced }) => {
  const base = apiGroupOf(apiVersion) === "" ? `/api/${apiVersion}` : `/apis/${apiVersion}`;
  return { kind, apiVersion, collection: namespaced ? `${base}/namespaces/{ns}/${plural}` : `${base}/${plural}`, namespaced };
});

const BY_KIND = new Map(OWNED_KINDS.map((k) => [k.kind, k]));

/** The owned kind of an object. @throws when the builder produced a kind we do not manage */
export function ownedKind(kind: string): OwnedKind {
  const k = BY_KIND.get(kind);
  if (!k) throw new Error(`kind ${kind} is not managed by the control plane; managed kinds: ${OWNED_KINDS.map((o) => o.kind).join(", ")}`);
  return k;
}

/** Collection path for a kind; across all namespaces when `namespace` is undefined. */
export function collectionPath(kind: OwnedKind, namespace?: string): string {
  if (!kind.namespaced) return kind.collection;
  return namespace === undefined ? kind.collection.replace("/namespaces/{ns}", "") : kind.collection.replace("{ns}", encodeURIComponent(namespace));
}

/** Path of one object. */
export function objectPath(o: Pick<KubernetesObject, "kind" | "metadata">): string {
  return `${collectionPath(ownedKind(o.kind), o.metadata.namespace)}/${encodeURIComponent(o.metadata.name)}`;
}
