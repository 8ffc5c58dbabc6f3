import { createHash } from "node:crypto";
import type { AuditRecord, AuditVerification } from "./audit-record.ts";

/** The `prevHash` of the first record. */
export const GENESIS_HASH = "0".repeat(64);

/**
 * JSON with object keys sorted at every level and no whitespace, so the same record always hashes
 * the same (in the spirit of RFC 8785; our values are strings, integers, booleans and null).
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined || value === null) return "null";
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * sha256(prevHash + canonical JSON of the record without seq and hashes), hex. The position is in
 * the links, not the content, so a moved record is reported as reordered rather than edited.
 */
export function recordHash(record: Omit<AuditRecord, "hash"> & { hash?: string }): string {
  const { prevHash, seq: _seq, hash: _hash, ...content } = record;
  return createHash("sha256").update(prevHash).update(canonicalJson(content)).digest("hex");
}

/**
 * Walks records in `seq` order and names the first record that does not fit: its content does not
 * match its hash (edited), a sequence number is missing (deleted), it does not link to the record
 * before it (reordered), or the chain ends before the recorded head (truncated).
 */
export function verifyChain(records: Iterable<AuditRecord>, head: { seq: number; hash: string } | undefined): AuditVerification {
  const problems: AuditVerification["problems"] = [];
  let checked = 0;
  let prevSeq = 0;
  let prevHash = GENESIS_HASH;
  for (const r of records) {
    checked++;
    const where = `record ${r.seq} (${r.id}, ${r.action} by ${r.actor})`;
    if (recordHash(r) !== r.hash) {
      problems.push({ seq: r.seq, id: r.id, problem: "edited", message: `${where} was changed after it was written: its content does not match its hash` });
    } else if (r.seq !== prevSeq + 1 && r.prevHash !== prevHash) {
      problems.push({ seq: r.seq, id: r.id, problem: "deleted", message: `${prevSeq + 1 === r.seq - 1 ? `record ${prevSeq + 1} is` : `records ${prevSeq + 1} to ${r.seq - 1} are`} missing before ${where}` });
    } else if (r.prevHash !== prevHash) {
      problems.push({ seq: r.seq, id: r.id, problem: "reordered", message: `${where} does not follow record ${prevSeq}: its prevHash links to another record` });
    }
    prevSeq = r.seq;
    prevHash = r.hash;
  }
  if (head && (head.seq !== prevSeq || head.hash !== prevHash)) {
    problems.push({ seq: head.seq, id: null, problem: "truncated", message: `the chain ends at record ${prevSeq} but the head says ${head.seq}: records at the end were deleted` });
  } else if (!head && checked > 0) {
    problems.push({ seq: prevSeq, id: null, problem: "truncated", message: "the chain head is missing" });
  }
  return { ok: problems.length === 0, checked, headSeq: head?.seq ?? null, problems };
}
