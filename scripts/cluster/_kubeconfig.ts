import { readFile } from "node:fs/promises";
import { stringify } from "yaml";

/** What a client-certificate kubeconfig holds. */
export interface KubeconfigInput {
  /** Cluster and context name. */
  readonly clusterName: string;
  readonly userName: string;
  /** API server URL, e.g. `https://127.0.0.1:6443`. */
  readonly server: string;
  /** Paths of the PEM files. */
  readonly caCert: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

/**
 * Renders a self-contained kubeconfig (certificates embedded, not referenced) so it can be copied
 * or loaded anywhere.
 */
export async function renderKubeconfig(input: KubeconfigInput): Promise<string> {
  const b64 = async (path: string) => (await readFile(path)).toString("base64");
  const context = `${input.userName}@${input.clusterName}`;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: input.clusterName, cluster: { server: input.server, "certificate-authority-data": await b64(input.caCert) } }],
    users: [{ name: input.userName, user: { "client-certificate-data": await b64(input.clientCert), "client-key-data": await b64(input.clientKey) } }],
    contexts: [{ name: context, context: { cluster: input.clusterName, user: input.userName } }],
    "current-context": context,
  });
}
