import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** Prefix that makes our tokens recognizable (secret scanners, logs). */
export const TOKEN_PREFIX = "ndc_";

/** A new random API token (32 bytes) and the hash that is stored; the token itself is shown once. */
export function generateToken(): { token: string; hash: string } {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  return { token, hash: hashToken(token) };
}

/** sha256 of the token, hex: the only form kept in the store. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Constant-time comparison of two tokens (by their hashes, so lengths never leak). */
export function sameToken(a: string, b: string): boolean {
  return timingSafeEqual(Buffer.from(hashToken(a), "hex"), Buffer.from(hashToken(b), "hex"));
}

/**
 * The subject the bootstrap token acts as: `bootstrap:` and a short hash of the secret, so a new
 * secret (break-glass rotation) is a new subject that may mint one admin again, and the audit
 * trail says which secret was used. 48 bits of a sha256 reveal nothing of a 32-byte secret.
 */
export function bootstrapSubject(bootstrapToken: string): string {
  return `bootstrap:${hashToken(bootstrapToken).slice(0, 12)}`;
}

/** `30d`, `12h`, `15m`, `3600s`, or seconds as a number -> milliseconds; undefined when malformed. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isInteger(value) && value > 0 ? value * 1000 : undefined;
  const m = /^([1-9][0-9]{0,6})([smhd])$/.exec(value);
  if (!m) return undefined;
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "s" | "m" | "h" | "d"];
  return Number(m[1]) * unit;
}
