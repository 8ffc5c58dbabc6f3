import { Type, type Static } from "@sinclair/typebox";
import { SlugSchema } from "./names.ts";
import { IssueCollector } from "./validation-error.ts";

/** The stack this stack-file key belongs to: `ndc:cluster`. */
const FIELD = "ndc:cluster";

/** The stack whose cluster is the machine's own (`npm start`, `npm run cluster`). */
export const LOCAL_STACK = "local";

/**
 * The cluster a stack applies to (`ndc:cluster`). A site stack is bound to one real cluster by
 * `npm run pulumi -- bind`, which records where its kubeconfig is and who the cluster is (its API
 * server and the UID of its `kube-system` namespace, which no other cluster shares). The `local` stack
 * names a cluster the repository's own tooling runs on this machine instead (`localCluster`), since
 * that cluster's identity changes each time it is started afresh.
 */
export const ClusterBindingSchema = Type.Object(
  {
    kubeconfig: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 4096,
        description: "path of the kubeconfig; `~/` is the home folder, a relative path starts at the project folder",
      }),
    ),
    context: Type.Optional(Type.String({ minLength: 1, maxLength: 253, description: "context in the kubeconfig; default its current-context" })),
    server: Type.Optional(
      Type.String({
        pattern: "^https://[^\\s]+$",
        maxLength: 2048,
        "x-rule": "server-url",
        "x-message": "must be the API server's https:// URL",
        description: "API server URL, recorded by bind",
      }),
    ),
    uid: Type.Optional(
      Type.String({
        pattern: "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
        "x-rule": "uid-format",
        "x-message": "must be the kube-system namespace's UID (lowercase UUID)",
        description: "UID of the cluster's kube-system namespace, recorded by bind",
      }),
    ),
    localCluster: Type.Optional(SlugSchema("name of a cluster `npm run cluster` runs on this machine (local stack only)", 32)),
  },
  { additionalProperties: false },
);
export type ClusterBindingConfig = Static<typeof ClusterBindingSchema>;

/** A stack bound to a real cluster: where its kubeconfig is and who the cluster must be. */
export interface BoundCluster {
  readonly kind: "bound";
  readonly kubeconfig: string;
  readonly context?: string;
  readonly server: string;
  readonly uid: string;
}

/** The local stack on a cluster the repository's tooling runs on this machine (loopback only). */
export interface LocalCluster {
  readonly kind: "local";
  readonly name: string;
}

export type ClusterBinding = BoundCluster | LocalCluster;

/** Who a cluster is, as read from it. */
export interface ClusterIdentity {
  readonly server: string;
  readonly uid: string;
}

/** The command that records a binding, for messages. */
export function bindCommand(stack: string): string {
  return `npm run pulumi -- bind --stack ${stack} --kubeconfig <file> [--context <name>]`;
}

/**
 * The binding a stack applies through, checked for completeness.
 * - A stack whose site has a cluster must name one (`cluster-binding-required`).
 * - `localCluster` is for the `local` stack only (`local-cluster-local-stack-only`), and alone
 *   (`cluster-binding-kind`).
 * - Every other binding has the kubeconfig, server and UID that `bind` records (`cluster-not-bound`).
 * @returns undefined for a stack without a cluster (a planned site)
 * @throws ValidationError naming the stack file, `ndc:cluster` and the rule
 */
export function resolveClusterBinding(
  binding: ClusterBindingConfig | undefined,
  stack: string,
  siteHasCluster: boolean,
  source: string,
): ClusterBinding | undefined {
  const issues = new IssueCollector();
  if (binding === undefined) {
    if (!siteHasCluster) return undefined;
    issues.add(FIELD, undefined, "cluster-binding-required", `stack ${stack} applies to a cluster but names none; record it with \`${bindCommand(stack)}\``);
    issues.throwIfAny(source);
  }
  const b = binding!;
  if (b.localCluster !== undefined) {
    if (stack !== LOCAL_STACK) {
      issues.add(
        `${FIELD}.localCluster`,
        b.localCluster,
        "local-cluster-local-stack-only",
        `only the ${LOCAL_STACK} stack may apply to a cluster of this machine; bind ${stack} to its site's cluster with \`${bindCommand(stack)}\``,
      );
    }
    const extra = (["kubeconfig", "context", "server", "uid"] as const).filter((k) => b[k] !== undefined);
    if (extra.length > 0)
      issues.add(
        FIELD,
        b,
        "cluster-binding-kind",
        `names either localCluster or a bound cluster (kubeconfig, server, uid), not both: remove ${extra.join(", ")} or localCluster`,
      );
    issues.throwIfAny(source);
    return { kind: "local", name: b.localCluster };
  }
  const missing = (["kubeconfig", "server", "uid"] as const).filter((k) => b[k] === undefined);
  if (missing.length > 0) {
    issues.add(
      FIELD,
      b,
      "cluster-not-bound",
      `lacks ${missing.join(", ")}: stack ${stack} is not bound to a cluster yet; record it with \`${bindCommand(stack)}\``,
    );
    issues.throwIfAny(source);
  }
  return { kind: "bound", kubeconfig: b.kubeconfig!, ...(b.context ? { context: b.context } : {}), server: b.server!, uid: b.uid! };
}

/** How a binding is named in messages: `cluster https://… (kube-system uid …)` or `local cluster dev`. */
export function describeBinding(binding: ClusterBinding): string {
  return binding.kind === "local" ? `local cluster ${binding.name}` : `cluster ${binding.server} (kube-system uid ${binding.uid})`;
}

/** Whether an API server URL is on this machine (127.0.0.0/8, ::1 or localhost). */
export function isLoopbackServer(server: string): boolean {
  let host: string;
  try {
    host = new URL(server).hostname;
  } catch {
    return false;
  }
  return host === "localhost" || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Why the cluster reached is not the one the stack is bound to, or undefined when it is. A bound
 * cluster must have the recorded kube-system UID (the server URL may change, e.g. behind a new load
 * balancer, so it is reported but not compared); a local cluster must be on this machine.
 * @param where the kubeconfig (and context) that reached `actual`, for the message
 */
export function clusterMismatch(stack: string, binding: ClusterBinding, actual: ClusterIdentity, where: string): string | undefined {
  const reached = `cluster ${actual.server} (kube-system uid ${actual.uid})`;
  if (binding.kind === "local") {
    if (isLoopbackServer(actual.server)) return undefined;
    return `stack ${stack} applies only to a cluster on this machine (local cluster ${binding.name}), but ${where} reaches ${reached}, which is not a loopback address; nothing was changed`;
  }
  if (actual.uid === binding.uid) return undefined;
  return (
    `stack ${stack} is bound to ${describeBinding(binding)}, but ${where} reaches ${reached}; nothing was changed. ` +
    `Point the kubeconfig at the right cluster, or, if stack ${stack} really moved, bind it again with \`${bindCommand(stack)}\``
  );
}
