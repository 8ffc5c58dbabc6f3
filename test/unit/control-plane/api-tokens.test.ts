import { describe, expect, test } from "vitest";
import { generateToken, hashToken, parseDuration, rolesFromClaims, sameToken } from "../../../control-plane/auth/index.ts";

describe("generateToken", () => {
  test("is random, prefixed, 32 bytes of entropy, and stored only as its sha256", () => {
    const a = generateToken();
    const b = generateToken();
    expect(a.token).toMatch(/^ndc_[A-Za-z0-9_-]{43}$/);
    expect(a.token).not.toBe(b.token);
    expect(a.hash).toBe(hashToken(a.token));
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("sameToken", () => {
  test("compares by value", () => {
    expect(sameToken("abc", "abc")).toBe(true);
    expect(sameToken("abc", "abd")).toBe(false);
    expect(sameToken("abc", "abcd")).toBe(false);
  });
});

describe("parseDuration", () => {
  test.each([
    ["30d", 30 * 86_400_000],
    ["12h", 12 * 3_600_000],
    ["15m", 900_000],
    ["90s", 90_000],
    [3600, 3_600_000],
  ])("%s -> %i ms", (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });
  test.each(["", "1w", "-1d", "0d", "1.5h", 0, -5, 1.5])("fails on %j", (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });
});

describe("rolesFromClaims", () => {
  test("reads ndc-prefixed roles and groups only, ignores bare and unknown names (issue 10 item 9)", () => {
    expect(rolesFromClaims({ roles: ["requester", "ndc:requester", "admin"], groups: ["ndc:auditor", "operator", "platform-admin", "staff", 42] })).toEqual([
      "requester",
      "auditor",
    ]);
    expect(rolesFromClaims({ groups: ["ndc:operator", "gov/operator"] }, "gov/")).toEqual(["operator"]);
  });
});
