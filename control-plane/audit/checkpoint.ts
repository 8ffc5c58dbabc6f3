import { createHash, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { canonicalJson } from "./hash-chain.ts";

/**
 * The audit chain's head, signed and kept outside the database (a file the database user cannot
 * write, e.g. on another volume or an object store mounted read-only for it). Someone who can edit
 * the database can delete the last records and rewrite `audit_head`; they cannot sign a checkpoint.
 */
export interface AuditCheckpoint {
  readonly seq: number;
  readonly hash: string;
  /** When it was signed (ISO 8601). */
  readonly at: string;
  /** sha256 of the signing key's public half (SPKI DER), first 16 hex digits. */
  readonly keyId: string;
  /** Ed25519 over the canonical JSON of the other fields, base64. */
  readonly signature: string;
}

/** What the store can tell the anchor about its chain. */
export interface ChainHeadReader {
  auditHead(): Promise<{ seq: number; hash: string } | undefined>;
  /** The hash of record `seq`, or undefined when there is none. */
  auditHashAt(seq: number): Promise<string | undefined>;
}

export function keyIdOf(key: KeyObject): string {
  const spki = (key.type === "private" ? createPublicKey(key) : key).export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("hex").slice(0, 16);
}

const signedPart = (c: Omit<AuditCheckpoint, "signature">): Buffer =>
  Buffer.from(canonicalJson({ seq: c.seq, hash: c.hash, at: c.at, keyId: c.keyId }), "utf8");

/** Signs a head with an Ed25519 private key. */
export function signCheckpoint(head: { seq: number; hash: string }, at: string, privateKey: KeyObject): AuditCheckpoint {
  const body = { seq: head.seq, hash: head.hash, at, keyId: keyIdOf(privateKey) };
  return { ...body, signature: sign(null, signedPart(body), privateKey).toString("base64") };
}

/** Whether a checkpoint was signed by this key (pass the private key: its public half is used). */
export function checkpointSignatureValid(c: AuditCheckpoint, key: KeyObject): boolean {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  try {
    return (
      c.keyId === keyIdOf(pub) && Number.isInteger(c.seq) && typeof c.hash === "string" && verify(null, signedPart(c), pub, Buffer.from(c.signature, "base64"))
    );
  } catch {
    return false;
  }
}

/** Reads the checkpoint file: undefined when there is none yet, "unreadable" when it is not a checkpoint. */
export function readCheckpoint(file: string): AuditCheckpoint | "unreadable" | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const c = JSON.parse(readFileSync(file, "utf8")) as AuditCheckpoint;
    return typeof c === "object" && c !== null && typeof c.signature === "string" ? c : "unreadable";
  } catch {
    return "unreadable";
  }
}

/** What one anchoring pass did. */
export type AnchorOutcome = { readonly written: AuditCheckpoint } | { readonly unchanged: true } | { readonly refused: string };

/**
 * Signs the database's current head into `file`, but only when the chain still extends the last
 * checkpoint (its record has the anchored hash): a truncated or rewritten chain is never anchored,
 * so the evidence of tampering stays. Written atomically (temporary file, then rename).
 */
export async function anchorAuditHead(chain: ChainHeadReader, file: string, privateKey: KeyObject, now: Date): Promise<AnchorOutcome> {
  const previous = readCheckpoint(file);
  if (previous === "unreadable") return { refused: `${file} is not a signed checkpoint; move it aside after investigating` };
  if (previous && !checkpointSignatureValid(previous, privateKey))
    return { refused: `${file} is not signed by this service's key; move it aside after investigating` };
  const head = await chain.auditHead();
  if (!head)
    return previous ? { refused: `the database has no chain head, but record ${previous.seq} was anchored: the trail was truncated` } : { unchanged: true };
  if (previous) {
    if (head.seq < previous.seq) return { refused: `the chain ends at ${head.seq}, before the anchored record ${previous.seq}: the trail was truncated` };
    if ((await chain.auditHashAt(previous.seq)) !== previous.hash)
      return { refused: `record ${previous.seq} no longer has the anchored hash: the chain was rewritten` };
    if (head.seq === previous.seq) return { unchanged: true };
  }
  const checkpoint = signCheckpoint(head, now.toISOString(), privateKey);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(checkpoint)}\n`, { mode: 0o644 });
  renameSync(tmp, file);
  return { written: checkpoint };
}
