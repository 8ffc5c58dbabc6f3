// Issue 10 item 13: a worker whose lease lapsed stops applying before its next write, and a write
// that lands after its lease lapsed is not taken for the control plane's own (so the watch treats
// it as drift). The store's leases on SQLite and PostgreSQL, the writes on the real API server.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { admitEnvironment, buildEnvironmentObjects } from "../../model/index.ts";
import { testPlatform, testSpec } from "../../model/testing.ts";
import { kubeCredentialsFrom, LeaseLostError, SiteConnection, syncEnvironment, WorkLease } from "../../control-plane/provisioner/index.ts";
import { adminKubeConfig, uniqueNamespacePrefix } from "./_cluster.ts";
import { approvedEnvironment } from "./_provisioning.ts";
import { BACKENDS, openTestStore } from "./control-plane/_harness.ts";

const platform = testPlatform();
const prefix = uniqueNamespacePrefix("ll").replace(/-$/, "").replace(/^ll-/, "l");
let conn: SiteConnection;

beforeAll(() => {
  conn = SiteConnection.open("ndc1", kubeCredentialsFrom(adminKubeConfig()));
});
afterAll(async () => {
  for (const backend of BACKENDS) await conn.delete({ kind: "Namespace", metadata: { name: `byt-${prefix}-${backend}` } }).catch(() => undefined);
  await conn.delete({ kind: "Namespace", metadata: { name: `byt-${prefix}-own` } }).catch(() => undefined);
  conn?.close();
});

const objectsOf = (name: string) => {
  const plan = admitEnvironment({ org: "byt", spec: testSpec({ name }) }, platform);
  return buildEnvironmentObjects({
    plan,
    site: platform.sites.get("ndc1")!.config!,
    organization: platform.organizations.get("byt")!,
    managedBy: "ndc-control-plane",
  });
};

describe.each(BACKENDS)("item 13: a worker whose lease lapsed stops applying (%s)", (backend) => {
  test("worker A's lease runs out and worker B claims the environment: A's renewal fails, and A applies nothing more", async () => {
    const { store, cleanup } = await openTestStore(backend);
    try {
      const name = `${prefix}-${backend}`;
      const env = await approvedEnvironment(store, platform, "byt", testSpec({ name }));
      const a = await store.claimWork("worker-a", { leaseMs: 300 });
      expect(a?.environment.id).toBe(env.id);
      const leaseA = new WorkLease(store, env.id, "worker-a", 300, a!.leaseExpiresAt);
      expect(leaseA.held()).toBe(true);
      await sleep(400);
      // Lapsed by time alone: no write even before anyone else claims it.
      expect(leaseA.held()).toBe(false);
      const b = await store.claimWork("worker-b", { leaseMs: 60_000 });
      expect(b?.environment.id).toBe(env.id);
      expect(await leaseA.renew()).toBe(false);
      await expect(syncEnvironment(conn, objectsOf(name), { prune: false, lease: leaseA })).rejects.toBeInstanceOf(LeaseLostError);
      expect(await conn.get({ kind: "Namespace", metadata: { name: `byt-${name}` } })).toBeUndefined();
      // B holds it and renews.
      const leaseB = new WorkLease(store, env.id, "worker-b", 60_000, b!.leaseExpiresAt);
      expect(await leaseB.renew()).toBe(true);
    } finally {
      await cleanup();
    }
  });
});

describe("item 13: a stale apply is not mistaken for the control plane's own write", () => {
  test("an apply answered after the lease lapsed is not remembered as ours; one answered while it is held is", async () => {
    const [namespace, , quota] = objectsOf(`${prefix}-own`);
    let now = 0;
    const lease = new WorkLease({ renewLease: async () => true }, "env", "worker-a", 1000, new Date(1000).toISOString(), () => now);
    const held = await conn.apply(namespace!, { stillOwner: () => lease.held() });
    expect(conn.isOwnWrite(held)).toBe(true);
    // The lease lapses while the request is on the wire: the answer is not taken for our own write.
    const pending = conn.apply(quota!, { stillOwner: () => lease.held() });
    now = 2000;
    const stale = await pending;
    expect(conn.isOwnWrite(stale)).toBe(false);
    // And nothing further is written under it.
    await expect(syncEnvironment(conn, objectsOf(`${prefix}-own`), { prune: false, lease })).rejects.toBeInstanceOf(LeaseLostError);
  });
});
