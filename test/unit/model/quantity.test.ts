import { describe, expect, test } from "vitest";
import { formatBytes, formatCpu, parseBytes, parseCpuMillis } from "../../../model/index.ts";

describe("parseCpuMillis", () => {
  test.each([
    ["2", 2000],
    ["0.5", 500],
    ["500m", 500],
    ["64", 64000],
  ])("parses %s as %d millicores", (text, millis) => expect(parseCpuMillis(text)).toBe(millis));

  test.each(["-1", "1.5m", "2Gi", "abc", "", "1e3", " 2"])("fails when given %j", (text) => {
    expect(parseCpuMillis(text)).toBeUndefined();
  });
});

describe("parseBytes", () => {
  test.each([
    ["32Gi", 32 * 2 ** 30],
    ["500M", 500e6],
    ["1024", 1024],
    ["2Pi", 2 * 2 ** 50],
  ])("parses %s", (text, bytes) => expect(parseBytes(text)).toBe(bytes));

  test.each(["-5Gi", "5gi", "100m", "1.5", "Gi"])("fails when given %j", (text) => {
    expect(parseBytes(text)).toBeUndefined();
  });
});

describe("format", () => {
  test("round-trips canonical values", () => {
    expect(formatCpu(2000)).toBe("2");
    expect(formatCpu(250)).toBe("250m");
    expect(formatBytes(32 * 2 ** 30)).toBe("32Gi");
    expect(formatBytes(1000)).toBe("1000");
    expect(parseBytes(formatBytes(3 * 2 ** 40))).toBe(3 * 2 ** 40);
  });
});
