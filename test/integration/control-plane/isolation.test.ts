// Isolation and authentication over HTTP: another organization's environments do not exist for you
// (404, not in lists), roles are enforced, expired or tampered tokens get 401, denials are audited.
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { testSpec } from "../../../model/testing.ts";
import { BACKENDS, BOOTSTRAP, prodSpec, snapshot, startTestApp, type TestApp } from "./_harness.ts";

const ISSUER = "https://sso.ndc.gov.vn/realms/ndc";
const AUDIENCE = "ndc-control-plane";

describe.each(BACKENDS)("isolation and authentication (%s)", (backend) => {
  let t: TestApp;
  let clock = new Date("2026-11-27T08:00:00Z");
  let signingKey: CryptoKey;
  let otherKey: CryptoKey;
  let pat: string; // a platform admin who also requests
  let bctAuditor: string;

  const jwt = (claims: Record<string, unknown>, options: { key?: CryptoKey; expiresAt?: number; audience?: string } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuer(ISSUER)
      .setAudience(options.audience ?? AUDIENCE)
      .setSubject(String(claims.sub ?? "someone"))
      .setIssuedAt(Math.floor(Date.now() / 1000) - 60)
      .setExpirationTime(options.expiresAt ?? Math.floor(Date.now() / 1000) + 600)
      .sign(options.key ?? signingKey);

  beforeAll(async () => {
    const pair = await generateKeyPair("RS256");
    signingKey = pair.privateKey;
    otherKey = (await generateKeyPair("RS256")).privateKey;
    const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
    t = await startTestApp(backend, {
      now: () => clock,
      auth: { bootstrapToken: BOOTSTRAP, oidc: { issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [jwk] } } },
    });
    const mint = async (body: object) => ((await t.call("POST", "/v1/tokens", t.tokens.admin, body)).json() as { token: string }).token;
    pat = await mint({ subject: "pat", role: "platform-admin" });
    bctAuditor = await mint({ subject: "bct-auditor", role: "auditor", org: "bct" });
    for (const name of ["his-app", "secret-registry"])
      expect((await t.call("POST", "/v1/organizations/byt/environments", t.tokens.alice, prodSpec({ name }))).statusCode).toBe(201);
    expect(
      (await t.call("POST", "/v1/organizations/bct/environments", t.tokens.bob, testSpec({ name: "trade-portal", owners: ["bct-portal-team"] }))).statusCode,
    ).toBe(201);
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  test("another organization's environment is 404, worded like one that does not exist", async () => {
    const hidden = await t.call("GET", "/v1/organizations/byt/environments/his-app", t.tokens.bob);
    const missing = await t.call("GET", "/v1/organizations/byt/environments/no-such-thing", t.tokens.alice);
    expect(hidden.statusCode).toBe(404);
    expect(missing.statusCode).toBe(404);
    const strip = (body: { detail: string; requestId?: string; instance?: string }) => ({
      ...body,
      detail: body.detail.replace(/environment \S+/, "environment X"),
      requestId: "",
      instance: "",
    });
    expect(strip(hidden.json())).toEqual(strip(missing.json()));
  });

  test.each([
    ["list", "GET", "/v1/organizations/byt/environments", undefined],
    ["organization", "GET", "/v1/organizations/byt", undefined],
    ["create", "POST", "/v1/organizations/byt/environments", testSpec({ name: "intruder" })],
    ["change", "PATCH", "/v1/organizations/byt/environments/his-app", { resources: { cpu: "1" } }],
    ["decommission", "DELETE", "/v1/organizations/byt/environments/his-app", undefined],
    ["approve", "POST", "/v1/organizations/byt/environments/his-app/approve", undefined],
  ] as const)("%s on another organization -> 404 and nothing changes", async (_what, method, url, body) => {
    const before = await snapshot(t.raw);
    const res = await t.call(method, url, t.tokens.bob, body, method === "PATCH" ? { "if-match": "*" } : {});
    expect(res.statusCode).toBe(404);
    const after = await snapshot(t.raw);
    // Only the denied attempt itself is added to the audit trail.
    expect({ ...after, audit: 0 }).toEqual({ ...before, audit: 0 });
    expect(after.audit).toBe((before.audit as number) + 1);
  });

  test("lists and organization views show only the caller's organization", async () => {
    const list = (await t.call("GET", "/v1/organizations/bct/environments", t.tokens.bob)).json() as { items: { org: string; name: string }[] };
    expect(list.items.map((i) => `${i.org}/${i.name}`)).toEqual(["bct/trade-portal"]);
    const orgs = (await t.call("GET", "/v1/organizations", t.tokens.bob)).json() as { items: { slug: string }[] };
    expect(orgs.items.map((o) => o.slug)).toEqual(["bct"]);
    const all = (await t.call("GET", "/v1/organizations", t.tokens.oscar)).json() as { items: { slug: string }[] };
    expect(all.items.map((o) => o.slug)).toEqual(["bct", "byt"]);
  });

  test("GET /v1/environments: an operator's approval queue spans organizations; a requester's holds only its own", async () => {
    const queue = (await t.call("GET", "/v1/environments?phase=AwaitingApproval", t.tokens.oscar)).json() as { items: { org: string; name: string }[] };
    expect(queue.items.map((i) => `${i.org}/${i.name}`)).toEqual(expect.arrayContaining(["byt/his-app", "byt/secret-registry"]));
    const page = (await t.call("GET", "/v1/environments?limit=1", t.tokens.oscar)).json() as { items: { org: string }[]; nextCursor: string };
    expect(page.items).toHaveLength(1);
    const next = (await t.call("GET", `/v1/environments?limit=200&cursor=${page.nextCursor}`, t.tokens.oscar)).json() as {
      items: { org: string; name: string }[];
    };
    expect(next.items.length).toBeGreaterThan(0);
    const bobs = (await t.call("GET", "/v1/environments?limit=200", t.tokens.bob)).json() as { items: { org: string }[] };
    expect(new Set(bobs.items.map((i) => i.org))).toEqual(new Set(["bct"]));
    const asked = (await t.call("GET", "/v1/environments?org=byt", t.tokens.bob)).json() as { items: unknown[] };
    expect(asked.items).toEqual([]);
  });

  test("a revoked token gets 401 token-revoked; only a platform admin revokes", async () => {
    const minted = (await t.call("POST", "/v1/tokens", t.tokens.admin, { subject: "leaked", role: "requester", org: "byt" })).json() as {
      token: string;
      id: string;
    };
    expect((await t.call("GET", "/v1/sites", minted.token)).statusCode).toBe(200);
    expect((await t.call("DELETE", `/v1/tokens/${minted.id}`, t.tokens.oscar)).statusCode).toBe(403);
    expect((await t.call("DELETE", "/v1/tokens/no-such-id", t.tokens.admin)).statusCode).toBe(404);
    const revoked = await t.call("DELETE", `/v1/tokens/${minted.id}`, t.tokens.admin);
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ id: minted.id, subject: "leaked", revokedAt: expect.any(String) });
    const res = await t.call("GET", "/v1/sites", minted.token);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ errors: [{ rule: "token-revoked" }] });
  });

  test("an org-scoped auditor reads only its organization's audit records", async () => {
    const res = await t.call("GET", "/v1/audit?org=byt&limit=200", bctAuditor);
    expect(res.statusCode).toBe(200);
    const orgs = new Set((res.json() as { items: { org: string | null }[] }).items.map((i) => i.org));
    expect([...orgs]).toEqual(["bct"]);
    expect((await t.call("GET", "/v1/audit/verify", bctAuditor)).statusCode).toBe(403);
  });

  test.each([
    ["requester approves", "alice", "POST", "/v1/organizations/byt/environments/his-app/approve", undefined],
    ["org admin approves", "carol", "POST", "/v1/organizations/byt/environments/his-app/approve", undefined],
    ["requester rejects", "alice", "POST", "/v1/organizations/byt/environments/his-app/reject", { reason: "no" }],
    ["auditor creates", "audrey", "POST", "/v1/organizations/byt/environments", testSpec({ name: "by-auditor" })],
    ["auditor approves", "audrey", "POST", "/v1/organizations/byt/environments/his-app/approve", undefined],
    ["auditor decommissions", "audrey", "DELETE", "/v1/organizations/byt/environments/his-app", undefined],
    ["auditor mints a token", "audrey", "POST", "/v1/tokens", { subject: "x", role: "platform-admin" }],
    ["operator mints a token", "oscar", "POST", "/v1/tokens", { subject: "x", role: "operator" }],
    ["operator creates", "oscar", "POST", "/v1/organizations/byt/environments", testSpec({ name: "by-operator" })],
    ["requester reads the audit trail", "alice", "GET", "/v1/audit", undefined],
  ] as const)("%s -> 403 role-required, nothing changes", async (_what, who, method, url, body) => {
    const before = await snapshot(t.raw);
    const res = await t.call(method, url, t.tokens[who], body);
    expect(res.statusCode, res.body).toBe(403);
    expect((res.json() as { errors: { rule: string }[] }).errors).toContainEqual(
      expect.objectContaining({ field: "header.authorization", rule: "role-required" }),
    );
    expect({ ...(await snapshot(t.raw)), audit: 0 }).toEqual({ ...before, audit: 0 });
  });

  test("the requester cannot approve their own request, even as platform admin (403 approver-not-requester)", async () => {
    expect((await t.call("POST", "/v1/organizations/byt/environments", pat, prodSpec({ name: "pats-own" }))).statusCode).toBe(201);
    const res = await t.decide("approve", "/v1/organizations/byt/environments/pats-own", pat);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: "NDC_ERR_SELF_APPROVAL", errors: [{ field: "approver", rule: "approver-not-requester" }] });
    expect((await t.decide("approve", "/v1/organizations/byt/environments/pats-own", t.tokens.olga)).statusCode).toBe(200);
  });

  test.each([
    ["no Authorization header", undefined],
    ["not a bearer token", "Basic YWxpY2U6c2VjcmV0"],
    ["an unknown token", "Bearer ndc_thisTokenWasNeverIssuedByAnyoneAtAll000"],
  ])("%s -> 401", async (_what, authorization) => {
    const res = await t.app.inject({ method: "GET", url: "/v1/sites", headers: authorization ? { authorization } : {} });
    expect(res.statusCode).toBe(401);
    expect(res.headers["www-authenticate"]).toMatch(/^Bearer/);
    expect(res.json()).toMatchObject({ type: "https://ndc.gov.vn/problems/unauthenticated", errors: [{ field: "header.authorization" }] });
  });

  test("an expired API token -> 401 token-expired", async () => {
    const short = (
      (await t.call("POST", "/v1/tokens", t.tokens.admin, { subject: "ci", role: "requester", org: "byt", expiresIn: "1h" })).json() as { token: string }
    ).token;
    expect((await t.call("GET", "/v1/sites", short)).statusCode).toBe(200);
    clock = new Date(clock.getTime() + 2 * 3_600_000);
    const res = await t.call("GET", "/v1/sites", short);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ errors: [{ rule: "token-expired" }] });
  });

  test("an OIDC JWT from the identity provider is accepted with its roles and organization", async () => {
    const token = await jwt({ sub: "nguyen.van.a@byt.gov.vn", roles: ["ndc:requester"], org: "byt" });
    const mine = await t.call("GET", "/v1/organizations/byt/environments", token);
    expect(mine.statusCode).toBe(200);
    expect((await t.call("GET", "/v1/organizations/bct/environments", token)).statusCode).toBe(404);
    const operator = await jwt({ sub: "tran.thi.b@ndc.gov.vn", groups: ["ndc:operator", "staff"] });
    expect((await t.decide("approve", "/v1/organizations/byt/environments/his-app", operator)).statusCode).toBe(200);
  });

  test.each([
    ["expired", async () => jwt({ sub: "a", roles: ["ndc:requester"], org: "byt" }, { expiresAt: Math.floor(Date.now() / 1000) - 3600 }), "token-expired"],
    ["signed by another key", async () => jwt({ sub: "a", roles: ["ndc:requester"], org: "byt" }, { key: otherKey }), "token-signature"],
    ["for another audience", async () => jwt({ sub: "a", roles: ["ndc:requester"], org: "byt" }, { audience: "someone-else" }), "token-claims"],
    [
      "tampered (org changed, signature kept)",
      async () => {
        const [h, p, s] = (await jwt({ sub: "a", roles: ["ndc:requester"], org: "bct" })).split(".");
        const payload = { ...JSON.parse(Buffer.from(p!, "base64url").toString()), org: "byt" };
        return `${h}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${s}`;
      },
      "token-signature",
    ],
    ["without a role", async () => jwt({ sub: "a", org: "byt" }), "token-roles"],
  ] as const)("a JWT %s -> 401 %s", async (_what, make, rule) => {
    const res = await t.call("GET", "/v1/organizations/byt/environments", await make());
    expect(res.statusCode).toBe(401);
    expect((res.json() as { errors: { rule: string }[] }).errors[0]!.rule).toBe(rule);
  });

  test("denied attempts are in the audit trail: who, what, which status", async () => {
    const res = await t.call("GET", "/v1/audit?outcome=denied&limit=200", t.tokens.audrey);
    const denied = (res.json() as { items: { actor: string; status: number; action: string; org: string | null; detail: { reason: string } }[] }).items;
    expect(denied.every((d) => d.action === "request.denied")).toBe(true);
    expect(denied).toContainEqual(
      expect.objectContaining({ actor: "bob", status: 404, org: "byt", detail: expect.objectContaining({ reason: "organization-visible" }) }),
    );
    expect(denied).toContainEqual(expect.objectContaining({ actor: "alice", status: 403, detail: expect.objectContaining({ reason: "role-required" }) }));
    expect(denied).toContainEqual(
      expect.objectContaining({ actor: "pat", status: 403, detail: expect.objectContaining({ reason: "approver-not-requester" }) }),
    );
    expect(denied).toContainEqual(expect.objectContaining({ actor: "anonymous", status: 401, detail: expect.objectContaining({ reason: "token-signature" }) }));
    expect((await t.call("GET", "/v1/audit/verify", t.tokens.audrey)).json()).toMatchObject({ ok: true });
  });
});
