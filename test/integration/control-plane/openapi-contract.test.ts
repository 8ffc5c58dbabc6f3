// The OpenAPI document is the contract: one hand-written case per rule where the service and its
// document disagreed (issue 19 item 3). Each case reads what the document says and checks that the
// service does exactly that; expected values are written here, not taken from the code.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { testSpec } from "../../../model/testing.ts";
import { startTestApp, type TestApp } from "./_harness.ts";

type Schema = Record<string, any>;
interface Operation {
  parameters?: { name: string; in: string; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, unknown>;
  security?: unknown[];
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
}

const ENVS = "/v1/organizations/byt/environments";
const ENV = "/v1/organizations/{org}/environments/{name}";

let t: TestApp;
let doc: OpenApi;
const op = (path: string, method: string) => doc.paths[path]![method]!;
const param = (path: string, method: string, name: string) => op(path, method).parameters!.find((p) => p.name === name)!.schema;
const body = (path: string, method: string) => op(path, method).requestBody!.content["application/json"]!.schema;
const problemOf = (res: { json(): unknown }) => res.json() as { status: number; errors: { field: string; rule: string; message: string }[] };

beforeAll(async () => {
  t = await startTestApp("sqlite");
  doc = (await t.app.inject({ method: "GET", url: "/openapi.json" })).json() as OpenApi;
  expect((await t.call("POST", ENVS, t.tokens.alice, testSpec({ name: "existing" }))).statusCode).toBe(201);
});
afterAll(async () => {
  await t?.cleanup();
});

describe("integers are integers: no text or fraction is coerced", () => {
  test.each([
    [`${ENVS}?limit=true`, "query.limit"],
    [`${ENVS}?limit=1.5`, "query.limit"],
    [`${ENVS}?limit=1e1`, "query.limit"],
    [`${ENVS}?limit=%201`, "query.limit"],
    [`/v1/environments?limit=01`, "query.limit"],
    [`/v1/audit?limit=true`, "query.limit"],
  ])("GET %s -> 400 naming %s", async (url, field) => {
    const res = await t.call("GET", url, t.tokens.admin);
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors.map((e) => [e.field, e.rule])).toEqual([[field, "type"]]);
  });

  test("limit=2 is a number and pages by 2; the document says integer 1-200", async () => {
    expect(param(ENV.replace("/{name}", ""), "get", "limit")).toMatchObject({ type: "integer", minimum: 1, maximum: 200 });
    const res = await t.call("GET", `${ENVS}?limit=2`, t.tokens.alice);
    expect(res.statusCode).toBe(200);
  });

  test.each([
    ["gpu as text", { resources: { cpu: "4", memory: "16Gi", gpu: "1" } }, "resources.gpu"],
    ["gpu as a fraction", { resources: { cpu: "4", memory: "16Gi", gpu: 1.5 } }, "resources.gpu"],
    ["personalDataSubjects as text", { personalDataSubjects: "10" }, "personalDataSubjects"],
  ])("a body with %s -> 400", async (_what, fields, field) => {
    const res = await t.call("POST", ENVS, t.tokens.alice, testSpec({ name: "ints", ...(fields as object) }));
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors[0]).toMatchObject({ field, rule: "type" });
  });
});

describe("lengths count characters, as the document does", () => {
  test("purpose: the document says at most 500; 500 emoji (1,000 UTF-16 units) are accepted", async () => {
    expect(body(ENVS.replace("byt", "{org}"), "post").properties.purpose).toMatchObject({ type: "string", minLength: 1, maxLength: 500 });
    const res = await t.call("POST", ENVS, t.tokens.alice, testSpec({ name: "emoji", purpose: "😀".repeat(500) }));
    expect(res.statusCode).toBe(201);
  });

  test("500 Vietnamese letters with stacked diacritics (decomposed, 1,000 units) are accepted; 501 are not", async () => {
    const decomposed = "e\u0323\u0302"; // ệ as e + dot below + circumflex: 3 code points
    expect((await t.call("POST", ENVS, t.tokens.alice, testSpec({ name: "viet", purpose: "ệ".repeat(500) }))).statusCode).toBe(201);
    const over = await t.call("POST", ENVS, t.tokens.alice, testSpec({ name: "viet2", purpose: "ệ".repeat(501) }));
    expect(over.statusCode).toBe(400);
    expect(problemOf(over).errors[0]).toEqual({ field: "purpose", rule: "max-length", message: "must be at most 500 characters", value: "ệ".repeat(501) });
    // Code points, as JSON Schema counts them: a decomposed letter is three.
    expect((await t.call("POST", ENVS, t.tokens.alice, testSpec({ name: "viet3", purpose: decomposed.repeat(167) }))).statusCode).toBe(400);
  });

  test("a reject reason of 1,000 emoji is within its 1,000 characters", async () => {
    expect((await t.call("POST", ENVS, t.tokens.alice, testSpec({ name: "to-reject", stage: "prod", securityLevel: 3 }))).statusCode).toBe(201);
    const res = await t.decide("reject", `${ENVS}/to-reject`, t.tokens.oscar, { reason: "🙏".repeat(1000) });
    expect(res.statusCode).toBe(200);
  });
});

describe("path parameters over their maxLength", () => {
  test.each([65, 300, 5_000])("an organization of %i characters -> 400 problem+json naming path.org, with a request id", async (n) => {
    const res = await t.call("GET", `/v1/organizations/${"a".repeat(n)}`, t.tokens.admin);
    expect(res.statusCode).toBe(400);
    expect(res.headers["content-type"]).toBe("application/problem+json; charset=utf-8");
    expect(res.headers["x-request-id"]).toBeDefined();
    expect(problemOf(res).errors[0]).toMatchObject({ field: "path.org", rule: "max-length" });
    expect(op("/v1/organizations/{org}", "get").responses["400"]).toBeDefined();
  });

  test("a path the router cannot decode -> 400 problem+json", async () => {
    const res = await t.call("GET", "/v1/organizations/%zz", t.tokens.admin);
    expect(res.statusCode).toBe(400);
    expect(res.headers["content-type"]).toBe("application/problem+json; charset=utf-8");
  });
});

describe("If-Match: the document's pattern is what the service accepts", () => {
  test("the pattern is documented", () => {
    expect(param(ENV, "patch", "if-match")).toMatchObject({ type: "string", maxLength: 16, pattern: '^(?:\\*|[0-9]{1,12}|"[0-9]{1,12}"|W/"[0-9]{1,12}")$' });
  });

  test.each([
    ["abc", false],
    ["1".repeat(39), false],
    ["1".repeat(13), false],
    ['"3', false],
    ["W/3", false],
    ['"a","b"', false],
    ['"1"', true],
    ["1", true],
    ['W/"1"', true],
    ["*", true],
  ])("If-Match %s: accepted by the document %s, and by the service alike", async (value, documented) => {
    expect(new RegExp(param(ENV, "patch", "if-match").pattern).test(value)).toBe(documented);
    const res = await t.call("PATCH", `${ENVS}/existing`, t.tokens.alice, { purpose: "đổi mục đích" }, { "if-match": value });
    if (documented) expect(res.statusCode).not.toBe(400);
    else {
      expect(res.statusCode).toBe(400);
      // Too long is reported as such (maxLength 16) before the pattern.
      expect(problemOf(res).errors[0]).toMatchObject({ field: "header.if-match", rule: value.length > 16 ? "max-length" : "etag-format" });
    }
  });
});

describe("PATCH changes at least one field", () => {
  test("the document says so: minProperties 1 and anyOf one of the patchable fields", () => {
    const schema = body(ENV, "patch");
    expect(schema.minProperties).toBe(1);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.anyOf.map((b: Schema) => b.required[0]).sort()).toEqual([
      "allowLoadBalancer",
      "dataClass",
      "owners",
      "personalData",
      "personalDataSubjects",
      "purpose",
      "resources",
      "securityLevel",
      "sites",
      "stage",
      "viewers",
      "zone",
    ]);
  });

  test.each([
    ["{}", {}],
    ["only the version", { version: 1 }],
  ])("%s -> 400 patch-empty", async (_what, patch) => {
    const res = await t.call("PATCH", `${ENVS}/existing`, t.tokens.alice, patch, { "if-match": "*" });
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors[0]).toMatchObject({ field: "(body)", rule: "patch-empty" });
  });
});

describe("quantities and sites are in the document", () => {
  test("cpu, memory and storage carry the quantity patterns", () => {
    const resources = body(ENVS.replace("byt", "{org}"), "post").properties.resources;
    expect(resources.properties.cpu.pattern).toBe("^(?:[0-9]{1,9}m|[0-9]{1,9}(?:\\.[0-9]{1,3})?)$");
    expect(resources.properties.memory.pattern).toBe("^[0-9]{1,15}(?:Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$");
    expect(resources.properties.storage.additionalProperties.pattern).toBe("^[0-9]{1,15}(?:Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$");
  });

  test.each([
    ["cpu", "eight"],
    ["cpu", "0.0001"],
    ["memory", "32GB"],
    ["memory", "1.5Gi"],
  ])("%s %s -> 400 quantity-format (the schema, not a later 422)", async (field, value) => {
    const res = await t.call("POST", ENVS, t.tokens.alice, testSpec({ name: "qty", resources: { cpu: "4", memory: "16Gi", [field]: value } }));
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors[0]).toMatchObject({ field: `resources.${field}`, rule: "quantity-format" });
  });

  test("sites are the known sites: an unknown one is 400 listing them", async () => {
    expect(body(ENVS.replace("byt", "{org}"), "post").properties.sites.items.anyOf.flatMap((b: Schema) => b.enum)).toEqual(["ndc1", "ndc2", "ndc3"]);
    const res = await t.call("POST", ENVS, t.tokens.alice, testSpec({ name: "where", sites: ["hcm1"] }));
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors[0]).toMatchObject({ field: "sites[0]", rule: "allowed-values", message: "must be one of ndc1, ndc2, ndc3" });
  });
});

describe("a method the document does not list on a known path", () => {
  test.each([
    ["TRACE", "/v1/sites", "GET, HEAD"],
    ["QUERY", "/healthz", "GET, HEAD"],
    ["DELETE", "/v1/organizations/byt", "GET, HEAD"],
    ["PUT", "/v1/organizations/byt/environments/existing", "DELETE, GET, HEAD, PATCH"],
    ["PUT", "/v1/tokens", "GET, HEAD, POST"],
  ])("%s %s -> 405 with Allow: %s", async (method, url, allow) => {
    const res = await t.app.inject({ method: method as "GET", url, headers: { authorization: `Bearer ${t.tokens.admin}` } });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe(allow);
    expect(res.headers["content-type"]).toBe("application/problem+json; charset=utf-8");
  });

  test("an unknown path is still 404", async () => {
    expect((await t.call("GET", "/v1/nothing-here", t.tokens.admin)).statusCode).toBe(404);
  });
});

describe("/metrics is documented as served", () => {
  test("open when NDC_METRICS_TOKEN is not set: no security, no 401", async () => {
    expect(op("/metrics", "get").security).toEqual([]);
    expect(Object.keys(op("/metrics", "get").responses)).toEqual(["200"]);
    expect((await t.app.inject({ method: "GET", url: "/metrics" })).statusCode).toBe(200);
  });

  test("with a metrics token: bearer security and the 401 it answers", async () => {
    const guarded = await startTestApp("sqlite", { metricsToken: "metrics-token-0123456789abcdef" });
    try {
      const served = ((await guarded.app.inject({ method: "GET", url: "/openapi.json" })).json() as OpenApi).paths["/metrics"]!.get!;
      expect(served.security).toEqual([{ bearer: [] }]);
      expect(Object.keys(served.responses).sort()).toEqual(["200", "401"]);
      expect((await guarded.app.inject({ method: "GET", url: "/metrics" })).statusCode).toBe(401);
    } finally {
      await guarded.cleanup();
    }
  });
});

describe("pagination cursors", () => {
  test("a cursor is the last key of the page; the document gives its form", async () => {
    expect(param("/v1/organizations/{org}/environments", "get", "cursor").pattern).toBe("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
    expect(param("/v1/environments", "get", "cursor").pattern).toBe("^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
    expect(param("/v1/audit", "get", "cursor").pattern).toBe("^(?:0|[1-9][0-9]{0,14})$");
    const first = (await t.call("GET", `${ENVS}?limit=1`, t.tokens.alice)).json() as { items: { name: string }[]; nextCursor: string };
    expect(first.nextCursor).toBe(first.items[0]!.name);
    const next = (await t.call("GET", `${ENVS}?limit=1&cursor=${first.nextCursor}`, t.tokens.alice)).json() as { items: { name: string }[] };
    expect(next.items[0]!.name > first.items[0]!.name).toBe(true);
  });

  test.each([
    [`${ENVS}?cursor=NOPE`, "upper case"],
    [`/v1/environments?cursor=byt`, "no org/name"],
    [`/v1/audit?cursor=-1`, "negative"],
    [`/v1/audit?cursor=abc`, "not a number"],
  ])("%s (%s) -> 400 cursor-format", async (url) => {
    const res = await t.call("GET", url, t.tokens.admin);
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors[0]).toMatchObject({ field: "query.cursor", rule: "cursor-format" });
  });
});

describe("token lifetimes: one maximum for every form", () => {
  test("the document says 365 days (31,536,000 s) both ways", () => {
    const forms = body("/v1/tokens", "post").properties.expiresIn.anyOf as Schema[];
    expect(forms[0]).toMatchObject({ type: "integer", minimum: 1, maximum: 31_536_000 });
    const pattern = new RegExp(forms[1]!.pattern);
    for (const ok of ["365d", "8760h", "525600m", "31536000s", "1d", "30d"]) expect(pattern.test(ok), ok).toBe(true);
    for (const bad of ["366d", "3000d", "9999999d", "8761h", "525601m", "31536001s", "0d", "07d"]) expect(pattern.test(bad), bad).toBe(false);
  });

  test.each([["366d"], ["9999999d"], [31_536_001]])("expiresIn %s -> 400", async (expiresIn) => {
    const res = await t.call("POST", "/v1/tokens", t.tokens.admin, { subject: "long", role: "auditor", expiresIn });
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors[0]!.field).toBe("expiresIn");
  });

  test("expiresIn 7d -> 201 with an RFC 3339 expiresAt", async () => {
    const res = await t.call("POST", "/v1/tokens", t.tokens.admin, { subject: "week", role: "auditor", expiresIn: "7d" });
    expect(res.statusCode).toBe(201);
    expect((res.json() as { expiresAt: string }).expiresAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });
});

describe("audit since/until", () => {
  test.each(["2026-01-31T00:00:00Z", "2026-01-31T07:00:00%2B07:00"])("since=%s -> 200", async (since) => {
    expect((await t.call("GET", `/v1/audit?since=${since}&until=2099-01-01T00:00:00Z`, t.tokens.audrey)).statusCode).toBe(200);
  });
});

describe("every code is documented where it is answered", () => {
  test("createEnvironment documents exactly the codes it can answer", () => {
    expect(Object.keys(op("/v1/organizations/{org}/environments", "post").responses).sort()).toEqual([
      "201",
      "400",
      "401",
      "403",
      "404",
      "409",
      "413",
      "415",
      "422",
      "429",
      "503",
    ]);
    expect(Object.keys(op("/v1/tokens/{id}", "delete").responses).sort()).toEqual(["200", "400", "401", "403", "404", "413", "415", "429", "503"]);
    expect(Object.keys(op("/healthz", "get").responses).sort()).toEqual(["200"]);
  });

  test("every status this file's requests got is documented for its operation (from the service's metrics)", async () => {
    const text = await t.app.ndc.metrics.registry.metrics();
    const rows = [...text.matchAll(/^ndc_http_requests_total\{([^}]*)\} \d+/gm)].map((m) =>
      Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!])),
    );
    expect(rows.length).toBeGreaterThan(10);
    const undocumented = rows.filter((r) => {
      if (r.route === "unmatched") return !["400", "404", "405"].includes(r.status!);
      const path = r.route!.replace(/:([A-Za-z]+)/g, "{$1}");
      return !doc.paths[path]?.[(r.method === "HEAD" ? "GET" : r.method!).toLowerCase()]?.responses[r.status!];
    });
    expect(undocumented).toEqual([]);
  });
});
