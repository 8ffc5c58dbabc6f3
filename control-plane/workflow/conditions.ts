import type { Condition } from "../domain/index.ts";
import type { LifecycleEvent } from "./lifecycle.ts";

export { ConditionSchema, type Condition } from "../domain/index.ts";

/**
 * Sets one condition, keeping the others; `lastTransitionTime` moves only when the status changes.
 */
export function setCondition(conditions: readonly Condition[], next: Omit<Condition, "lastTransitionTime">, now: string): Condition[] {
  const existing = conditions.find((c) => c.type === next.type);
  const lastTransitionTime = existing && existing.status === next.status ? existing.lastTransitionTime : now;
  const updated: Condition = { ...next, lastTransitionTime };
  return existing ? conditions.map((c) => (c.type === next.type ? updated : c)) : [...conditions, updated];
}

/**
 * The conditions after a lifecycle event: Admitted on submission, Approved on the approval decision,
 * Ready with the provisioner's progress, Decommissioned at the end.
 */
export function conditionsAfter(
  event: LifecycleEvent,
  conditions: readonly Condition[],
  context: { readonly actor: string; readonly reason?: string | null },
  now: string,
): Condition[] {
  const reason = context.reason ?? "";
  switch (event) {
    case "require-approval":
      return setCondition(
        conditions,
        { type: "Approved", status: "Unknown", reason: "AwaitingApproval", message: "waiting for an operator to approve or reject" },
        now,
      );
    case "auto-approve":
      return setCondition(
        setCondition(conditions, { type: "Approved", status: "True", reason: "AutoApproved", message: "low-risk request approved by policy" }, now),
        { type: "Ready", status: "False", reason: "Pending", message: "waiting for the provisioner" },
        now,
      );
    case "approve":
      return setCondition(
        setCondition(conditions, { type: "Approved", status: "True", reason: "Approved", message: `approved by ${context.actor}` }, now),
        { type: "Ready", status: "False", reason: "Pending", message: "waiting for the provisioner" },
        now,
      );
    case "reject":
      return setCondition(conditions, { type: "Approved", status: "False", reason: "Rejected", message: `rejected by ${context.actor}: ${reason}` }, now);
    case "withdraw":
      return setCondition(conditions, { type: "Approved", status: "False", reason: "Withdrawn", message: `withdrawn by ${context.actor}` }, now);
    case "update":
      return setCondition(
        conditions,
        { type: "Synced", status: "False", reason: "SpecChanged", message: `changed by ${context.actor}; waiting for the provisioner` },
        now,
      );
    case "request-change":
      return setCondition(
        conditions,
        {
          type: "ChangeApproved",
          status: "Unknown",
          reason: "AwaitingApproval",
          message: `a change by ${context.actor} waits for an operator; the environment keeps its approved spec until then`,
        },
        now,
      );
    case "approve-change":
      return setCondition(
        setCondition(conditions, { type: "ChangeApproved", status: "True", reason: "Approved", message: `change approved by ${context.actor}` }, now),
        { type: "Synced", status: "False", reason: "SpecChanged", message: "the approved change waits for the provisioner" },
        now,
      );
    case "reject-change":
      return setCondition(
        conditions,
        {
          type: "ChangeApproved",
          status: "False",
          reason: "Rejected",
          message: `change rejected by ${context.actor}: ${reason}; the environment keeps its approved spec`,
        },
        now,
      );
    case "request-decommission":
      return setCondition(
        conditions,
        {
          type: "Decommissioned",
          status: "Unknown",
          reason: "AwaitingApproval",
          message: `decommission requested by ${context.actor}; a prod or core environment waits for an operator and keeps running until then`,
        },
        now,
      );
    case "restore":
      return setCondition(
        setCondition(
          conditions,
          { type: "Decommissioned", status: "False", reason: "Restored", message: `restored by ${context.actor} before its retention ended` },
          now,
        ),
        { type: "Ready", status: "False", reason: "Restoring", message: "access, network and workloads are being brought back" },
        now,
      );
    case "start-provisioning":
      return setCondition(conditions, { type: "Ready", status: "False", reason: "Provisioning", message: "objects are being applied" }, now);
    case "provisioned":
      return setCondition(
        setCondition(conditions, { type: "Ready", status: "True", reason: "Provisioned", message: "all sites are ready" }, now),
        { type: "Synced", status: "True", reason: "Applied", message: "the applied objects match the spec" },
        now,
      );
    case "fail":
      return setCondition(conditions, { type: "Ready", status: "False", reason: "Failed", message: reason || "provisioning failed" }, now);
    case "decommission":
      return setCondition(
        conditions,
        { type: "Ready", status: "False", reason: "Decommissioning", message: `decommission requested by ${context.actor}` },
        now,
      );
    case "decommissioned":
      // The provisioner says what it did (workloads stopped, ingress closed); without it, only what the phase guarantees.
      return setCondition(
        conditions,
        {
          type: "Decommissioned",
          status: "True",
          reason: "Retained",
          message: reason || "access frozen and ingress closed; data retained until the retention period ends",
        },
        now,
      );
    case "retention-expired":
      return setCondition(conditions, { type: "Decommissioned", status: "True", reason: "Deleted", message: "retention period ended; deleted" }, now);
    case "retry":
      return setCondition(
        conditions,
        { type: "Ready", status: "False", reason: "Retrying", message: `retried by ${context.actor}; waiting for the provisioner` },
        now,
      );
    case "retry-decommission":
      return setCondition(
        conditions,
        {
          type: "Ready",
          status: "False",
          reason: "Decommissioning",
          message: `the failed decommission was retried by ${context.actor}; workloads are being stopped`,
        },
        now,
      );
  }
}
