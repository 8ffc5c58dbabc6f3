/** A Kubernetes object as plain data, ready for server-side apply or a Pulumi resource. */
export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    /** Set by the API server on live objects; the builder never sets them. */
    readonly uid?: string;
    readonly resourceVersion?: string;
  };
  readonly [field: string]: unknown;
}

/** Who applies an object: the Pulumi site stack or the control plane. Prune and drift use this label. */
export type ManagedBy = "pulumi" | "ndc-control-plane";

/** `kind/namespace/name`: a stable key for an object. */
export function objectKey(o: KubernetesObject): string {
  return `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
}
