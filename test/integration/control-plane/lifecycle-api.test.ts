// The request lifecycle through HTTP (inject), on real SQLite and real PostgreSQL.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { testOrganization, testPlatform, testSpec } from "../../../model/testing.ts";
import { applyTransition } from "../../../control-plane/workflow/index.ts";
import { BACKENDS, prodSpec, startTestApp, type TestApp } from "./_harness.ts";

interface Env {
  phase: string;
  version: number;
  reason: string | null;
  approvedBy: string | null;
  conditions: { type: string; status: string; reason: string }[];
  sites: Record<string, { phase: string; namespace: string }>;
  resources: { cpu: string; memory: string };
  complianceExceptions: unknown[];
  createdAt: string;
  updatedAt: string;
}

describe.each(BACKENDS)("environment lifecycle over HTTP (%s)", (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(backend);
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  const base = "/v1/organizations/byt/environments";
  const actions = async (target: string) => {
    const res = await t.call("GET", `/v1/audit?target=${encodeURIComponent(target)}&limit=200`, t.tokens.audrey);
    expect(res.statusCode).toBe(200);
    return (res.json() as { items: { action: string; actor: string; before: { phase: string } | null; after: { phase: string } | null }[] }).items;
  };

  test("submit -> AwaitingApproval -> approve -> Approved, each transition audited", async () => {
    const created = await t.call("POST", base, t.tokens.alice, prodSpec({ name: "his-prod" }), { "idempotency-key": "k-his-prod" });
    expect(created.statusCode).toBe(201);
    const env = created.json() as Env;
    expect(env.phase).toBe("AwaitingApproval");
    expect(created.headers.etag).toBe(`"${env.version}"`);
    expect(created.headers.location).toBe(`${base}/his-prod`);
    expect(env.sites).toEqual({ ndc1: expect.objectContaining({ phase: "Pending", namespace: "byt-his-prod" }) });
    expect(env.conditions.map((c) => `${c.type}=${c.status}`)).toEqual(["Admitted=True", "Approved=Unknown"]);
    expect(env.reason).toContain("stage prod needs a human");
    expect(env.complianceExceptions).toEqual([]);
    expect(Date.parse(env.createdAt)).not.toBeNaN();

    const approved = await t.call("POST", `${base}/his-prod/approve`, t.tokens.oscar, undefined, { "if-match": created.headers.etag as string });
    expect(approved.statusCode).toBe(200);
    const after = approved.json() as Env;
    expect(after.phase).toBe("Approved");
    expect(after.approvedBy).toBe("oscar");
    expect(after.reason).toBeNull();
    expect(after.version).toBe(env.version + 1);
    expect(after.conditions.find((c) => c.type === "Approved")).toMatchObject({ status: "True", reason: "Approved" });

    const got = await t.call("GET", `${base}/his-prod`, t.tokens.alice);
    expect(got.statusCode).toBe(200);
    expect((got.json() as Env).phase).toBe("Approved");
    expect(got.headers.etag).toBe(`"${after.version}"`);

    expect((await actions("environment byt/his-prod")).map((a) => `${a.action}:${a.before?.phase ?? "-"}->${a.after?.phase}`)).toEqual([
      "environment.submit:-->Submitted",
      "environment.require-approval:Submitted->AwaitingApproval",
      "environment.approve:AwaitingApproval->Approved",
    ]);
  });

  test("approve and reject need no body, even when sent as empty JSON", async () => {
    await t.call("POST", base, t.tokens.alice, prodSpec({ name: "bare-a" }));
    await t.call("POST", base, t.tokens.alice, prodSpec({ name: "bare-r" }));
    const approved = await t.call("POST", `${base}/bare-a/approve`, t.tokens.oscar, "", {
      "if-match": `"${(await t.call("GET", `${base}/bare-a`, t.tokens.oscar)).json().version}"`,
    });
    expect(approved.statusCode, approved.body).toBe(200);
    const rejected = await t.decide("reject", `${base}/bare-r`, t.tokens.oscar);
    expect(rejected.statusCode).toBe(200);
    expect(rejected.json()).toMatchObject({ phase: "Rejected", reason: "rejected by oscar without a reason" });
  });

  test("a low-risk request is auto-approved by policy", async () => {
    const res = await t.call("POST", base, t.tokens.alice, testSpec({ name: "dev-box" }));
    expect(res.statusCode).toBe(201);
    const env = res.json() as Env;
    expect(env.phase).toBe("Approved");
    expect(env.approvedBy).toBe("policy:auto-approval");
    expect((await actions("environment byt/dev-box")).map((a) => `${a.action}/${a.actor}`)).toEqual([
      "environment.submit/alice",
      "environment.auto-approve/policy:auto-approval",
    ]);
  });

  test("reject with a reason -> Rejected; its capacity is released and the name can be reused", async () => {
    await t.call("POST", base, t.tokens.alice, prodSpec({ name: "lab", resources: { cpu: "30", memory: "64Gi" } }));
    expect((await t.call("GET", `${base}/lab`, t.tokens.alice)).statusCode).toBe(200);
    const before = await t.call("GET", "/v1/sites/ndc1/capacity", t.tokens.oscar);
    const committed = (before.json() as { pools: { name: string; committed: { cpuMillis: number } }[] }).pools.find((p) => p.name === "general")!.committed
      .cpuMillis;

    const rejected = await t.decide("reject", `${base}/lab`, t.tokens.oscar, { reason: "use the shared lab environment" });
    expect(rejected.statusCode).toBe(200);
    expect(rejected.json()).toMatchObject({ phase: "Rejected", reason: "use the shared lab environment" });

    const after = await t.call("GET", "/v1/sites/ndc1/capacity", t.tokens.oscar);
    expect((after.json() as { pools: { name: string; committed: { cpuMillis: number } }[] }).pools.find((p) => p.name === "general")!.committed.cpuMillis).toBe(
      committed - 30_000,
    );
    expect((await actions("environment byt/lab")).map((a) => a.action)).toEqual(["environment.submit", "environment.require-approval", "environment.reject"]);

    // Not in the default list, visible when asked by phase, and the name is free again.
    const list = (await t.call("GET", base, t.tokens.alice)).json() as { items: { name: string }[] };
    expect(list.items.map((i) => i.name)).not.toContain("lab");
    const rejectedList = (await t.call("GET", `${base}?phase=Rejected`, t.tokens.alice)).json() as { items: { name: string; phase: string }[] };
    expect(rejectedList.items.map((i) => i.name)).toContain("lab");
    expect(rejectedList.items.every((i) => i.phase === "Rejected")).toBe(true);
    expect((await t.call("POST", base, t.tokens.alice, testSpec({ name: "lab" }))).statusCode).toBe(201);
  });

  test("resize (PATCH with If-Match) is admitted again and recorded; the version moves on", async () => {
    const created = (await t.call("POST", base, t.tokens.alice, prodSpec({ name: "portal" }))).json() as Env;
    const patched = await t.call(
      "PATCH",
      `${base}/portal`,
      t.tokens.alice,
      { resources: { cpu: "12", memory: "48Gi" } },
      { "if-match": `"${created.version}"` },
    );
    expect(patched.statusCode).toBe(200);
    const env = patched.json() as Env & { spec: { resources: { storage: Record<string, string> } } };
    expect(env.resources).toMatchObject({ cpu: "12", memory: "48Gi", storage: { standard: "100Gi" } });
    expect(env.phase).toBe("AwaitingApproval");
    expect(env.version).toBe(created.version + 1);
    expect(patched.headers.etag).toBe(`"${env.version}"`);

    const capacity = (await t.call("GET", "/v1/sites/ndc1/capacity", t.tokens.oscar)).json() as { zones: Record<string, { cpuMillis: number }> };
    expect(capacity.zones.app!.cpuMillis).toBeGreaterThanOrEqual(12_000);
    const audit = await actions("environment byt/portal");
    expect(audit.map((a) => a.action)).toEqual(["environment.submit", "environment.require-approval", "environment.update"]);
    expect(audit[2]!.after).toMatchObject({ spec: { resources: { cpu: "12", memory: "48Gi" } } });
  });

  test("resize with the version in the body instead of If-Match", async () => {
    const env = (await t.call("GET", `${base}/portal`, t.tokens.alice)).json() as Env;
    const stale = await t.call("PATCH", `${base}/portal`, t.tokens.alice, { version: env.version - 1, resources: { cpu: "10" } });
    expect(stale.statusCode).toBe(412);
    const res = await t.call("PATCH", `${base}/portal`, t.tokens.alice, { version: env.version, resources: { cpu: "10" } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ version: env.version + 1, resources: { cpu: "10" } });
  });

  test("a built environment resized goes Ready -> Updating", async () => {
    const created = (await t.call("POST", base, t.tokens.alice, testSpec({ name: "built" }))).json() as Env & { id: string };
    // The provisioner's part, through the store interface it uses.
    const now = new Date().toISOString();
    const provisioning = await t.store.transaction([], (tx) =>
      applyTransition(tx, created.id, created.version, "start-provisioning", { subject: "provisioner" }, now),
    );
    const ready = await t.store.transaction([], (tx) =>
      applyTransition(tx, created.id, provisioning!.version, "provisioned", { subject: "provisioner" }, now, { observedGeneration: provisioning!.generation }),
    );
    expect(ready!.phase).toBe("Ready");
    const patched = await t.call("PATCH", `${base}/built`, t.tokens.carol, { resources: { memory: "24Gi" } }, { "if-match": String(ready!.version) });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ phase: "Updating", resources: { cpu: "4", memory: "24Gi" } });
  });

  test("decommission request: Approved -> Decommissioning (202); a pending request is withdrawn", async () => {
    const approved = (await t.call("POST", base, t.tokens.alice, testSpec({ name: "old-app" }))).json() as Env;
    expect(approved.phase).toBe("Approved");
    const res = await t.call("DELETE", `${base}/old-app`, t.tokens.alice, undefined, { "if-match": `"${approved.version}"` });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ phase: "Decommissioning" });
    expect((await actions("environment byt/old-app")).map((a) => a.action)).toEqual([
      "environment.submit",
      "environment.auto-approve",
      "environment.decommission",
    ]);

    await t.call("POST", base, t.tokens.alice, prodSpec({ name: "never-mind" }));
    const withdrawn = await t.call("DELETE", `${base}/never-mind`, t.tokens.alice);
    expect(withdrawn.statusCode).toBe(202);
    expect(withdrawn.json()).toMatchObject({ phase: "Deleted" });
  });

  test("the same Idempotency-Key and body replays the answer (201, Idempotent-Replayed), nothing new is written", async () => {
    const first = await t.call("POST", base, t.tokens.alice, prodSpec({ name: "idem" }), { "idempotency-key": "same-key" });
    const again = await t.call("POST", base, t.tokens.alice, prodSpec({ name: "idem" }), { "idempotency-key": "same-key" });
    expect(first.statusCode).toBe(201);
    expect(first.headers["idempotent-replayed"]).toBeUndefined();
    expect(again.statusCode).toBe(201);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect((again.json() as { id: string }).id).toBe((first.json() as { id: string }).id);
    expect((await actions("environment byt/idem")).length).toBe(2);
  });

  test("lists page with a cursor and bounded limits", async () => {
    const page1 = await t.call("GET", `${base}?limit=2`, t.tokens.alice);
    const body1 = page1.json() as { items: { name: string }[]; nextCursor?: string };
    expect(body1.items).toHaveLength(2);
    expect(body1.nextCursor).toBeDefined();
    const page2 = (await t.call("GET", `${base}?limit=2&cursor=${body1.nextCursor}`, t.tokens.alice)).json() as { items: { name: string }[] };
    expect(page2.items[0]!.name > body1.items[1]!.name).toBe(true);
    const all = (await t.call("GET", `${base}?limit=200`, t.tokens.alice)).json() as { items: { name: string }[]; nextCursor?: string };
    expect(all.nextCursor).toBeUndefined();
    expect(all.items.map((i) => i.name)).toEqual([...all.items.map((i) => i.name)].sort());
  });

  test("the audit chain of the whole run verifies", async () => {
    const res = await t.call("GET", "/v1/audit/verify", t.tokens.audrey);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ok: true, problems: [] });
  });

  test("core data while only one site is active: admitted with a reported compliance exception, never auto-approved", async () => {
    const single = await startTestApp(backend, { platform: testPlatform({ organizations: [testOrganization(), testOrganization({ slug: "bct" })] }) });
    try {
      const res = await single.call(
        "POST",
        base,
        single.tokens.alice,
        testSpec({ name: "registry", dataClass: "core", zone: "restricted", securityLevel: 4, resources: { cpu: "4", memory: "16Gi" } }),
      );
      expect(res.statusCode, res.body).toBe(201);
      const env = res.json() as Env;
      expect(env.complianceExceptions).toEqual([{ rule: "multi-site", message: expect.stringContaining("admitted with an exception") }]);
      expect(env.phase).toBe("AwaitingApproval");
      expect(env.reason).toContain("admitted with a compliance exception");
    } finally {
      await single.cleanup();
    }
  });
});
