import { FormatRegistry } from "@sinclair/typebox";

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))$/;

/**
 * RFC 3339 `date-time` (section 5.6): a full date, a time and an offset (`Z` or `±hh:mm`), every
 * part in range. Leap seconds (`:60`) are refused: the audit trail's clock never writes them.
 */
export function isRfc3339DateTime(value: string): boolean {
  const m = RFC3339.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return false;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day >= 1 && day <= daysInMonth;
}

/** The instant an RFC 3339 date-time names, as the store writes times (UTC, milliseconds, `Z`). */
export function toStoredInstant(value: string): string {
  return new Date(value.toUpperCase()).toISOString();
}

// TypeBox checks `format` only for formats registered here; an unregistered one fails every value.
FormatRegistry.Set("date-time", isRfc3339DateTime);
