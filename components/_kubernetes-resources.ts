import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { kindKey, TENANT_KINDS, type KubernetesObject, type TenantKindName } from "../model/index.ts";

type Constructor = new (name: string, args: never, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/** The typed class of each kind an environment is made of: one per `TENANT_KINDS` entry, or this does not compile. */
const TENANT_CLASSES: Readonly<Record<TenantKindName, Constructor>> = {
  Namespace: k8s.core.v1.Namespace,
  ServiceAccount: k8s.core.v1.ServiceAccount,
  ResourceQuota: k8s.core.v1.ResourceQuota,
  LimitRange: k8s.core.v1.LimitRange,
  NetworkPolicy: k8s.networking.v1.NetworkPolicy,
  RoleBinding: k8s.rbac.v1.RoleBinding,
};

/** prometheus-operator's PrometheusRule (no typed class in @pulumi/kubernetes: a CustomResource). */
class PrometheusRule extends k8s.apiextensions.CustomResource {
  constructor(name: string, args: Omit<k8s.apiextensions.CustomResourceArgs, "apiVersion" | "kind">, opts?: pulumi.CustomResourceOptions) {
    super(name, { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", ...args }, opts);
  }
}

/**
 * The typed @pulumi/kubernetes class for each kind the site baseline uses: the tenant kinds (keyed
 * from the model's table) and the platform's own. Typed classes give the canonical type tokens
 * (`kubernetes:core/v1:Namespace`), so previews read well and the policy pack can match on them; a
 * `Node` is only ever patched (labels, taints), never created.
 */
const CLASSES: Readonly<Record<string, Constructor>> = {
  ...Object.fromEntries(TENANT_KINDS.map((k) => [kindKey(k), TENANT_CLASSES[k.kind]])),
  "v1/ConfigMap": k8s.core.v1.ConfigMap,
  "v1/Service": k8s.core.v1.Service,
  "v1/Node": k8s.core.v1.NodePatch,
  "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy": k8s.admissionregistration.v1.ValidatingAdmissionPolicy,
  "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding": k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding,
  "apps/v1/Deployment": k8s.apps.v1.Deployment,
  "policy/v1/PodDisruptionBudget": k8s.policy.v1.PodDisruptionBudget,
  "rbac.authorization.k8s.io/v1/ClusterRole": k8s.rbac.v1.ClusterRole,
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": k8s.rbac.v1.ClusterRoleBinding,
  "storage.k8s.io/v1/StorageClass": k8s.storage.v1.StorageClass,
  "monitoring.coreos.com/v1/PrometheusRule": PrometheusRule,
};

/** Kinds the site baseline may declare, as `apiVersion/kind`. */
export const SUPPORTED_KINDS: readonly string[] = Object.keys(CLASSES);

/**
 * The child's role in its component's resource names: `namespace` for the one Namespace, else
 * `<kind>-<name>`. Part of the resource-name contract: changing it replaces live objects.
 */
export function objectRole(o: KubernetesObject): string {
  return o.kind === "Namespace" ? "namespace" : `${o.kind.toLowerCase()}-${o.metadata.name}`;
}

/**
 * Registers plain Kubernetes objects as Pulumi resources named `${prefix}-${objectRole(o)}`, each
 * parented to `parent`. Objects in a namespace this call creates depend on that Namespace, so it is
 * applied first and deleted last.
 * @throws Error for a kind the baseline does not declare (a programming error)
 */
export function registerObjects(
  parent: pulumi.Resource,
  prefix: string,
  objects: readonly KubernetesObject[],
  dependsOn: readonly pulumi.Resource[] = [],
): pulumi.CustomResource[] {
  const namespaces = new Map<string, pulumi.CustomResource>();
  return objects.map((object) => {
    const key = `${object.apiVersion}/${object.kind}`;
    const Class = CLASSES[key];
    if (!Class) throw new Error(`${prefix}: no resource class for ${key}; supported: ${SUPPORTED_KINDS.join(", ")}`);
    const { apiVersion: _v, kind: _k, ...args } = object;
    const ns = object.metadata.namespace === undefined ? undefined : namespaces.get(object.metadata.namespace);
    const resource = new Class(`${prefix}-${objectRole(object)}`, args as never, {
      parent,
      dependsOn: ns ? [...dependsOn, ns] : [...dependsOn],
    });
    if (object.kind === "Namespace") namespaces.set(object.metadata.name, resource);
    return resource;
  });
}
