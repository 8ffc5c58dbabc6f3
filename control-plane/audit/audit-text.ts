/**
 * Text from the request (a path, a path parameter) as it may be written to the audit trail: every
 * character outside printable ASCII (space included) — NUL, CR, LF, other controls, non-ASCII — percent-encoded
 * (RFC 3986 style, over its UTF-8 bytes), and at most `max` characters. A NUL would make
 * PostgreSQL refuse the insert; CR/LF would forge lines in anything that prints records.
 */
export function auditText(value: string, max = 200): string {
  let out = "";
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    const safe = code >= 0x20 && code <= 0x7e;
    out += safe ? ch : [...Buffer.from(ch, "utf8")].map((b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`).join("");
    if (out.length >= max) return `${out.slice(0, max - 1)}…`;
  }
  return out;
}

/** A path parameter kept as-is only when it is a plain slug; anything else is not an organization we know. */
export function auditSlug(value: unknown): string | null {
  return typeof value === "string" && /^[a-z0-9][a-z0-9-]{0,63}$/.test(value) ? value : null;
}
