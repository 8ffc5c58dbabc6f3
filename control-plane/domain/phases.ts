import { Type } from "@sinclair/typebox";

/**
 * The phases of an environment request (DESIGN.md section 5) and the classes the rest of the control
 * plane asks about. This is the one place that says which phase is live, frozen, gone or needs work:
 * the workflow, the provisioner and the store's SQL (`phaseInSql`) are all derived from it.
 * @see ../workflow/lifecycle.ts for the events and the transition table
 */
export const PHASES = [
  "Submitted",
  "AwaitingApproval",
  "Approved",
  "Provisioning",
  "Ready",
  "Updating",
  "Failed",
  "AwaitingDecommission",
  "Decommissioning",
  "Restoring",
  "Retained",
  "Deleted",
  "Rejected",
] as const;

export const PhaseSchema = Type.Union(
  PHASES.map((p) => Type.Literal(p)),
  { description: "lifecycle phase (DESIGN.md section 5)" },
);
export type Phase = (typeof PHASES)[number];

/** Nothing is held and nothing more happens: the name and the capacity are free again. */
export const GONE_PHASES = ["Rejected", "Deleted"] as const satisfies readonly Phase[];
export type GonePhase = (typeof GONE_PHASES)[number];

/** The environment's objects must exist as built (and drift is put back). */
export const LIVE_PHASES = ["Approved", "Provisioning", "Ready", "Updating", "AwaitingDecommission", "Restoring"] as const satisfies readonly Phase[];
export type LivePhase = (typeof LIVE_PHASES)[number];

/** The environment's objects must exist in their frozen form: access removed, data kept. */
export const FROZEN_PHASES = ["Decommissioning", "Retained"] as const satisfies readonly Phase[];
export type FrozenPhase = (typeof FROZEN_PHASES)[number];

/**
 * The provisioner has work to do whenever the lease is free. Retained is not among them: it needs
 * work only once its retention has ended (`needsWork` with the deadline, `claimWork` in SQL).
 */
export const WORK_PHASES = ["Approved", "Provisioning", "Updating", "Decommissioning", "Restoring"] as const satisfies readonly Phase[];
export type WorkPhase = (typeof WORK_PHASES)[number];

/** Arriving in one of these gives the provisioner new work (the generation is bumped). */
export const NEW_WORK_PHASES = ["Approved", "Updating", "Decommissioning", "Restoring"] as const satisfies readonly Phase[];

/** Settled phases whose objects a periodic resync re-checks. */
export const SETTLED_PHASES = ["Ready", "AwaitingDecommission", "Retained"] as const satisfies readonly Phase[];
export type SettledPhase = (typeof SETTLED_PHASES)[number];

/** An operator must decide (approve or reject); so must any environment with a pending change. */
export const DECISION_PHASES = ["AwaitingApproval", "AwaitingDecommission"] as const satisfies readonly Phase[];

const member =
  <P extends Phase>(phases: readonly P[]) =>
  (phase: Phase): phase is P =>
    (phases as readonly Phase[]).includes(phase);

/** Rejected or Deleted: holds nothing. */
export const isGone = member(GONE_PHASES);
/** Holds its name and its capacity (every phase that is not gone). */
export const holdsCapacity = (phase: Phase): phase is Exclude<Phase, GonePhase> => !isGone(phase);
/** Objects exist as built. */
export const isLive = member(LIVE_PHASES);
/** Objects exist frozen (decommissioned, data kept). */
export const isFrozen = member(FROZEN_PHASES);
/** Arriving here is new work for the provisioner. */
export const bringsNewWork = member(NEW_WORK_PHASES);
/** Re-checked by the periodic resync. */
export const isSettled = member(SETTLED_PHASES);

/** Retained whose retention has ended: it is being removed, and nothing is repaired any more. */
export function retentionEnded(env: { readonly phase: Phase; readonly retainUntil: string | null }, now: Date): boolean {
  return env.phase === "Retained" && env.retainUntil !== null && Date.parse(env.retainUntil) <= now.getTime();
}

/** The provisioner has work on it now (its phase, or Retained past its deadline). */
export function needsWork(env: { readonly phase: Phase; readonly retainUntil: string | null }, now: Date): boolean {
  return member(WORK_PHASES)(env.phase) || retentionEnded(env, now);
}

/** The phases of a class as SQL: `phase IN ('Rejected', 'Deleted')` (phase names are fixed literals). */
export function phaseInSql(phases: readonly Phase[], column = "phase"): string {
  return `${column} IN (${phases.map((p) => `'${p}'`).join(", ")})`;
}
