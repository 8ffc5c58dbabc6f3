import { describe, expect, test } from "vitest";
import { LANDING_ENVIRONMENT_NAME, landingNamespaceName, namespaceName, poolCapacity } from "../../../model/index.ts";
import { testSiteStack } from "../../../model/testing.ts";

describe("landingNamespaceName", () => {
  test("is <org>-landing, the namespace an environment named landing would take", () => {
    expect(landingNamespaceName("byt")).toBe("byt-landing");
    expect(landingNamespaceName("byt")).toBe(namespaceName("byt", LANDING_ENVIRONMENT_NAME));
  });
});

describe("poolCapacity", () => {
  test("multiplies nodes, node size and the site's overcommit", () => {
    const site = testSiteStack().site;
    const general = site.computePools[0]!; // 10 nodes x 64 cpu x 512Gi x 1 GPU, overcommit cpu 2 memory 1
    expect(poolCapacity(general, site)).toEqual({ cpuMillis: 10 * 64_000 * 2, memoryBytes: 10 * 512 * 2 ** 30, gpu: 10, storageBytes: {} });
  });
  test("defaults the overcommit to cpu 2, memory 1", () => {
    const site = { ...testSiteStack().site, overcommit: undefined };
    expect(poolCapacity(site.computePools[2]!, site).cpuMillis).toBe(3 * 32_000 * 2);
  });
});
