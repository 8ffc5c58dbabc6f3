import { describe, expect, test } from "vitest";
import { repairKeyString, WorkQueue, type RepairKey } from "../../../control-plane/provisioner/index.ts";

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("WorkQueue", () => {
  test("runs a key once however often it is added while queued", async () => {
    const runs: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q = new WorkQueue(
      async (k) => {
        runs.push(k);
        if (k === "busy") await gate;
      },
      { concurrency: 1 },
    );
    q.add("busy");
    q.add("a");
    q.add("b");
    q.add("a");
    q.add("a");
    release();
    await q.idle();
    expect(runs).toEqual(["busy", "a", "b"]);
  });

  test("runs a key again when it is added while running", async () => {
    const runs: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q = new WorkQueue(async (k) => {
      runs.push(k);
      if (runs.length === 1) await gate;
    });
    q.add("a");
    await tick();
    q.add("a");
    release();
    await q.idle();
    expect(runs).toEqual(["a", "a"]);
  });

  test("never runs more than `concurrency` tasks at once", async () => {
    let active = 0;
    let peak = 0;
    const q = new WorkQueue(
      async () => {
        active++;
        peak = Math.max(peak, active);
        await tick();
        active--;
      },
      { concurrency: 3 },
    );
    for (let i = 0; i < 20; i++) q.add(`k${i}`);
    await q.idle();
    expect(peak).toBe(3);
  });

  test("retries a failing key with growing delays, then succeeds", async () => {
    const delays: (number | undefined)[] = [];
    let calls = 0;
    const q = new WorkQueue(
      async () => {
        if (++calls < 4) throw new Error("API server down");
      },
      { baseDelayMs: 4, random: () => 1, onFailure: (_k, _e, _a, retryIn) => delays.push(retryIn) },
    );
    q.add("a");
    await q.idle();
    expect(calls).toBe(4);
    expect(delays).toEqual([4, 8, 16]);
  });

  test("gives up on an error that should not be retried", async () => {
    let calls = 0;
    const gaveUp: (number | undefined)[] = [];
    const q = new WorkQueue(
      async () => {
        calls++;
        throw new Error("terminal");
      },
      { shouldRetry: () => false, onFailure: (_k, _e, _a, retryIn) => gaveUp.push(retryIn) },
    );
    q.add("a");
    await q.idle();
    expect(calls).toBe(1);
    expect(gaveUp).toEqual([undefined]);
  });

  test("treats keys with the same key string as one key, and hands the handler the key itself", async () => {
    const runs: { site: string; n: number }[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q = new WorkQueue<{ site: string; n: number }>(
      async (k) => {
        runs.push(k);
        if (k.site === "busy") await gate;
      },
      { concurrency: 1, keyString: (k) => `${k.site}/${k.n}` },
    );
    q.add({ site: "busy", n: 0 });
    q.add({ site: "hcm-1", n: 1 });
    q.add({ site: "hcm-1", n: 1 });
    q.add({ site: "hcm-1", n: 2 });
    release();
    await q.idle();
    expect(runs).toEqual([
      { site: "busy", n: 0 },
      { site: "hcm-1", n: 1 },
      { site: "hcm-1", n: 2 },
    ]);
  });
});

describe("repairKeyString", () => {
  const env = { org: "acme", name: "web" };
  test("an object repair and a resync of the same environment are different repairs", () => {
    const object: RepairKey = { kind: "object", site: "hcm-1", env, object: { kind: "ResourceQuota", name: "ndc-quota" } };
    const resync: RepairKey = { kind: "resync", site: "hcm-1", env };
    expect(repairKeyString(object)).toBe('["object","hcm-1","acme","web","ResourceQuota","ndc-quota"]');
    expect(repairKeyString(resync)).toBe('["resync","hcm-1","acme","web"]');
  });

  test("names with separators in them do not run together", () => {
    const a: RepairKey = { kind: "resync", site: "hcm-1", env: { org: "a|b", name: "c" } };
    const b: RepairKey = { kind: "resync", site: "hcm-1", env: { org: "a", name: "b|c" } };
    expect(repairKeyString(a)).not.toBe(repairKeyString(b));
  });
});
