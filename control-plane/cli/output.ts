// Output in the three formats every command offers: a table for people (Vietnamese text aligned by
// what the terminal shows, not by UTF-16 units), JSON exactly as the API returned it, and YAML.
import stringWidth from "string-width";
import { stringify as toYaml } from "yaml";
import { UsageError } from "./exit-codes.ts";

export const OUTPUT_FORMATS = ["table", "json", "yaml"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Checks --output. */
export function parseOutputFormat(raw: string): OutputFormat {
  if ((OUTPUT_FORMATS as readonly string[]).includes(raw)) return raw as OutputFormat;
  throw new UsageError(`--output must be one of ${OUTPUT_FORMATS.join(", ")}, got ${JSON.stringify(raw)}`);
}

/**
 * Columns a string takes in a terminal (string-width: combining marks take none, East Asian wide
 * characters and emoji two). Vietnamese diacritics are one column whether precomposed ("ệ") or
 * decomposed (e + two combining marks); text is NFC-normalised first so both print alike.
 */
export function displayWidth(text: string): number {
  return stringWidth(text.normalize("NFC"));
}

/**
 * Control characters (C0 but line feed and tab, DEL, C1) and bidirectional overrides and isolates:
 * in text a requester wrote (a purpose) they would move the cursor, erase or rewrite lines, set the
 * clipboard, or reorder what an operator reads before approving.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this finds
const UNSAFE_FOR_TERMINAL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Text as a terminal shows it without obeying it: each unsafe character written as `\u{…}`. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE_FOR_TERMINAL, (ch) => `\\u{${ch.codePointAt(0)!.toString(16)}}`);
}

/** One line of a table cell or field: whitespace runs (line breaks too) become one space, unsafe characters visible. */
function oneLine(text: string): string {
  return terminalSafe(text.normalize("NFC").replace(/\s+/g, " "));
}

/** Pads to `width` terminal columns. */
export function padEndDisplay(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - displayWidth(text)));
}

/** Cuts to at most `max` columns, ending with "…" when cut. */
export function truncateDisplay(text: string, max: number): string {
  if (displayWidth(text) <= max) return text;
  let out = "";
  for (const ch of text.normalize("NFC")) {
    if (displayWidth(out + ch) > max - 1) break;
    out += ch;
  }
  return `${out.trimEnd()}…`;
}

/** One column: its header and how to get the cell from a row. */
export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => string | number | null | undefined;
  /** Longest cell in columns; longer text is cut with "…". @default 60 */
  readonly max?: number;
}

/** A plain-text table: upper-case headers, columns two spaces apart, aligned by display width. */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((r) => columns.map((c) => truncateDisplay(oneLine(String(c.value(r) ?? "-")), c.max ?? 60)));
  const headers = columns.map((c) => c.header.toUpperCase());
  const widths = headers.map((h, i) => Math.max(displayWidth(h), ...cells.map((row) => displayWidth(row[i]!))));
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : padEndDisplay(cell, widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...cells.map(line)].join("\n");
}

/** Key: value lines for one object (a `get`), aligned by display width. */
export function renderFields(fields: readonly (readonly [string, string | number | null | undefined])[]): string {
  const width = Math.max(...fields.map(([k]) => displayWidth(k)));
  return fields.map(([k, v]) => `${padEndDisplay(`${k}:`, width + 1)} ${oneLine(String(v ?? "-"))}`).join("\n");
}

/** Prints `data` as JSON or YAML, or the table/text that `human` renders. */
export function emit(format: OutputFormat, data: unknown, human: () => string): void {
  if (format === "json") process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  else if (format === "yaml") process.stdout.write(toYaml(data, { lineWidth: 0 }));
  else {
    const text = terminalSafe(human());
    if (text !== "") process.stdout.write(`${text}\n`);
  }
}

/** "5m", "3h", "2d" since an ISO time. */
export function age(iso: string, now = Date.now()): string {
  const minutes = Math.max(0, Math.round((now - Date.parse(iso)) / 60_000));
  return minutes < 120 ? `${minutes}m` : minutes < 2880 ? `${Math.round(minutes / 60)}h` : `${Math.round(minutes / 1440)}d`;
}
