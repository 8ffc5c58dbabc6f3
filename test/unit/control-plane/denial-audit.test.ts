// The coalescing of one subject's denials: what gets its own audit record, and what the summaries
// say. Expected counts are written from the limits (10 per route and organization, 60 per subject).
import { describe, expect, test } from "vitest";
import { DenialCoalescer, type Denial } from "../../../control-plane/api/denial-audit.ts";

const T0 = Date.parse("2026-12-02T03:00:00.000Z");
const denial = (overrides: Partial<Denial> = {}): Denial => ({
  subject: "alice",
  role: "requester",
  org: null,
  action: "GET /v1/tokens",
  status: 403,
  reason: "role-required",
  actorOrg: "byt",
  ...overrides,
});

describe("DenialCoalescer", () => {
  test("fails when an eleventh denial of one route in a minute is recorded (bug: no per-action limit)", () => {
    const c = new DenialCoalescer();
    const records = Array.from({ length: 11 }, (_, i) => c.admit(denial(), T0 + i).record);
    expect(records).toEqual([...Array<boolean>(10).fill(true), false]);
  });

  test("fails when one subject writes more than 60 records a minute over many routes (bug: rotating routes escaped the limit)", () => {
    const c = new DenialCoalescer();
    let recorded = 0;
    for (let route = 0; route < 10; route++) for (let i = 0; i < 10; i++) if (c.admit(denial({ action: `GET /r${route}` }), T0 + route).record) recorded++;
    expect(recorded).toBe(60);
    const summaries = c.drain(T0 + 60_000);
    // Routes 0–5 were recorded in full (6 × 10 = 60); routes 6–9 were counted, 10 each.
    expect(summaries.map((s) => [s.action, s.count])).toEqual([
      ["GET /r6", 10],
      ["GET /r7", 10],
      ["GET /r8", 10],
      ["GET /r9", 10],
    ]);
  });

  test("another subject, or another organization, has limits of its own", () => {
    const c = new DenialCoalescer({ perAction: 1 });
    expect(c.admit(denial(), T0).record).toBe(true);
    expect(c.admit(denial(), T0).record).toBe(false);
    expect(c.admit(denial({ subject: "bob" }), T0).record).toBe(true);
    expect(c.admit(denial({ org: "bct" }), T0).record).toBe(true);
  });

  test("a window that ended is summarized at the subject's next denial, which starts a new window and is recorded", () => {
    const c = new DenialCoalescer({ perAction: 2 });
    for (let i = 0; i < 5; i++) c.admit(denial({ status: i === 4 ? 404 : 403, reason: i === 4 ? "organization-visible" : "role-required" }), T0 + i * 1000);
    const next = c.admit(denial(), T0 + 60_000);
    expect(next.record).toBe(true);
    expect(next.summaries).toEqual([
      {
        subject: "alice",
        role: "requester",
        org: null,
        actorOrg: "byt",
        action: "GET /v1/tokens",
        count: 3,
        from: "2026-12-02T03:00:00.000Z",
        until: "2026-12-02T03:01:00.000Z",
        statuses: { "403": 2, "404": 1 },
        reasons: { "role-required": 2, "organization-visible": 1 },
        first: "2026-12-02T03:00:02.000Z",
        last: "2026-12-02T03:00:04.000Z",
      },
    ]);
  });

  test("at shutdown every open window is summarized; a summary that could not be written comes back at the next drain", () => {
    const c = new DenialCoalescer({ perAction: 1 });
    c.admit(denial(), T0);
    c.admit(denial(), T0 + 1);
    expect(c.drain(T0 + 2)).toEqual([]);
    const all = c.drain(T0 + 2, true);
    expect(all.map((s) => s.count)).toEqual([1]);
    c.restore(all, T0 + 3);
    expect(c.drain(T0 + 3).map((s) => [s.subject, s.count])).toEqual([["alice", 1]]);
    expect(c.drain(T0 + 3, true)).toEqual([]);
  });
});
