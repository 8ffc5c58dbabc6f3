import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { clusterMismatch, describeBinding, type ClusterBinding, type ClusterIdentity } from "../model/index.ts";

/**
 * Overrides the local stack's `localCluster` (`npm start -- --cluster <name>`, tests). It can only
 * name another cluster the repository's tooling runs on this machine, and the guard still requires
 * a loopback server.
 */
export const LOCAL_CLUSTER_ENV = "NDC_LOCAL_CLUSTER";

/** Thrown when the cluster a stack's kubeconfig reaches is not the stack's, or cannot be read. */
export class ClusterIdentityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ClusterIdentityError";
  }
}

/** The kubeconfig a stack applies through, read once: the provider gets exactly what was checked. */
export interface ClusterTarget {
  /** Where it came from, for messages. */
  readonly path: string;
  /** The kubeconfig's text. */
  readonly kubeconfig: string;
  readonly context?: string;
  /** Who the cluster is, as read from it. */
  readonly identity: ClusterIdentity;
}

/**
 * Where a binding's kubeconfig is: `~/` is the home folder, a relative path starts at `baseDir`
 * (the project folder the engine runs the program in); a local cluster's is its admin kubeconfig in
 * the tool cache (`$NDC_CACHE_DIR` or `~/.cache/ndc-platform`, as scripts/toolchain sets it).
 */
export function kubeconfigPath(binding: ClusterBinding, baseDir: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): string {
  if (binding.kind === "local") {
    const cache = env.NDC_CACHE_DIR || join(homedir(), ".cache", "ndc-platform");
    const name = env[LOCAL_CLUSTER_ENV] || binding.name;
    // It becomes a folder name: a slug, never a path.
    if (!/^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$/.test(name))
      throw new ClusterIdentityError(`${LOCAL_CLUSTER_ENV}=${JSON.stringify(name)} is not a cluster name: use 1-32 lowercase letters, digits and '-'`);
    return join(cache, "cluster", name, "admin.kubeconfig");
  }
  const path = binding.kubeconfig;
  return path === "~" || path.startsWith("~/") ? join(homedir(), path.slice(1)) : resolve(baseDir, path);
}

/**
 * Asks a cluster who it is: its API server URL (from the kubeconfig) and the UID of its
 * `kube-system` namespace, which the cluster assigned when it was created and no other cluster has.
 * @throws ClusterIdentityError when the context is missing or the cluster does not answer
 */
export async function readClusterIdentity(kubeconfig: string, context: string | undefined, where: string): Promise<ClusterIdentity> {
  const kc = new KubeConfig();
  try {
    kc.loadFromString(kubeconfig);
  } catch (error) {
    throw new ClusterIdentityError(`${where} is not a kubeconfig: ${(error as Error).message}`);
  }
  if (context !== undefined) {
    if (!kc.getContextObject(context))
      throw new ClusterIdentityError(
        `${where} has no context ${context}; it has ${
          kc
            .getContexts()
            .map((c) => c.name)
            .join(", ") || "none"
        }`,
      );
    kc.setCurrentContext(context);
  }
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new ClusterIdentityError(`${where} names no cluster for context ${kc.getCurrentContext() || "(none)"}`);
  try {
    const ns = await kc.makeApiClient(CoreV1Api).readNamespace({ name: "kube-system" });
    const uid = ns.metadata?.uid;
    if (!uid) throw new Error("the kube-system namespace has no uid");
    return { server, uid };
  } catch (error) {
    throw new ClusterIdentityError(
      `could not read the identity of the cluster ${server} that ${where} reaches (the kube-system namespace): ${(error as Error).message.split("\n")[0]}`,
    );
  }
}

/**
 * Reads the stack's kubeconfig and checks that the cluster it reaches is the one the stack is bound
 * to, before the program registers anything: a mismatch stops `preview` and `up` with nothing changed.
 * @throws ClusterIdentityError naming the stack, the cluster it is bound to and the one reached
 */
export async function verifyClusterIdentity(
  stack: string,
  binding: ClusterBinding,
  read: typeof readClusterIdentity = readClusterIdentity,
): Promise<ClusterTarget> {
  const path = kubeconfigPath(binding);
  const context = binding.kind === "bound" ? binding.context : undefined;
  const where = `the kubeconfig ${path}${context ? ` (context ${context})` : ""}`;
  let kubeconfig: string;
  try {
    kubeconfig = await readFile(path, "utf8");
  } catch (error) {
    const hint = binding.kind === "local" ? "start it with `npm run cluster -- up` (npm start does)" : "fix ndc:cluster.kubeconfig, or bind the stack again";
    throw new ClusterIdentityError(
      `stack ${stack} applies to ${describeBinding(binding)} through ${where}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): ${hint}`,
    );
  }
  const identity = await read(kubeconfig, context, where);
  const mismatch = clusterMismatch(stack, binding, identity, where);
  if (mismatch) throw new ClusterIdentityError(mismatch);
  return { path, kubeconfig, ...(context ? { context } : {}), identity };
}
