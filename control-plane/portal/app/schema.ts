// The request form is built from the API's own schema (GET /openapi.json): the choices offered are
// the enums the API validates against, so a new zone or stage shows up without changing the portal.

interface JsonSchema {
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly anyOf?: readonly JsonSchema[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
}

/** The fields of the environment request body, and the values each enumerated field allows. */
export interface RequestSchema {
  readonly required: readonly string[];
  readonly choices: Readonly<Record<string, readonly (string | number)[]>>;
  readonly maxLength: Readonly<Record<string, number>>;
}

/** The allowed values of a field: `enum`, or `anyOf` of single values (unions of literals). */
export function choicesOf(schema: JsonSchema | undefined): (string | number)[] | undefined {
  if (!schema) return undefined;
  if (schema.enum) return [...(schema.enum as (string | number)[])];
  // TypeBox writes a literal as `const`; @fastify/swagger's OpenAPI 3 output as a one-value `enum`.
  const single = (s: JsonSchema) => (s.const !== undefined ? [s.const] : s.enum?.length === 1 ? s.enum : undefined);
  if (schema.anyOf && schema.anyOf.every((s) => single(s) !== undefined)) return schema.anyOf.map((s) => single(s)![0] as string | number);
  return undefined;
}

/** Reads the createEnvironment body schema out of an OpenAPI 3.1 document. */
export function requestSchemaFrom(openapi: unknown): RequestSchema {
  const doc = openapi as { paths?: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>> };
  const body = doc.paths?.["/v1/organizations/{org}/environments"]?.post?.requestBody?.content?.["application/json"]?.schema;
  if (!body?.properties) throw new Error("the API's OpenAPI document has no createEnvironment body schema");
  const choices: Record<string, (string | number)[]> = {};
  const maxLength: Record<string, number> = {};
  for (const [name, property] of Object.entries(body.properties)) {
    const values = choicesOf(property);
    if (values) choices[name] = values;
    if (property.maxLength !== undefined) maxLength[name] = property.maxLength;
  }
  return { required: body.required ?? [], choices, maxLength };
}
