// Reading live objects back without the drift comparator (which is under test elsewhere): a live
// object is cut down to what a manifest states, and the API server's defaults are added to the
// expected one, both written out here by hand.
import type { KubernetesObject } from "../../model/index.ts";

/** A live object as a manifest would state it: no status, no server-set metadata. */
export function liveForm(live: KubernetesObject): KubernetesObject {
  const { apiVersion, kind, metadata, status: _status, ...body } = live as KubernetesObject & { status?: unknown };
  const { name, namespace, labels, annotations } = metadata;
  return {
    apiVersion,
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) },
    ...body,
  } as KubernetesObject;
}

/**
 * What kube-apiserver adds to the objects an environment is made of, by kind: a Namespace gets its
 * name label and the `kubernetes` finalizer. The other kinds come back as written.
 */
export function withServerDefaults(expected: KubernetesObject): KubernetesObject {
  if (expected.kind === "Namespace") {
    return {
      ...expected,
      metadata: { ...expected.metadata, labels: { ...expected.metadata.labels, "kubernetes.io/metadata.name": expected.metadata.name } },
      spec: { finalizers: ["kubernetes"] },
    } as KubernetesObject;
  }
  return expected;
}
