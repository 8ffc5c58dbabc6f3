// Helpers for provisioner tests: put environments into the store as the API would, and wait.
import { setTimeout as sleep } from "node:timers/promises";
import { admitEnvironment, type EnvironmentSpec, type Platform } from "../../model/index.ts";
import type { EnvironmentRecord, Store } from "../../control-plane/store/index.ts";
import { applyTransition, type Phase } from "../../control-plane/workflow/index.ts";

const REQUESTER = { subject: "alice@byt", role: "requester" };
const OPERATOR = { subject: "olga@ndc", role: "operator" };

/** Admits, submits and approves an environment, as the API does for an operator's approval. */
export async function approvedEnvironment(store: Store, platform: Platform, org: string, spec: EnvironmentSpec): Promise<EnvironmentRecord> {
  const plan = admitEnvironment({ org, spec }, platform);
  const now = new Date().toISOString();
  return store.transaction([], async (tx) => {
    const { environment: _e, namespace, ...stored } = plan;
    const created = await tx.insertEnvironment({ org, spec, namespace, plan: stored, conditions: [], requestedBy: REQUESTER.subject }, REQUESTER, now);
    const waiting = await applyTransition(tx, created.id, created.version, "require-approval", REQUESTER, now);
    return (await applyTransition(tx, waiting!.id, waiting!.version, "approve", OPERATOR, now, { approvedBy: OPERATOR.subject }))!;
  });
}

/** Applies a lifecycle event with the record's current version. */
export async function lifecycleEvent(
  store: Store,
  id: string,
  event: "update" | "decommission",
  changes: Record<string, unknown> = {},
): Promise<EnvironmentRecord> {
  const current = (await store.getEnvironmentById(id))!;
  const next = await store.transaction([], (tx) => applyTransition(tx, id, current.version, event, OPERATOR, new Date().toISOString(), changes));
  if (!next) throw new Error(`${event} of ${id} lost a version race`);
  return next;
}

/** Waits until the environment reaches one of `phases`; fails naming its last phase and conditions. */
export async function waitForPhase(store: Store, id: string, phases: Phase | Phase[], timeoutMs = 60_000): Promise<EnvironmentRecord> {
  const wanted = Array.isArray(phases) ? phases : [phases];
  const deadline = Date.now() + timeoutMs;
  let last: EnvironmentRecord | undefined;
  while (Date.now() < deadline) {
    last = await store.getEnvironmentById(id);
    if (last && wanted.includes(last.phase)) return last;
    await sleep(50);
  }
  throw new Error(
    `environment ${id} did not reach ${wanted.join("|")} in ${timeoutMs} ms; last phase ${last?.phase}, sites ${JSON.stringify(last?.sites)}, reason ${last?.reason}`,
  );
}
