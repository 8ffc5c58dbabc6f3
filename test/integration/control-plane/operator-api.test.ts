// What operators need from the API beyond requests and approvals (issue 13 section 2): the list of
// API tokens (metadata only), the retry of a Failed environment (audited), and the metrics the
// alerts watch — on SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { testSpec } from "../../../model/testing.ts";
import { applyTransition } from "../../../control-plane/workflow/transitions.ts";
import { BACKENDS, BOOTSTRAP, snapshot, startTestApp, type TestApp } from "./_harness.ts";

/** The scraper's token (NDC_METRICS_TOKEN), not an API token. */
const METRICS_TOKEN = "metrics-token-0123456789abcdef";

interface TokenInfo {
  id: string;
  subject: string;
  role: string;
  org: string | null;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  status: string;
}

describe.each(BACKENDS)("operator API (%s)", (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    // As deployed for the dashboards: a metrics token, which the per-organization series need.
    t = await startTestApp(backend, { metricsToken: METRICS_TOKEN });
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  describe("GET /v1/tokens", () => {
    test("lists who holds which token, oldest first, never the secret nor its hash", async () => {
      const res = await t.call("GET", "/v1/tokens", t.tokens.admin);
      expect(res.statusCode, res.body).toBe(200);
      const items = (res.json() as { items: TokenInfo[] }).items;
      // The harness minted these, in this order (written out by hand).
      expect(items.map((i) => `${i.subject}:${i.role}:${i.org ?? "-"}:${i.status}`)).toEqual([
        "admin:platform-admin:-:active",
        "alice:requester:byt:active",
        "bob:requester:bct:active",
        "carol:org-admin:byt:active",
        "oscar:operator:-:active",
        "olga:operator:-:active",
        "audrey:auditor:-:active",
      ]);
      expect(Object.keys(items[1]!).sort()).toEqual(["createdAt", "createdBy", "expiresAt", "id", "org", "revokedAt", "role", "status", "subject"]);
      expect(items[1]!.createdBy).toBe("admin");
      for (const secret of Object.values(t.tokens)) expect(res.body).not.toContain(secret);
      expect(res.body).not.toMatch(/hash/i);
    });

    test("pages with limit and nextCursor, and filters by subject and organization", async () => {
      const first = (await t.call("GET", "/v1/tokens?limit=3", t.tokens.admin)).json() as { items: TokenInfo[]; nextCursor?: string };
      expect(first.items.map((i) => i.subject)).toEqual(["admin", "alice", "bob"]);
      const second = (await t.call("GET", `/v1/tokens?limit=3&cursor=${first.nextCursor}`, t.tokens.admin)).json() as {
        items: TokenInfo[];
        nextCursor?: string;
      };
      expect(second.items.map((i) => i.subject)).toEqual(["carol", "oscar", "olga"]);
      expect(((await t.call("GET", "/v1/tokens?org=byt", t.tokens.admin)).json() as { items: TokenInfo[] }).items.map((i) => i.subject)).toEqual([
        "alice",
        "carol",
      ]);
      expect(((await t.call("GET", "/v1/tokens?subject=oscar", t.tokens.admin)).json() as { items: TokenInfo[] }).items.map((i) => i.role)).toEqual([
        "operator",
      ]);
    });

    test("a revoked token is left out unless include=all, where it says revoked", async () => {
      const minted = (await t.call("POST", "/v1/tokens", t.tokens.admin, { subject: "ci:old", role: "operator" })).json() as { id: string };
      expect((await t.call("DELETE", `/v1/tokens/${minted.id}`, t.tokens.admin)).statusCode).toBe(200);
      const active = (await t.call("GET", "/v1/tokens?subject=ci:old", t.tokens.admin)).json() as { items: TokenInfo[] };
      expect(active.items).toEqual([]);
      const all = (await t.call("GET", "/v1/tokens?subject=ci:old&include=all", t.tokens.admin)).json() as { items: TokenInfo[] };
      expect(all.items).toEqual([expect.objectContaining({ id: minted.id, status: "revoked", revokedAt: expect.any(String) })]);
    });

    test("an admin confined to an organization sees only its tokens", async () => {
      const confined = (await t.call("POST", "/v1/tokens", t.tokens.admin, { subject: "byt-admin", role: "platform-admin", org: "byt" })).json() as {
        token: string;
      };
      const res = await t.call("GET", "/v1/tokens?org=bct", confined.token);
      expect((res.json() as { items: TokenInfo[] }).items.map((i) => i.subject)).toEqual(["alice", "carol", "byt-admin"]);
    });

    test.each([
      ["a requester", () => t.tokens.alice, 403],
      ["an operator", () => t.tokens.oscar, 403],
      ["the retired bootstrap token", () => BOOTSTRAP, 401],
      ["no token", () => undefined, 401],
    ])("fails when asked by %s", async (_who, token, status) => {
      const res = await t.call("GET", "/v1/tokens", token());
      expect(res.statusCode).toBe(status);
      expect(res.body).not.toContain(t.tokens.alice);
    });
  });

  describe("POST …/retry", () => {
    const url = "/v1/organizations/byt/environments/retried";
    /** Moves the environment to Failed as the provisioner would (Approved -> Provisioning -> Failed). */
    async function fail(): Promise<void> {
      for (const [event, reason] of [
        ["start-provisioning", undefined],
        ["fail", "ndc1: namespace byt-retried exists and is not ours"],
      ] as const) {
        const env = (await t.store.getEnvironment("byt", "retried"))!;
        const actor = { subject: "system:provisioner", role: "system" };
        const moved = await t.store.transaction([], (tx) =>
          applyTransition(tx, env.id, env.version, event, actor, new Date().toISOString(), reason ? { reason } : {}),
        );
        expect(moved?.phase).toBe(event === "fail" ? "Failed" : "Provisioning");
      }
    }

    beforeAll(async () => {
      const created = await t.call("POST", "/v1/organizations/byt/environments", t.tokens.alice, testSpec({ name: "retried" }));
      expect(created.json()).toMatchObject({ phase: "Approved" });
      await fail();
    });

    test.each([
      ["a requester", () => t.tokens.alice, 403],
      ["an auditor", () => t.tokens.audrey, 403],
      ["another organization's requester", () => t.tokens.bob, 404],
    ])("fails when %s retries; nothing changes", async (_who, token, status) => {
      const before = await snapshot(t.raw);
      const res = await t.call("POST", `${url}/retry`, token());
      expect(res.statusCode).toBe(status);
      const after = await snapshot(t.raw);
      // A denial is audited; nothing else moves.
      expect({ ...after, audit: undefined }).toEqual({ ...before, audit: undefined });
      expect((await t.call("GET", url, t.tokens.alice)).json()).toMatchObject({ phase: "Failed" });
    });

    test("fails with 412 when If-Match names a version it no longer has", async () => {
      const res = await t.call("POST", `${url}/retry`, t.tokens.oscar, undefined, { "if-match": '"1"' });
      expect(res.statusCode).toBe(412);
      expect((await t.call("GET", url, t.tokens.alice)).json()).toMatchObject({ phase: "Failed" });
    });

    test("an operator's retry builds the spec again: Updating with a new generation, audited with the old reason", async () => {
      const before = (await t.call("GET", url, t.tokens.alice)).json() as { version: number; generation: number };
      const res = await t.call("POST", `${url}/retry`, t.tokens.oscar, undefined, { "if-match": `"${before.version}"` });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({
        phase: "Updating",
        generation: before.generation + 1,
        version: before.version + 1,
        reason: "retried by oscar after: ndc1: namespace byt-retried exists and is not ours",
      });
      expect(res.headers.etag).toBe(`"${before.version + 1}"`);
      const audit = (await t.call("GET", `/v1/audit?action=environment.retry`, t.tokens.audrey)).json() as {
        items: { actor: string; target: string; outcome: string }[];
      };
      expect(audit.items).toEqual([expect.objectContaining({ actor: "oscar", target: "environment byt/retried", outcome: "allowed" })]);
    });

    test("fails with 409 when the environment is not Failed, naming its phase", async () => {
      const res = await t.call("POST", `${url}/retry`, t.tokens.oscar);
      expect(res.statusCode).toBe(409);
      expect(res.body).toContain("Updating");
    });
  });

  describe("metrics the alerts watch", () => {
    test("environments by site and phase, and the audit chain's last verification", async () => {
      const before = await t.call("GET", "/metrics", METRICS_TOKEN);
      // Never verified: the timestamp says so (the alert reads both).
      expect(before.body).toMatch(/^ndc_audit_chain_last_verified_timestamp_seconds 0$/m);
      expect((await t.call("GET", "/v1/audit/verify", t.tokens.audrey)).json()).toMatchObject({ ok: true });
      const text = (await t.call("GET", "/metrics", METRICS_TOKEN)).body;
      expect(text).toMatch(/^ndc_audit_chain_ok 1$/m);
      expect(Number(/^ndc_audit_chain_last_verified_timestamp_seconds (\S+)$/m.exec(text)![1])).toBeGreaterThan(Date.now() / 1000 - 60);
      // byt/retried is placed on ndc1; its site row says Pending until a provisioner writes it.
      expect(text).toMatch(/^ndc_environment_sites\{site="ndc1",phase="Pending"\} [1-9]\d*$/m);
      // byt/retried (Updating after its retry) is byt's only environment.
      expect(text).toMatch(/^ndc_organization_environments\{org="byt",phase="Updating"\} 1$/m);
    });

    test("a broken chain sets ndc_audit_chain_ok to 0", async () => {
      await t.raw.run("UPDATE audit_records SET actor = ? WHERE seq = (SELECT MIN(seq) FROM audit_records)", ["mallory"]);
      expect((await t.call("GET", "/v1/audit/verify", t.tokens.audrey)).json()).toMatchObject({ ok: false });
      expect((await t.call("GET", "/metrics", METRICS_TOKEN)).body).toMatch(/^ndc_audit_chain_ok 0$/m);
    });
  });
});
