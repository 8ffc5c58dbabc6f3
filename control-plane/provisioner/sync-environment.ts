import { LABELS, type KubernetesObject } from "../../model/index.ts";
import { KubeApiError } from "./kube-transport.ts";
import { prunable, roleRefChanged } from "./object-diff.ts";
import { OWNED_KINDS } from "./owned-kinds.ts";
import { FIELD_MANAGER, type SiteConnection } from "./site-connection.ts";
import type { WorkLease } from "./work-lease.ts";

/** An error retrying cannot fix (a person must act); the reason is a stable condition reason. */
export class TerminalError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = "TerminalError";
  }
}

/**
 * Whether an error is worth retrying. Only a request the API server rejects as malformed (400, 422)
 * and our own terminal errors are final. 401/403 are retried too: right after an API server restart
 * its RBAC cache answers 403 for a moment, and an operator who fixes a ClusterRole should see the
 * environment recover without a new request.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof TerminalError) return false;
  if (error instanceof KubeApiError) return error.status !== 400 && error.status !== 422;
  return true;
}

export interface SyncOutcome {
  readonly applied: number;
  readonly pruned: number;
}

/**
 * Makes one environment at one site look exactly like `objects` (the builder's output): the
 * namespace first, then everything in it at once, then prune what we created that is no longer
 * desired. Level-based and idempotent: running it twice changes nothing the second time.
 * @throws TerminalError when the namespace exists and is not ours (never adopt another's namespace)
 */
export async function syncEnvironment(
  conn: SiteConnection,
  objects: readonly KubernetesObject[],
  options: { prune: boolean; lease?: WorkLease },
): Promise<SyncOutcome> {
  const [namespace, ...rest] = objects;
  if (!namespace || namespace.kind !== "Namespace") throw new Error("the builder's first object must be the Namespace");
  const lease = options.lease;
  // A worker whose lease lapsed stops before its next write; its writes count as ours only while it holds it.
  const owned = lease ? { stillOwner: () => lease.held() } : {};
  await ensureNamespaceIsOurs(conn, namespace);
  lease?.check();
  await conn.apply(namespace, owned);
  lease?.check();
  await Promise.all(rest.map((o) => applyOwned(conn, o, owned)));
  lease?.check();
  const pruned = options.prune ? await pruneEnvironment(conn, objects) : 0;
  return { applied: objects.length, pruned };
}

/**
 * Applies one of our objects (forced). A RoleBinding whose `roleRef` someone changed (by deleting
 * ours and creating theirs under its name) is refused by the API server — `roleRef` is immutable —
 * so that one binding is deleted and ours created again; any other refusal is thrown.
 */
export async function applyOwned(conn: SiteConnection, o: KubernetesObject, options: { stillOwner?: () => boolean } = {}): Promise<KubernetesObject> {
  try {
    return await conn.apply(o, options);
  } catch (error) {
    if (!(error instanceof KubeApiError && error.status === 422 && o.kind === "RoleBinding")) throw error;
    const live = await conn.get(o);
    if (!live || !roleRefChanged(o, live)) throw error;
    await conn.delete(live);
    return conn.apply(o, options);
  }
}

/** Deletes objects we created in the environment's namespace that `objects` no longer lists. */
export async function pruneEnvironment(conn: SiteConnection, objects: readonly KubernetesObject[]): Promise<number> {
  const stale = await unwantedObjects(conn, objects);
  await Promise.all(stale.map((o) => conn.delete(o)));
  return stale.length;
}

/**
 * Objects of the owned kinds in the environment's namespace labelled as ours for it (managed-by and
 * environment) that `objects` does not list: what we created and no longer want, or what someone
 * else created with our labels. One list per namespaced owned kind.
 */
export async function unwantedObjects(conn: SiteConnection, objects: readonly KubernetesObject[]): Promise<KubernetesObject[]> {
  const namespace = objects[0]!;
  const selector = `${LABELS.managedBy}=${FIELD_MANAGER},${LABELS.environment}=${namespace.metadata.labels?.[LABELS.environment] ?? ""}`;
  const live = (await Promise.all(OWNED_KINDS.filter((k) => k.namespaced).map((k) => conn.list(k.kind, selector, namespace.metadata.name)))).flat();
  return prunable(objects, live);
}

/**
 * Removes a namespace the control plane created for this environment, and only such a namespace.
 * @returns "deleted" when deletion started (or is under way), "absent" when it is already gone
 * @throws TerminalError when the namespace is not ours
 */
export async function removeEnvironment(conn: SiteConnection, namespace: Pick<KubernetesObject, "metadata">): Promise<"deleted" | "absent"> {
  const live = await conn.get({ kind: "Namespace", metadata: { name: namespace.metadata.name } });
  if (!live) return "absent";
  assertOurs(live, namespace, conn.site);
  if (!isTerminating(live)) await conn.delete(live);
  return "deleted";
}

/**
 * Checks that the environment's namespace, if it exists, was made by the control plane for this very
 * environment (labels org and environment match: `a` + `b-c` and `a-b` + `c` give the same name).
 * @throws TerminalError when it is someone else's; a retryable error while it is terminating
 */
export async function ensureNamespaceIsOurs(conn: SiteConnection, namespace: KubernetesObject): Promise<void> {
  const live = await conn.get(namespace);
  if (!live) return;
  assertOurs(live, namespace, conn.site);
  if (isTerminating(live)) {
    throw new KubeApiError(409, "NamespaceTerminating", `namespace ${namespace.metadata.name} at ${conn.site} is still terminating; retrying`);
  }
}

function isTerminating(live: KubernetesObject): boolean {
  return (live as { status?: { phase?: string } }).status?.phase === "Terminating";
}

function assertOurs(live: KubernetesObject, expected: Pick<KubernetesObject, "metadata">, site: string): void {
  const labels = live.metadata.labels ?? {};
  const owner = labels[LABELS.managedBy];
  if (owner !== FIELD_MANAGER) {
    throw new TerminalError(
      "NamespaceNotOwned",
      `namespace ${live.metadata.name} at ${site} exists and is managed by ${owner ?? "someone else (no managed-by label)"}; the control plane never adopts or deletes a namespace it did not create — choose another environment name`,
    );
  }
  const want = expected.metadata.labels ?? {};
  for (const key of [LABELS.org, LABELS.environment]) {
    if (want[key] !== undefined && labels[key] !== want[key]) {
      throw new TerminalError(
        "NamespaceNotOwned",
        `namespace ${live.metadata.name} at ${site} belongs to environment ${labels[LABELS.org]}/${labels[LABELS.environment]}, not ${want[LABELS.org]}/${want[LABELS.environment]}; choose another environment name`,
      );
    }
  }
}
