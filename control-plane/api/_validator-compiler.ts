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

const PREFIX: Record<string, string> = { body: "", querystring: "query.", params: "path.", headers: "header." };

/**
 * Validates request parts with TypeBox instead of Ajv, so the API reports exactly what the model's
 * `checkSchema` reports (field, rule, a message that says what is allowed — and which diacritics to
 * remove from a slug). Bodies are checked as sent: no type coercion, no removal of unknown fields.
 * Query strings, path parameters and headers are converted (strings to numbers) first.
 */
export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const compiled = TypeCompiler.Compile(schema);
  const part = httpPart ?? "body";
  const prefix = PREFIX[part] ?? `${part}.`;
  return (data: unknown) => {
    const value = part === "body" ? data : Value.Convert(schema, Value.Default(schema, Value.Clone(data)));
    if (compiled.Check(value)) return { value };
    if (part === "body" && (value === null || value === undefined)) {
      return { error: new NdcError("NDC_ERR_VALIDATION", "the body is empty; send a JSON object", [{ field: "(body)", rule: "required", message: "a JSON object is required" }]) };
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
