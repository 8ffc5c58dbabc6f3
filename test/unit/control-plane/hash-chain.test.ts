import { describe, expect, test } from "vitest";
import { canonicalJson, GENESIS_HASH, recordHash, verifyChain, type AuditRecord } from "../../../control-plane/audit/index.ts";

function chain(n: number): AuditRecord[] {
  const records: AuditRecord[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const body = {
      seq,
      id: `id-${seq}`,
      at: `2026-11-27T08:00:0${seq}.000Z`,
      actor: "alice",
      actorRole: "requester",
      action: "environment.submit",
      outcome: "allowed" as const,
      status: null,
      org: "byt",
      target: `environment byt/e${seq}`,
      requestId: null,
      before: null,
      after: { phase: "Submitted", n: seq },
      detail: null,
      prevHash,
    };
    const record = { ...body, hash: recordHash(body) };
    records.push(record);
    prevHash = record.hash;
  }
  return records;
}
const headOf = (records: AuditRecord[]) => ({ seq: records.at(-1)!.seq, hash: records.at(-1)!.hash });

describe("canonicalJson", () => {
  test("sorts keys at every level and drops undefined", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: null }], c: "x" }, u: undefined })).toBe('{"a":{"c":"x","d":[2,{"y":null,"z":1}]},"b":1}');
  });
  test("is independent of key order", () => {
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });
});

describe("verifyChain", () => {
  test("an intact chain verifies", () => {
    const records = chain(5);
    expect(verifyChain(records, headOf(records))).toEqual({ ok: true, checked: 5, headSeq: 5, problems: [] });
  });

  test("an empty chain without head verifies", () => {
    expect(verifyChain([], undefined)).toMatchObject({ ok: true, checked: 0 });
  });

  test("fails when a record was edited, naming it", () => {
    const records = chain(5);
    const head = headOf(records);
    records[2] = { ...records[2]!, actor: "mallory" };
    expect(verifyChain(records, head).problems).toEqual([
      {
        seq: 3,
        id: "id-3",
        problem: "edited",
        message: "record 3 (id-3, environment.submit by mallory) was changed after it was written: its content does not match its hash",
      },
    ]);
  });

  test("fails when a record was deleted, naming the gap", () => {
    const records = chain(5);
    const head = headOf(records);
    records.splice(1, 1);
    expect(verifyChain(records, head).problems).toEqual([
      { seq: 3, id: "id-3", problem: "deleted", message: "record 2 is missing before record 3 (id-3, environment.submit by alice)" },
    ]);
  });

  test("fails when records were reordered", () => {
    const records = chain(4);
    const head = headOf(records);
    const [r2, r3] = [records[1]!, records[2]!];
    records[1] = { ...r3, seq: 2 };
    records[2] = { ...r2, seq: 3 };
    expect(verifyChain(records, head).problems[0]).toMatchObject({ seq: 2, id: "id-3", problem: "reordered" });
  });

  test("fails when the end was cut off", () => {
    const records = chain(5);
    const head = headOf(records);
    expect(verifyChain(records.slice(0, 3), head).problems).toEqual([
      { seq: 5, id: null, problem: "truncated", message: "the chain ends at record 3 but the head says 5: records at the end were deleted" },
    ]);
  });

  test("the hash covers before/after content", () => {
    const [record] = chain(1);
    expect(recordHash({ ...record!, after: { phase: "Approved", n: 1 } })).not.toBe(record!.hash);
  });
});
