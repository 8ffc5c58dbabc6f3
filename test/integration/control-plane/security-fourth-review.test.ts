// Issue 10, fourth review: holes the attack review left open, each proven closed through the HTTP API
// on SQLite and PostgreSQL (item 1, the command line, is in test/integration/ndc-cli-attack.test.ts).
// Each test names the hole that turns it red; expected values are written from the design, never
// computed by the code under test. A refused request is problem+json naming the field and the rule,
// and leaves the store as it was.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { testSpec } from "../../../model/testing.ts";
import { BACKENDS, startTestApp, type TestApp } from "./_harness.ts";

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
});
