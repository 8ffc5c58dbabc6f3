import { describe, expect, test } from "vitest";
import { authorize, canSeeOrg, type Principal } from "../../../control-plane/auth/index.ts";

const p = (roles: Principal["roles"], org?: string): Principal => ({ subject: "s", roles, via: "token", ...(org ? { org } : {}) });

describe("canSeeOrg", () => {
  test.each([
    [p(["requester"], "byt"), "byt", true],
    [p(["requester"], "byt"), "bct", false],
    [p(["org-admin"], "byt"), "bct", false],
    [p(["operator"]), "bct", true],
    [p(["auditor"]), "byt", true],
    [p(["auditor"], "bct"), "byt", false],
    [p(["platform-admin"]), "byt", true],
    [p([]), "byt", false],
  ])("%j sees %s: %s", (principal, org, expected) => {
    expect(canSeeOrg(principal, org)).toBe(expected);
  });
});

describe("authorize", () => {
  test.each([
    ["requester", "environments:write", true],
    ["org-admin", "environments:write", true],
    ["operator", "environments:write", false],
    ["auditor", "environments:write", false],
    ["requester", "environments:approve", false],
    ["org-admin", "environments:approve", false],
    ["operator", "environments:approve", true],
    ["platform-admin", "environments:approve", true],
    ["auditor", "audit:read", true],
    ["requester", "audit:read", false],
    ["operator", "tokens:create", false],
    ["platform-admin", "tokens:create", true],
  ] as const)("%s may %s: %s", (role, action, allowed) => {
    const principal = p([role], role === "requester" || role === "org-admin" ? "byt" : undefined);
    expect(authorize(principal, action, "byt").allowed).toBe(allowed);
  });

  test("fails with 404 (not 403) for another organization, whatever the role", () => {
    expect(authorize(p(["org-admin"], "bct"), "environments:read", "byt")).toEqual({
      allowed: false,
      status: 404,
      rule: "organization-visible",
      message: "no organization or environment of that name is visible to s",
    });
  });

  test("fails with 403 naming the roles that may", () => {
    expect(authorize(p(["requester"], "byt"), "environments:approve", "byt")).toEqual({
      allowed: false,
      status: 403,
      rule: "role-required",
      message: "environments:approve needs one of the roles operator, platform-admin; s has requester",
    });
  });
});
