import { Kind, Type, TypeRegistry, type TUnsafe } from "@sinclair/typebox";

/** The TypeBox kind of a text whose length is counted in characters (Unicode code points). */
export const CHARACTERS_KIND = "Characters";

/** How long a text is, as JSON Schema and people count it: code points, not UTF-16 units ("😀" is 1). */
export function characterCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

interface CharacterOptions {
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly description?: string;
}

/** Which length bound a text breaks, if any (for the error message of the schema check). */
export function characterLengthIssue(schema: CharacterOptions, text: string): "min-length" | "max-length" | undefined {
  const n = characterCount(text);
  if (schema.minLength !== undefined && n < schema.minLength) return "min-length";
  if (schema.maxLength !== undefined && n > schema.maxLength) return "max-length";
  return undefined;
}

/**
 * Free text never holds U+0000: PostgreSQL cannot store it in a text column (the insert fails, and a
 * filter with it fails the query), so it is refused as input like any other broken rule.
 */
export const NO_NUL_PATTERN = "^[^\\u0000]*$";

TypeRegistry.Set<CharacterOptions>(
  CHARACTERS_KIND,
  (schema, value) => typeof value === "string" && !value.includes("\u0000") && characterLengthIssue(schema, value) === undefined,
);

/**
 * A free text (Vietnamese with diacritics, emoji) whose `minLength`/`maxLength` count characters, as
 * the OpenAPI document says (JSON Schema counts code points). TypeBox's own `maxLength` counts
 * UTF-16 units, so 300 emoji would fail a 500-character limit; this kind is what the validator and
 * the document share: the document shows a plain `{type: string, maxLength, pattern}` (the pattern
 * says that U+0000 is refused).
 */
export function inCharacters(options: CharacterOptions): TUnsafe<string> {
  return Type.Unsafe<string>({ ...options, type: "string", pattern: NO_NUL_PATTERN, [Kind]: CHARACTERS_KIND });
}
