// runbooks/database-unavailable.md, end to end on PostgreSQL: pg_dump of a live control plane's
// database, pg_restore into a new one, and the restored audit chain verifies; the service goes on
// from it (tokens work, new records extend the chain).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { buildApp } from "../../../control-plane/api/index.ts";
import { openStore, type Store } from "../../../control-plane/store/index.ts";
import { testSpec } from "../../../model/testing.ts";
import { postgresBinDir } from "../../../scripts/postgres/throwaway-postgres.ts";
import { BOOTSTRAP, testPlatformForApi } from "./_harness.ts";

const admin = inject("databaseUrl");
const created: string[] = [];
const dir = mkdtempSync(join(tmpdir(), "ndc-backup-"));

async function createDatabase(): Promise<string> {
  const name = `ndc_${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  created.push(name);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A service on `store`, and a call helper. */
async function serviceOn(store: Store) {
  const app = await buildApp({ store, platform: testPlatformForApi(), auth: { bootstrapToken: BOOTSTRAP }, defaultMetrics: false });
  const call = (method: "GET" | "POST", url: string, token: string, body?: object) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(body ? { payload: body } : {}) });
  return { app, call };
}

afterAll(async () => {
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  for (const name of created) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await client.end();
  rmSync(dir, { recursive: true, force: true });
});

describe("PostgreSQL backup and restore (runbooks/database-unavailable.md)", () => {
  let sourceUrl: string;
  let adminToken: string;
  let records: number;
  let head: number | null;

  beforeAll(async () => {
    sourceUrl = await createDatabase();
    const store = await openStore({ databaseUrl: sourceUrl });
    const { app, call } = await serviceOn(store);
    adminToken = (await call("POST", "/v1/tokens", BOOTSTRAP, { subject: "admin", role: "platform-admin" })).json().token;
    const alice = (await call("POST", "/v1/tokens", adminToken, { subject: "alice", role: "requester", org: "byt" })).json().token as string;
    expect((await call("POST", "/v1/organizations/byt/environments", alice, testSpec({ name: "before-backup" }))).statusCode).toBe(201);
    const verified = (await call("GET", "/v1/audit/verify", adminToken)).json();
    expect(verified).toMatchObject({ ok: true });
    ({ checked: records, headSeq: head } = verified as { checked: number; headSeq: number });
    expect(records).toBeGreaterThanOrEqual(4);
    await app.close();
    await store.close();
  });

  test("pg_dump, pg_restore into a new database: the audit chain verifies with every record, and the service goes on from it", async () => {
    const file = join(dir, "ndc.dump");
    const dump = spawnSync(join(postgresBinDir(), "pg_dump"), ["--format=custom", `--file=${file}`, sourceUrl], { encoding: "utf8", timeout: 120_000 });
    expect(dump.status, dump.stderr).toBe(0);
    const restoredUrl = await createDatabase();
    const restore = spawnSync(join(postgresBinDir(), "pg_restore"), ["--no-owner", `--dbname=${restoredUrl}`, file], { encoding: "utf8", timeout: 120_000 });
    expect(restore.status, restore.stderr).toBe(0);

    const store = await openStore({ databaseUrl: restoredUrl });
    try {
      expect(await store.verifyAudit()).toMatchObject({ ok: true, checked: records, headSeq: head, problems: [] });
      const { app, call } = await serviceOn(store);
      // The restored tokens work; the environment is there; new records extend the same chain.
      expect((await call("GET", "/v1/organizations/byt/environments/before-backup", adminToken)).json()).toMatchObject({
        name: "before-backup",
        phase: "Approved",
      });
      expect((await call("POST", "/v1/tokens", adminToken, { subject: "after-restore", role: "auditor" })).statusCode).toBe(201);
      expect((await call("GET", "/v1/audit/verify", adminToken)).json()).toMatchObject({ ok: true, checked: records + 1, headSeq: head! + 1 });
      await app.close();
    } finally {
      await store.close();
    }
  });

  test("a dump that lost a record does not verify: the restore is checked, not trusted", async () => {
    const damagedUrl = await createDatabase();
    const file = join(dir, "ndc.dump");
    const restore = spawnSync(join(postgresBinDir(), "pg_restore"), ["--no-owner", `--dbname=${damagedUrl}`, file], { encoding: "utf8", timeout: 120_000 });
    expect(restore.status, restore.stderr).toBe(0);
    const client = new pg.Client({ connectionString: damagedUrl });
    await client.connect();
    await client.query("DELETE FROM audit_records WHERE seq = 2");
    await client.end();
    const store = await openStore({ databaseUrl: damagedUrl });
    try {
      const result = await store.verifyAudit();
      expect(result.ok).toBe(false);
      expect(result.problems[0]).toMatchObject({ problem: "deleted" });
    } finally {
      await store.close();
    }
  });
});
