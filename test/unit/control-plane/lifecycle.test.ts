import { describe, expect, test } from "vitest";
import {
  allowedEvents,
  EVENTS,
  eventBetween,
  HOLDING_PHASES,
  nextPhase,
  PHASES,
  RESUMABLE_PHASES,
  transition,
  TransitionError,
  TRANSITIONS,
} from "../../../control-plane/workflow/lifecycle.ts";

describe("TRANSITIONS", () => {
  // DESIGN.md section 5, edge by edge.
  test.each([
    ["Submitted", "require-approval", "AwaitingApproval"],
    ["Submitted", "auto-approve", "Approved"],
    ["AwaitingApproval", "approve", "Approved"],
    ["AwaitingApproval", "reject", "Rejected"],
    ["AwaitingApproval", "withdraw", "Deleted"],
    ["Approved", "start-provisioning", "Provisioning"],
    ["Provisioning", "provisioned", "Ready"],
    ["Provisioning", "fail", "Failed"],
    ["Ready", "update", "Updating"],
    ["Updating", "provisioned", "Ready"],
    ["Updating", "fail", "Failed"],
    ["Failed", "update", "Updating"],
    ["Ready", "decommission", "Decommissioning"],
    ["Failed", "decommission", "Decommissioning"],
    ["Decommissioning", "decommissioned", "Retained"],
    ["Retained", "retention-expired", "Deleted"],
    ["AwaitingApproval", "update", "AwaitingApproval"],
    ["Failed", "retry", "Updating"],
    ["Failed", "retry-decommission", "Decommissioning"],
  ] as const)("%s --%s--> %s", (from, event, to) => {
    expect(nextPhase(from, event)).toBe(to);
    expect(transition(from, event)).toBe(to);
  });

  test.each([
    ["Approved", "approve"],
    ["Rejected", "approve"],
    ["Ready", "approve"],
    ["Deleted", "update"],
    ["Rejected", "decommission"],
    ["Retained", "update"],
    ["Submitted", "approve"],
    ["Ready", "provisioned"],
    ["Decommissioning", "update"],
    ["Ready", "retry"],
    ["Retained", "retry"],
  ] as const)("fails when %s gets %s", (from, event) => {
    expect(nextPhase(from, event)).toBeUndefined();
    expect(() => transition(from, event)).toThrow(TransitionError);
  });

  test("fails with a message that says what is allowed", () => {
    expect(() => transition("Approved", "approve")).toThrow(
      "cannot approve an environment in phase Approved; allowed from Approved: update, request-change, approve-change, reject-change, start-provisioning, decommission, request-decommission",
    );
    expect(() => transition("Deleted", "approve")).toThrow("cannot approve an environment in phase Deleted; allowed from Deleted: nothing (terminal)");
  });

  test("every phase but Submitted is reachable and only Rejected and Deleted are terminal", () => {
    const reachable = new Set(Object.values(TRANSITIONS).flatMap((edges) => Object.values(edges)));
    expect(PHASES.filter((p) => !reachable.has(p))).toEqual(["Submitted"]);
    expect(PHASES.filter((p) => allowedEvents(p).length === 0)).toEqual(["Deleted", "Rejected"]);
  });

  test("Rejected and Deleted release capacity; everything else holds it", () => {
    expect(PHASES.filter((p) => !HOLDING_PHASES.includes(p))).toEqual(["Deleted", "Rejected"]);
  });

  test("a rejected decommission goes back to the phase it came from (red while it always went to Ready)", () => {
    expect(RESUMABLE_PHASES).toEqual(["AwaitingDecommission"]);
    for (const from of ["Ready", "Updating", "Failed", "Approved", "Provisioning"] as const) {
      expect(nextPhase("AwaitingDecommission", "reject", from)).toBe(from);
      expect(transition("AwaitingDecommission", "reject", from)).toBe(from);
    }
    // A phase the edge does not lead back to, or none recorded (a row from before migration 7): Ready.
    expect(nextPhase("AwaitingDecommission", "reject", "Restoring")).toBe("Ready");
    expect(nextPhase("AwaitingDecommission", "reject")).toBe("Ready");
    expect(eventBetween("AwaitingDecommission", "Failed")).toBe("reject");
  });

  test("a prod or core decommission is asked for from every phase a dev one decommissions from (red while Approved and Provisioning refused it although the 409 listed decommission)", () => {
    const decommissionable = PHASES.filter((p) => TRANSITIONS.decommission[p] !== undefined);
    expect(decommissionable).toEqual(["Approved", "Provisioning", "Ready", "Updating", "Failed"]);
    for (const from of decommissionable) expect(nextPhase(from, "request-decommission"), from).toBe("AwaitingDecommission");
  });

  test("eventBetween finds the edge", () => {
    expect(eventBetween("Ready", "Decommissioning")).toBe("decommission");
    expect(eventBetween("Ready", "Approved")).toBeUndefined();
    expect(EVENTS).toHaveLength(Object.keys(TRANSITIONS).length);
  });
});
