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

/** Problems kept in a verification's answer; the rest are only counted (memory stays bounded). */
export const MAX_PROBLEMS = 100;

/**
 * Checks records one at a time, in `seq` order, keeping only the previous record's seq and hash
 * and the first `MAX_PROBLEMS` problems: verifying a chain of any length takes constant memory.
 * Names the first record that does not fit: its content does not match its hash (edited), a
 * sequence number is missing (deleted), it does not link to the record before it (reordered).
 */
export class ChainVerifier {
  private readonly problems: AuditVerification["problems"][number][] = [];
  private problemCount = 0;
  private checked = 0;
  private prevSeq = 0;
  private prevHash = GENESIS_HASH;
  private readonly anchorAt: { seq: number; hash: string } | undefined;
  private anchorSeen: string | undefined;

  /** `anchor`: a checkpoint kept outside the database; the record at its seq must still have its hash. */
  constructor(anchor?: { seq: number; hash: string }) {
    this.anchorAt = anchor;
  }

  add(r: AuditRecord): void {
    this.checked++;
    const where = `record ${r.seq} (${r.id}, ${r.action} by ${r.actor})`;
    if (recordHash(r) !== r.hash) {
      this.report({ seq: r.seq, id: r.id, problem: "edited", message: `${where} was changed after it was written: its content does not match its hash` });
    } else if (r.seq !== this.prevSeq + 1 && r.prevHash !== this.prevHash) {
      this.report({
        seq: r.seq,
        id: r.id,
        problem: "deleted",
        message: `${this.prevSeq + 1 === r.seq - 1 ? `record ${this.prevSeq + 1} is` : `records ${this.prevSeq + 1} to ${r.seq - 1} are`} missing before ${where}`,
      });
    } else if (r.prevHash !== this.prevHash) {
      this.report({
        seq: r.seq,
        id: r.id,
        problem: "reordered",
        message: `${where} does not follow record ${this.prevSeq}: its prevHash links to another record`,
      });
    }
    if (this.anchorAt && r.seq === this.anchorAt.seq) this.anchorSeen = r.hash;
    this.prevSeq = r.seq;
    this.prevHash = r.hash;
  }

  /** The result, given the head the database records (absent when its row is gone). */
  finish(head: { seq: number; hash: string } | undefined): AuditVerification {
    if (head && (head.seq !== this.prevSeq || head.hash !== this.prevHash)) {
      this.report({
        seq: head.seq,
        id: null,
        problem: "truncated",
        message: `the chain ends at record ${this.prevSeq} but the head says ${head.seq}: records at the end were deleted`,
      });
    } else if (!head && this.checked > 0) {
      this.report({ seq: this.prevSeq, id: null, problem: "truncated", message: "the chain head is missing" });
    }
    const anchor = this.anchorAt;
    if (anchor && this.anchorSeen === undefined) {
      this.report({
        seq: anchor.seq,
        id: null,
        problem: "truncated",
        message: `the signed checkpoint outside the database names record ${anchor.seq}, but the chain ends at ${this.prevSeq}: records were deleted (and the head rewritten)`,
      });
    } else if (anchor && this.anchorSeen !== anchor.hash) {
      this.report({
        seq: anchor.seq,
        id: null,
        problem: "rewritten",
        message: `record ${anchor.seq} does not have the hash the signed checkpoint recorded: the chain was rewritten up to it`,
      });
    }
    return {
      ok: this.problemCount === 0,
      checked: this.checked,
      headSeq: head?.seq ?? null,
      problems: [...this.problems],
      ...(this.problemCount > this.problems.length ? { problemsOmitted: this.problemCount - this.problems.length } : {}),
    };
  }

  private report(problem: AuditVerification["problems"][number]): void {
    this.problemCount++;
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(problem);
  }
}

/** Verifies records already in memory (tests, small chains); the store verifies page by page. */
export function verifyChain(
  records: Iterable<AuditRecord>,
  head: { seq: number; hash: string } | undefined,
  anchor?: { seq: number; hash: string },
): AuditVerification {
  const verifier = new ChainVerifier(anchor);
  for (const r of records) verifier.add(r);
  return verifier.finish(head);
}
