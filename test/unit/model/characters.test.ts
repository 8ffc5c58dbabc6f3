import { Type } from "@sinclair/typebox";
import { describe, expect, test } from "vitest";
import { checkSchema, EnvironmentSpecSchema, inCharacters } from "../../../model/index.ts";
import { testSpec } from "../../../model/testing.ts";

describe("inCharacters", () => {
  test("fails when a text with U+0000 is accepted (bug: PostgreSQL cannot store it, the request answered 500)", () => {
    const schema = Type.Object({ reason: inCharacters({ minLength: 1, maxLength: 20 }) });
    expect(checkSchema(schema, { reason: "a\u0000b" })).toEqual([
      { field: "reason", value: "a\u0000b", rule: "no-nul", message: "must not contain the NUL character (U+0000)" },
    ]);
    expect(checkSchema(EnvironmentSpecSchema, testSpec({ purpose: "Hệ thống\u0000" })).map((i) => `${i.field} ${i.rule}`)).toEqual(["purpose no-nul"]);
    // Everything else a person writes is text: diacritics, emoji, line breaks.
    expect(checkSchema(schema, { reason: "Hà Nội 😀\nok" })).toEqual([]);
    // The document says so too.
    expect(inCharacters({ maxLength: 5 })).toMatchObject({ type: "string", maxLength: 5, pattern: "^[^\\u0000]*$" });
  });
});
