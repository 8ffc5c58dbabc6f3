import { describe, expect, test } from "vitest";
import { parseSiteStack } from "../../../model/index.ts";
import { testSiteStack } from "../../../model/testing.ts";

describe("ControlPlaneConfigSchema", () => {
  test("accepts waitForReady: false (clusters where no kubelet runs pods)", () => {
    const config = {
      ...testSiteStack(),
      controlPlane: {
        image: `registry.ndc1.ndc.gov.vn/ndc/control-plane@sha256:${"12".repeat(32)}`,
        replicas: 1,
        apiServers: [{ cidr: "10.10.0.10/32", port: 6443 }],
        waitForReady: false,
      },
    };
    expect(parseSiteStack(config, "stacks/Pulumi.test.yaml").controlPlane?.waitForReady).toBe(false);
  });
  test("fails when waitForReady is not a boolean", () => {
    const config = { ...testSiteStack(), controlPlane: { image: "x", waitForReady: "no" } };
    expect(() => parseSiteStack(config, "stacks/Pulumi.test.yaml")).toThrow(/^stacks\/Pulumi\.test\.yaml: ndc:controlPlane\.waitForReady: .*\[type\]$/);
  });
});
