import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { parse } from "yaml";

/**
 * What the provisioner needs to reach one API server: its address and how to trust and
 * authenticate. Read straight from a kubeconfig file: the service does not load
 * `@kubernetes/client-node` at run time, whose generated API alone costs ~85 MiB resident
 * (docs/architecture.md, "Memory").
 */
export interface KubeCredentials {
  readonly server: string;
  /** PEM of the CA that signed the server's certificate. @default the system's trust store */
  readonly ca?: string;
  /** Client certificate and key (PEM). */
  readonly cert?: string;
  readonly key?: string;
  /** Bearer token (e.g. a ServiceAccount token). */
  readonly token?: string;
  /** File holding the bearer token, re-read as it rotates (a projected ServiceAccount token). */
  readonly tokenFile?: string;
  /** @default false */
  readonly insecureSkipTlsVerify?: boolean;
}

interface Named<T> {
  readonly name: string;
  readonly [key: string]: unknown;
  readonly cluster?: T;
  readonly user?: T;
  readonly context?: T;
}

/**
 * Reads the current context of a kubeconfig file: server, CA, client certificate or token, from
 * inline `*-data` fields or files (relative to the kubeconfig, as kubectl resolves them).
 * @throws Error naming the file and the missing or unsupported field (exec and auth-provider
 * plugins are not supported: use a certificate or a token)
 */
export function readKubeconfigFile(path: string): KubeCredentials {
  const doc = parse(readFileSync(path, "utf8")) as Record<string, unknown> | null;
  const fail = (what: string): never => {
    throw new Error(`${path}: ${what}`);
  };
  if (!doc || typeof doc !== "object") fail("is not a kubeconfig (empty or not YAML)");
  const contextName = doc!["current-context"] as string | undefined;
  const context =
    (doc!.contexts as Named<Record<string, string>>[] | undefined)?.find((c) => c.name === contextName)?.context ??
    fail(`current-context ${JSON.stringify(contextName)} is not among its contexts`);
  const cluster =
    (doc!.clusters as Named<Record<string, unknown>>[] | undefined)?.find((c) => c.name === context.cluster)?.cluster ??
    fail(`cluster ${JSON.stringify(context.cluster)} of the current context is missing`);
  const user = (doc!.users as Named<Record<string, unknown>>[] | undefined)?.find((u) => u.name === context.user)?.user ?? {};
  if (user.exec || user["auth-provider"])
    fail(`user ${context.user} uses an exec or auth-provider plugin, which the control plane does not run; give it a client certificate or a token`);
  const base = dirname(resolve(path));
  const material = (data: unknown, file: unknown): string | undefined => {
    if (typeof data === "string") return Buffer.from(data, "base64").toString("utf8");
    if (typeof file === "string") return readFileSync(resolve(base, file), "utf8");
    return undefined;
  };
  const server = typeof cluster.server === "string" ? cluster.server : fail(`cluster ${context.cluster} has no server`);
  const token = typeof user.token === "string" ? user.token : undefined;
  const tokenFile = typeof user.tokenFile === "string" ? resolve(base, user.tokenFile) : undefined;
  return compact({
    server,
    ca: material(cluster["certificate-authority-data"], cluster["certificate-authority"]),
    cert: material(user["client-certificate-data"], user["client-certificate"]),
    key: material(user["client-key-data"], user["client-key"]),
    token,
    tokenFile,
    insecureSkipTlsVerify: cluster["insecure-skip-tls-verify"] === true,
  });
}

/** Where a pod finds its ServiceAccount credentials. */
export const IN_CLUSTER_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/**
 * The credentials of the pod the service runs in: the API server from KUBERNETES_SERVICE_HOST/PORT,
 * the cluster CA and the ServiceAccount token (re-read as kubelet rotates it).
 * @throws Error when not running in a pod
 */
export function inClusterCredentials(env: NodeJS.ProcessEnv = process.env, dir = IN_CLUSTER_DIR): KubeCredentials {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? "443";
  if (!host) throw new Error("not running in a Kubernetes pod (KUBERNETES_SERVICE_HOST is not set); use NDC_KUBECONFIG_<SITE> instead");
  return { server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`, ca: readFileSync(`${dir}/ca.crt`, "utf8"), tokenFile: `${dir}/token` };
}

/**
 * The same from a client-node `KubeConfig` object already loaded (tests and scripts use
 * client-node; only its type is imported here).
 */
export function kubeCredentialsFrom(kc: KubeConfig): KubeCredentials {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("kubeconfig has no current cluster: set current-context to a context with a cluster");
  const user = kc.getCurrentUser();
  const material = (data?: string, file?: string) => (data ? Buffer.from(data, "base64").toString("utf8") : file ? readFileSync(file, "utf8") : undefined);
  return compact({
    server: cluster.server,
    ca: material(cluster.caData, cluster.caFile),
    cert: material(user?.certData, user?.certFile),
    key: material(user?.keyData, user?.keyFile),
    token: user?.token,
    insecureSkipTlsVerify: cluster.skipTLSVerify === true,
  });
}

function compact(c: { [K in keyof KubeCredentials]: KubeCredentials[K] | undefined }): KubeCredentials {
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as unknown as KubeCredentials;
}
