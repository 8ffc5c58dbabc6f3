import { LABELS } from "../model/index.ts";

/** The part of a Pulumi policy resource the checks read (PolicyResource / ResourceValidationArgs). */
export interface CheckedResource {
  readonly type: string;
  readonly name: string;
  readonly urn?: string;
  readonly props: Record<string, any>;
}

/** A broken rule: what is wrong and with which resource. */
export interface Violation {
  readonly message: string;
  readonly urn?: string;
}

export const TYPES = {
  namespace: "kubernetes:core/v1:Namespace",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  resourceQuota: "kubernetes:core/v1:ResourceQuota",
  service: "kubernetes:core/v1:Service",
  configMap: "kubernetes:core/v1:ConfigMap",
} as const;

export const labelsOf = (r: CheckedResource): Record<string, string> => r.props?.metadata?.labels ?? {};
export const nameOf = (r: CheckedResource): string | undefined => r.props?.metadata?.name;
export const namespaceOf = (r: CheckedResource): string | undefined => r.props?.metadata?.namespace;

/** A tenant namespace: any Namespace carrying an organization label (environments and landings). */
export function isTenantNamespace(r: CheckedResource): boolean {
  return r.type === TYPES.namespace && labelsOf(r)[LABELS.org] !== undefined;
}

/** Resources of a type in a namespace. */
export function inNamespace(resources: readonly CheckedResource[], type: string, namespace: string): CheckedResource[] {
  return resources.filter((r) => r.type === type && namespaceOf(r) === namespace);
}

export function violation(r: CheckedResource, message: string): Violation {
  return r.urn === undefined ? { message } : { message, urn: r.urn };
}
