import { chmod, mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { CONTROL_PLANE_NAME, CONTROL_PLANE_NAMESPACE } from "../../model/index.ts";

/**
 * Writes a kubeconfig for the control plane's own identity: a token for the ServiceAccount the site
 * stack created and bound to the least-privilege `ndc-control-plane` ClusterRole. The service run
 * outside the cluster (npm start) then has exactly the rights it would have inside it.
 * @throws when the ServiceAccount does not exist: lay down the site baseline first (pulumi up)
 */
export async function writeControlPlaneKubeconfig(admin: KubeConfig, out: string, hours = 24 * 7): Promise<string> {
  const core = admin.makeApiClient(CoreV1Api);
  let token: string | undefined;
  try {
    const request = await core.createNamespacedServiceAccountToken({
      name: CONTROL_PLANE_NAME,
      namespace: CONTROL_PLANE_NAMESPACE,
      body: { spec: { audiences: [], expirationSeconds: hours * 3600 } },
    });
    token = request.status?.token;
  } catch (error) {
    throw new Error(
      `cannot get a token for ServiceAccount ${CONTROL_PLANE_NAMESPACE}/${CONTROL_PLANE_NAME} (${(error as Error).message}); lay down the site baseline first: npx tsx scripts/pulumi.ts up --stack local --yes`,
      { cause: error },
    );
  }
  if (!token) throw new Error(`the API server returned no token for ${CONTROL_PLANE_NAMESPACE}/${CONTROL_PLANE_NAME}`);
  const cluster = admin.getCurrentCluster()!;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: cluster.name, server: cluster.server, caData: cluster.caData, caFile: cluster.caFile, skipTLSVerify: cluster.skipTLSVerify }],
    users: [{ name: CONTROL_PLANE_NAME, token }],
    contexts: [{ name: CONTROL_PLANE_NAME, cluster: cluster.name, user: CONTROL_PLANE_NAME }],
    currentContext: CONTROL_PLANE_NAME,
  });
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, kc.exportConfig(), { mode: 0o600 });
  await chmod(out, 0o600); // `mode` applies only when the file is created
  return out;
}
