// The reference chain writer is the oracle of the audit-verify scale test and benchmark: its first
// record is pinned to text and a hash worked out outside Node (`printf '%s' "<64 zeros><content>" |
// sha256sum`), and the service's own hash agrees with it on the same record.
import { describe, expect, test } from "vitest";
import { recordHash } from "../../../control-plane/audit/index.ts";
import { referenceContent, referenceHash, referenceRecord, REFERENCE_GENESIS } from "../../../scripts/bench/audit-chain-reference.ts";

const CONTENT_1 =
  '{"action":"environment.approve","actor":"operator-1","actorRole":"operator","after":null,"at":"2026-01-01T00:00:01.000Z","before":null,' +
  '"detail":{"page":1,"purpose":"Hồ sơ bệnh án điện tử 1"},"id":"00000000-0000-4000-8000-000000000001","org":"bct","outcome":"allowed",' +
  '"requestId":null,"status":200,"target":"environment bct/env-1"}';
const HASH_1 = "0e73c53569253deb98c4d0988a2c38619a2cfd19ad8a3e3225d66a7f86a54f9d";

describe("the reference audit chain", () => {
  test("record 1 is the text written here, and hashes as sha256sum does (a wrong key order or encoding turns it red)", () => {
    expect(referenceContent(referenceRecord(1))).toBe(CONTENT_1);
    expect(referenceHash(REFERENCE_GENESIS, CONTENT_1)).toBe(HASH_1);
  });

  test("the service's recordHash gives the same hash for the same record (the two implementations agree)", () => {
    const r = referenceRecord(1);
    const record = {
      seq: 1,
      id: r.id,
      at: r.at,
      actor: r.actor,
      actorRole: "operator",
      action: "environment.approve",
      outcome: "allowed" as const,
      status: 200,
      org: r.org,
      target: r.target,
      requestId: null,
      before: null,
      after: null,
      detail: { purpose: r.purpose, page: 1 },
      prevHash: REFERENCE_GENESIS,
    };
    expect(recordHash(record)).toBe(HASH_1);
  });
});
