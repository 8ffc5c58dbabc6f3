// The provisioner's Kubernetes identity in tests: a client certificate user bound to the
// `ndc-control-plane` ClusterRole that the site program installs — never cluster-admin.
import { KubeConfig, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { CONTROL_PLANE_ROLE, platformClusterRoles } from "../../model/index.ts";
import { issueUserKubeconfig } from "../../scripts/cluster/index.ts";

export const CONTROL_PLANE_USER = "ndc-control-plane";

/**
 * Installs the platform ClusterRoles (as the site program would) and binds the control-plane user
 * to its role; returns that user's KubeConfig.
 */
export async function controlPlaneKubeConfig(admin: KubeConfig, cluster: string): Promise<KubeConfig> {
  await installPlatformClusterRoles(admin);
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  const binding = {
    metadata: { name: "ndc-control-plane-test" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: CONTROL_PLANE_ROLE },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: CONTROL_PLANE_USER }],
  };
  await rbac.replaceClusterRoleBinding({ name: binding.metadata.name, body: binding }).catch(() => rbac.createClusterRoleBinding({ body: binding }));
  const kc = new KubeConfig();
  kc.loadFromFile(await issueUserKubeconfig({ cluster, user: CONTROL_PLANE_USER }));
  return kc;
}

/** Installs the model's platform ClusterRoles as the site program would (create or replace). */
export async function installPlatformClusterRoles(admin: KubeConfig): Promise<void> {
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  for (const role of platformClusterRoles("pulumi")) {
    await rbac.replaceClusterRole({ name: role.metadata.name, body: role as never }).catch(() => rbac.createClusterRole({ body: role as never }));
  }
}
