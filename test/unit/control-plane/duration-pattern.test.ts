import { describe, expect, test } from "vitest";
import { durationPattern, upToPattern } from "../../../control-plane/auth/index.ts";
import { characterCount } from "../../../model/index.ts";

describe("upToPattern", () => {
  test.each([
    [365, ["1", "9", "10", "99", "100", "299", "300", "359", "360", "365"], ["0", "366", "370", "400", "999", "1000", "01"]],
    [9, ["1", "9"], ["0", "10"]],
    [10, ["1", "9", "10"], ["0", "11", "20"]],
    [31536000, ["1", "31535999", "31536000", "9999999"], ["31536001", "40000000", "99999999"]],
  ])("1..%i and nothing else", (max, inside, outside) => {
    const re = new RegExp(`^${upToPattern(max)}$`);
    for (const n of inside) expect(re.test(n), n).toBe(true);
    for (const n of outside) expect(re.test(n), n).toBe(false);
  });
});

describe("durationPattern", () => {
  test("a day in every unit, and not a second more", () => {
    const re = new RegExp(durationPattern(86_400));
    for (const ok of ["86400s", "1440m", "24h", "1d"]) expect(re.test(ok), ok).toBe(true);
    for (const bad of ["86401s", "1441m", "25h", "2d", "1w", "d", "0d"]) expect(re.test(bad), bad).toBe(false);
  });
});

describe("characterCount", () => {
  test.each([
    ["Bộ Y tế", 7],
    ["😀😀", 2],
    ["e\u0323\u0302", 3],
    ["", 0],
  ])("%s has %i characters", (text, n) => {
    expect(characterCount(text)).toBe(n);
  });
});
