import { describe, expect, test } from "vitest";
import { auditSlug, auditText } from "../../../control-plane/audit/index.ts";

describe("auditText (issue 10 item 7)", () => {
  test.each([
    ["byt\u0000x", "byt%00x"],
    ["a\r\nb", "a%0D%0Ab"],
    ["bộ y tế", "b%E1%BB%99 y t%E1%BA%BF"],
    ["/v1/organizations/%00byt", "/v1/organizations/%00byt"],
  ])("%j -> %s", (input, expected) => {
    expect(auditText(input)).toBe(expected);
  });
  test("is bounded", () => {
    expect(auditText("x".repeat(500), 10)).toBe(`${"x".repeat(9)}…`);
  });
});

describe("auditSlug", () => {
  test.each([
    ["byt", "byt"],
    ["\u0000byt", null],
    ["BYT", null],
    [42, null],
  ])("%j -> %j", (input, expected) => {
    expect(auditSlug(input)).toBe(expected);
  });
});
