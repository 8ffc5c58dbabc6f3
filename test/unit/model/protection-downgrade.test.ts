import { describe, expect, test } from "vitest";
import { downgradeReasons, loweredProtections, POLICY, type Protections } from "../../../model/index.ts";

const prodCore: Protections = { stage: "prod", securityLevel: 4, dataClass: "core" };

describe("loweredProtections", () => {
  test.each<[string, Protections, Protections, string[]]>([
    ["nothing lowered", prodCore, prodCore, []],
    ["raised only", { stage: "dev", securityLevel: 1, dataClass: "other" }, prodCore, []],
    ["stage", prodCore, { ...prodCore, stage: "staging" }, ["stage prod->staging"]],
    ["level", prodCore, { ...prodCore, securityLevel: 3 }, ["securityLevel 4->3"]],
    ["data class", prodCore, { ...prodCore, dataClass: "important" }, ["dataClass core->important"]],
    ["all three", prodCore, { stage: "dev", securityLevel: 1, dataClass: "other" }, ["stage prod->dev", "securityLevel 4->1", "dataClass core->other"]],
  ])("%s", (_, before, after, expected) => {
    expect(loweredProtections(before, after).map((l) => `${l.field} ${l.from}->${l.to}`)).toEqual(expected);
  });
});

describe("downgradeReasons", () => {
  const staging: Protections = { stage: "staging", securityLevel: 3, dataClass: "important" };
  const core: Protections = { stage: "test", securityLevel: 3, dataClass: "core" };
  test("a prod, a core or an operator-approved environment lowered waits; a policy-approved one does not", () => {
    expect(downgradeReasons(prodCore, { ...prodCore, stage: "dev" }, false)).toEqual([
      "lowers stage prod -> dev of an environment an operator approved (policy downgradeApproval)",
    ]);
    expect(downgradeReasons(core, { ...core, dataClass: "important" }, false)).toEqual([
      "lowers dataClass core -> important of an environment an operator approved (policy downgradeApproval)",
    ]);
    expect(downgradeReasons(staging, { ...staging, securityLevel: 2 }, true)).toEqual([
      "lowers securityLevel 3 -> 2 of an environment an operator approved (policy downgradeApproval)",
    ]);
    expect(downgradeReasons(staging, { ...staging, securityLevel: 2 }, false)).toEqual([]);
    expect(
      downgradeReasons(staging, { ...staging, securityLevel: 2 }, true, {
        ...POLICY,
        downgradeApproval: { ...POLICY.downgradeApproval, whenLiveNeedsOperator: false },
      }),
    ).toEqual([]);
  });

  test("the rule is policy data with its source", () => {
    expect(POLICY.downgradeApproval).toMatchObject({ stages: ["prod"], dataClasses: ["core"], whenLiveNeedsOperator: true });
    expect(POLICY.downgradeApproval.source.law).toContain("four eyes");
  });
});
