import { describe, expect, test } from "vitest";
import { backoffDelay } from "../../../control-plane/provisioner/index.ts";

describe("backoffDelay", () => {
  test.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [10, 1_000],
  ])("attempt %d without jitter waits %d ms (base 100, cap 1000)", (attempt, ms) => {
    expect(backoffDelay(attempt, { baseMs: 100, maxMs: 1_000, random: () => 1 })).toBe(ms);
  });

  test("jitter keeps at least half of the delay", () => {
    expect(backoffDelay(3, { baseMs: 100, maxMs: 1_000, random: () => 0 })).toBe(200);
  });

  test("a huge attempt count stays at the cap", () => {
    expect(backoffDelay(10_000, { baseMs: 500, maxMs: 30_000, random: () => 1 })).toBe(30_000);
  });
});
