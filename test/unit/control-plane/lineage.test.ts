import { describe, expect, test } from "vitest";
import { actionsBeyond } from "../../../control-plane/auth/index.ts";
import { isInstallationAdmin, legacyLineage, lineageOfMinted, ownLineage, sharedPerson, type Lineage } from "../../../control-plane/domain/index.ts";

const BOOT = "bootstrap:0123456789ab";
const admin: Lineage = { root: "admin", minters: [BOOT] };

describe("lineageOfMinted", () => {
  test.each<[string, Parameters<typeof lineageOfMinted>[0], string, Lineage]>([
    ["the bootstrap's first admin is a root", { subject: BOOT, via: "bootstrap" }, "admin", { root: "admin", minters: [BOOT] }],
    ["a hand-out of the first admin is a root", { subject: "admin", via: "token", lineage: admin }, "alice", { root: "alice", minters: [BOOT, "admin"] }],
    [
      "a token's token carries its root",
      { subject: "pam", via: "token", lineage: { root: "pam", minters: [BOOT, "admin"] } },
      "pam-ci",
      { root: "pam", minters: [BOOT, "admin", "pam"] },
    ],
    [
      "down the chain the root stays",
      { subject: "pam-ci", via: "token", lineage: { root: "pam", minters: [BOOT, "admin", "pam"] } },
      "x",
      { root: "pam", minters: [BOOT, "admin", "pam", "pam-ci"] },
    ],
    [
      "an OIDC user's token is theirs",
      { subject: "https://idp#olivia", via: "oidc" },
      "olivia-bot",
      { root: "https://idp#olivia", minters: ["https://idp#olivia"] },
    ],
  ])("%s", (_, minter, subject, expected) => {
    expect(lineageOfMinted(minter, subject)).toEqual(expected);
  });
});

describe("legacyLineage", () => {
  test("a token the bootstrap minted is its own root; any other is its minter's", () => {
    expect(legacyLineage("admin", BOOT)).toEqual({ root: "admin", minters: [BOOT] });
    expect(legacyLineage("pam-ci", "pam")).toEqual({ root: "pam", minters: ["pam"] });
    expect(isInstallationAdmin(legacyLineage("admin", BOOT))).toBe(true);
    expect(isInstallationAdmin(ownLineage("admin"))).toBe(false);
  });
});

describe("sharedPerson", () => {
  const who = (subject: string, root: string, minters: string[]) => ({ subject, lineage: { root, minters } });
  test.each([
    ["same subject", who("pam", "pam", []), who("pam", "pam", []), "same-subject"],
    ["the approver minted the author's token", who("pam", "pam", [BOOT, "admin"]), who("pam-ci", "pam", [BOOT, "admin", "pam"]), "holds-author-token"],
    [
      "the author minted the approver's token, two steps up",
      who("pam-ops", "pam", [BOOT, "admin", "pam", "pam-deputy"]),
      who("pam", "pam", [BOOT, "admin"]),
      "author-holds-token",
    ],
    ["siblings of one root", who("pam-ops", "pam", [BOOT, "admin", "pam"]), who("pam-ci", "pam", [BOOT, "admin", "pam"]), "same-root"],
    ["the first admin's hand-outs are people of their own", who("oscar", "oscar", [BOOT, "admin"]), who("alice", "alice", [BOOT, "admin"]), undefined],
    ["the first admin approving a hand-out's request", who("admin", "admin", [BOOT]), who("alice", "alice", [BOOT, "admin"]), "holds-author-token"],
    ["two OIDC users", who("idp#a", "idp#a", []), who("idp#b", "idp#b", []), undefined],
  ] as const)("%s", (_, approver, author, expected) => {
    expect(sharedPerson(approver, author)).toBe(expected);
  });
});

describe("actionsBeyond", () => {
  test("a platform admin may hand out any role; an operator could not hand out requester rights", () => {
    expect(actionsBeyond(["platform-admin"], "operator")).toEqual([]);
    expect(actionsBeyond(["platform-admin"], "platform-admin")).toEqual([]);
    expect(actionsBeyond(["operator"], "requester")).toEqual(["environments:write"]);
    expect(actionsBeyond(["auditor"], "platform-admin")).toEqual(["environments:write", "environments:approve", "tokens:create"]);
  });
});
