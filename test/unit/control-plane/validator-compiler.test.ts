import { Type } from "@sinclair/typebox";
import { describe, expect, test } from "vitest";
import { NdcError } from "../../../control-plane/api/errors.ts";
import { typeboxValidatorCompiler } from "../../../control-plane/api/_validator-compiler.ts";

const compile = (schema: ReturnType<typeof Type.Object> | ReturnType<typeof Type.Union>, httpPart: string) =>
  typeboxValidatorCompiler({ schema, httpPart, method: "POST", url: "/x" }) as (data: unknown) => { value?: unknown; error?: NdcError };

describe("typeboxValidatorCompiler", () => {
  const body = compile(Type.Object({ level: Type.Integer(), name: Type.String() }, { additionalProperties: false }), "body");

  test("passes a valid body through unchanged", () => {
    expect(body({ level: 3, name: "a" })).toEqual({ value: { level: 3, name: "a" } });
  });

  test("fails when a body field has the wrong type: no coercion", () => {
    expect(body({ level: "3", name: "a" }).error?.errors).toEqual([{ field: "level", rule: "type", message: "must be a whole number", value: "3" }]);
  });

  test("fails when a body has an unknown field: nothing is silently dropped", () => {
    expect(body({ level: 3, name: "a", admin: true }).error?.errors).toEqual([
      { field: "admin", rule: "unknown-field", message: "unknown field; remove it or check its spelling", value: true },
    ]);
  });

  test("fails when the body is missing", () => {
    expect(body(null).error?.errors).toEqual([{ field: "(body)", rule: "required", message: "a JSON object is required" }]);
  });

  test("converts query strings and prefixes their fields", () => {
    const query = compile(Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })) }), "querystring");
    expect(query({ limit: "20" })).toEqual({ value: { limit: 20 } });
    expect(query({})).toEqual({ value: { limit: 50 } });
    const error = query({ limit: "500" }).error!;
    expect(error).toBeInstanceOf(NdcError);
    expect(error.code).toBe("NDC_ERR_VALIDATION");
    expect(error.message).toBe("the query string is not valid: query.limit (range)");
    expect(error.errors).toEqual([{ field: "query.limit", rule: "range", message: "must be at most 200", value: 500 }]);
  });

  test("names the field of an optional body sent as an object", () => {
    const optional = compile(
      Type.Union([Type.Object({ reason: Type.Optional(Type.String({ minLength: 1 })) }, { additionalProperties: false }), Type.Null()]),
      "body",
    );
    expect(optional(null)).toEqual({ value: null });
    expect(optional({ reason: "" }).error?.errors).toEqual([{ field: "reason", rule: "min-length", message: "must be at least 1 characters", value: "" }]);
  });
});
