/**
 * Calendar days and months as the data center counts them: in Vietnam time, UTC+7 all year (no
 * daylight saving). A month of usage, a price list's first day and a phase's online date all start
 * at 00:00 in Hà Nội, not at 00:00 UTC.
 */
export const VIETNAM_UTC_OFFSET_MS = 7 * 3_600_000;

const MONTH = /^([0-9]{4})-(0[1-9]|1[0-2])$/;
const DAY = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;

/** The instant a Vietnam calendar day starts; undefined unless `text` is a real date YYYY-MM-DD. */
export function vietnamDayStart(text: string): Date | undefined {
  const m = DAY.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const utc = Date.UTC(year, month - 1, day);
  const check = new Date(utc);
  // 2026-02-30 rolls over to March: not a real date.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  return new Date(utc - VIETNAM_UTC_OFFSET_MS);
}

/** Whether `text` is a month written YYYY-MM. */
export function isMonth(text: string): boolean {
  return MONTH.test(text);
}

/**
 * The first instant of a Vietnam month and of the next one.
 * @throws Error when `month` is not YYYY-MM (validate with `isMonth` first)
 */
export function vietnamMonthBounds(month: string): { readonly start: Date; readonly end: Date } {
  const m = MONTH.exec(month);
  if (!m) throw new Error(`month must be written YYYY-MM, got ${JSON.stringify(month)}`);
  const year = Number(m[1]);
  const index = Number(m[2]) - 1;
  return {
    start: new Date(utcMonthStart(year, index) - VIETNAM_UTC_OFFSET_MS),
    end: new Date(utcMonthStart(year, index + 1) - VIETNAM_UTC_OFFSET_MS),
  };
}

/**
 * 00:00 UTC on the first of a month (`index` may run past December). Not `Date.UTC`, which reads the
 * years 0–99 as 1900–1999: the month 0026-11 would be November 1926.
 */
function utcMonthStart(year: number, index: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, index, 1);
  return d.getTime();
}

/** A year as YYYY-MM writes it: four digits. */
const yearText = (year: number) => String(year).padStart(4, "0");

/** The Vietnam month (YYYY-MM) an instant falls in. */
export function vietnamMonthOf(instant: Date): string {
  const local = new Date(instant.getTime() + VIETNAM_UTC_OFFSET_MS);
  return `${yearText(local.getUTCFullYear())}-${String(local.getUTCMonth() + 1).padStart(2, "0")}`;
}

/** The month `n` months after `month` (n may be negative). */
export function addMonths(month: string, n: number): string {
  const { start } = vietnamMonthBounds(month);
  const local = new Date(start.getTime() + VIETNAM_UTC_OFFSET_MS);
  const shifted = new Date(utcMonthStart(local.getUTCFullYear(), local.getUTCMonth() + n));
  return `${yearText(shifted.getUTCFullYear())}-${String(shifted.getUTCMonth() + 1).padStart(2, "0")}`;
}
