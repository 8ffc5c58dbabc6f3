// Concurrency through a real listening server (fetch, true parallelism against PostgreSQL; SQLite
// serializes writers): one approval wins, and admission never hands out capacity twice.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { assemblePlatform } from "../../../model/index.ts";
import { testOrganization, testSiteStack, testSpec } from "../../../model/testing.ts";
import { BACKENDS, prodSpec, startTestApp, type TestApp } from "./_harness.ts";

/** One active site whose shared pool has exactly 10 cores (1 node x 10 cores, no overcommit). */
function tinyPlatform() {
  const orgs = [testOrganization({ maxEnvironments: 200 }), testOrganization({ slug: "bct" })];
  const stack = testSiteStack({ overcommit: { cpu: 1, memory: 1 } }, orgs);
  const site = {
    ...stack.site,
    computePools: stack.site.computePools.map((p) => (p.name === "general" ? { ...p, nodes: 1, nodeCpu: "10", nodeMemory: "4Ti" } : p)),
  };
  return assemblePlatform([{ ...stack, site }]);
}

describe.each(BACKENDS)("concurrency through a listening server (%s)", (backend) => {
  let t: TestApp;
  let base: string;
  const send = (method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  beforeAll(async () => {
    t = await startTestApp(backend, { platform: tinyPlatform(), poolSize: 20 });
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    const address = t.app.server.address();
    base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  test("20 parallel approvals of one request -> exactly one transition", async () => {
    const created = await send(
      "POST",
      "/v1/organizations/byt/environments",
      t.tokens.alice,
      prodSpec({ name: "contested", resources: { cpu: "1", memory: "4Gi" } }),
    );
    expect(created.status).toBe(201);
    const { version } = (await created.json()) as { version: number };

    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        send("POST", "/v1/organizations/byt/environments/contested/approve", i % 2 ? t.tokens.oscar : t.tokens.olga, undefined, { "if-match": `"${version}"` }),
      ),
    );
    const ms = performance.now() - started;
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    // The others lost: 409 when they raced the winner's write, 412 when they read after it.
    expect(statuses.filter((s) => s === 409 || s === 412)).toHaveLength(19);

    const env = (await (await send("GET", "/v1/organizations/byt/environments/contested", t.tokens.alice)).json()) as { phase: string; version: number };
    expect(env).toMatchObject({ phase: "Approved", version: version + 1 });
    const audit = (await (
      await send("GET", `/v1/audit?target=${encodeURIComponent("environment byt/contested")}&action=environment.approve`, t.tokens.audrey)
    ).json()) as { items: unknown[] };
    expect(audit.items).toHaveLength(1);
    console.log(`[${backend}] 20 parallel approvals: 1 x 200, 19 x 409/412 in ${ms.toFixed(0)} ms`);
  });

  test("the same Idempotency-Key sent 10 times at once creates one environment", async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        fetch(`${base}/v1/organizations/byt/environments`, {
          method: "POST",
          headers: { authorization: `Bearer ${t.tokens.alice}`, "content-type": "application/json", "idempotency-key": "retry-storm" },
          body: JSON.stringify(prodSpec({ name: "once", resources: { cpu: "1", memory: "1Gi" } })),
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 10 }, () => 201));
    expect(answers.filter((a) => a.headers.get("idempotent-replayed") === "true")).toHaveLength(9);
    const ids = new Set(await Promise.all(answers.map(async (a) => ((await a.json()) as { id: string }).id)));
    expect(ids.size).toBe(1);
  });

  test("50 parallel requests for the last 3 cores -> exactly 3 admitted", async () => {
    // 10 cores in the pool: 1 + 1 taken by the requests above, 5 more now -> 3 left.
    const filler = await send(
      "POST",
      "/v1/organizations/byt/environments",
      t.tokens.alice,
      testSpec({ name: "filler", resources: { cpu: "5", memory: "8Gi" } }),
    );
    expect(filler.status).toBe(201);

    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        send("POST", "/v1/organizations/byt/environments", t.tokens.alice, testSpec({ name: `race-${i}`, resources: { cpu: "1", memory: "1Gi" } })),
      ),
    );
    const ms = performance.now() - started;
    const bodies = await Promise.all(
      answers.map(async (a) => ({ status: a.status, body: (await a.json()) as { errors?: { field: string; rule: string }[] } })),
    );
    const admitted = bodies.filter((b) => b.status === 201);
    const refused = bodies.filter((b) => b.status === 422);
    expect(admitted).toHaveLength(3);
    expect(refused).toHaveLength(47);
    for (const r of refused) expect(r.body.errors).toContainEqual(expect.objectContaining({ field: "resources.cpu", rule: "site-capacity" }));

    const capacity = (await (await send("GET", "/v1/sites/ndc1/capacity", t.tokens.oscar)).json()) as {
      pools: { name: string; committed: { cpuMillis: number }; available: { cpuMillis: number } }[];
    };
    expect(capacity.pools.find((p) => p.name === "general")).toMatchObject({ committed: { cpuMillis: 10_000 }, available: { cpuMillis: 0 } });
    const listed = (await (await send("GET", "/v1/organizations/byt/environments?limit=200", t.tokens.alice)).json()) as { items: { name: string }[] };
    expect(listed.items.filter((i) => i.name.startsWith("race-"))).toHaveLength(3);
    console.log(`[${backend}] 50 parallel requests for 3 free cores: 3 x 201, 47 x 422 in ${ms.toFixed(0)} ms`);
  });

  test("the audit chain written under contention verifies", async () => {
    expect(await (await send("GET", "/v1/audit/verify", t.tokens.audrey)).json()).toMatchObject({ ok: true, problems: [] });
  });
});
