import { describe, expect, test } from "vitest";
import { testSpec } from "../../../model/testing.ts";
import { applySpecPatch } from "../../../control-plane/workflow/index.ts";

describe("applySpecPatch", () => {
  test("merges resources field by field and storage tier by tier", () => {
    const spec = testSpec({ resources: { cpu: "4", memory: "16Gi", storage: { standard: "100Gi" } } });
    expect(applySpecPatch(spec, { resources: { cpu: "8", storage: { fast: "10Gi" } } }).resources).toEqual({
      cpu: "8",
      memory: "16Gi",
      storage: { standard: "100Gi", fast: "10Gi" },
    });
  });

  test("replaces other fields and keeps the name", () => {
    const next = applySpecPatch(testSpec(), { owners: ["new-team"], stage: "test" });
    expect(next).toMatchObject({ name: "his-app", owners: ["new-team"], stage: "test" });
  });

  test("does not change the spec it was given", () => {
    const spec = testSpec();
    const copy = structuredClone(spec);
    applySpecPatch(spec, { resources: { memory: "1Gi" } });
    expect(spec).toEqual(copy);
  });
});
