// GET /v1/environments?awaitingDecision=true: the approval queue the portal shows — new requests,
// changes waiting beside an approved spec, and decommissions — and nothing else; confined callers
// see their own organization's only.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { testSpec } from "../../../model/testing.ts";
import { BACKENDS, prodSpec, startTestApp, type TestApp } from "./_harness.ts";

describe.each(BACKENDS)("the approval queue (%s)", (backend) => {
  let t: TestApp;
  const ENVS = "/v1/organizations/byt/environments";

  beforeAll(async () => {
    t = await startTestApp(backend);
    // Waits: a prod request.
    expect((await t.call("POST", ENVS, t.tokens.alice, prodSpec({ name: "new-prod" }))).json().phase).toBe("AwaitingApproval");
    // Does not wait: an auto-approved dev environment.
    const dev = await t.call("POST", ENVS, t.tokens.alice, testSpec({ name: "plain-dev", resources: { cpu: "1", memory: "2Gi" } }));
    expect(dev.json()).toMatchObject({ phase: "Approved", pendingChange: null });
    // Waits beside its approved spec: a dev environment changed to prod.
    const changing = await t.call("POST", ENVS, t.tokens.alice, testSpec({ name: "to-prod", resources: { cpu: "1", memory: "2Gi" } }));
    const patched = await t.call(
      "PATCH",
      `${ENVS}/to-prod`,
      t.tokens.alice,
      { stage: "prod", securityLevel: 3 },
      { "if-match": `"${changing.json().version}"` },
    );
    expect(patched.json()).toMatchObject({ phase: "Approved", stage: "dev", pendingChange: { spec: { stage: "prod" } } });
    // Rejected: gone from the queue.
    await t.call("POST", ENVS, t.tokens.alice, prodSpec({ name: "turned-down" }));
    expect((await t.decide("reject", `${ENVS}/turned-down`, t.tokens.oscar, { reason: "not now" })).statusCode).toBe(200);
  });
  afterAll(() => t?.cleanup());

  test("lists what an operator must decide, and only that", async () => {
    const res = await t.call("GET", "/v1/environments?awaitingDecision=true", t.tokens.oscar);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().items.map((e: { org: string; name: string }) => `${e.org}/${e.name}`)).toEqual(["byt/new-prod", "byt/to-prod"]);
    // Without the filter, the approved dev environment is there too.
    const all = await t.call("GET", "/v1/environments", t.tokens.oscar);
    expect(all.json().items.map((e: { name: string }) => e.name)).toEqual(["new-prod", "plain-dev", "to-prod"]);
  });

  test("combines with phase, and another organization's requester sees none of it", async () => {
    const withPhase = await t.call("GET", "/v1/environments?awaitingDecision=true&phase=Approved", t.tokens.oscar);
    expect(withPhase.json().items.map((e: { name: string }) => e.name)).toEqual(["to-prod"]);
    const bob = await t.call("GET", "/v1/environments?awaitingDecision=true", t.tokens.bob);
    expect(bob.json().items).toEqual([]);
  });

  test("fails when awaitingDecision is not a boolean, naming the parameter", async () => {
    const res = await t.call("GET", "/v1/environments?awaitingDecision=maybe", t.tokens.oscar);
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([expect.objectContaining({ field: "query.awaitingDecision", rule: "type" })]);
  });
});
