import type { TSchema } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { Value } from "@sinclair/typebox/value";
import type { FastifySchemaCompiler } from "fastify";
import { checkSchema } from "../../model/index.ts";
import { NdcError } from "./errors.ts";
import "./_formats.ts";

/**
 * For an optional body (`object | null`) sent as an object, the object branch: its errors name the
 * field ("reason: min-length") where the union's would only say "(body) does not match".
 */
function explainedBranch(schema: TSchema, value: unknown): TSchema {
  const branches = (schema as { anyOf?: TSchema[] }).anyOf;
  if (!branches || value === null) return schema;
  const objects = branches.filter((b) => (b as { type?: string }).type === "object");
  return objects.length === 1 && branches.length === 2 && branches.some((b) => (b as { type?: string }).type === "null") ? objects[0]! : schema;
}

const INTEGER_TEXT = /^-?(?:0|[1-9][0-9]{0,15})$/;

/** The JSON Schema types a schema (or any branch of its union) allows. */
function typesOf(schema: TSchema | undefined): Set<string> {
  const s = schema as { type?: string | string[]; anyOf?: TSchema[] } | undefined;
  const types = new Set<string>([s?.type ?? []].flat());
  for (const branch of s?.anyOf ?? []) for (const t of typesOf(branch)) types.add(t);
  return types;
}

/**
 * Query strings, path parameters and headers arrive as text: a text becomes a number only when it
 * is exactly an integer ("12", not "1.5", "1e2", "true" or " 1"), a boolean only from "true"/"false".
 * Anything else stays text, so the schema check refuses it naming the field (no silent coercion).
 */
function convertStrictly(schema: TSchema, data: unknown): unknown {
  const properties = (schema as { properties?: Record<string, TSchema> }).properties;
  if (!properties || data === null || typeof data !== "object") return data;
  const out: Record<string, unknown> = { ...(data as Record<string, unknown>) };
  for (const [key, value] of Object.entries(out)) {
    if (typeof value !== "string" || !(key in properties)) continue;
    const types = typesOf(properties[key]);
    if ((types.has("integer") || types.has("number")) && INTEGER_TEXT.test(value)) out[key] = Number(value);
    else if (types.has("boolean") && (value === "true" || value === "false")) out[key] = value === "true";
  }
  return out;
}

const PREFIX: Record<string, string> = { body: "", querystring: "query.", params: "path.", headers: "header." };

/**
 * Validates request parts with TypeBox instead of Ajv, so the API reports exactly what the model's
 * `checkSchema` reports (field, rule, a message that says what is allowed — and which diacritics to
 * remove from a slug). Bodies are checked as sent: no type coercion, no removal of unknown fields.
 * Query strings, path parameters and headers are converted first, strictly (`convertStrictly`).
 */
export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const compiled = TypeCompiler.Compile(schema);
  const part = httpPart ?? "body";
  const prefix = PREFIX[part] ?? `${part}.`;
  return (data: unknown) => {
    const value = part === "body" ? data : convertStrictly(schema, Value.Default(schema, Value.Clone(data)));
    if (compiled.Check(value)) return { value };
    if (part === "body" && (value === null || value === undefined)) {
      return {
        error: new NdcError("NDC_ERR_VALIDATION", "the body is empty; send a JSON object", [
          { field: "(body)", rule: "required", message: "a JSON object is required" },
        ]),
      };
    }
    const issues = checkSchema(explainedBranch(schema, value), value).map((i) => ({
      field: i.field === "(root)" ? (prefix ? prefix.slice(0, -1) : "(body)") : `${prefix}${i.field}`,
      rule: i.rule,
      message: i.message,
      value: i.value,
    }));
    const fields = issues.map((i) => `${i.field} (${i.rule})`).join(", ");
    return { error: new NdcError("NDC_ERR_VALIDATION", `the ${part === "querystring" ? "query string" : part} is not valid: ${fields}`, issues) };
  };
};
