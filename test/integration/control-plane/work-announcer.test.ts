// The workflow wakes the provisioner through a callback, after the change is committed: only changes
// that leave work to do are announced (no URL matching anywhere).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { testSpec } from "../../../model/testing.ts";
import { prodSpec, startTestApp, type TestApp } from "./_harness.ts";

describe("EnvironmentRequests.work", () => {
  let t: TestApp;
  let announced = 0;
  let unsubscribe: () => void;
  const base = "/v1/organizations/byt/environments";
  beforeAll(async () => {
    t = await startTestApp("sqlite");
    unsubscribe = t.app.ndc.requests.work.subscribe(() => announced++);
  });
  afterAll(async () => {
    unsubscribe();
    await t?.cleanup();
  });

  test("a request that waits for approval is not announced; its approval is, once", async () => {
    announced = 0;
    const created = await t.call("POST", base, t.tokens.alice, prodSpec({ name: "wa-prod" }));
    expect(created.statusCode).toBe(201);
    expect((created.json() as { phase: string }).phase).toBe("AwaitingApproval");
    expect(announced).toBe(0);
    const approved = await t.decide("approve", `${base}/wa-prod`, t.tokens.oscar);
    expect(approved.statusCode).toBe(200);
    expect(announced).toBe(1);
  });

  test("a rejection queues no work and is not announced", async () => {
    announced = 0;
    expect((await t.call("POST", base, t.tokens.alice, prodSpec({ name: "wa-rej" }))).statusCode).toBe(201);
    expect((await t.decide("reject", `${base}/wa-rej`, t.tokens.oscar, { reason: "not needed" })).statusCode).toBe(200);
    expect(announced).toBe(0);
  });

  test("an auto-approved request is announced when it is committed", async () => {
    announced = 0;
    const created = await t.call("POST", base, t.tokens.alice, testSpec({ name: "wa-dev" }));
    expect(created.statusCode).toBe(201);
    expect((created.json() as { phase: string }).phase).toBe("Approved");
    expect(announced).toBe(1);
  });

  test("a refused request announces nothing", async () => {
    announced = 0;
    const dup = await t.call("POST", base, t.tokens.alice, testSpec({ name: "wa-dev" }));
    expect(dup.statusCode).toBe(409);
    expect(announced).toBe(0);
  });

  test("an unsubscribed listener is not called", async () => {
    let calls = 0;
    const off = t.app.ndc.requests.work.subscribe(() => calls++);
    off();
    expect((await t.call("POST", base, t.tokens.alice, testSpec({ name: "wa-dev2" }))).statusCode).toBe(201);
    expect(calls).toBe(0);
  });
});
