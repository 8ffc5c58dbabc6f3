// Issue 10, fourth review: holes the attack review left open, each proven closed through the HTTP API
// on SQLite and PostgreSQL (item 1, the command line, is in test/integration/ndc-cli-attack.test.ts).
// Each test names the hole that turns it red; expected values are written from the design, never
// computed by the code under test. A refused request is problem+json naming the field and the rule,
// and leaves the store as it was.
import type { FastifyInstance } from "fastify";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { assemblePlatform, type Platform, type Site } from "../../../model/index.ts";
import { testSpec } from "../../../model/testing.ts";
import { buildApp } from "../../../control-plane/api/index.ts";
import { applyTransition, type LifecycleEvent } from "../../../control-plane/workflow/index.ts";
import { BACKENDS, BOOTSTRAP, expectRefused, prodSpec, startTestApp, testPlatformForApi, type TestApp } from "./_harness.ts";

const ENVS = "/v1/organizations/byt/environments";
const METRICS_TOKEN = "metrics-token-0123456789abcdef";
const ifMatch = (version: number | string) => ({ "if-match": `"${version}"` });

/** The harness's platform with one site's stack edited (what a changed stack file does). */
function platformWith(siteId: string, edit: (s: Site) => Site): Platform {
  const base = testPlatformForApi();
  const organizations = [...base.organizations.values()];
  return assemblePlatform([...base.sites.values()].map((s) => ({ site: s.id === siteId ? edit(s.config!) : s.config!, organizations, environments: [] })));
}

/** ndc2's general pool down to one node of 3 cores: 6 with the 2x CPU overcommit. */
const ndc2Shrunk = () =>
  platformWith("ndc2", (s) => ({ ...s, computePools: s.computePools.map((p) => (p.name === "general" ? { ...p, nodes: 1, nodeCpu: "3" } : p)) }));

/** The provisioner's part on `t`'s store, through the interface it uses: one lifecycle event. */
async function provisionerStep(t: TestApp, org: string, name: string, event: LifecycleEvent) {
  const env = await t.store.getEnvironment(org, name);
  const next = await t.store.transaction([], (tx) =>
    applyTransition(tx, env!.id, env!.version, event, { subject: "system:provisioner" }, new Date().toISOString(), { observedGeneration: env!.generation }),
  );
  expect(next, `${event} on ${org}/${name} (${env!.phase})`).toBeDefined();
  return next!;
}

describe.each(BACKENDS)("security, fourth review (%s)", (backend) => {
  describe("item 2: /metrics shows per-organization series only to a scrape with the metrics token", () => {
    let open: TestApp;
    let guarded: TestApp;
    beforeAll(async () => {
      open = await startTestApp(backend);
      guarded = await startTestApp(backend, { metricsToken: METRICS_TOKEN });
      for (const t of [open, guarded]) {
        const res = await t.call("POST", ENVS, t.tokens.alice, testSpec({ name: "his" }));
        expect(res.statusCode, res.body).toBe(201);
      }
    });
    afterAll(async () => {
      await open?.cleanup();
      await guarded?.cleanup();
    });

    test("fails when /metrics without NDC_METRICS_TOKEN shows which organizations run what (bug: the public scrape listed byt's environments and committed capacity)", async () => {
      const res = await open.call("GET", "/metrics", undefined);
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain("ndc_organization_");
      expect(res.body).not.toMatch(/org="/);
      // The platform-wide series the alerts read are still there: byt/his is the one dev environment.
      expect(res.body).toMatch(/^ndc_environments\{phase="Approved"\} 1$/m);
      // The document says so.
      const summary = ((await open.call("GET", "/openapi.json", undefined)).json() as { paths: Record<string, { get: { summary: string } }> }).paths[
        "/metrics"
      ]!.get.summary;
      expect(summary).toContain("the per-organization series (ndc_organization_*) need the metrics token");
    });

    test("with NDC_METRICS_TOKEN, a scrape without it is 401 and one with it gets the per-organization series", async () => {
      expect((await guarded.call("GET", "/metrics", undefined)).statusCode).toBe(401);
      expect((await guarded.call("GET", "/metrics", guarded.tokens.admin)).statusCode).toBe(401);
      const res = await guarded.call("GET", "/metrics", METRICS_TOKEN);
      expect(res.statusCode).toBe(200);
      expect(res.body).toMatch(/^ndc_organization_environments\{org="byt",phase="Approved"\} 1$/m);
      // testSpec asks for 4 cores.
      expect(res.body).toMatch(/^ndc_organization_committed\{org="byt",resource="cpu_millis"\} 4000$/m);
      expect(res.body).toMatch(/^ndc_environments\{phase="Approved"\} 1$/m);
    });
  });

  describe("item 3: an API token minted under an OIDC sign-in ends when that sign-in does (its exp)", () => {
    const ISSUER = "https://sso.ndc.gov.vn/realms/ndc";
    const AUDIENCE = "ndc-control-plane";
    let o: TestApp;
    let key: CryptoKey;
    /** The service's clock; the JWT itself is checked against the real one (jose). */
    let clock = new Date();
    /** An OIDC platform admin's token: signed in a minute ago, ends in ten minutes. */
    const exp = Math.floor(Date.now() / 1000) + 600;
    const adminJwt = () =>
      new SignJWT({ groups: ["ndc:platform-admin"] })
        .setProtectedHeader({ alg: "RS256", kid: "k1" })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject("quynh")
        .setIssuedAt(exp - 660)
        .setExpirationTime(exp)
        .sign(key);
    beforeAll(async () => {
      const pair = await generateKeyPair("RS256");
      key = pair.privateKey;
      const jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
      o = await startTestApp(backend, {
        now: () => clock,
        auth: { bootstrapToken: BOOTSTRAP, oidc: { issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [jwk] } } },
      });
    });
    afterAll(async () => {
      await o?.cleanup();
    });

    test("fails when a token minted from an OIDC sign-in keeps working after the sign-in's exp (bug: it got the 30-day default)", async () => {
      const res = await o.call("POST", "/v1/tokens", await adminJwt(), { subject: "ci-byt", role: "requester", org: "byt" });
      expect(res.statusCode, res.body).toBe(201);
      const minted = res.json() as { token: string; expiresAt: string };
      // The default lifetime is shortened to the sign-in's exp, to the second.
      expect(minted.expiresAt).toBe(new Date(exp * 1000).toISOString());
      expect((await o.call("GET", "/v1/sites", minted.token)).statusCode).toBe(200);
      // A second after the OIDC token's exp, the API token minted under it is refused.
      const saved = clock;
      clock = new Date(exp * 1000 + 1000);
      try {
        const late = await o.call("GET", "/v1/sites", minted.token);
        expect(late.statusCode, late.body).toBe(401);
        expect(late.json().errors[0]).toMatchObject({ field: "header.authorization", rule: "token-expired" });
      } finally {
        clock = saved;
      }
    });

    test("fails when an OIDC sign-in mints a token asking to outlive it (bug: expiresIn 30d was granted), 422 naming expiresIn, nothing stored", async () => {
      const jwt = await adminJwt();
      const problem = await expectRefused(o, 422, "expiresIn", "lifetime-within-minter", () =>
        o.call("POST", "/v1/tokens", jwt, { subject: "ci-bct", role: "requester", org: "bct", expiresIn: "30d" }),
      );
      expect(problem.errors).toContainEqual(
        expect.objectContaining({
          field: "expiresIn",
          rule: "lifetime-within-minter",
          message: `must end by ${new Date(exp * 1000).toISOString()}, when the identity provider's token of this sign-in expires (exp); a token may not outlive the sign-in that minted it`,
        }),
      );
      const listed = (await o.call("GET", "/v1/tokens?include=all&subject=ci-bct", o.tokens.admin)).json() as { items: unknown[] };
      expect(listed.items).toEqual([]);
      // Within the sign-in it is granted.
      expect((await o.call("POST", "/v1/tokens", jwt, { subject: "ci-bct", role: "requester", org: "bct", expiresIn: "5m" })).statusCode).toBe(201);
    });
  });

  describe("item 4: approving a waiting change admits it again, as the PATCH that asked for it was", () => {
    let t: TestApp;
    const apps: FastifyInstance[] = [];
    beforeAll(async () => {
      t = await startTestApp(backend);
    });
    afterAll(async () => {
      for (const app of apps) await app.close();
      await t?.cleanup();
    });
    /** The service started again on the same store with a changed stack. */
    const restarted = async (platform: Platform) => {
      const app = await buildApp({ store: t.store, platform, auth: { bootstrapToken: BOOTSTRAP }, defaultMetrics: false });
      apps.push(app);
      return app;
    };
    const held = async (name: string) =>
      (await t.raw.all("SELECT c.site, c.pool, c.cpu_millis FROM commitments c JOIN environments e ON e.id = c.environment_id WHERE e.name = ?", [name])).map(
        (r) => `${String(r.site)}:${String(r.pool)}:${Number(r.cpu_millis)}`,
      );

    test("fails when a change admitted before ndc2's pool shrank is approved and applied (bug: approve-change skipped admission), 422 resources.cpu site-capacity, the change still waiting", async () => {
      // byt/grow: prod on ndc2 with 4 cores, approved and built.
      const created = await t.call("POST", ENVS, t.tokens.alice, prodSpec({ name: "grow", sites: ["ndc2"] }));
      expect(created.statusCode, created.body).toBe(201);
      expect((await t.decide("approve", `${ENVS}/grow`, t.tokens.olga)).statusCode).toBe(200);
      await provisionerStep(t, "byt", "grow", "start-provisioning");
      const ready = await provisionerStep(t, "byt", "grow", "provisioned");
      // A dev environment takes 4 cores of ndc2 too.
      expect((await t.call("POST", ENVS, t.tokens.alice, testSpec({ name: "taker", sites: ["ndc2"] }))).statusCode).toBe(201);
      // The resize to 6 cores waits for an operator (prod), holding 6 cores beside the built 4.
      const patched = await t.call("PATCH", `${ENVS}/grow`, t.tokens.alice, { resources: { cpu: "6" } }, ifMatch(ready.version));
      expect(patched.statusCode, patched.body).toBe(200);
      const waiting = patched.json() as { version: number; pendingChange: { spec: { resources: { cpu: string } } } | null };
      expect(waiting.pendingChange?.spec.resources.cpu).toBe("6");
      expect(await held("grow")).toEqual(["ndc2:general:6000"]);
      // The stack now gives ndc2's general pool 6 cores; taker holds 4 of them.
      const app = await restarted(ndc2Shrunk());
      const problem = await expectRefused(t, 422, "resources.cpu", "site-capacity", () =>
        app.inject({ method: "POST", url: `${ENVS}/grow/approve`, headers: { authorization: `Bearer ${t.tokens.oscar}`, ...ifMatch(waiting.version) } }),
      );
      expect(problem.errors).toContainEqual({
        field: "resources.cpu",
        rule: "site-capacity",
        message: "exceeds the capacity of pool general at ndc2: 6 requested, 2 of 6 free",
        value: "6",
      });
      expect(problem.detail).toBe(
        "the change to environment byt/grow cannot be approved: it is not admitted today (site-capacity), as the same change asked now would not be; it still waits and nothing changed",
      );
      const after = (await t.call("GET", `${ENVS}/grow`, t.tokens.admin)).json() as Record<string, unknown>;
      expect(after).toMatchObject({ phase: "Ready", version: waiting.version, resources: { cpu: "4" }, pendingChange: { spec: { resources: { cpu: "6" } } } });
      expect(await held("grow")).toEqual(["ndc2:general:6000"]);
      // Under the stack it was asked under, the same approval goes through.
      const ok = await t.call("POST", `${ENVS}/grow/approve`, t.tokens.oscar, undefined, ifMatch(waiting.version));
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json()).toMatchObject({ phase: "Updating", resources: { cpu: "6" }, pendingChange: null, approvedBy: "oscar" });
      expect(await held("grow")).toEqual(["ndc2:general:6000"]);
    });

    test("fails when a change to a site that stopped accepting prod is approved (bug: approve-change skipped the placement rules), 422 sites[0] site-accepts", async () => {
      const created = await t.call("POST", ENVS, t.tokens.alice, prodSpec({ name: "move", sites: ["ndc1"] }));
      expect(created.statusCode, created.body).toBe(201);
      expect((await t.decide("approve", `${ENVS}/move`, t.tokens.olga)).statusCode).toBe(200);
      await provisionerStep(t, "byt", "move", "start-provisioning");
      const ready = await provisionerStep(t, "byt", "move", "provisioned");
      const patched = await t.call("PATCH", `${ENVS}/move`, t.tokens.alice, { sites: ["ndc2"] }, ifMatch(ready.version));
      expect(patched.statusCode, patched.body).toBe(200);
      const waiting = patched.json() as { version: number; pendingChange: unknown };
      expect(waiting.pendingChange).not.toBeNull();
      // ndc2 is draining now: it accepts nothing new.
      const app = await restarted(platformWith("ndc2", (s) => ({ ...s, status: "draining" })));
      const problem = await expectRefused(t, 422, "sites[0]", "site-accepts", () =>
        app.inject({ method: "POST", url: `${ENVS}/move/approve`, headers: { authorization: `Bearer ${t.tokens.oscar}`, ...ifMatch(waiting.version) } }),
      );
      expect(problem.detail).toContain("the change to environment byt/move cannot be approved");
      expect((await t.call("GET", `${ENVS}/move`, t.tokens.admin)).json()).toMatchObject({
        phase: "Ready",
        version: waiting.version,
        spec: { sites: ["ndc1"] },
      });
    });
  });

  describe("item 6: one token's denials cannot flood the audit trail, and none goes unaccounted for", () => {
    let t: TestApp;
    let clock = new Date("2026-12-02T10:00:00+07:00");
    beforeAll(async () => {
      t = await startTestApp(backend, { now: () => clock });
    });
    afterAll(async () => {
      await t?.cleanup();
    });
    type AuditItem = { actor: string; action: string; outcome: string; status: number; org: string | null; detail: Record<string, unknown> };
    const audit = async (query: string) => ((await t.call("GET", `/v1/audit?limit=200&${query}`, t.tokens.audrey)).json() as { items: AuditItem[] }).items;

    test("fails when 25 denials of one token in a minute write 25 records (bug: every 403 was a record, up to the rate limit's 1,200 a minute); 10 are recorded, the other 15 are one summary when the minute is over", async () => {
      for (let i = 0; i < 25; i++) expect((await t.call("GET", "/v1/tokens", t.tokens.alice)).statusCode).toBe(403);
      expect(await audit("action=request.denied&actor=alice")).toHaveLength(10);
      expect(await audit("action=request.denied.coalesced")).toEqual([]);
      // Another subject's denial is its own: recorded.
      expect((await t.call("GET", "/v1/tokens", t.tokens.bob)).statusCode).toBe(403);
      expect(await audit("action=request.denied&actor=bob")).toHaveLength(1);
      // A minute later, alice's next denial first writes what the last minute counted, then its own record.
      clock = new Date("2026-12-02T10:01:01+07:00");
      expect((await t.call("GET", "/v1/tokens", t.tokens.alice)).statusCode).toBe(403);
      expect(await audit("action=request.denied&actor=alice")).toHaveLength(11);
      const summaries = await audit("action=request.denied.coalesced");
      expect(summaries).toEqual([
        expect.objectContaining({
          actor: "alice",
          action: "request.denied.coalesced",
          outcome: "denied",
          status: 403,
          org: null,
          detail: expect.objectContaining({
            route: "GET /v1/tokens",
            count: 15,
            statuses: { "403": 15 },
            reasons: { "role-required": 15 },
            from: "2026-12-02T03:00:00.000Z",
            until: "2026-12-02T03:01:00.000Z",
          }),
        }),
      ]);
      // Every denial is still counted where the alerts look: 25 + 1 + 1.
      expect((await t.call("GET", "/metrics", undefined)).body).toMatch(/^ndc_denied_requests_total\{status="403"\} 27$/m);
      expect((await t.call("GET", "/v1/audit/verify", t.tokens.audrey)).json()).toMatchObject({ ok: true });
    });
  });
});
