// Bad input through HTTP: each case gets the right 4xx naming the field and the rule, and the store
// is left exactly as it was (rows per table, versions, audit length).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { testSpec } from "../../../model/testing.ts";
import { BACKENDS, prodSpec, snapshot, startTestApp, type TestApp, type Tokens } from "./_harness.ts";

interface Case {
  readonly name: string;
  readonly method?: "POST" | "PATCH" | "GET" | "DELETE";
  /** Default: POST /v1/organizations/byt/environments */
  readonly url?: string;
  readonly as?: keyof Tokens;
  /** An object is sent as JSON; a string is sent raw as application/json. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly status: number;
  readonly field: string;
  readonly rule: string;
}

const ENVS = "/v1/organizations/byt/environments";
const spec = (o: Record<string, unknown>) => ({ ...testSpec(), ...o });
const resources = (o: Record<string, unknown>) => spec({ resources: { cpu: "4", memory: "16Gi", ...o } });

const CASES: Case[] = [
  { name: "malformed JSON", body: '{"name": "his-app",', status: 400, field: "(body)", rule: "json-syntax" },
  { name: "empty JSON body", body: "", status: 400, field: "(body)", rule: "required" },
  { name: "prototype pollution", body: '{"__proto__": {"admin": true}}', status: 400, field: "(body)", rule: "json-syntax" },
  { name: "body is a list", body: "[]", status: 400, field: "(body)", rule: "type" },
  { name: "wrong content type", body: "name=x", headers: { "content-type": "text/plain" }, status: 415, field: "header.content-type", rule: "media-type" },
  { name: "huge body", body: spec({ purpose: "x".repeat(100_000) }), status: 413, field: "(body)", rule: "body-size" },
  { name: "name is a number", body: spec({ name: 42 }), status: 400, field: "name", rule: "type" },
  { name: "security level as a string", body: spec({ securityLevel: "3" }), status: 400, field: "securityLevel", rule: "allowed-values" },
  { name: "security level 6", body: spec({ securityLevel: 6 }), status: 400, field: "securityLevel", rule: "allowed-values" },
  { name: "unknown field", body: spec({ replicas: 3 }), status: 400, field: "replicas", rule: "unknown-field" },
  { name: "unknown field in resources", body: resources({ disk: "1Ti" }), status: 400, field: "resources.disk", rule: "unknown-field" },
  { name: "missing purpose", body: (({ purpose: _p, ...rest }) => rest)(testSpec()), status: 400, field: "purpose", rule: "required" },
  { name: "Vietnamese diacritics in the name", body: spec({ name: "bệnh-viện" }), status: 400, field: "name", rule: "slug-format" },
  { name: "upper case name", body: spec({ name: "HIS-App" }), status: 400, field: "name", rule: "slug-format" },
  { name: "trailing hyphen", body: spec({ name: "his-" }), status: 400, field: "name", rule: "slug-format" },
  { name: "name too long", body: spec({ name: "a".repeat(51) }), status: 400, field: "name", rule: "max-length" },
  { name: "unknown stage", body: spec({ stage: "production" }), status: 400, field: "stage", rule: "allowed-values" },
  { name: "unknown zone", body: spec({ zone: "internet" }), status: 400, field: "zone", rule: "allowed-values" },
  { name: "platform zone", body: spec({ zone: "mgmt" }), status: 422, field: "zone", rule: "tenant-zone" },
  { name: "unknown personal data kind", body: spec({ personalData: "lots" }), status: 400, field: "personalData", rule: "allowed-values" },
  { name: "unknown site", body: spec({ sites: ["ndc9"] }), status: 400, field: "sites[0]", rule: "allowed-values" },
  { name: "planned site", body: spec({ sites: ["ndc3"] }), status: 422, field: "sites[0]", rule: "site-accepts" },
  { name: "site id with diacritics", body: spec({ sites: ["ndc1-hòa"] }), status: 400, field: "sites[0]", rule: "allowed-values" },
  { name: "the same site twice", body: spec({ sites: ["ndc1", "ndc1"] }), status: 400, field: "sites", rule: "unique-items" },
  { name: "no site", body: spec({ sites: [] }), status: 400, field: "sites", rule: "min-items" },
  {
    name: "core data in the app zone",
    body: spec({ dataClass: "core", securityLevel: 4, zone: "app", sites: ["ndc1", "ndc2"] }),
    status: 422,
    field: "zone",
    rule: "zone-for-data-class",
  },
  {
    name: "core data on one site while two are active",
    body: spec({ dataClass: "core", securityLevel: 4, zone: "restricted", stage: "prod", resources: { cpu: "4", memory: "16Gi" } }),
    status: 422,
    field: "sites",
    rule: "multi-site",
  },
  {
    name: "security level too low for the data",
    body: spec({ dataClass: "important", zone: "data", securityLevel: 2 }),
    status: 422,
    field: "securityLevel",
    rule: "minimum-security-level",
  },
  {
    name: "level above the organization's",
    as: "bob",
    url: "/v1/organizations/bct/environments",
    body: spec({ securityLevel: 4, zone: "data", dataClass: "important", owners: ["bct-admins"] }),
    status: 422,
    field: "securityLevel",
    rule: "organization-max-security-level",
  },
  { name: "over site capacity", body: resources({ cpu: "2000" }), status: 422, field: "resources.cpu", rule: "site-capacity" },
  { name: "over entitlement", body: resources({ cpu: "65" }), status: 422, field: "resources.cpu", rule: "entitlement" },
  { name: "over GPU entitlement", body: resources({ gpu: 3 }), status: 422, field: "resources.gpu", rule: "entitlement" },
  { name: "CPU that is not a quantity", body: resources({ cpu: "eight" }), status: 400, field: "resources.cpu", rule: "quantity-format" },
  { name: "memory in GB instead of a quantity", body: resources({ memory: "32GB" }), status: 400, field: "resources.memory", rule: "quantity-format" },
  { name: "zero CPU", body: resources({ cpu: "0" }), status: 422, field: "resources.cpu", rule: "quantity-format" },
  { name: "negative GPUs", body: resources({ gpu: -1 }), status: 400, field: "resources.gpu", rule: "range" },
  { name: "unknown storage tier", body: resources({ storage: { gold: "1Ti" } }), status: 422, field: "resources.storage.gold", rule: "storage-tier-known" },
  { name: "purpose too long", body: spec({ purpose: "x".repeat(501) }), status: 400, field: "purpose", rule: "max-length" },
  { name: "no owners", body: spec({ owners: [] }), status: 400, field: "owners", rule: "min-items" },
  { name: "owner group with a space", body: spec({ owners: ["my group"] }), status: 400, field: "owners[0]", rule: "format" },
  { name: "name taken", body: spec({ name: "existing" }), status: 409, field: "name", rule: "name-unique" },
  { name: "name of the landing namespace", body: spec({ name: "landing" }), status: 422, field: "name", rule: "name-unique" },
  {
    name: "over the organization's environment limit",
    as: "bob",
    url: "/v1/organizations/bct/environments",
    body: spec({ name: "fourth", owners: ["bct-admins"] }),
    status: 422,
    field: "org",
    rule: "environment-limit",
  },
  {
    name: "reused Idempotency-Key with another body",
    body: spec({ name: "other" }),
    headers: { "idempotency-key": "used-key" },
    status: 422,
    field: "header.idempotency-key",
    rule: "idempotency-key-reuse",
  },
  {
    name: "wrong If-Match",
    method: "PATCH",
    url: `${ENVS}/existing`,
    body: { resources: { cpu: "8" } },
    headers: { "if-match": '"99"' },
    status: 412,
    field: "header.if-match",
    rule: "version-match",
  },
  {
    name: "PATCH without If-Match",
    method: "PATCH",
    url: `${ENVS}/existing`,
    body: { resources: { cpu: "8" } },
    status: 428,
    field: "header.if-match",
    rule: "required",
  },
  {
    name: "If-Match that is not a version",
    method: "PATCH",
    url: `${ENVS}/existing`,
    body: { resources: { cpu: "8" } },
    headers: { "if-match": "abc" },
    status: 400,
    field: "header.if-match",
    rule: "etag-format",
  },
  {
    name: "PATCH renaming",
    method: "PATCH",
    url: `${ENVS}/existing`,
    body: { name: "renamed" },
    headers: { "if-match": "*" },
    status: 400,
    field: "name",
    rule: "unknown-field",
  },
  { name: "empty PATCH", method: "PATCH", url: `${ENVS}/existing`, body: {}, headers: { "if-match": "*" }, status: 400, field: "(body)", rule: "patch-empty" },
  {
    name: "resize over entitlement",
    method: "PATCH",
    url: `${ENVS}/existing`,
    body: { resources: { cpu: "100" } },
    headers: { "if-match": "*" },
    status: 422,
    field: "resources.cpu",
    rule: "entitlement",
  },
  { name: "page size over 200", method: "GET", url: `${ENVS}?limit=500`, status: 400, field: "query.limit", rule: "range" },
  { name: "page size 0", method: "GET", url: `${ENVS}?limit=0`, status: 400, field: "query.limit", rule: "range" },
  { name: "forged cursor", method: "GET", url: `${ENVS}?cursor=bm9wZQ%3D%3D`, status: 400, field: "query.cursor", rule: "cursor-format" },
  { name: "unknown phase filter", method: "GET", url: `${ENVS}?phase=Running`, status: 400, field: "query.phase", rule: "allowed-values" },
  {
    name: "approving an approved environment",
    as: "oscar",
    url: `${ENVS}/approved-one/approve`,
    headers: { "if-match": '"2"' },
    status: 409,
    field: "phase",
    rule: "transition-allowed",
  },
  { name: "reject with an empty reason", as: "oscar", url: `${ENVS}/existing/reject`, body: { reason: "" }, status: 400, field: "reason", rule: "min-length" },
  {
    name: "approve with an unknown field",
    as: "oscar",
    url: `${ENVS}/existing/approve`,
    body: { approved: true },
    status: 400,
    field: "approved",
    rule: "unknown-field",
  },
  {
    name: "token with an unknown role",
    as: "admin",
    url: "/v1/tokens",
    body: { subject: "x", role: "root" },
    status: 400,
    field: "role",
    rule: "allowed-values",
  },
  {
    name: "requester token without an org",
    as: "admin",
    url: "/v1/tokens",
    body: { subject: "x", role: "requester" },
    status: 422,
    field: "org",
    rule: "org-required",
  },
];

describe.each(BACKENDS)("bad input over HTTP (%s)", (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(backend);
    const ok = async (res: Promise<{ statusCode: number; body: string }>) => {
      const r = await res;
      if (r.statusCode >= 300) throw new Error(`fixture: ${r.statusCode} ${r.body}`);
    };
    await ok(t.call("POST", ENVS, t.tokens.alice, prodSpec({ name: "existing" })));
    await ok(t.call("POST", ENVS, t.tokens.alice, testSpec({ name: "approved-one" })));
    await ok(t.call("POST", ENVS, t.tokens.alice, testSpec({ name: "keyed" }), { "idempotency-key": "used-key" }));
    for (const name of ["one", "two", "three"])
      await ok(t.call("POST", "/v1/organizations/bct/environments", t.tokens.bob, testSpec({ name, owners: ["bct-admins"] })));
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  test("the table has at least 30 cases", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  test.each(CASES)("$name -> $status $field [$rule]", async (c) => {
    const before = await snapshot(t.raw);
    const res = await t.call(c.method ?? "POST", c.url ?? ENVS, t.tokens[c.as ?? "alice"], c.body, c.headers);
    expect(res.statusCode, res.body).toBe(c.status);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    const problem = res.json() as { type: string; status: number; code: string; detail: string; errors: { field: string; rule: string; message: string }[] };
    expect(problem.status).toBe(c.status);
    expect(problem.type).toMatch(/^https:\/\/ndc\.gov\.vn\/problems\/[a-z-]+$/);
    expect(problem.code).toMatch(/^NDC_ERR_[A-Z_]+$/);
    expect(problem.errors).toContainEqual(expect.objectContaining({ field: c.field, rule: c.rule }));
    for (const e of problem.errors) expect(e.message.length).toBeGreaterThan(5);
    expect(await snapshot(t.raw)).toEqual(before);
  });

  test("a slug with diacritics is explained: which characters to remove", async () => {
    const res = await t.call("POST", ENVS, t.tokens.alice, spec({ name: "bệnh-viện" }));
    expect((res.json() as { errors: { message: string }[] }).errors[0]!.message).toMatch(
      /^must be ASCII: remove the diacritics 'ệ'.* \(display names keep them, slugs do not\)$/,
    );
  });
});
