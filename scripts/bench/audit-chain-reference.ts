// A second implementation of the audit chain, written by hand from its design and sharing no code
// with control-plane/audit: each record's hash is sha256 (hex) over the previous record's hash, then
// the record's JSON without seq, prevHash and hash, keys sorted, no whitespace. It is the oracle of
// the audit-verify test (test/integration/control-plane/audit-verify-scale.test.ts) and benchmark
// (scripts/bench/audit-verify.ts): it writes a long chain straight into a migrated SQLite store, fast
// (one prepared statement, 10,000 rows per transaction), and what a correct verification must say
// follows from it.
import { createHash } from "node:crypto";
import { DatabaseSync } from "node:sqlite";

/** Record `seq` as the reference writes it: every field fixed by `seq`. */
export interface ReferenceRecord {
  readonly seq: number;
  readonly id: string;
  readonly at: string;
  readonly actor: string;
  readonly org: string;
  readonly target: string;
  readonly purpose: string;
}

const ORGS = ["byt", "bct", "hanoi"] as const;
const START = Date.UTC(2026, 0, 1);

export function referenceRecord(seq: number): ReferenceRecord {
  const org = ORGS[seq % ORGS.length]!;
  return {
    seq,
    id: `00000000-0000-4000-8000-${seq.toString(16).padStart(12, "0")}`,
    at: new Date(START + seq * 1000).toISOString(),
    actor: `operator-${seq % 7}`,
    org,
    target: `environment ${org}/env-${seq % 1000}`,
    // Vietnamese in the hashed text: the hash is over UTF-8.
    purpose: `Hồ sơ bệnh án điện tử ${seq}`,
  };
}

/**
 * The record's content as hashed, written out key by key in sorted order: action, actor, actorRole,
 * after, at, before, detail (page, purpose), id, org, outcome, requestId, status, target.
 */
export function referenceContent(r: ReferenceRecord): string {
  const s = (v: string) => JSON.stringify(v);
  return (
    `{"action":"environment.approve","actor":${s(r.actor)},"actorRole":"operator","after":null,"at":${s(r.at)},"before":null,` +
    `"detail":{"page":${Math.ceil(r.seq / 1000)},"purpose":${s(r.purpose)}},"id":${s(r.id)},"org":${s(r.org)},"outcome":"allowed",` +
    `"requestId":null,"status":200,"target":${s(r.target)}}`
  );
}

/** sha256 hex of the previous hash followed by the content. */
export function referenceHash(prevHash: string, content: string): string {
  return createHash("sha256")
    .update(prevHash + content, "utf8")
    .digest("hex");
}

/** The first record's prevHash. */
export const REFERENCE_GENESIS = "0".repeat(64);

/**
 * Appends `count` records to the chain in the SQLite file at `path` (a store already migrated),
 * after its current head (or from the genesis when it has none), and moves the head. Returns the new
 * head. Runs on its own connection, as a bulk import would.
 */
export function writeReferenceChain(path: string, count: number): { seq: number; hash: string } {
  const db = new DatabaseSync(path);
  try {
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA busy_timeout = 10000;");
    const head = db.prepare("SELECT seq, hash FROM audit_head WHERE id = 1").get() as { seq: number; hash: string } | undefined;
    let seq = Number(head?.seq ?? 0);
    let prevHash = head ? String(head.hash) : REFERENCE_GENESIS;
    const insert = db.prepare(
      `INSERT INTO audit_records (seq, id, at, actor, actor_role, action, outcome, status, org, target, request_id, before_state, after_state, detail, prev_hash, hash)
       VALUES (?, ?, ?, ?, 'operator', 'environment.approve', 'allowed', 200, ?, ?, NULL, 'null', 'null', ?, ?, ?)`,
    );
    const last = seq + count;
    while (seq < last) {
      db.exec("BEGIN");
      for (const end = Math.min(last, seq + 10_000); seq < end;) {
        seq++;
        const r = referenceRecord(seq);
        const hash = referenceHash(prevHash, referenceContent(r));
        insert.run(seq, r.id, r.at, r.actor, r.org, r.target, JSON.stringify({ page: Math.ceil(seq / 1000), purpose: r.purpose }), prevHash, hash);
        prevHash = hash;
      }
      db.exec("COMMIT");
    }
    db.prepare("INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash").run(
      seq,
      prevHash,
    );
    return { seq, hash: prevHash };
  } finally {
    db.close();
  }
}
