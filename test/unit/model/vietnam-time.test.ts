import { describe, expect, test } from "vitest";
import { addMonths, isMonth, vietnamDayStart, vietnamMonthBounds, vietnamMonthOf } from "../../../model/index.ts";

describe("vietnamMonthBounds", () => {
  test("a month starts at 00:00 in Hà Nội, which is 17:00 UTC the day before", () => {
    expect(vietnamMonthBounds("2026-11")).toEqual({ start: new Date("2026-10-31T17:00:00Z"), end: new Date("2026-11-30T17:00:00Z") });
  });
  test("December rolls into January of the next year", () => {
    expect(vietnamMonthBounds("2026-12").end).toEqual(new Date("2026-12-31T17:00:00Z"));
  });
  test("the years 0–99 are those years, not 1900–1999 (Date.UTC's reading)", () => {
    expect(vietnamMonthBounds("0026-11")).toEqual({ start: new Date("0026-10-31T17:00:00Z"), end: new Date("0026-11-30T17:00:00Z") });
    expect(addMonths("0099-12", 1)).toBe("0100-01");
    expect(vietnamMonthOf(new Date("0026-11-15T00:00:00Z"))).toBe("0026-11");
  });
  test("fails when the month is not YYYY-MM", () => {
    expect(() => vietnamMonthBounds("2026-13")).toThrow('month must be written YYYY-MM, got "2026-13"');
  });
});

describe("vietnamMonthOf", () => {
  test("18:00 UTC on 30 November is already December in Vietnam", () => {
    expect(vietnamMonthOf(new Date("2026-11-30T18:00:00Z"))).toBe("2026-12");
    expect(vietnamMonthOf(new Date("2026-11-30T16:59:59Z"))).toBe("2026-11");
  });
});

describe("vietnamDayStart", () => {
  test.each([
    ["2029-01-01", "2028-12-31T17:00:00.000Z"],
    ["2024-02-29", "2024-02-28T17:00:00.000Z"],
  ])("%s starts at %s", (day, instant) => {
    expect(vietnamDayStart(day)?.toISOString()).toBe(instant);
  });
  test.each(["2026-02-30", "2025-02-29", "2026-1-1", "tomorrow"])("%s is not a calendar date", (day) => {
    expect(vietnamDayStart(day)).toBeUndefined();
  });
});

describe("addMonths and isMonth", () => {
  test("counts across years both ways", () => {
    expect(addMonths("2026-11", 3)).toBe("2027-02");
    expect(addMonths("2026-01", -1)).toBe("2025-12");
  });
  test("accepts only YYYY-MM", () => {
    expect([isMonth("2026-11"), isMonth("2026-00"), isMonth("2026-1"), isMonth("11-2026")]).toEqual([true, false, false, false]);
  });
});
