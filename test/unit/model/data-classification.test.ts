import { describe, expect, test } from "vitest";
import { effectiveDataClass, isFlowAllowed, minimumSecurityLevel } from "../../../model/index.ts";

describe("effectiveDataClass", () => {
  test.each([
    ["other", "none", undefined, "other"],
    ["other", "basic", 99_999, "other"],
    ["other", "basic", 100_000, "important"],
    ["other", "basic", 1_000_000, "core"],
    ["other", "sensitive", 9_999, "other"],
    ["other", "sensitive", 10_000, "important"],
    ["important", "sensitive", 100_000, "core"],
    ["core", "basic", 10, "core"],
  ] as const)("%s with %s personal data of %s subjects is %s", (declared, pd, n, expected) => {
    expect(effectiveDataClass(declared, pd, n)).toBe(expected);
  });
});

describe("minimumSecurityLevel", () => {
  test.each([
    ["other", "none", false, 1],
    ["other", "basic", false, 2],
    ["other", "sensitive", false, 3],
    ["important", "none", false, 3],
    ["core", "none", false, 4],
    ["other", "none", true, 5],
  ] as const)("%s / %s / national %s needs level %d", (dc, pd, national, level) => {
    expect(minimumSecurityLevel(dc, pd, national)).toBe(level);
  });
});

describe("isFlowAllowed", () => {
  test.each([
    ["dmz", "app", 1, true],
    ["app", "dmz", 5, false],
    ["app", "data", 1, true],
    ["app", "restricted", 3, false],
    ["app", "restricted", 4, true],
    ["dmz", "data", 5, false],
    ["data", "app", 3, false],
    ["mgmt", "restricted", 1, true],
    ["restricted", "secops", 5, true],
    ["secops", "app", 5, false],
  ] as const)("%s -> %s at level %d: %s", (from, to, level, allowed) => {
    expect(isFlowAllowed(from, to, level)).toBe(allowed);
  });
});
