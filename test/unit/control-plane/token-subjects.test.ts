import { describe, expect, test } from "vitest";
import { POLICY } from "../../../model/index.ts";
import { reservedSubjectPrefix, subjectBindingIssues } from "../../../control-plane/auth/index.ts";
import type { TokenRecord } from "../../../control-plane/store/index.ts";

/** alice's first token: a requester of byt, her own person, minted on 1 December 2026. */
const first: TokenRecord = {
  id: "t1",
  tokenHash: "h",
  subject: "alice",
  role: "requester",
  org: "byt",
  createdBy: "admin",
  lineage: { root: "alice", minters: ["bootstrap:abc", "admin"] },
  mintedWith: null,
  createdAt: "2026-12-01T00:00:00.000Z",
  expiresAt: "2026-12-31T00:00:00.000Z",
  revokedAt: null,
};
const another = "mint a token under another subject for another person, role or organization";

describe("subjectBindingIssues (policy apiTokenSubjects)", () => {
  test("a new subject, or a renewal of the same person, role and organization, has none (red if renewals were refused)", () => {
    expect(subjectBindingIssues("ci:new", { root: "ci:new", role: "operator", org: null }, undefined)).toEqual([]);
    expect(subjectBindingIssues("alice", { root: "alice", role: "requester", org: "byt" }, first)).toEqual([]);
  });

  test("another person, role and organization under alice's name: one issue each (red while any of them passed)", () => {
    expect(subjectBindingIssues("alice", { root: "pam", role: "operator", org: null }, first)).toEqual([
      {
        field: "subject",
        rule: "subject-bound",
        message: `alice stands for alice since its first token (2026-12-01T00:00:00.000Z); this token would stand for pam and act as alice; ${another}`,
        value: "alice",
      },
      {
        field: "role",
        rule: "subject-bound",
        message: `alice acts as requester since its first token (2026-12-01T00:00:00.000Z); a token for it can only renew that role; ${another}`,
        value: "operator",
      },
      {
        field: "org",
        rule: "subject-bound",
        message: `alice acts for byt since its first token (2026-12-01T00:00:00.000Z); a token for it can only renew that; ${another}`,
        value: null,
      },
    ]);
  });

  test("only the attributes the policy binds are compared (red if the code ignored the policy data)", () => {
    const roleOnly = { ...POLICY, apiTokenSubjects: { ...POLICY.apiTokenSubjects, bound: ["role" as const] } };
    expect(subjectBindingIssues("alice", { root: "pam", role: "requester", org: "bct" }, first, roleOnly)).toEqual([]);
  });

  test("reserved prefixes, any case (red while policy: could be minted)", () => {
    expect(reservedSubjectPrefix("Policy:auto-approval")).toBe("policy:");
    expect(reservedSubjectPrefix("SYSTEM:provisioner")).toBe("system:");
    expect(reservedSubjectPrefix("ci:byt-his")).toBeUndefined();
  });
});
