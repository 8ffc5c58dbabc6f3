import type { KubernetesObject } from "../../model/index.ts";

/** A kind the control plane owns, and where it lives in the API. */
export interface OwnedKind {
  readonly kind: string;
  readonly apiVersion: string;
  /** Collection path; `{ns}` is replaced by the namespace for namespaced kinds. */
  readonly collection: string;
  readonly namespaced: boolean;
}

/**
 * The kinds the builder produces, in apply order. Paths are fixed by the Kubernetes API, so no
 * discovery round trip is needed on the hot path.
 */
export const OWNED_KINDS: readonly OwnedKind[] = [
  { kind: "Namespace", apiVersion: "v1", collection: "/api/v1/namespaces", namespaced: false },
  { kind: "ServiceAccount", apiVersion: "v1", collection: "/api/v1/namespaces/{ns}/serviceaccounts", namespaced: true },
  { kind: "ResourceQuota", apiVersion: "v1", collection: "/api/v1/namespaces/{ns}/resourcequotas", namespaced: true },
  { kind: "LimitRange", apiVersion: "v1", collection: "/api/v1/namespaces/{ns}/limitranges", namespaced: true },
  { kind: "NetworkPolicy", apiVersion: "networking.k8s.io/v1", collection: "/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies", namespaced: true },
  { kind: "RoleBinding", apiVersion: "rbac.authorization.k8s.io/v1", collection: "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings", namespaced: true },
];

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
