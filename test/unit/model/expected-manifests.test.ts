// The builder against the hand-written manifests of one environment (test/expected/).
import { describe, expect, test } from "vitest";
import { admitEnvironment, buildEnvironmentObjects } from "../../../model/index.ts";
import { testPlatform, testSpec } from "../../../model/testing.ts";
import { bytHisAppManifests } from "../../expected/manifests.ts";

describe("the builder against hand-written manifests", () => {
  const platform = testPlatform();
  const plan = admitEnvironment({ org: "byt", spec: testSpec({ name: "his-app", viewers: ["byt-auditors"] }) }, platform);
  const build = (managedBy?: "pulumi") =>
    buildEnvironmentObjects({
      plan,
      site: platform.sites.get("ndc1")!.config!,
      organization: platform.organizations.get("byt")!,
      ...(managedBy ? { managedBy } : {}),
    });

  test("byt/his-app at ndc1 is exactly the 14 objects of byt-his-app.ndc1.yaml, in that order", () => {
    const expected = bytHisAppManifests();
    expect(expected).toHaveLength(14);
    expect(build()).toEqual(expected);
  });

  test("for the Pulumi component only the managed-by label differs", () => {
    expect(build("pulumi")).toEqual(bytHisAppManifests({ managedBy: "pulumi" }));
  });

  test("the comparison can fail: one opened rule is a difference", () => {
    const opened = bytHisAppManifests();
    (opened.find((o) => o.metadata.name === "ndc-default-deny")!.spec as Record<string, unknown>).ingress = [{}];
    expect(build()).not.toEqual(opened);
  });
});
