/**
 * A regular expression (no anchors) for the whole numbers 1..max, without leading zeros: the
 * OpenAPI document can then say exactly which durations are accepted instead of refusing some later.
 */
export function upToPattern(max: number): string {
  if (!Number.isInteger(max) || max < 1) throw new Error(`upToPattern needs a whole number >= 1, got ${max}`);
  const digits = String(max);
  const n = digits.length;
  const parts: string[] = [];
  // Every number with fewer digits.
  if (n > 1) parts.push(n === 2 ? "[1-9]" : `[1-9][0-9]{0,${n - 2}}`);
  // Numbers with as many digits: equal to max up to position i, smaller at i, anything after.
  for (let i = 0; i < n; i++) {
    const low = i === 0 ? 1 : 0;
    const high = Number(digits[i]) - 1;
    if (high < low) continue;
    const rest = n - i - 1;
    parts.push(`${digits.slice(0, i)}${low === high ? String(low) : `[${low}-${high}]`}${rest === 0 ? "" : rest === 1 ? "[0-9]" : `[0-9]{${rest}}`}`);
  }
  parts.push(digits);
  return `(?:${parts.join("|")})`;
}

/** `30d`, `12h`, `90m` or `3600s`, each at most `maxSeconds` long. */
export function durationPattern(maxSeconds: number): string {
  const units = [
    ["s", 1],
    ["m", 60],
    ["h", 3_600],
    ["d", 86_400],
  ] as const;
  const forms = units.filter(([, size]) => maxSeconds >= size).map(([unit, size]) => `${upToPattern(Math.floor(maxSeconds / size))}${unit}`);
  return `^(?:${forms.join("|")})$`;
}
