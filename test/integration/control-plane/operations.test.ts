// Operational surface: health, readiness, metrics, request ids, JSON logs without secrets, rate
// limits per token.
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { testSpec } from "../../../model/testing.ts";
import { BACKENDS, prodSpec, startTestApp, type TestApp } from "./_harness.ts";

describe.each(BACKENDS)("operations (%s)", (backend) => {
  let t: TestApp;
  const lines: string[] = [];
  beforeAll(async () => {
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString().split("\n").filter(Boolean));
        done();
      },
    });
    t = await startTestApp(backend, { logger: { level: "info", stream, redact: ["req.headers.authorization"] }, rateLimit: { max: 30, windowMs: 60_000 } });
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  test("healthz and readyz answer without a token", async () => {
    expect((await t.call("GET", "/healthz", undefined)).json()).toEqual({ status: "ok" });
    expect((await t.call("GET", "/readyz", undefined)).json()).toEqual({ status: "ready", store: backend, sites: 3, organizations: 2 });
  });

  test("a plain request id is echoed; anything else is replaced", async () => {
    const given = await t.call("GET", "/healthz", undefined, undefined, { "x-request-id": "cli-7f3a" });
    expect(given.headers["x-request-id"]).toBe("cli-7f3a");
    const hostile = await t.call("GET", "/healthz", undefined, undefined, { "x-request-id": "x\ny".repeat(40) });
    expect(hostile.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    const problem = await t.call("GET", "/v1/nowhere", t.tokens.alice, undefined, { "x-request-id": "trace-1" });
    expect(problem.json()).toMatchObject({ status: 404, requestId: "trace-1", code: "NDC_ERR_NOT_FOUND" });
  });

  test("metrics: HTTP rate and latency, environments by phase, capacity, audit records", async () => {
    await t.call("POST", "/v1/organizations/byt/environments", t.tokens.alice, prodSpec({ name: "metered" }));
    await t.call("POST", "/v1/organizations/byt/environments", t.tokens.alice, testSpec({ name: "auto" }));
    const res = await t.call("GET", "/metrics", undefined);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain/);
    const text = res.body;
    expect(text).toMatch(/^ndc_http_requests_total\{method="POST",route="\/v1\/organizations\/:org\/environments",status="201"\} 2$/m);
    // Both requests are in the latency histogram (how fast they were is the benchmarks' business).
    expect(text).toMatch(
      /^ndc_http_request_duration_seconds_bucket\{le="\+Inf",method="POST",route="\/v1\/organizations\/:org\/environments",status="201"\} 2$/m,
    );
    expect(text).toMatch(/^ndc_http_request_duration_seconds_count\{method="POST",route="\/v1\/organizations\/:org\/environments",status="201"\} 2$/m);
    expect(text).toMatch(/^ndc_environments\{phase="AwaitingApproval"\} 1$/m);
    expect(text).toMatch(/^ndc_environments\{phase="Approved"\} 1$/m);
    expect(text).toMatch(/^ndc_capacity_committed\{site="ndc1",pool="general",zone="app",resource="cpu_millis"\} 8000$/m);
    expect(text).toMatch(/^ndc_capacity_total\{site="ndc1",pool="general",resource="cpu_millis"\} 1280000$/m);
    expect(text).toMatch(/^ndc_capacity_available\{site="ndc1",pool="general",resource="cpu_millis"\} 1272000$/m);
    expect(text).toMatch(new RegExp(`^ndc_audit_records ${await t.store.countAudit()}$`, "m"));
    await t.call("GET", "/v1/organizations/byt/environments", t.tokens.bob);
    expect((await t.call("GET", "/metrics", undefined)).body).toMatch(/^ndc_denied_requests_total\{status="404"\} 1$/m);
  });

  test("logs are JSON lines with the request id, and never a token", async () => {
    const minted = await t.call("POST", "/v1/tokens", t.tokens.admin, { subject: "ci", role: "operator" });
    const secret = (minted.json() as { token: string }).token;
    await t.call("GET", "/v1/sites", secret, undefined, { "x-request-id": "log-check" });
    const parsed = lines.map((l) => JSON.parse(l) as { reqId?: string; msg: string });
    expect(parsed.some((l) => l.reqId === "log-check" && l.msg === "request completed")).toBe(true);
    const all = lines.join("\n");
    for (const token of [secret, t.tokens.alice, t.tokens.admin]) expect(all).not.toContain(token);
  });

  test("guessing tokens from one address: after 60 failures a minute, 429 and no more audit records; valid tokens still pass", async () => {
    const before = await t.store.countAudit();
    const statuses: number[] = [];
    for (let i = 0; i < 65; i++) {
      const res = await t.app.inject({
        method: "GET",
        url: "/v1/sites",
        remoteAddress: "192.0.2.77",
        headers: { authorization: `Bearer ndc_guess${String(i).padStart(40, "0")}` },
      });
      statuses.push(res.statusCode);
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(60);
    expect(statuses.slice(60)).toEqual([429, 429, 429, 429, 429]);
    expect(await t.store.countAudit()).toBe(before + 60);
    // A valid token from the same address (e.g. behind one proxy) is never throttled by this.
    expect(
      (await t.app.inject({ method: "GET", url: "/v1/sites", remoteAddress: "192.0.2.77", headers: { authorization: `Bearer ${t.tokens.oscar}` } })).statusCode,
    ).toBe(200);
  });

  test("rate limit per token: the 31st request in a minute gets 429, another token is unaffected", async () => {
    const token = ((await t.call("POST", "/v1/tokens", t.tokens.admin, { subject: "busy", role: "auditor" })).json() as { token: string }).token;
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await t.call("GET", "/v1/sites", token)).statusCode);
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
    const limited = await t.call("GET", "/v1/sites", token);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers["retry-after"]).toMatch(/^\d+$/);
    expect(limited.json()).toMatchObject({
      type: "https://ndc.gov.vn/problems/rate-limited",
      code: "NDC_ERR_RATE_LIMITED",
      detail: expect.stringMatching(/^more than 30 requests per 60 s for this token; retry after/),
    });
    expect((await t.call("GET", "/v1/sites", t.tokens.oscar)).statusCode).toBe(200);
    expect((await t.call("GET", "/healthz", undefined)).statusCode).toBe(200);
  });
});
