// GET /openapi.json is a valid OpenAPI 3.1 document that lists every route the service has.
import SwaggerParser from "@apidevtools/swagger-parser";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestApp, type TestApp } from "./_harness.ts";

interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, { operationId?: string; responses?: Record<string, unknown>; security?: unknown[] }>>;
}

describe("GET /openapi.json", () => {
  let t: TestApp;
  let doc: OpenApi;
  beforeAll(async () => {
    t = await startTestApp("sqlite");
    const res = await t.app.inject({ method: "GET", url: "/openapi.json" });
    expect(res.statusCode).toBe(200);
    doc = res.json() as OpenApi;
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  test("validates as OpenAPI 3.1", async () => {
    expect(doc.openapi).toBe("3.1.0");
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
  });

  test("lists every registered route, with a unique operationId and responses", () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const registered = t.app.ndc.routes.map((r) => `${r.method} ${r.url.replace(/:([A-Za-z]+)/g, "{$1}")}`);
    expect(new Set(registered).size).toBe(registered.length);
    expect([...documented].sort()).toEqual([...registered].sort());
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(ids.every((id) => typeof id === "string")).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const ops of Object.values(doc.paths)) for (const op of Object.values(ops)) expect(Object.keys(op.responses ?? {}).length).toBeGreaterThan(0);
  });

  test.each([
    "GET /healthz",
    "GET /readyz",
    "GET /metrics",
    "GET /openapi.json",
    "GET /v1/sites",
    "GET /v1/sites/{site}/capacity",
    "GET /v1/organizations",
    "GET /v1/organizations/{org}",
    "POST /v1/organizations/{org}/environments",
    "GET /v1/organizations/{org}/environments",
    "GET /v1/organizations/{org}/environments/{name}",
    "PATCH /v1/organizations/{org}/environments/{name}",
    "DELETE /v1/organizations/{org}/environments/{name}",
    "POST /v1/organizations/{org}/environments/{name}/approve",
    "POST /v1/organizations/{org}/environments/{name}/reject",
    "GET /v1/audit",
    "GET /v1/audit/verify",
    "POST /v1/tokens",
    "GET /v1/organizations/{org}/compliance",
    "GET /v1/sites/{site}/compliance",
    "GET /v1/organizations/{org}/usage",
    "GET /v1/usage",
    "GET /v1/capacity/roadmap",
    "POST /v1/organizations/{org}/sharing-agreements",
    "GET /v1/organizations/{org}/sharing-agreements",
    "GET /v1/organizations/{org}/sharing-agreements/{name}",
    "POST /v1/organizations/{org}/sharing-agreements/{name}/accept",
    "POST /v1/organizations/{org}/sharing-agreements/{name}/approve",
    "POST /v1/organizations/{org}/sharing-agreements/{name}/revoke",
  ])("has the contract route %s (DESIGN.md section 6)", (route) => {
    const [method, path] = route.split(" ") as [string, string];
    expect(doc.paths[path]?.[method.toLowerCase()]).toBeDefined();
  });

  test("errors are documented as problem details; public routes need no token", () => {
    const create = doc.paths["/v1/organizations/{org}/environments"]!.post!;
    expect(Object.keys(create.responses!)).toEqual(expect.arrayContaining(["201", "400", "401", "404", "409", "413", "422", "429"]));
    expect(create.responses!["422"]).toMatchObject({
      content: { "application/problem+json": { schema: { required: expect.arrayContaining(["type", "title", "status", "detail", "errors"]) } } },
    });
    expect(doc.paths["/healthz"]!.get!.security).toEqual([]);
  });
});
