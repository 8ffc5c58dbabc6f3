import { describe, expect, test } from "vitest";
import { ERRORS, NdcError, problem, PROBLEM_BASE } from "../../../control-plane/api/errors.ts";
import { decodeCursor, encodeCursor, parseIfMatch } from "../../../control-plane/api/_presenters.ts";
import { toNdcError } from "../../../control-plane/api/problem-handler.ts";

describe("ERRORS", () => {
  test("every code has its own problem type and a client or server error status", () => {
    const types = Object.values(ERRORS).map((e) => e.type);
    expect(new Set(types).size).toBe(types.length);
    for (const [code, e] of Object.entries(ERRORS)) {
      expect(code).toMatch(/^NDC_ERR_[A-Z_]+$/);
      expect(e.type).toMatch(/^[a-z-]+$/);
      expect(e.status).toBeGreaterThanOrEqual(400);
    }
  });
});

describe("problem", () => {
  test("renders RFC 9457 fields from the catalogue", () => {
    expect(
      problem("NDC_ERR_PRECONDITION_FAILED", "stale", [{ field: "header.if-match", rule: "version-match", message: "must be 3" }], {
        instance: "/v1/x",
        requestId: "r1",
      }),
    ).toEqual({
      type: `${PROBLEM_BASE}precondition-failed`,
      title: "If-Match does not match the current version",
      status: 412,
      detail: "stale",
      instance: "/v1/x",
      code: "NDC_ERR_PRECONDITION_FAILED",
      requestId: "r1",
      errors: [{ field: "header.if-match", rule: "version-match", message: "must be 3" }],
    });
  });
});

describe("toNdcError", () => {
  test.each([
    [Object.assign(new Error("Body is too large"), { code: "FST_ERR_CTP_BODY_TOO_LARGE", statusCode: 413 }), "NDC_ERR_PAYLOAD_TOO_LARGE", "body-size"],
    [
      Object.assign(new Error("Unsupported Media Type"), { code: "FST_ERR_CTP_INVALID_MEDIA_TYPE", statusCode: 415 }),
      "NDC_ERR_UNSUPPORTED_MEDIA_TYPE",
      "media-type",
    ],
    [Object.assign(new SyntaxError("Unexpected end of JSON input"), { statusCode: 400 }), "NDC_ERR_MALFORMED_JSON", "json-syntax"],
  ])("maps %s", (error, code, rule) => {
    const mapped = toNdcError(error);
    expect(mapped.code).toBe(code);
    expect(mapped.errors[0]?.rule).toBe(rule);
  });

  test("hides the details of unexpected errors", () => {
    const mapped = toNdcError(new Error("connection string postgres://secret@db"));
    expect(mapped.code).toBe("NDC_ERR_INTERNAL");
    expect(mapped.message).not.toContain("secret");
  });

  test("passes NdcError through", () => {
    const error = new NdcError("NDC_ERR_NOT_FOUND", "gone");
    expect(toNdcError(error)).toBe(error);
  });
});

describe("parseIfMatch", () => {
  test.each([
    ['"3"', 3],
    ["3", 3],
    ['W/"12"', 12],
    ["*", undefined],
    [undefined, "absent"],
  ])("%s -> %s", (header, version) => {
    expect(parseIfMatch(header)).toBe(version);
  });

  test("fails on anything else, naming the header and the rule", () => {
    expect(() => parseIfMatch('"3')).toThrow('If-Match must name the environment\'s version, e.g. "3" (its ETag); got "\\"3"');
    expect(() => parseIfMatch("v3")).toThrow('If-Match must name the environment\'s version, e.g. "3" (its ETag); got "v3"');
    try {
      parseIfMatch('"a","b"');
    } catch (error) {
      expect((error as NdcError).errors).toEqual([
        { field: "header.if-match", rule: "etag-format", message: 'must be the version from the ETag, e.g. "3"', value: '"a","b"' },
      ]);
    }
    expect.assertions(3);
  });
});

describe("cursors", () => {
  test("are the key of the last item, in the open", () => {
    expect(encodeCursor("his-app")).toBe("his-app");
    expect(encodeCursor(42)).toBe("42");
    expect(encodeCursor(["byt", "his-app"])).toBe("byt/his-app");
    expect(decodeCursor("his-app", "string")).toBe("his-app");
    expect(decodeCursor("42", "number")).toBe(42);
    expect(decodeCursor("byt/his-app", "pair")).toEqual(["byt", "his-app"]);
    expect(decodeCursor(undefined, "string")).toBeUndefined();
  });

  test.each([
    ["a pair where a name is expected", "byt/his-app", "string"],
    ["a name where a pair is expected", "his-app", "pair"],
    ["a name where a sequence number is expected", "his-app", "number"],
    ["a sequence number with a leading zero", "007", "number"],
  ] as const)("fails on %s", (_what, cursor, kind) => {
    expect(() => decodeCursor(cursor, kind)).toThrow("cursor is not one this API returned; start again without it");
  });
});
