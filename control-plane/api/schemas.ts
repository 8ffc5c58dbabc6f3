import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { EnvironmentSpecSchema, inCharacters, SLUG_PATTERN, SlugSchema, type Platform } from "../../model/index.ts";
import { ConditionSchema, PhaseSchema } from "../workflow/index.ts";
import { ProblemSchema } from "./errors.ts";

/** Path parameters. */
export const OrgParamsSchema = Type.Object({ org: SlugSchema("organization slug", 64) });
export const EnvironmentParamsSchema = Type.Object({
  org: SlugSchema("organization slug", 64),
  name: SlugSchema("environment name", 64),
});
export const SiteParamsSchema = Type.Object({ site: SlugSchema("site id", 64) });

/** Page size bounds for every list. */
export const MAX_PAGE = 200;
const SLUG = SLUG_PATTERN.slice(1, -1);

/**
 * Cursors are the key of the last item of a page, in the open: an environment name, `org/name`, or
 * an audit sequence number. Any key of that form is a position ("after this one"), so every cursor
 * the document allows is answered; anything else is 400 cursor-format.
 */
export const CURSOR_PATTERNS = {
  name: `^${SLUG}$`,
  pair: `^${SLUG}/${SLUG}$`,
  seq: "^(?:0|[1-9][0-9]{0,14})$",
  // An API token: its creation time and id (tokens are listed oldest first).
  token: "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]{1,9})?Z/[0-9a-f-]{1,64}$",
} as const;
export const PageQuerySchema = (cursor: keyof typeof CURSOR_PATTERNS) => ({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 50, description: `page size, at most ${MAX_PAGE}` })),
  cursor: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 130,
      pattern: CURSOR_PATTERNS[cursor],
      description: "nextCursor of the previous page: the key of its last item",
      "x-rule": "cursor-format",
      "x-message": "must be a nextCursor from a previous page of this list; start again without it",
    }),
  ),
});

/** A page of items and the cursor of the next page (absent on the last page). */
export const Page = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), nextCursor: Type.Optional(Type.String()) });

/** A site id the request may name: one of this data center's sites (GET /v1/sites), else 400 with the list. */
export function SiteIdSchema(platform: Platform) {
  return Type.Union(
    [...platform.sites.keys()].sort().map((id) => Type.Literal(id)),
    { description: "a site of this data center (GET /v1/sites)" },
  );
}

/** The spec as the request body: the model's schema, with the known sites as an enum. */
export function EnvironmentSpecBodySchema(platform: Platform) {
  const { sites } = EnvironmentSpecSchema.properties;
  return Type.Object(
    {
      ...EnvironmentSpecSchema.properties,
      sites: Type.Array(SiteIdSchema(platform), { minItems: sites.minItems, maxItems: sites.maxItems, uniqueItems: true }),
    },
    { additionalProperties: false },
  );
}

const Amounts = Type.Object({
  cpu: Type.String({ description: 'Kubernetes quantity, e.g. "64"' }),
  memory: Type.String({ description: 'Kubernetes quantity, e.g. "256Gi"' }),
  gpu: Type.Integer(),
  cpuMillis: Type.Integer(),
  memoryBytes: Type.Integer(),
  storage: Type.Optional(Type.Record(Type.String(), Type.String(), { description: "per storage tier" })),
});
export const AmountsSchema = Amounts;

const SiteState = Type.Object({
  phase: Type.String({ description: "Pending until the provisioner reports; then Applying, Ready, Failed, Removing, Removed" }),
  namespace: Type.String(),
  pool: Type.Optional(Type.String()),
  message: Type.Union([Type.String(), Type.Null()]),
  observedGeneration: Type.Integer(),
});

/**
 * An environment as the API returns it: the spec's fields at the top level (with the effective
 * data class), `spec` as submitted, and the status fields of DESIGN.md section 6. `sites` is the
 * per-site status map; the requested site list is `spec.sites`.
 */
export const EnvironmentResourceSchema = Type.Object({
  id: Type.String(),
  org: Type.String(),
  name: Type.String(),
  namespace: Type.String(),
  stage: EnvironmentSpecSchema.properties.stage,
  zone: EnvironmentSpecSchema.properties.zone,
  dataClass: EnvironmentSpecSchema.properties.dataClass,
  personalData: EnvironmentSpecSchema.properties.personalData,
  securityLevel: EnvironmentSpecSchema.properties.securityLevel,
  resources: EnvironmentSpecSchema.properties.resources,
  owners: EnvironmentSpecSchema.properties.owners,
  purpose: Type.String(),
  spec: EnvironmentSpecSchema,
  phase: PhaseSchema,
  conditions: Type.Array(ConditionSchema),
  sites: Type.Record(Type.String(), SiteState, { description: "status per site id" }),
  complianceExceptions: Type.Array(Type.Object({ rule: Type.String(), message: Type.String() })),
  requestedBy: Type.String(),
  modifiedBy: Type.String({ description: "who last changed the spec; neither they nor the requester may approve it" }),
  pendingChange: Type.Union(
    [Type.Object({ spec: EnvironmentSpecSchema, complianceExceptions: Type.Array(Type.Object({ rule: Type.String(), message: Type.String() })) }), Type.Null()],
    { description: "a change that waits for an operator (approve/reject it with If-Match); the top-level spec stays the approved, built one until then" },
  ),
  approvedBy: Type.Union([Type.String(), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()], { description: "why it awaits approval, was rejected, or failed" }),
  generation: Type.Integer(),
  observedGeneration: Type.Integer(),
  retainUntil: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: "date-time" }),
  updatedAt: Type.String({ format: "date-time" }),
  version: Type.Integer({ description: "also the ETag; send it back in If-Match" }),
});
export type EnvironmentResource = Static<typeof EnvironmentResourceSchema>;

/** The problem+json responses a route can give, documented under `application/problem+json`. */
export function problems(
  ...statuses: number[]
): Record<number, { description: string; content: { "application/problem+json": { schema: typeof ProblemSchema } } }> {
  return Object.fromEntries(
    statuses.map((s) => [s, { description: PROBLEM_DESCRIPTIONS[s] ?? "problem details", content: { "application/problem+json": { schema: ProblemSchema } } }]),
  );
}

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: "the request does not match the schema (field, rule)",
  401: "no valid token",
  403: "the caller's role does not allow this",
  404: "not found, or not visible to the caller's organization",
  409: "conflict: name taken, phase does not allow it, or lost a race",
  412: "If-Match does not match the current version",
  413: "body too large",
  415: "body is not JSON",
  422: "well-formed, but breaks a placement, capacity, policy or token rule",
  428: "If-Match required",
  429: "rate limited",
  503: "not ready: the store, the audit trail or the identity provider does not answer",
};

/** `If-Match` as sent: `"3"`, `3`, `W/"3"` or `*` (the version has at most 12 digits). */
export const IF_MATCH_PATTERN = '^(?:\\*|[0-9]{1,12}|"[0-9]{1,12}"|W/"[0-9]{1,12}")$';
export const IfMatchHeader = Type.String({
  minLength: 1,
  maxLength: 16,
  pattern: IF_MATCH_PATTERN,
  description: 'the environment version (its ETag), e.g. "3"; also 3, W/"3" or * (any version, where allowed)',
  "x-rule": "etag-format",
  "x-message": 'must be the version from the ETag, e.g. "3"',
});

export const ReasonBodySchema = Type.Union([
  Type.Object(
    { reason: Type.Optional(inCharacters({ minLength: 1, maxLength: 1000, description: "shown to the requester; please give one" })) },
    { additionalProperties: false },
  ),
  Type.Null(),
]);
export const ApproveBodySchema = Type.Union([
  Type.Object({ comment: Type.Optional(inCharacters({ minLength: 1, maxLength: 1000 })) }, { additionalProperties: false }),
  Type.Null(),
]);
