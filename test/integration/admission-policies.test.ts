// Guard rails RBAC cannot express, proven on the real kube-apiserver: the builder's
// ValidatingAdmissionPolicies refuse what the roles allow. Every refusal is first shown to be allowed
// by RBAC alone (a SelfSubjectAccessReview, as `kubectl auth can-i` asks, and a dry run without the
// policies), then refused with the policy's message; the control plane's own work still succeeds.
import { AuthorizationV1Api, CoreV1Api, KubernetesObjectApi, RbacAuthorizationV1Api, type KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  admissionPolicies,
  admitEnvironment,
  assemblePlatform,
  buildEnvironmentObjects,
  CONTROL_PLANE_ROLE,
  type KubernetesObject,
} from "../../model/index.ts";
import { testOrganization, testSiteStack, testSpec } from "../../model/testing.ts";
import { kubeCredentialsFrom, SiteConnection } from "../../control-plane/provisioner/index.ts";
import { adminKubeConfig, apiError, uniqueNamespacePrefix, userKubeConfig, waitUntil } from "./_cluster.ts";
import { installPlatformClusterRoles } from "./_control-plane-identity.ts";

const prefix = uniqueNamespacePrefix("ap");
const run = prefix.replace(/[^a-z0-9]/g, "").slice(-6);
const org = testOrganization({ slug: `ap${run}`, ownerGroups: [`ap${run}-owners`] });
const platform = assemblePlatform([testSiteStack({}, [org])]);
const site = platform.sites.get("ndc1")!.config!;
const plan = admitEnvironment({ org: org.slug, spec: testSpec({ name: "app", owners: org.ownerGroups, resources: { cpu: "1", memory: "1Gi" } }) }, platform);
const environment = buildEnvironmentObjects({ plan, site, organization: org });
const tenantNs = plan.namespace;
/** A level-4 environment of the same organization, on the dedicated pool "secure" (its namespace tolerates that pool's taint). */
const securePlan = admitEnvironment(
  {
    org: org.slug,
    spec: testSpec({ name: "secure", zone: "data", dataClass: "important", securityLevel: 4, owners: org.ownerGroups, resources: { cpu: "1", memory: "1Gi" } }),
  },
  platform,
);
const secureEnvironment = buildEnvironmentObjects({ plan: securePlan, site, organization: org });
const secureNs = securePlan.namespace;
/** A namespace the control plane does not manage (as kube-system, but ours to delete). */
const foreignNs = `${prefix}foreign`;

/**
 * The builder's policies under names of this run: the cluster is shared with other test files and
 * with `pulumi up` of the site program, which owns the real names.
 */
const policies = admissionPolicies("pulumi").map((o) => {
  const name = `${o.metadata.name}-${run}`;
  const spec = o.kind === "ValidatingAdmissionPolicyBinding" ? { ...(o.spec as object), policyName: name } : o.spec;
  return { ...o, metadata: { ...o.metadata, name }, spec } as KubernetesObject;
});

let admin: KubeConfig;
let tenant: KubeConfig;
let controlPlane: KubeConfig;
const cpBinding = `ndc-control-plane-${run}`;

const dryRun = "All";
const roleBinding = (name: string, namespace: string, role = "ndc-tenant-admin") => ({
  metadata: { name, namespace },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
  subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "attacker" }],
});
const externalIpService = (namespace: string) => ({ metadata: { name: "intercept", namespace }, spec: { ports: [{ port: 443 }], externalIPs: ["8.8.8.8"] } });
/** A pod Pod Security `restricted` admits, with the tolerations and node selector given. */
const tolerating = (name: string, tolerations: object[], nodeSelector: Record<string, string> = {}) => ({
  metadata: { name },
  spec: {
    nodeSelector,
    tolerations,
    containers: [
      {
        name: "app",
        image: "registry.ndc.gov.vn/app:1",
        securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } },
      },
    ],
  },
});
/** What a pod of a shared pool adds to run on the dedicated pool "secure" (its nodes are tainted ndc.gov.vn/dedicated=secure). */
const intoSecure = [{ key: "ndc.gov.vn/dedicated", operator: "Equal", value: "secure", effect: "NoSchedule" }];
/** A JSON patch (client-node's default patch type) lowering a namespace to Pod Security privileged. */
const privileged = [{ op: "add", path: "/metadata/labels/pod-security.kubernetes.io~1enforce", value: "privileged" }];

async function canI(kc: KubeConfig, verb: string, resource: string, group: string, namespace?: string): Promise<boolean> {
  const review = await kc
    .makeApiClient(AuthorizationV1Api)
    .createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: { verb, resource, group, ...(namespace ? { namespace } : {}) } } } });
  return review.status?.allowed === true;
}

async function installPolicies(): Promise<void> {
  const objects = KubernetesObjectApi.makeApiClient(admin);
  for (const o of policies) await objects.patch(o as never, undefined, undefined, "ndc-tests", true, "application/apply-patch+yaml" as never);
}

async function removePolicies(): Promise<void> {
  const objects = KubernetesObjectApi.makeApiClient(admin);
  for (const o of [...policies].reverse()) await objects.delete(o as never).catch(() => undefined);
}

beforeAll(async () => {
  admin = adminKubeConfig();
  await installPlatformClusterRoles(admin);
  // The control plane as the site runs it: its ServiceAccount's user name, bound to its role.
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: cpBinding },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: CONTROL_PLANE_ROLE },
      subjects: [{ kind: "ServiceAccount", name: "ndc-control-plane", namespace: "ndc-control-plane" }],
    },
  });
  controlPlane = await userKubeConfig("system:serviceaccount:ndc-control-plane:ndc-control-plane", [
    "system:serviceaccounts",
    "system:serviceaccounts:ndc-control-plane",
  ]);
  tenant = await userKubeConfig(`owner-${run}`, org.ownerGroups);
  await admin.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: foreignNs } } });
  const cp = SiteConnection.open("ndc1", kubeCredentialsFrom(controlPlane));
  try {
    for (const o of [...environment, ...secureEnvironment]) await cp.apply(o);
  } finally {
    cp.close();
  }
  // Pods need the namespaces' default ServiceAccount, which the controller manager creates.
  await waitUntil("default ServiceAccounts", 30_000, async () => {
    for (const namespace of [tenantNs, secureNs]) await admin.makeApiClient(CoreV1Api).readNamespacedServiceAccount({ name: "default", namespace });
    return true;
  });
}, 120_000);

afterAll(async () => {
  await removePolicies();
  const core = admin.makeApiClient(CoreV1Api);
  for (const name of [tenantNs, secureNs, foreignNs]) await core.deleteNamespace({ name }).catch(() => undefined);
  await admin
    .makeApiClient(RbacAuthorizationV1Api)
    .deleteClusterRoleBinding({ name: cpBinding })
    .catch(() => undefined);
});

describe("without the policies, RBAC alone", () => {
  test("lets a tenant owner create a Service with spec.externalIPs (CVE-2020-8554)", async () => {
    expect(await canI(tenant, "create", "services", "", tenantNs)).toBe(true);
    await tenant.makeApiClient(CoreV1Api).createNamespacedService({ namespace: tenantNs, body: externalIpService(tenantNs), dryRun });
  });

  test("lets a tenant owner's pod on a shared pool tolerate the dedicated pool's taint and select its nodes", async () => {
    expect(await canI(tenant, "create", "pods", "", tenantNs)).toBe(true);
    const created = await tenant
      .makeApiClient(CoreV1Api)
      .createNamespacedPod({ namespace: tenantNs, body: tolerating("squatter", intoSecure, { "ndc.gov.vn/pool": "secure" }), dryRun });
    expect(created.spec!.nodeSelector).toEqual({ "ndc.gov.vn/zone": "app", "ndc.gov.vn/pool": "secure" });
    expect(created.spec!.tolerations).toContainEqual(intoSecure[0]);
  });

  test("lets the control plane bind ndc-tenant-admin in kube-system and relabel its Pod Security", async () => {
    expect(await canI(controlPlane, "create", "rolebindings", "rbac.authorization.k8s.io", "kube-system")).toBe(true);
    expect(await canI(controlPlane, "patch", "namespaces", "")).toBe(true);
    await controlPlane
      .makeApiClient(RbacAuthorizationV1Api)
      .createNamespacedRoleBinding({ namespace: "kube-system", body: roleBinding("takeover", "kube-system"), dryRun });
    await controlPlane.makeApiClient(CoreV1Api).patchNamespace({ name: "kube-system", body: privileged, dryRun });
  });
});

describe("with the builder's ValidatingAdmissionPolicies", () => {
  beforeAll(async () => {
    await installPolicies();
    // Policies are compiled and picked up asynchronously: wait until the first one refuses.
    await waitUntil("the admission policies in force", 30_000, async () => {
      const error = await apiError(() =>
        tenant.makeApiClient(CoreV1Api).createNamespacedService({ namespace: tenantNs, body: externalIpService(tenantNs), dryRun }),
      ).catch(() => undefined);
      return error?.code === 403;
    });
    await waitUntil("the control-plane guard rails in force", 30_000, async () => {
      const error = await apiError(() => controlPlane.makeApiClient(CoreV1Api).patchNamespace({ name: foreignNs, body: privileged, dryRun })).catch(
        () => undefined,
      );
      return error?.code === 403;
    });
  }, 90_000);

  test("a tenant owner's Service with spec.externalIPs is refused, naming the CVE; without it, it is created", async () => {
    const error = await apiError(() =>
      tenant.makeApiClient(CoreV1Api).createNamespacedService({ namespace: tenantNs, body: externalIpService(tenantNs), dryRun }),
    );
    expect(error.code).toBe(403);
    expect(error.message).toContain(
      "Services in tenant namespaces may not set spec.externalIPs: an external IP receives the traffic of any address (CVE-2020-8554)",
    );
    await tenant
      .makeApiClient(CoreV1Api)
      .createNamespacedService({ namespace: tenantNs, body: { metadata: { name: "plain" }, spec: { ports: [{ port: 443 }] } }, dryRun });
  });

  test("fails when a pod of a shared pool may tolerate a dedicated pool's taint (bug: any tenant pod could run on the nodes dedicated to level-4 systems)", async () => {
    const core = tenant.makeApiClient(CoreV1Api);
    const refusal =
      "pods in tenant namespaces may tolerate the taint ndc.gov.vn/dedicated only with their own namespace's pool as value (ndc.gov.vn/pool), and never every taint";
    await waitUntil("the toleration guard rail in force", 30_000, async () => {
      const error = await apiError(() => core.createNamespacedPod({ namespace: tenantNs, body: tolerating("probe", intoSecure), dryRun })).catch(
        () => undefined,
      );
      return error?.code === 403;
    });
    for (const [what, tolerations] of [
      ["the secure pool's taint", intoSecure],
      ["every dedicated pool's taint", [{ key: "ndc.gov.vn/dedicated", operator: "Exists", effect: "NoSchedule" }]],
      ["every taint", [{ operator: "Exists" }]],
    ] as const) {
      const error = await apiError(() =>
        core.createNamespacedPod({ namespace: tenantNs, body: tolerating("squatter", [...tolerations], { "ndc.gov.vn/pool": "secure" }), dryRun }),
      );
      expect(error.code, what).toBe(403);
      expect(error.message, what).toContain(refusal);
    }
    // Tolerations of other taints, and none at all, are the tenant's own business.
    await core.createNamespacedPod({
      namespace: tenantNs,
      body: tolerating("patient", [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 600 }]),
      dryRun,
    });
    await core.createNamespacedPod({ namespace: tenantNs, body: tolerating("plain", []), dryRun });
  });

  test("fails when a level-4 environment's pod may tolerate another dedicated pool (bug: dedicated pools were open to any pod that tolerated them); its own pool's toleration, the namespace's default, stands", async () => {
    const core = tenant.makeApiClient(CoreV1Api);
    const created = await core.createNamespacedPod({ namespace: secureNs, body: tolerating("dedicated", []), dryRun });
    expect(created.spec!.nodeSelector).toEqual({ "ndc.gov.vn/zone": "data", "ndc.gov.vn/pool": "secure" });
    expect(created.spec!.tolerations).toContainEqual({ key: "ndc.gov.vn/dedicated", operator: "Equal", value: "secure", effect: "NoSchedule" });
    const other = await apiError(() =>
      core.createNamespacedPod({
        namespace: secureNs,
        body: tolerating("elsewhere", [{ key: "ndc.gov.vn/dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" }]),
        dryRun,
      }),
    );
    expect(other.code).toBe(403);
  });

  test("adding externalIPs to an existing tenant Service is refused too", async () => {
    const core = tenant.makeApiClient(CoreV1Api);
    await core.createNamespacedService({ namespace: tenantNs, body: { metadata: { name: "web" }, spec: { ports: [{ port: 443 }] } } });
    const error = await apiError(() =>
      core.patchNamespacedService({ name: "web", namespace: tenantNs, body: [{ op: "add", path: "/spec/externalIPs", value: ["10.1.2.3"] }], dryRun }),
    );
    expect(error.code).toBe(403);
    expect(error.message).toContain("CVE-2020-8554");
  });

  test("the control plane cannot bind ndc-tenant-admin in kube-system, though RBAC says it can", async () => {
    expect(await canI(controlPlane, "create", "rolebindings", "rbac.authorization.k8s.io", "kube-system")).toBe(true);
    const error = await apiError(() =>
      controlPlane
        .makeApiClient(RbacAuthorizationV1Api)
        .createNamespacedRoleBinding({ namespace: "kube-system", body: roleBinding("takeover", "kube-system"), dryRun }),
    );
    expect(error.code).toBe(403);
    expect(error.message).toContain(
      "the control plane may change RoleBindings only in namespaces it manages (app.kubernetes.io/managed-by=ndc-control-plane, with ndc.gov.vn/org); kube-system is not one",
    );
  });

  test("the control plane cannot relabel the Pod Security level of kube-system or of a namespace it does not manage", async () => {
    for (const name of ["kube-system", foreignNs]) {
      const error = await apiError(() => controlPlane.makeApiClient(CoreV1Api).patchNamespace({ name, body: privileged, dryRun }));
      expect(error.code, name).toBe(403);
      expect(error.message).toContain(
        `the control plane may change or delete only namespaces it manages (app.kubernetes.io/managed-by=ndc-control-plane, with ndc.gov.vn/org); ${name} is not one`,
      );
    }
    const deletion = await apiError(() => controlPlane.makeApiClient(CoreV1Api).deleteNamespace({ name: foreignNs, dryRun }));
    expect(deletion.code).toBe(403);
  });

  test("the control plane cannot lower its own tenant namespace's Pod Security level, nor bind another role there", async () => {
    const error = await apiError(() => controlPlane.makeApiClient(CoreV1Api).patchNamespace({ name: tenantNs, body: privileged, dryRun }));
    expect(error.code).toBe(403);
    expect(error.message).toContain(`Pod Security restricted (pod-security.kubernetes.io/enforce=restricted); ${tenantNs} would not`);
    // A namespace made to look like a tenant's is refused the same way when it is privileged.
    const created = await apiError(() =>
      controlPlane.makeApiClient(CoreV1Api).createNamespace({
        body: {
          metadata: {
            name: `${prefix}fake`,
            labels: { "app.kubernetes.io/managed-by": "ndc-control-plane", "ndc.gov.vn/org": org.slug, "pod-security.kubernetes.io/enforce": "privileged" },
          },
        },
        dryRun,
      }),
    );
    expect(created.code).toBe(403);
    const view = await apiError(() =>
      controlPlane
        .makeApiClient(RbacAuthorizationV1Api)
        .createNamespacedRoleBinding({ namespace: tenantNs, body: roleBinding("x", tenantNs, "admin"), dryRun }),
    );
    expect(view.code).toBe(403);
  });

  test("the control plane's own work still succeeds: the environment re-applied, a binding added and removed, the namespace deleted", async () => {
    const cp = SiteConnection.open("ndc1", kubeCredentialsFrom(controlPlane));
    try {
      for (const o of environment) await cp.apply(o);
      for (const o of environment) await cp.apply(o, { dryRun: true });
    } finally {
      cp.close();
    }
    const rbac = controlPlane.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRoleBinding({ namespace: tenantNs, body: roleBinding("extra-viewers", tenantNs, "view") });
    await rbac.deleteNamespacedRoleBinding({ name: "extra-viewers", namespace: tenantNs });
    await controlPlane.makeApiClient(CoreV1Api).deleteNamespace({ name: tenantNs, dryRun });
  });

  test("others are not held by the control plane's rules: the cluster admin still binds in kube-system", async () => {
    await admin
      .makeApiClient(RbacAuthorizationV1Api)
      .createNamespacedRoleBinding({ namespace: "kube-system", body: roleBinding("admin-may", "kube-system"), dryRun });
  });
});
