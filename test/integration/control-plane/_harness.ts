import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import pg from "pg";
import { expect, inject } from "vitest";
import { assemblePlatform, type EnvironmentSpec, type Organization, type Platform } from "../../../model/index.ts";
import { testOrganization, testSiteStack, testSpec } from "../../../model/testing.ts";
import { buildApp, type AppOptions } from "../../../control-plane/api/index.ts";
import { openPostgresDriver, openSqliteDriver, openStore, type SqlDriver, type Store } from "../../../control-plane/store/index.ts";

/** The two stores every integration suite runs against. */
export const BACKENDS = ["sqlite", "postgres"] as const;
export type Backend = (typeof BACKENDS)[number];

export const BOOTSTRAP = "bootstrap-token-for-tests-0123456789";

/** A fresh, migrated store: a SQLite file in a temp dir, or a new database on the test PostgreSQL. */
export async function openTestStore(
  backend: Backend,
  options: { poolSize?: number } = {},
): Promise<{ store: Store; raw: SqlDriver; cleanup: () => Promise<void> }> {
  if (backend === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "ndc-sqlite-"));
    const path = join(dir, "ndc.sqlite");
    const store = await openStore({ sqlitePath: path });
    // A second connection, as an attacker with file access would have.
    const raw = openSqliteDriver(path);
    return {
      store,
      raw,
      cleanup: async () => {
        await raw.close();
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const admin = inject("databaseUrl");
  const name = `ndc_${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const store = await openStore({ databaseUrl: url.toString(), poolSize: options.poolSize ?? 10 });
  const raw = openPostgresDriver(url.toString(), { poolSize: 2 });
  return {
    store,
    raw,
    cleanup: async () => {
      await raw.close();
      await store.close();
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Two organizations (byt, bct) on an active site ndc1, an active site ndc2 far away, and a planned ndc3. */
export function testPlatformForApi(extra: { organizations?: Organization[] } = {}): Platform {
  const orgs = extra.organizations ?? [
    testOrganization(),
    testOrganization({
      slug: "bct",
      name: { vi: "Bộ Công Thương", en: "Ministry of Industry and Trade" },
      ownerGroups: ["bct-admins"],
      maxDataClass: "important",
      maxSecurityLevel: 3,
      maxEnvironments: 3,
    }),
  ];
  return assemblePlatform([
    testSiteStack({}, orgs),
    testSiteStack(
      {
        id: "ndc2",
        name: { vi: "Trung tâm Dữ liệu quốc gia số 2", en: "National Data Center No. 2" },
        location: { name: "Đà Nẵng", latitude: 16.0544, longitude: 108.2022 },
      },
      orgs,
    ),
    testSiteStack(
      {
        id: "ndc3",
        status: "planned",
        name: { vi: "Trung tâm Dữ liệu quốc gia số 3", en: "National Data Center No. 3" },
        location: { name: "TP. Hồ Chí Minh", latitude: 10.8231, longitude: 106.6297 },
      },
      orgs,
    ),
  ]);
}

export interface Tokens {
  readonly admin: string;
  readonly alice: string; // requester, byt
  readonly bob: string; // requester, bct
  readonly carol: string; // org-admin, byt
  readonly oscar: string; // operator
  readonly olga: string; // operator
  readonly audrey: string; // auditor
}

export interface TestApp {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly raw: SqlDriver;
  readonly tokens: Tokens;
  readonly platform: Platform;
  cleanup(): Promise<void>;
  call(
    method: "GET" | "POST" | "PATCH" | "DELETE",
    url: string,
    token: string | undefined,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  /** Approves or rejects `environments/{name}` of `url`'s organization as `token`, naming the version it has now (If-Match). */
  decide(action: "approve" | "reject", envUrl: string, token: string, body?: unknown): Promise<LightMyRequestResponse>;
}

/** A built app on a fresh store, with tokens minted through POST /v1/tokens. */
export async function startTestApp(backend: Backend, options: Partial<AppOptions> & { poolSize?: number } = {}): Promise<TestApp> {
  const { store, raw, cleanup } = await openTestStore(backend, options.poolSize === undefined ? {} : { poolSize: options.poolSize });
  const platform = options.platform ?? testPlatformForApi();
  const app = await buildApp({ store, platform, auth: { bootstrapToken: BOOTSTRAP, ...(options.auth ?? {}) }, defaultMetrics: false, ...options });
  const call: TestApp["call"] = (method, url, token, body, headers = {}) =>
    app.inject({
      method,
      url,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      ...(body === undefined
        ? {}
        : typeof body === "string"
          ? { payload: body, headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } }
          : { payload: body as object }),
    });
  const mintWith = async (by: string, subject: string, role: string, org?: string, expiresIn?: string): Promise<string> => {
    const res = await call("POST", "/v1/tokens", by, { subject, role, ...(org ? { org } : {}), ...(expiresIn ? { expiresIn } : {}) });
    if (res.statusCode !== 201) throw new Error(`minting ${subject}: ${res.statusCode} ${res.body}`);
    return (res.json() as { token: string }).token;
  };
  // The bootstrap token mints the first platform admin and is retired; that admin mints the rest.
  // A year, the longest: tokens it mints may not outlive it.
  const admin = await mintWith(BOOTSTRAP, "admin", "platform-admin", undefined, "365d");
  const mint = (subject: string, role: string, org?: string) => mintWith(admin, subject, role, org);
  const tokens: Tokens = {
    admin,
    alice: await mint("alice", "requester", "byt"),
    bob: await mint("bob", "requester", "bct"),
    carol: await mint("carol", "org-admin", "byt"),
    oscar: await mint("oscar", "operator"),
    olga: await mint("olga", "operator"),
    audrey: await mint("audrey", "auditor"),
  };
  const decide: TestApp["decide"] = async (action, envUrl, token, body) => {
    const current = await call("GET", envUrl, tokens.admin);
    const version = current.statusCode === 200 ? String((current.json() as { version: number }).version) : "1";
    return call("POST", `${envUrl}/${action}`, token, body, { "if-match": `"${version}"` });
  };
  return {
    app,
    store,
    raw,
    tokens,
    platform,
    call,
    decide,
    cleanup: async () => {
      await app.close();
      await cleanup();
    },
  };
}

/** A spec that needs a human approval (prod). */
export function prodSpec(overrides: Partial<EnvironmentSpec> = {}): EnvironmentSpec {
  return testSpec({ stage: "prod", securityLevel: 3, ...overrides });
}

/** Everything a request could have changed: rows per table and the audit head. */
export async function snapshot(raw: SqlDriver): Promise<Record<string, unknown>> {
  const count = async (table: string) => Number((await raw.get(`SELECT COUNT(*) AS n FROM ${table}`))?.n ?? 0);
  const versions = await raw.all("SELECT id, phase, version FROM environments ORDER BY id");
  return {
    environments: await count("environments"),
    commitments: await count("commitments"),
    environment_sites: await count("environment_sites"),
    idempotency_keys: await count("idempotency_keys"),
    audit: await count("audit_records"),
    versions: versions.map((v) => `${String(v.id)}:${String(v.phase)}:${String(v.version)}`),
  };
}

/**
 * Sends a request that must be refused with `status`, naming `field` and `rule`, and checks that it
 * changed nothing in the store but its own audit record (a 401 or 403 is audited; nothing else is).
 */
export async function expectRefused(t: TestApp, status: number, field: string, rule: string, send: () => ReturnType<TestApp["call"]>) {
  const before = await snapshot(t.raw);
  const res = await send();
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers["content-type"]).toContain("application/problem+json");
  expect(res.json().errors).toContainEqual(expect.objectContaining({ field, rule }));
  const after = await snapshot(t.raw);
  const audited = status === 401 || status === 403 ? 1 : 0;
  expect({ ...after, audit: (after.audit as number) - audited }).toEqual(before);
  return res.json() as { detail: string; errors: { field: string; rule: string; message: string }[] };
}
