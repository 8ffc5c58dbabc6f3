import { LABELS } from "../names.ts";
import { tenantKindRules } from "../tenant-kinds.ts";
import type { KubernetesObject, ManagedBy } from "./kubernetes-object.ts";

/** The role tenant owners get in their namespaces: run workloads, never change the guard rails. */
export const TENANT_ADMIN_ROLE = "ndc-tenant-admin";
/** The control plane's own cluster role: only what provisioning, drift repair and retention need. */
export const CONTROL_PLANE_ROLE = "ndc-control-plane";
/** Kubernetes' built-in read-only role, bound to viewers. */
export const VIEWER_ROLE = "view";

const ALL = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];
const READ = ["get", "list", "watch"];

/**
 * The tenant admin role: full control of workloads, read-only on quota, limits, network policies
 * and RBAC, so owners cannot widen their own isolation. No `endpoints` or `endpointslices`: whoever
 * writes them steers a Service's traffic to any address, around network policies (CVE-2021-25740;
 * Kubernetes removed them from its own `edit` and `admin` roles for that reason).
 */
export function tenantAdminClusterRole(managedBy: ManagedBy = "pulumi"): KubernetesObject {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: TENANT_ADMIN_ROLE, labels: { [LABELS.managedBy]: managedBy, [LABELS.role]: "tenant-admin" } },
    rules: [
      { apiGroups: [""], resources: ["pods", "services", "configmaps", "secrets", "persistentvolumeclaims"], verbs: ALL },
      { apiGroups: [""], resources: ["pods/log", "pods/exec", "pods/portforward", "pods/attach"], verbs: ["get", "create"] },
      { apiGroups: [""], resources: ["serviceaccounts", "events", "resourcequotas", "limitranges"], verbs: READ },
      { apiGroups: ["apps"], resources: ["deployments", "statefulsets", "replicasets"], verbs: ALL },
      { apiGroups: ["apps"], resources: ["deployments/scale", "statefulsets/scale"], verbs: ["get", "update", "patch"] },
      { apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: ALL },
      { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], verbs: ALL },
      { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: ALL },
      { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: ALL },
      { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: READ },
      { apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles", "rolebindings"], verbs: READ },
    ],
  };
}

/**
 * The control plane's identity: manage the objects the builder produces and nothing else. It may
 * bind tenants to the tenant-admin and view roles (`bind`) without holding their permissions.
 * Never cluster-admin.
 */
export function controlPlaneClusterRole(managedBy: ManagedBy = "pulumi"): KubernetesObject {
  const manage = ["get", "list", "watch", "create", "update", "patch", "delete"];
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: CONTROL_PLANE_ROLE, labels: { [LABELS.managedBy]: managedBy, [LABELS.role]: "control-plane" } },
    rules: [
      // The objects an environment is made of (the model's TENANT_KINDS).
      ...tenantKindRules(),
      { apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], verbs: ["bind"], resourceNames: [TENANT_ADMIN_ROLE, VIEWER_ROLE] },
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: manage },
      // Retention scales a tenant's workloads to zero (and restore scales them back); pods left
      // over are deleted. Nothing else of the tenant's is touched.
      { apiGroups: ["apps"], resources: ["deployments", "statefulsets", "replicasets"], verbs: ["get", "list", "patch"] },
      { apiGroups: ["batch"], resources: ["cronjobs", "jobs"], verbs: ["get", "list", "patch"] },
      { apiGroups: [""], resources: ["pods"], verbs: ["list", "delete", "deletecollection"] },
      { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] },
    ],
  };
}

/** Resources no tenant-facing role may write: traffic-steering objects (CVE-2021-25740). */
export const TENANT_FORBIDDEN_WRITES: readonly { readonly apiGroup: string; readonly resource: string }[] = [
  { apiGroup: "", resource: "endpoints" },
  { apiGroup: "discovery.k8s.io", resource: "endpointslices" },
];

/** All platform cluster roles, in apply order. */
export function platformClusterRoles(managedBy: ManagedBy = "pulumi"): KubernetesObject[] {
  return [tenantAdminClusterRole(managedBy), controlPlaneClusterRole(managedBy)];
}
