// The audit trail is tamper-evident: verify passes untouched and names the record after a direct
// database edit, deletion, reordering or truncation — on SQLite and PostgreSQL.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { testSpec } from "../../../model/testing.ts";
import { BACKENDS, prodSpec, startTestApp, type TestApp } from "./_harness.ts";

interface Verification {
  ok: boolean;
  checked: number;
  problems: { seq: number; id: string | null; problem: string; message: string }[];
}

describe.each(BACKENDS)("audit trail (%s)", (backend) => {
  let t: TestApp;
  const verify = async () => {
    const res = await t.call("GET", "/v1/audit/verify", t.tokens.audrey);
    expect(res.statusCode).toBe(200);
    return res.json() as Verification;
  };
  const idOf = async (seq: number) => String((await t.raw.get("SELECT id FROM audit_records WHERE seq = ?", [seq]))!.id);

  beforeEach(async () => {
    t = await startTestApp(backend);
    // Records 1-7: tokens minted by the harness; 8-12: environment transitions; 13: a denied read.
    await t.call("POST", "/v1/organizations/byt/environments", t.tokens.alice, prodSpec({ name: "a" }));
    await t.decide("approve", "/v1/organizations/byt/environments/a", t.tokens.oscar);
    await t.call("POST", "/v1/organizations/byt/environments", t.tokens.alice, testSpec({ name: "b" }));
    await t.call("GET", "/v1/organizations/byt/environments/a", t.tokens.bob); // denied: isolation
  });
  afterEach(async () => {
    await t?.cleanup();
  });

  test("an untouched trail verifies", async () => {
    const result = await verify();
    expect(result).toMatchObject({ ok: true, problems: [] });
    expect(result.checked).toBe(await t.store.countAudit());
    expect(result.checked).toBe(13);
  });

  test("a record edited in the database is named", async () => {
    const id = await idOf(10);
    await t.raw.run("UPDATE audit_records SET actor = ? WHERE seq = ?", ["mallory", 10]);
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.problems[0]).toMatchObject({ seq: 10, id, problem: "edited" });
    expect(result.problems[0]!.message).toContain("record 10");
  });

  test("an edit inside the JSON of a record is named", async () => {
    await t.raw.run("UPDATE audit_records SET after_state = REPLACE(after_state, '\"AwaitingApproval\"', '\"Approved\"') WHERE seq = ?", [9]);
    const result = await verify();
    expect(result.problems).toEqual([expect.objectContaining({ seq: 9, problem: "edited" })]);
  });

  test("a deleted record is named by the gap it leaves", async () => {
    await t.raw.run("DELETE FROM audit_records WHERE seq = ?", [11]);
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.problems[0]).toMatchObject({ seq: 12, problem: "deleted" });
    expect(result.problems[0]!.message).toMatch(/^record 11 is missing before record 12/);
  });

  test("two records swapped are reported as reordered", async () => {
    await t.raw.run("UPDATE audit_records SET seq = -1 WHERE seq = 10");
    await t.raw.run("UPDATE audit_records SET seq = 10 WHERE seq = 11");
    await t.raw.run("UPDATE audit_records SET seq = 11 WHERE seq = -1");
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.problems[0]).toMatchObject({ seq: 10, problem: "reordered" });
  });

  test("records deleted at the end are detected by the head", async () => {
    const last = Number((await t.raw.get("SELECT MAX(seq) AS n FROM audit_records"))!.n);
    await t.raw.run("DELETE FROM audit_records WHERE seq = ?", [last]);
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.objectContaining({ seq: last, problem: "truncated" })]);
  });

  test("records are filtered and paged in chain order", async () => {
    const first = (await t.call("GET", "/v1/audit?org=byt&limit=2", t.tokens.audrey)).json() as { items: { seq: number; org: string }[]; nextCursor: string };
    expect(first.items.map((i) => i.org)).toEqual(["byt", "byt"]);
    const next = (await t.call("GET", `/v1/audit?org=byt&limit=2&cursor=${first.nextCursor}`, t.tokens.audrey)).json() as { items: { seq: number }[] };
    expect(next.items[0]!.seq).toBeGreaterThan(first.items[1]!.seq);
    const denied = (await t.call("GET", "/v1/audit?outcome=denied", t.tokens.audrey)).json() as { items: { actor: string; status: number }[] };
    expect(denied.items).toEqual([expect.objectContaining({ actor: "bob", status: 404 })]);
  });
});
