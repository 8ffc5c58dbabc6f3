// Issue 10, fourth review: holes the attack review left open, each proven closed through the HTTP API
// on SQLite and PostgreSQL (item 1, the command line, is in test/integration/ndc-cli-attack.test.ts).
// Each test names the hole that turns it red; expected values are written from the design, never
// computed by the code under test. A refused request is problem+json naming the field and the rule,
// and leaves the store as it was.
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { testSpec } from "../../../model/testing.ts";
import { BACKENDS, BOOTSTRAP, expectRefused, startTestApp, type TestApp } from "./_harness.ts";

const ENVS = "/v1/organizations/byt/environments";
const METRICS_TOKEN = "metrics-token-0123456789abcdef";

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
      const summary = ((await open.call("GET", "/openapi.json", undefined)).json() as { paths: Record<string, { get: { summary: string } }> }).paths["/metrics"]!
        .get.summary;
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
      o = await startTestApp(backend, { now: () => clock, auth: { bootstrapToken: BOOTSTRAP, oidc: { issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [jwk] } } } });
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
});
