import { describe, expect, test } from "vitest";
import { assemblePlatform, refuseTenantGroup } from "../../../model/index.ts";
import { testOrganization, testSiteStack } from "../../../model/testing.ts";

// Two organizations whose slugs prefix one another: byt, and a hypothetical byt-his.
const platform = assemblePlatform([
  testSiteStack({}, [testOrganization(), testOrganization({ slug: "byt-his", name: { vi: "Cục thử", en: "Test department" }, ownerGroups: ["his-admins"] })]),
]);

describe("refuseTenantGroup (issue 10 item 2)", () => {
  test.each([
    ["byt-admins", "byt"],
    ["byt-lab", "byt"],
    ["his-admins", "byt-his"],
    ["byt-his-team", "byt-his"],
  ])("%s is a group of %s", (group, org) => {
    expect(refuseTenantGroup(group, org, platform)).toBeUndefined();
  });

  test.each([
    [
      "system:authenticated",
      "byt",
      "group-reserved",
      'names a group with the reserved prefix "system:" (Kubernetes\' own groups, e.g. system:authenticated); name a group of byt',
    ],
    [
      "SYSTEM:masters",
      "byt",
      "group-reserved",
      'names a group with the reserved prefix "system:" (Kubernetes\' own groups, e.g. system:authenticated); name a group of byt',
    ],
    ["byt-his-team", "byt", "group-of-organization", "belongs to organization byt-his; owners and viewers must be byt's own groups: byt-admins, byt-<team>"],
    ["his-admins", "byt", "group-of-organization", "belongs to organization byt-his; owners and viewers must be byt's own groups: byt-admins, byt-<team>"],
    ["bytx-team", "byt", "group-of-organization", "is not a group of any organization; owners and viewers must be byt's own groups: byt-admins, byt-<team>"],
  ])("fails when %s is named for %s (%s)", (group, org, rule, message) => {
    expect(refuseTenantGroup(group, org, platform)).toEqual({ rule, message });
  });
});
