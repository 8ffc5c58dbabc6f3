import { describe, expect, test } from "vitest";
import { admitEnvironment, buildEnvironmentObjects, DEDICATED_TAINT_KEY, dedicatedTolerations } from "../../../model/index.ts";
import { testOrganization, testPlatform, testSpec } from "../../../model/testing.ts";

const TOLERATIONS = "scheduler.alpha.kubernetes.io/defaultTolerations";

function namespaceFor(overrides: Parameters<typeof testSpec>[0]) {
  const platform = testPlatform();
  const plan = admitEnvironment({ org: "byt", spec: testSpec(overrides) }, platform);
  const site = platform.sites.get("ndc1")!.config!;
  return buildEnvironmentObjects({ plan, site, organization: testOrganization() })[0]!;
}

describe("dedicatedTolerations", () => {
  test("tolerates exactly the pool's dedicated taint", () => {
    expect(JSON.parse(dedicatedTolerations("secure"))).toEqual([{ key: DEDICATED_TAINT_KEY, operator: "Equal", value: "secure", effect: "NoSchedule" }]);
  });
});

describe("buildEnvironmentObjects on a dedicated pool", () => {
  test("GIVEN level 4 WHEN built THEN the namespace pins to the pool and tolerates its taint", () => {
    const ns = namespaceFor({ securityLevel: 4 });
    expect(ns.metadata.annotations?.["scheduler.alpha.kubernetes.io/node-selector"]).toBe("ndc.gov.vn/zone=app,ndc.gov.vn/pool=secure");
    expect(ns.metadata.annotations?.[TOLERATIONS]).toBe(dedicatedTolerations("secure"));
  });
  test("GIVEN a shared pool WHEN built THEN no toleration is added", () => {
    expect(namespaceFor({ securityLevel: 2 }).metadata.annotations?.[TOLERATIONS]).toBeUndefined();
  });
});
