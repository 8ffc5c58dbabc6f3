import { POLICY, type EnvironmentSpec } from "../../model/index.ts";
import { bringsNewWork, holdsCapacity, ownLineage, type Lineage } from "../domain/index.ts";
import type { Actor, Author, EnvironmentRecord, PendingChange, StoredPlan, StoreTx, TransitionWrite } from "../store/index.ts";
import { conditionsAfter, type Condition } from "./conditions.ts";
import { RESUMABLE_PHASES, transition as nextPhaseOf, type LifecycleEvent } from "./lifecycle.ts";

/** The audit action a lifecycle event is recorded as. */
export function transitionAction(event: LifecycleEvent): string {
  return `environment.${event}`;
}

/**
 * Events that decide what waited for a decision (a request, a change, a decommission): the authors
 * of what they decided on are forgotten, the next decision's are collected afresh. A transition that
 * records an approver (an auto-approved change, a restore the restorer approves) decides too.
 */
export const DECISION_EVENTS: readonly LifecycleEvent[] = ["auto-approve", "approve", "reject", "approve-change", "reject-change"];

/** `authors` with `author` added (one entry per subject and lineage). */
function withAuthor(authors: readonly Author[], author: Author): Author[] {
  const same = (a: Author) => a.subject === author.subject && JSON.stringify(a.lineage) === JSON.stringify(author.lineage);
  return authors.some(same) ? [...authors] : [...authors, author];
}

/** Changes a transition may carry besides the phase. */
export interface TransitionChanges {
  readonly spec?: EnvironmentSpec;
  readonly plan?: StoredPlan;
  readonly conditions?: readonly Condition[];
  readonly approvedBy?: string;
  readonly reason?: string | null;
  /** A change waiting for an operator (null clears it). @default unchanged */
  readonly pendingChange?: PendingChange | null;
  /** Who last changed the spec. @default the actor when `spec` or `pendingChange` is set, else unchanged */
  readonly modifiedBy?: string;
  /** Who stands behind the last modifier. @default with `modifiedBy`: the actor's, when it becomes the modifier */
  readonly modifiedLineage?: Lineage;
  /** Release the lease held by this owner as part of the transition (provisioner). */
  readonly releaseLease?: boolean;
  readonly observedGeneration?: number;
}

export interface TransitionOptions {
  /** Days a decommissioned environment stays Retained. @default POLICY.retentionDays.days */
  readonly retentionDays?: number;
}

/**
 * Works out everything a lifecycle event changes: the next phase (from the table; back to the phase
 * held before for a resume edge), the generation (bumped when there is new work), the conditions,
 * the retention deadline on entering Retained, the phase to resume and whether the capacity is released. Pure: the store only writes the result.
 * @throws TransitionError when the table does not allow the event from the current phase
 */
export function planTransition(
  current: EnvironmentRecord,
  event: LifecycleEvent,
  actor: Actor,
  now: string,
  changes: TransitionChanges = {},
  options: TransitionOptions = {},
): TransitionWrite {
  const to = nextPhaseOf(current.phase, event, current.resumePhase);
  const newWork = changes.spec !== undefined || (bringsNewWork(to) && to !== current.phase);
  const retentionDays = options.retentionDays ?? POLICY.retentionDays.days;
  const authored = changes.modifiedBy === undefined && (changes.spec !== undefined || Boolean(changes.pendingChange));
  const decided = DECISION_EVENTS.includes(event) || changes.approvedBy !== undefined;
  // Four eyes looks at everyone who wrote what the next decision decides on, not only the last one:
  // every author of a change, and whoever asked for a decommission.
  const writes = authored || event === "request-decommission";
  const author: Author = { subject: actor.subject, lineage: actor.lineage ?? ownLineage(actor.subject) };
  return {
    phase: to,
    generation: current.generation + (newWork ? 1 : 0),
    spec: changes.spec ?? current.spec,
    plan: changes.plan ?? current.plan,
    conditions: changes.conditions ?? conditionsAfter(event, current.conditions, { actor: actor.subject, reason: changes.reason ?? null }, now),
    approvedBy: changes.approvedBy ?? current.approvedBy,
    reason: changes.reason === undefined ? current.reason : changes.reason,
    // A spec change makes its author the last modifier, whoever requested it.
    modifiedBy: changes.modifiedBy ?? (authored ? actor.subject : current.modifiedBy),
    modifiedLineage: changes.modifiedLineage ?? (authored ? (actor.lineage ?? ownLineage(actor.subject)) : current.modifiedLineage),
    authors: decided ? [] : writes ? withAuthor(current.authors, author) : current.authors,
    pendingChange: changes.pendingChange === undefined ? current.pendingChange : changes.pendingChange,
    retainUntil: to === "Retained" ? new Date(Date.parse(now) + retentionDays * 86_400_000).toISOString() : current.retainUntil,
    // Entering a phase a "no" leads back from remembers where it came from; leaving it forgets.
    resumePhase: !RESUMABLE_PHASES.includes(to) ? null : to === current.phase ? current.resumePhase : current.phase,
    // A failure remembers whose work failed, while it is Failed and while a decommission of it waits
    // (a rejected one returns to Failed): a failed decommission must stay one.
    failedDuring: event === "fail" ? current.phase : to === "Failed" || to === "AwaitingDecommission" ? current.failedDuring : null,
    observedGeneration: changes.observedGeneration ?? current.observedGeneration,
    releaseLease: changes.releaseLease ?? false,
    releaseCommitments: !holdsCapacity(to),
    action: transitionAction(event),
    detail: changes.reason ? { reason: changes.reason } : null,
  };
}

/**
 * Moves an environment by a lifecycle event, if it is still at `expectedVersion`: reads it, works out
 * the transition and has the store write it under optimistic concurrency (with its audit record).
 * Returns undefined when the version moved on (someone else won): nothing is written.
 * @throws TransitionError when the table does not allow the event from the current phase
 */
export async function applyTransition(
  tx: StoreTx,
  id: string,
  expectedVersion: number,
  event: LifecycleEvent,
  actor: Actor,
  now: string,
  changes: TransitionChanges = {},
  options: TransitionOptions = {},
): Promise<EnvironmentRecord | undefined> {
  const current = await tx.getEnvironmentById(id);
  if (!current || current.version !== expectedVersion) return undefined;
  return tx.writeTransition(current, planTransition(current, event, actor, now, changes, options), actor, now);
}
