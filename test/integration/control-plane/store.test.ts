// The store's interface, the same suite on SQLite and PostgreSQL: migrations, transitions, the
// provisioner's work leases, per-site status, and the audit chain.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { testSpec } from "../../../model/testing.ts";
import { applyTransition, MIGRATIONS, TransitionError, type EnvironmentRecord, type NewEnvironment, type Store } from "../../../control-plane/index.ts";
import { BACKENDS, openTestStore } from "./_harness.ts";

const T0 = new Date("2026-11-27T08:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);
const actor = { subject: "tester" };

function newEnvironment(name: string, sites: string[] = ["ndc1"]): NewEnvironment {
  return {
    org: "byt",
    spec: testSpec({ name, sites }),
    namespace: `byt-${name}`,
    plan: {
      dataClass: "other",
      minimumLevel: 1,
      placements: sites.map((site) => ({ site, zone: "app" as const, pool: "general", dedicatedPool: false })),
      amounts: { cpuMillis: 4000, memoryBytes: 2 ** 34, gpu: 0, storageBytes: { standard: 2 ** 30 } },
      complianceExceptions: [],
      policyVersion: "test",
    },
    conditions: [],
    requestedBy: "alice",
  };
}

describe.each(BACKENDS)("store (%s)", (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ store, cleanup } = await openTestStore(backend));
  });
  afterEach(async () => {
    await cleanup?.();
  });

  /** Inserts and auto-approves an environment; returns it in phase Approved. */
  const approved = async (name: string, sites?: string[]): Promise<EnvironmentRecord> =>
    store.transaction([], async (tx) => {
      const e = await tx.insertEnvironment(newEnvironment(name, sites), actor, T0.toISOString());
      return (await applyTransition(tx, e.id, e.version, "auto-approve", actor, T0.toISOString()))!;
    });

  test("migrations are versioned and applied once", async () => {
    expect(await store.migrate()).toEqual([]);
    expect(MIGRATIONS.map((m) => m.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  test("insert records commitments, per-site rows and an audit record", async () => {
    const env = await approved("his-app", ["ndc1", "ndc2"]);
    expect(env).toMatchObject({ phase: "Approved", version: 2, generation: 2, observedGeneration: 0, namespace: "byt-his-app" });
    expect(env.sites.map((s) => `${s.site}:${s.phase}`)).toEqual(["ndc1:Pending", "ndc2:Pending"]);
    expect((await store.commitments(["ndc2"])).map((c) => `${c.environment}@${c.site}:${c.amounts.cpuMillis}`)).toEqual(["his-app@ndc2:4000"]);
    expect(await store.countByPhase()).toEqual({ Approved: 1 });
    expect((await store.listAudit({ limit: 10 })).map((r) => r.action)).toEqual(["environment.submit", "environment.auto-approve"]);
  });

  test("a transition on a stale version writes nothing; one the table forbids throws", async () => {
    const env = await approved("a");
    expect(await store.transaction([], (tx) => applyTransition(tx, env.id, env.version - 1, "start-provisioning", actor, T0.toISOString()))).toBeUndefined();
    await expect(store.transaction([], (tx) => applyTransition(tx, env.id, env.version, "provisioned", actor, T0.toISOString()))).rejects.toThrow(
      TransitionError,
    );
    expect((await store.getEnvironmentById(env.id))!.version).toBe(env.version);
    expect(await store.countAudit()).toBe(2);
  });

  test("a failed transaction rolls back everything, audit included", async () => {
    await expect(
      store.transaction([], async (tx) => {
        await tx.insertEnvironment(newEnvironment("ghost"), actor, T0.toISOString());
        throw new Error("admission failed later");
      }),
    ).rejects.toThrow("admission failed later");
    expect(await store.getEnvironment("byt", "ghost")).toBeUndefined();
    expect(await store.commitments()).toEqual([]);
    expect(await store.countAudit()).toBe(0);
    expect((await store.verifyAudit()).ok).toBe(true);
  });

  test("rejected and deleted environments release capacity and their name", async () => {
    const env = await store.transaction([], async (tx) => {
      const e = await tx.insertEnvironment(newEnvironment("tmp"), actor, T0.toISOString());
      const waiting = await applyTransition(tx, e.id, e.version, "require-approval", actor, T0.toISOString());
      return (await applyTransition(tx, e.id, waiting!.version, "reject", actor, T0.toISOString(), { reason: "not needed" }))!;
    });
    expect(env).toMatchObject({ phase: "Rejected", reason: "not needed" });
    expect(await store.commitments()).toEqual([]);
    expect(await store.countLiveEnvironments("byt")).toBe(0);
    await approved("tmp");
    expect((await store.getEnvironment("byt", "tmp"))!.phase).toBe("Approved");
  });

  describe("the provisioner's work protocol", () => {
    test("claims the oldest work item and leases it; a second worker gets the next one", async () => {
      const first = await approved("first");
      const second = await approved("second");
      const a = await store.claimWork("worker-a", { leaseMs: 30_000, now: at(1000) });
      const b = await store.claimWork("worker-b", { leaseMs: 30_000, now: at(1000) });
      expect(a?.environment.id).toBe(first.id);
      expect(b?.environment.id).toBe(second.id);
      expect(a).toMatchObject({ owner: "worker-a", leaseExpiresAt: at(31_000).toISOString(), environment: { leaseOwner: "worker-a", attempts: 1 } });
      expect(await store.claimWork("worker-c", { now: at(2000) })).toBeUndefined();
    });

    test("parallel claimers never get the same item", async () => {
      for (let i = 0; i < 8; i++) await approved(`env-${i}`);
      const claims = await Promise.all(Array.from({ length: 16 }, (_, i) => store.claimWork(`w${i}`, { now: at(1000) })));
      const ids = claims.filter((c) => c !== undefined).map((c) => c.environment.id);
      expect(ids).toHaveLength(8);
      expect(new Set(ids).size).toBe(8);
    });

    test("an expired lease can be claimed again; renewing needs the lease", async () => {
      const env = await approved("x");
      await store.claimWork("worker-a", { leaseMs: 10_000, now: at(0) });
      expect(await store.renewLease(env.id, "worker-b", 10_000, at(1000))).toBe(false);
      expect(await store.renewLease(env.id, "worker-a", 10_000, at(1000))).toBe(true);
      expect(await store.claimWork("worker-b", { now: at(5000) })).toBeUndefined();
      expect((await store.claimWork("worker-b", { now: at(12_000) }))?.environment.attempts).toBe(2);
    });

    test("released work waits for its retry time (backoff)", async () => {
      const env = await approved("flaky");
      await store.claimWork("w", { now: at(0) });
      await store.releaseWork(env.id, "w", at(60_000));
      expect(await store.claimWork("w", { now: at(30_000) })).toBeUndefined();
      expect((await store.claimWork("w", { now: at(61_000) }))?.environment.id).toBe(env.id);
    });

    test("site status, conditions and transitions written back; Ready is not work", async () => {
      const env = await approved("built", ["ndc1", "ndc2"]);
      const item = (await store.claimWork("w", { now: at(0) }))!;
      const provisioning = await store.transaction([], (tx) =>
        applyTransition(tx, env.id, item.environment.version, "start-provisioning", { subject: "provisioner" }, at(1).toISOString()),
      );
      await store.transaction([], async (tx) => {
        await tx.setSiteStatus(
          env.id,
          { site: "ndc1", namespace: "byt-built", phase: "Ready", message: null, observedGeneration: provisioning!.generation },
          at(2).toISOString(),
        );
        await tx.setSiteStatus(
          env.id,
          { site: "ndc2", namespace: "byt-built", phase: "Failed", message: "site unreachable", observedGeneration: 0 },
          at(2).toISOString(),
        );
        await tx.setConditions(
          env.id,
          [{ type: "Ready", status: "False", reason: "PartiallyReady", message: "1 of 2 sites", lastTransitionTime: at(2).toISOString() }],
          at(2).toISOString(),
        );
      });
      const partial = (await store.getEnvironmentById(env.id))!;
      expect(partial.sites.map((s) => `${s.site}:${s.phase}:${s.message ?? ""}`)).toEqual(["ndc1:Ready:", "ndc2:Failed:site unreachable"]);
      expect(partial.conditions[0]).toMatchObject({ reason: "PartiallyReady" });
      expect(partial.version).toBe(provisioning!.version);

      const ready = await store.transaction([], (tx) =>
        applyTransition(tx, env.id, partial.version, "provisioned", { subject: "provisioner" }, at(3).toISOString(), {
          releaseLease: true,
          observedGeneration: partial.generation,
        }),
      );
      expect(ready).toMatchObject({ phase: "Ready", observedGeneration: partial.generation, leaseOwner: null });
      expect(await store.claimWork("w", { now: at(120_000) })).toBeUndefined();
    });

    test("Retained environments become work when their retention ends", async () => {
      const env = await approved("old");
      const retained = await store.transaction([], async (tx) => {
        const p = await applyTransition(tx, env.id, env.version, "start-provisioning", actor, at(0).toISOString());
        const r = await applyTransition(tx, env.id, p!.version, "provisioned", actor, at(0).toISOString());
        const d = await applyTransition(tx, env.id, r!.version, "decommission", actor, at(0).toISOString());
        return applyTransition(tx, env.id, d!.version, "decommissioned", actor, at(0).toISOString());
      });
      expect(retained!.retainUntil).toBe(at(30 * 86_400_000).toISOString());
      expect(await store.claimWork("w", { now: at(29 * 86_400_000) })).toBeUndefined();
      expect((await store.claimWork("w", { now: at(31 * 86_400_000) }))?.environment.phase).toBe("Retained");
      // Retained still holds its storage; Deleted releases it.
      expect(await store.commitments()).toHaveLength(1);
      await store.transaction([], (tx) =>
        applyTransition(tx, env.id, retained!.version, "retention-expired", actor, at(31 * 86_400_000).toISOString(), { releaseLease: true }),
      );
      expect(await store.commitments()).toEqual([]);
    });
  });

  test("audit records appended concurrently form one chain", async () => {
    await Promise.all(Array.from({ length: 30 }, (_, i) => store.appendAudit({ actor: `a${i}`, action: "test.append", outcome: "allowed" })));
    const verification = await store.verifyAudit();
    expect(verification).toMatchObject({ ok: true, checked: 30, headSeq: 30 });
  });
});
