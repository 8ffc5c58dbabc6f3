import { DATA_CLASSES, POLICY, STAGES, type DataClass, type Policy, type SecurityLevel, type Stage } from "./policy.ts";

/** What protects an environment, as admission decided it: the effective data class, not the one asked for. */
export interface Protections {
  readonly stage: Stage;
  readonly securityLevel: SecurityLevel;
  readonly dataClass: DataClass;
}

/** One protection a change lowers. */
export interface LoweredProtection {
  readonly field: "stage" | "securityLevel" | "dataClass";
  readonly from: string | number;
  readonly to: string | number;
}

/** The protections `after` has lower than `before` (stage dev < test < staging < prod; class other < important < core). */
export function loweredProtections(before: Protections, after: Protections): LoweredProtection[] {
  const lowered: LoweredProtection[] = [];
  if (STAGES.indexOf(after.stage) < STAGES.indexOf(before.stage)) lowered.push({ field: "stage", from: before.stage, to: after.stage });
  if (after.securityLevel < before.securityLevel) lowered.push({ field: "securityLevel", from: before.securityLevel, to: after.securityLevel });
  if (DATA_CLASSES.indexOf(after.dataClass) < DATA_CLASSES.indexOf(before.dataClass))
    lowered.push({ field: "dataClass", from: before.dataClass, to: after.dataClass });
  return lowered;
}

/**
 * Why a change from `live` to `next` needs an operator under `POLICY.downgradeApproval`, one reason
 * per lowered protection; empty when it lowers nothing or the live environment is not guarded.
 * `liveNeedsOperator`: whether the live spec itself is beyond auto-approval.
 */
export function downgradeReasons(live: Protections, next: Protections, liveNeedsOperator: boolean, policy: Policy = POLICY): string[] {
  const rule = policy.downgradeApproval;
  const guarded = rule.stages.includes(live.stage) || rule.dataClasses.includes(live.dataClass) || (rule.whenLiveNeedsOperator && liveNeedsOperator);
  if (!guarded) return [];
  return loweredProtections(live, next).map((l) => `lowers ${l.field} ${l.from} -> ${l.to} of an environment an operator approved (policy downgradeApproval)`);
}
