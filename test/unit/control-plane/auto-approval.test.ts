import { describe, expect, test } from "vitest";
import { admitEnvironment } from "../../../model/index.ts";
import { testEnvironment, testPlatform } from "../../../model/testing.ts";
import { autoApprovalDecision } from "../../../control-plane/workflow/index.ts";

const plan = (overrides: Parameters<typeof testEnvironment>[0]) => admitEnvironment(testEnvironment(overrides), testPlatform());

describe("autoApprovalDecision", () => {
  test("approves a small dev environment with ordinary data", () => {
    expect(autoApprovalDecision(plan({}))).toEqual({ approve: true, reasons: [] });
  });

  test.each([
    [{ stage: "prod" as const }, "stage prod needs a human (auto: dev, test)"],
    [{ securityLevel: 3 as const }, "security level 3 is above 2"],
    [{ dataClass: "important" as const, zone: "data" as const, securityLevel: 3 as const }, "data class important needs a human (auto: other)"],
    [{ resources: { cpu: "32", memory: "16Gi" } }, "cpu 32000m is above 16000m"],
    [{ resources: { cpu: "4", memory: "128Gi" } }, `memory ${128 * 2 ** 30} bytes is above ${64 * 2 ** 30}`],
    [{ resources: { cpu: "4", memory: "16Gi", gpu: 1 } }, "gpu 1 is above 0"],
    [{ resources: { cpu: "4", memory: "16Gi", storage: { standard: "600Gi" } } }, `storage ${600 * 2 ** 30} bytes (all tiers) is above ${500 * 2 ** 30}`],
  ])("fails when %j: %s", (overrides, reason) => {
    const decision = autoApprovalDecision(plan(overrides));
    expect(decision.approve).toBe(false);
    expect(decision.reasons).toContain(reason);
  });
});
