import type { TSchema } from "@sinclair/typebox";
import { Kind } from "@sinclair/typebox";
import { Value, ValueErrorType, type ValueError } from "@sinclair/typebox/value";
import { CHARACTERS_KIND, characterLengthIssue } from "./characters.ts";
import { explainSlug } from "./names.ts";
import type { ValidationIssue } from "./validation-error.ts";

/**
 * Checks a value against a TypeBox schema and returns issues with field paths, rule ids and
 * messages a person can act on (TypeBox's own messages do not say what is allowed).
 */
export function checkSchema(schema: TSchema, value: unknown, basePath = ""): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const error of Value.Errors(schema, value)) {
    const field = joinPath(basePath, error.path);
    // A union reports each failed branch; the first issue per field is the useful one.
    if (seen.has(field)) continue;
    seen.add(field);
    const described = describe(error);
    if (described.rule === "slug-format" && typeof error.value === "string") {
      described.message = explainSlug(error.value) ?? described.message;
    }
    issues.push({ field, value: error.value, ...described });
  }
  return issues;
}

/** `/resources/storage/fast` -> `resources.storage.fast`, `/sites/0` -> `sites[0]`. */
export function joinPath(base: string, pointer: string): string {
  let path = base;
  for (const raw of pointer.split("/").slice(1)) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    path = /^[0-9]+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part;
  }
  return path || "(root)";
}

function describe(error: ValueError): { rule: string; message: string } {
  const s = error.schema as Record<string, unknown>;
  switch (error.type) {
    case ValueErrorType.ObjectAdditionalProperties:
      return { rule: "unknown-field", message: "unknown field; remove it or check its spelling" };
    case ValueErrorType.ObjectRequiredProperty:
      return { rule: "required", message: "is required" };
    case ValueErrorType.Union: {
      const allowed = literalsOf(s);
      if (allowed) return { rule: "allowed-values", message: `must be one of ${allowed.join(", ")}` };
      // A value of the right kind for exactly one form (e.g. a text where a number or a text is
      // allowed) is explained by that form's rule, not "no form matches".
      const branches = ((s.anyOf as TSchema[] | undefined) ?? []).filter((b) => sameKind((b as { type?: string }).type, error.value));
      const issue = branches.length === 1 ? checkSchema(branches[0]!, error.value)[0] : undefined;
      return issue ? { rule: issue.rule, message: issue.message } : { rule: "type", message: "does not match any allowed form" };
    }
    case ValueErrorType.Literal:
      return { rule: "allowed-values", message: `must be ${JSON.stringify(s.const)}` };
    case ValueErrorType.StringPattern:
      return { rule: String(s["x-rule"] ?? "format"), message: String(s["x-message"] ?? `must match ${String(s.pattern)}`) };
    case ValueErrorType.StringFormat:
      return { rule: String(s["x-rule"] ?? "format"), message: String(s["x-message"] ?? `must be a ${String(s.format)}`) };
    case ValueErrorType.StringMaxLength:
      return { rule: "max-length", message: `must be at most ${String(s.maxLength)} characters` };
    case ValueErrorType.StringMinLength:
      return { rule: "min-length", message: `must be at least ${String(s.minLength)} characters` };
    case ValueErrorType.ArrayMinItems:
      return { rule: "min-items", message: `needs at least ${String(s.minItems)} item(s)` };
    case ValueErrorType.ArrayMaxItems:
      return { rule: "max-items", message: `allows at most ${String(s.maxItems)} item(s)` };
    case ValueErrorType.ArrayUniqueItems:
      return { rule: "unique-items", message: "must not repeat an item" };
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.IntegerMinimum:
      return { rule: "range", message: `must be at least ${String(s.minimum)}` };
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMaximum:
      return { rule: "range", message: `must be at most ${String(s.maximum)}` };
    case ValueErrorType.Integer:
      return { rule: "type", message: "must be a whole number" };
    case ValueErrorType.ObjectMinProperties:
      return { rule: String(s["x-rule"] ?? "min-properties"), message: String(s["x-message"] ?? `needs at least ${String(s.minProperties)} field(s)`) };
    case ValueErrorType.Kind:
      if ((s as { [Kind]?: string })[Kind] === CHARACTERS_KIND && typeof error.value === "string") {
        if (error.value.includes("\u0000")) return { rule: "no-nul", message: "must not contain the NUL character (U+0000)" };
        const issue = characterLengthIssue(s, error.value);
        if (issue === "max-length") return { rule: issue, message: `must be at most ${String(s.maxLength)} characters` };
        if (issue === "min-length") return { rule: issue, message: `must be at least ${String(s.minLength)} characters` };
      }
      return { rule: "type", message: `must be ${expectedType(s)}` };
    default:
      return { rule: "type", message: `must be ${expectedType(s)}` };
  }
}

function sameKind(type: string | undefined, value: unknown): boolean {
  if (type === "integer" || type === "number") return typeof value === "number";
  if (type === "string" || type === "boolean" || type === "object") return typeof value === type && value !== null;
  if (type === "null") return value === null;
  return false;
}

function literalsOf(schema: Record<string, unknown>): string[] | undefined {
  const anyOf = schema.anyOf as Record<string, unknown>[] | undefined;
  if (!anyOf || !anyOf.every((b) => "const" in b)) return undefined;
  return anyOf.map((b) => String(b.const));
}

function expectedType(schema: Record<string, unknown>): string {
  const type = schema.type;
  if (type === "object") return "an object";
  if (type === "array") return "a list";
  if (type === "string") return "a string";
  if (type === "integer") return "a whole number";
  if (type === "number") return "a number";
  if (type === "boolean") return "true or false";
  return "a valid value";
}
