import { DEDICATED_TAINT_KEY, LABELS } from "../names.ts";
import type { KubernetesObject, ManagedBy } from "./kubernetes-object.ts";
import { TENANT_ADMIN_ROLE, VIEWER_ROLE } from "./platform-rbac.ts";

/**
 * The identity the control plane runs as at a site: its ServiceAccount in its own namespace (the
 * site program's `ndc-control-plane` Deployment). The guard rails below key on it.
 */
export const CONTROL_PLANE_SERVICE_ACCOUNT = "system:serviceaccount:ndc-control-plane:ndc-control-plane";

/** Names of the admission policies (and of their bindings, one each). */
export const ADMISSION_POLICY_NAMES = {
  serviceExternalIps: "ndc-tenant-service-external-ips",
  controlPlaneRoleBindings: "ndc-control-plane-rolebindings",
  controlPlaneNamespaces: "ndc-control-plane-namespaces",
  tenantPodTolerations: "ndc-tenant-pod-tolerations",
} as const;

/** Labels a namespace the control plane manages carries (the builder sets both). */
const managedBy = LABELS.managedBy;
const org = LABELS.org;
const enforce = "pod-security.kubernetes.io/enforce";

/** CEL: `obj` (a Namespace or namespaceObject) is a tenant namespace the control plane manages. */
const managedNamespace = (obj: string) =>
  `has(${obj}.metadata.labels) && '${managedBy}' in ${obj}.metadata.labels && ${obj}.metadata.labels['${managedBy}'] == 'ndc-control-plane' && '${org}' in ${obj}.metadata.labels`;

function policy(name: string, managed: ManagedBy, spec: Record<string, unknown>): KubernetesObject[] {
  const labels = { [LABELS.managedBy]: managed, [LABELS.role]: "guard-rail" };
  return [
    { apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicy", metadata: { name, labels }, spec: { failurePolicy: "Fail", ...spec } },
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicyBinding",
      metadata: { name, labels },
      spec: { policyName: name, validationActions: ["Deny"] },
    },
  ];
}

/**
 * Guard rails that RBAC cannot express, as ValidatingAdmissionPolicies (GA since Kubernetes 1.30),
 * each with its Deny binding:
 * - in tenant namespaces (labelled with an organization) no Service sets `spec.externalIPs`: whoever
 *   does receives the traffic of any address (CVE-2020-8554);
 * - the control plane's ServiceAccount writes RoleBindings only in namespaces it manages, binding
 *   only the roles the model names (ndc-tenant-admin, view);
 * - it creates, changes and deletes only namespaces it manages, which stay Pod Security
 *   `restricted`: it cannot relabel kube-system or any other namespace.
 * A compromised control plane is then confined to tenant namespaces.
 * - in tenant namespaces no pod tolerates a dedicated pool's taint other than its own namespace's
 *   pool (`ndc.gov.vn/pool`), nor every taint at once (an empty key with Exists): without this a
 *   pod of a shared pool adds the toleration and a pool `ndc.gov.vn/pool` node selector itself and
 *   runs beside level-4 systems on their dedicated nodes. PodTolerationRestriction's namespace
 *   whitelist cannot say it (an empty whitelist allows everything, a full one must list every
 *   toleration Kubernetes adds).
 */
export function admissionPolicies(managed: ManagedBy = "pulumi"): KubernetesObject[] {
  const cp = `request.userInfo.username == '${CONTROL_PLANE_SERVICE_ACCOUNT}'`;
  const pool = LABELS.pool;
  // A toleration that may stand: another taint's, or its own pool's dedicated taint by value (Equal is the default operator).
  const tolerationAllowed =
    `(has(t.key) && t.key != '' && t.key != '${DEDICATED_TAINT_KEY}') || ` +
    `(has(t.key) && t.key == '${DEDICATED_TAINT_KEY}' && (!has(t.operator) || t.operator == 'Equal') && has(t.value) && ` +
    `has(namespaceObject.metadata.labels) && '${pool}' in namespaceObject.metadata.labels && t.value == namespaceObject.metadata.labels['${pool}'])`;
  return [
    ...policy(ADMISSION_POLICY_NAMES.serviceExternalIps, managed, {
      matchConstraints: {
        resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["services"] }],
        namespaceSelector: { matchExpressions: [{ key: org, operator: "Exists" }] },
      },
      validations: [
        {
          expression: "!has(object.spec.externalIPs) || size(object.spec.externalIPs) == 0",
          message: "Services in tenant namespaces may not set spec.externalIPs: an external IP receives the traffic of any address (CVE-2020-8554)",
          reason: "Forbidden",
        },
      ],
    }),
    ...policy(ADMISSION_POLICY_NAMES.tenantPodTolerations, managed, {
      matchConstraints: {
        resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["pods"] }],
        namespaceSelector: { matchExpressions: [{ key: org, operator: "Exists" }] },
      },
      validations: [
        {
          expression: `!has(object.spec.tolerations) || object.spec.tolerations.all(t, ${tolerationAllowed})`,
          message: `pods in tenant namespaces may tolerate the taint ${DEDICATED_TAINT_KEY} only with their own namespace's pool as value (${pool}), and never every taint: dedicated pools hold only the environments placed on them`,
          reason: "Forbidden",
        },
      ],
    }),
    ...policy(ADMISSION_POLICY_NAMES.controlPlaneRoleBindings, managed, {
      matchConstraints: {
        resourceRules: [
          { apiGroups: ["rbac.authorization.k8s.io"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["rolebindings"] },
        ],
      },
      matchConditions: [{ name: "control-plane", expression: cp }],
      validations: [
        {
          expression: `namespaceObject != null && ${managedNamespace("namespaceObject")}`,
          messageExpression: `'the control plane may change RoleBindings only in namespaces it manages (${managedBy}=ndc-control-plane, with ${org}); ' + request.namespace + ' is not one'`,
          reason: "Forbidden",
        },
        {
          expression: `request.operation == 'DELETE' || (object.roleRef.kind == 'ClusterRole' && object.roleRef.name in ['${TENANT_ADMIN_ROLE}', '${VIEWER_ROLE}'])`,
          messageExpression: `'the control plane may bind only the ClusterRoles ${TENANT_ADMIN_ROLE} and ${VIEWER_ROLE}, not ' + object.roleRef.kind + ' ' + object.roleRef.name`,
          reason: "Forbidden",
        },
      ],
    }),
    ...policy(ADMISSION_POLICY_NAMES.controlPlaneNamespaces, managed, {
      matchConstraints: { resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["namespaces"] }] },
      matchConditions: [{ name: "control-plane", expression: cp }],
      validations: [
        {
          expression: `request.operation == 'CREATE' || (${managedNamespace("oldObject")})`,
          messageExpression: `'the control plane may change or delete only namespaces it manages (${managedBy}=ndc-control-plane, with ${org}); ' + request.name + ' is not one'`,
          reason: "Forbidden",
        },
        {
          expression: `request.operation == 'DELETE' || (${managedNamespace("object")} && '${enforce}' in object.metadata.labels && object.metadata.labels['${enforce}'] == 'restricted')`,
          messageExpression: `'a namespace the control plane writes must stay its own (${managedBy}=ndc-control-plane, with ${org}) and Pod Security restricted (${enforce}=restricted); ' + request.name + ' would not'`,
          reason: "Forbidden",
        },
      ],
    }),
  ];
}
