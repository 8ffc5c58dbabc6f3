import { GONE_PHASES, holdsCapacity, PHASES, type Phase } from "../domain/index.ts";

export { PHASES, PhaseSchema, type Phase } from "../domain/index.ts";

/**
 * The request lifecycle of DESIGN.md section 5 as data: events and the one transition table that the
 * workflow and the provisioner go through. The phases and their classes are in `domain/phases.ts`.
 */
export const EVENTS = [
  "require-approval",
  "auto-approve",
  "approve",
  "reject",
  "withdraw",
  "update",
  "request-change",
  "approve-change",
  "reject-change",
  "start-provisioning",
  "provisioned",
  "fail",
  "decommission",
  "request-decommission",
  "decommissioned",
  "restore",
  "retention-expired",
  "retry",
  "retry-decommission",
] as const;
export type LifecycleEvent = (typeof EVENTS)[number];

/**
 * An edge back to the phase the environment held before it entered the phase the edge leaves (kept
 * as the record's `resumePhase` on the way in), one of `resume`: a decision that says no leaves the
 * environment as it was. A record without one (written before migration 7) goes to `resume[0]`.
 */
export interface ResumeEdge {
  readonly resume: readonly Phase[];
}

/** Where an event leads from one phase: a fixed phase, or back to where it came from. */
export type Edge = Phase | ResumeEdge;

/** `TRANSITIONS[event][from] = to`; anything missing is not allowed. */
export const TRANSITIONS: Readonly<Record<LifecycleEvent, Partial<Record<Phase, Edge>>>> = {
  "require-approval": { Submitted: "AwaitingApproval" },
  "auto-approve": { Submitted: "Approved" },
  // An operator decides on a request, or on the decommission of a prod or core environment.
  approve: { AwaitingApproval: "Approved", AwaitingDecommission: "Decommissioning" },
  // A rejected decommission leaves the environment as it was: Ready, still Updating (its work queued
  // again), still Failed (the failure not hidden), or approved and still being built.
  reject: { AwaitingApproval: "Rejected", AwaitingDecommission: { resume: ["Ready", "Updating", "Failed", "Approved", "Provisioning"] } },
  // Nothing was built yet, so a pending request is simply withdrawn.
  withdraw: { AwaitingApproval: "Deleted" },
  // A change before provisioning keeps its phase (the provisioner sees the new generation); a change
  // to a built environment goes through Updating.
  update: {
    AwaitingApproval: "AwaitingApproval",
    Approved: "Approved",
    Provisioning: "Provisioning",
    Ready: "Updating",
    Updating: "Updating",
    Failed: "Updating",
  },
  // A change to something approved that needs an operator waits beside the approved spec, which
  // stays built; approving it is an update, rejecting it leaves everything as it was.
  "request-change": { Approved: "Approved", Provisioning: "Provisioning", Ready: "Ready", Updating: "Updating", Failed: "Failed" },
  "approve-change": { Approved: "Approved", Provisioning: "Provisioning", Ready: "Updating", Updating: "Updating", Failed: "Updating" },
  "reject-change": { Approved: "Approved", Provisioning: "Provisioning", Ready: "Ready", Updating: "Updating", Failed: "Failed" },
  "start-provisioning": { Approved: "Provisioning" },
  provisioned: { Provisioning: "Ready", Updating: "Ready", Restoring: "Ready" },
  fail: { Provisioning: "Failed", Updating: "Failed", Decommissioning: "Failed", Restoring: "Failed" },
  decommission: {
    Approved: "Decommissioning",
    Provisioning: "Decommissioning",
    Ready: "Decommissioning",
    Updating: "Decommissioning",
    Failed: "Decommissioning",
  },
  // Prod and core environments wait for an operator before they are decommissioned (still built),
  // from every phase a dev environment is decommissioned from. Approved and Provisioning included:
  // a build can take long (a site down keeps it Provisioning, retried with backoff, for as long as
  // the site is down) and the requester who no longer wants it must not have to wait for it to end;
  // refusing would also leave nobody, operator included, able to stop a prod environment being
  // built. Decommissioning it still needs If-Match and an operator's decision, like from Ready.
  "request-decommission": {
    Approved: "AwaitingDecommission",
    Provisioning: "AwaitingDecommission",
    Ready: "AwaitingDecommission",
    Updating: "AwaitingDecommission",
    Failed: "AwaitingDecommission",
  },
  decommissioned: { Decommissioning: "Retained" },
  // An operator brings a Retained environment back before its retention ends.
  restore: { Retained: "Restoring" },
  "retention-expired": { Retained: "Deleted" },
  // An operator has the provisioner build a Failed environment's approved spec again, once the cause
  // is fixed; a decommission that failed is continued instead (the workflow picks the event by the
  // record's failedDuring), never built back into a live environment.
  retry: { Failed: "Updating" },
  "retry-decommission": { Failed: "Decommissioning" },
};

/** Phases whose environments hold capacity (what admission counts). */
export const HOLDING_PHASES: readonly Phase[] = PHASES.filter(holdsCapacity);

/** Phases with nothing more to do. */
export const TERMINAL_PHASES: readonly Phase[] = GONE_PHASES;

/** Every phase an edge may lead to. */
export function edgeTargets(edge: Edge | undefined): readonly Phase[] {
  if (edge === undefined) return [];
  return typeof edge === "string" ? [edge] : edge.resume;
}

/** Phases that some event leaves by a resume edge: entering one records the phase it came from. */
export const RESUMABLE_PHASES: readonly Phase[] = PHASES.filter((p) => EVENTS.some((e) => typeof TRANSITIONS[e][p] === "object"));

/**
 * The phase an event leads to from `from`, or undefined when the transition is not allowed. A resume
 * edge leads to `resumePhase` (the phase held before `from`) when the edge allows it.
 */
export function nextPhase(from: Phase, event: LifecycleEvent, resumePhase: Phase | null = null): Phase | undefined {
  const edge = TRANSITIONS[event][from];
  if (edge === undefined || typeof edge === "string") return edge;
  return resumePhase !== null && edge.resume.includes(resumePhase) ? resumePhase : edge.resume[0];
}

/** Events allowed from a phase, in table order (for error messages). */
export function allowedEvents(from: Phase): LifecycleEvent[] {
  return EVENTS.filter((e) => TRANSITIONS[e][from] !== undefined);
}

/** The event that leads from one phase to another, if the table has one. */
export function eventBetween(from: Phase, to: Phase): LifecycleEvent | undefined {
  return EVENTS.find((e) => edgeTargets(TRANSITIONS[e][from]).includes(to));
}

/** A transition that the table does not allow, with a message that says what is allowed. */
export class TransitionError extends Error {
  readonly from: Phase;
  readonly event: LifecycleEvent | undefined;
  constructor(from: Phase, event: LifecycleEvent | undefined, to?: Phase) {
    const allowed = allowedEvents(from);
    super(
      event
        ? `cannot ${event} an environment in phase ${from}; allowed from ${from}: ${allowed.join(", ") || "nothing (terminal)"}`
        : `cannot move an environment from ${from} to ${to}; allowed from ${from}: ${allowed.join(", ") || "nothing (terminal)"}`,
    );
    this.name = "TransitionError";
    this.from = from;
    this.event = event;
  }
}

/**
 * The phase an event leads to (`resumePhase`: the phase held before `from`, for a resume edge).
 * @throws TransitionError when the table does not allow it
 */
export function transition(from: Phase, event: LifecycleEvent, resumePhase: Phase | null = null): Phase {
  const to = nextPhase(from, event, resumePhase);
  if (to === undefined) throw new TransitionError(from, event);
  return to;
}
