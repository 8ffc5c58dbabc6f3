import { HOLDING_ENDS_IN, HOLDING_STARTS_IN, type EnvironmentSpec, type LifecycleStep } from "../../model/index.ts";
import type { Phase } from "../domain/index.ts";
import type { EnvironmentRecord, Store } from "../store/index.ts";
import { edgeTargets, EVENTS, TRANSITIONS, transitionAction } from "../workflow/index.ts";

/** The audit actions of every transition that can arrive where a holding starts or ends (from the lifecycle table). */
export const HOLDING_ACTIONS: readonly string[] = EVENTS.filter((e) =>
  Object.values(TRANSITIONS[e]).some((edge) => edgeTargets(edge).some((to) => to === HOLDING_STARTS_IN || to === HOLDING_ENDS_IN)),
).map(transitionAction);

/**
 * The lifecycle history of environments as the audit trail recorded it: each transition that could
 * start or end a holding, with the phase it arrived in and the spec then. Showback is computed from
 * this, so it reconciles with the trail by construction.
 */
export async function lifecycleSteps(store: Store, orgs?: readonly string[]): Promise<LifecycleStep[]> {
  const records = await store.listAuditByActions(HOLDING_ACTIONS, orgs);
  return records.flatMap((r) => {
    const after = r.after as { phase?: string; spec?: EnvironmentSpec } | null;
    if (!after?.phase || !after.spec || !r.org) return [];
    return [{ at: r.at, org: r.org, environment: after.spec.name, phase: after.phase, spec: { sites: after.spec.sites, resources: after.spec.resources } }];
  });
}

/** Every environment of a class, page by page (`phase` given: only those; else every one not gone). */
export async function allEnvironments(store: Store, query: { orgs?: readonly string[]; phase?: Phase } = {}): Promise<EnvironmentRecord[]> {
  const all: EnvironmentRecord[] = [];
  let after: readonly [string, string] | undefined;
  for (;;) {
    const page = await store.listAllEnvironments({
      limit: 500,
      ...(query.orgs ? { orgs: query.orgs } : {}),
      ...(query.phase ? { phase: query.phase } : {}),
      ...(after ? { after } : {}),
    });
    all.push(...page);
    if (page.length < 500) return all;
    after = [page.at(-1)!.org, page.at(-1)!.name];
  }
}
