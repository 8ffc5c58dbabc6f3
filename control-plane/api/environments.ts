import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { ResourceRequestSchema, SlugSchema, type Platform } from "../../model/index.ts";
import type { Store } from "../store/index.ts";
import { EnvironmentPatchSchema, PhaseSchema, type EnvironmentRequests, type RequestContext } from "../workflow/index.ts";
import { requirePermission } from "./authentication.ts";
import { NdcError } from "./errors.ts";
import { decodeCursor, encodeCursor, environmentResource, etag, parseIfMatch } from "./_presenters.ts";
import type { TypeBoxProvider } from "./_type-provider.ts";
import {
  EnvironmentParamsSchema,
  EnvironmentResourceSchema,
  EnvironmentSpecBodySchema,
  IfMatchHeader,
  OrgParamsSchema,
  Page,
  PageQuerySchema,
  problems,
  SiteIdSchema,
} from "./schemas.ts";

export interface EnvironmentRoutesOptions {
  readonly requests: EnvironmentRequests;
  readonly store: Store;
  readonly platform: Platform;
  readonly now: () => Date;
}

const TAGS = ["environments"];

/**
 * A spec patch, with the version read as an alternative to If-Match. It changes at least one field:
 * the document says so (`anyOf` of the patchable fields); the handler refuses `{version}` alone.
 */
function PatchBodySchema(platform: Platform) {
  const { sites } = EnvironmentPatchSchema.properties;
  const properties = {
    ...EnvironmentPatchSchema.properties,
    sites: Type.Optional(Type.Array(SiteIdSchema(platform), { minItems: sites.minItems, maxItems: sites.maxItems, uniqueItems: true })),
    resources: Type.Optional(Type.Partial(ResourceRequestSchema, { additionalProperties: false, minProperties: 1 })),
  };
  return Type.Object(
    { ...properties, version: Type.Optional(Type.Integer({ minimum: 1, description: "the version you read; used when If-Match is absent" })) },
    {
      additionalProperties: false,
      minProperties: 1,
      // Each branch repeats which fields exist, so a generator reading one branch alone adds no other.
      anyOf: Object.keys(properties).map((field) => ({
        required: [field],
        properties: Object.fromEntries([...Object.keys(properties), "version"].map((k) => [k, true])),
        additionalProperties: false,
      })),
      description: "the fields to change (at least one); resources are merged field by field",
      "x-rule": "patch-empty",
      "x-message": "must change at least one field",
    },
  );
}

/** Environments of an organization: request, list, read, change (resize), decommission. */
export const environmentRoutes: FastifyPluginAsync<EnvironmentRoutesOptions> = async (plain, { requests, store, platform, now }) => {
  const app = plain.withTypeProvider<TypeBoxProvider>();
  const context = (request: FastifyRequest): RequestContext => ({ principal: request.principal!, requestId: request.id, now: now() });

  app.post(
    "/v1/organizations/:org/environments",
    {
      schema: {
        operationId: "createEnvironment",
        tags: TAGS,
        summary: "Request an environment (admitted against placement, capacity and entitlement rules)",
        params: OrgParamsSchema,
        headers: Type.Object({
          "idempotency-key": Type.Optional(
            Type.String({ minLength: 1, maxLength: 200, description: "repeat a request safely: the same key and body return the same environment" }),
          ),
        }),
        body: EnvironmentSpecBodySchema(platform),
        response: { 201: EnvironmentResourceSchema, ...problems(400, 401, 403, 404, 409, 413, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const { org } = request.params;
      requirePermission(request, "environments:write", org);
      const key = request.headers["idempotency-key"];
      const { environment, created } = await requests.submit(context(request), org, request.body, key);
      reply.header("etag", etag(environment.version)).header("location", `/v1/organizations/${org}/environments/${environment.name}`);
      // A replay answers like the original request did (IETF Idempotency-Key draft), marked as such.
      if (!created) reply.header("idempotent-replayed", "true");
      return reply.code(201).send(environmentResource(environment));
    },
  );

  app.get(
    "/v1/organizations/:org/environments",
    {
      schema: {
        operationId: "listEnvironments",
        tags: TAGS,
        summary: "The organization's environments (rejected and deleted ones only when asked by phase)",
        params: OrgParamsSchema,
        querystring: Type.Object({ phase: Type.Optional(PhaseSchema), ...PageQuerySchema("name") }),
        response: { 200: Page(EnvironmentResourceSchema), ...problems(400, 401, 404, 429) },
      },
    },
    async (request) => {
      const { org } = request.params;
      requirePermission(request, "environments:read", org);
      const limit = request.query.limit ?? 50;
      const after = decodeCursor<string>(request.query.cursor, "string");
      const rows = await store.listEnvironments({
        org,
        limit: limit + 1,
        ...(request.query.phase ? { phase: request.query.phase } : {}),
        ...(after !== undefined ? { after } : {}),
      });
      const items = rows.slice(0, limit).map(environmentResource);
      return { items, ...(rows.length > limit ? { nextCursor: encodeCursor(items[items.length - 1]!.name) } : {}) };
    },
  );

  app.get(
    "/v1/environments",
    {
      schema: {
        operationId: "listAllEnvironments",
        tags: TAGS,
        summary: "Environments of every organization the caller may see; ?awaitingDecision=true is the approval queue",
        querystring: Type.Object({
          org: Type.Optional(SlugSchema("organization slug", 64)),
          phase: Type.Optional(PhaseSchema),
          awaitingDecision: Type.Optional(
            Type.Boolean({ description: "only what an operator must decide: AwaitingApproval, AwaitingDecommission, or a pendingChange" }),
          ),
          ...PageQuerySchema("pair"),
        }),
        response: { 200: Page(EnvironmentResourceSchema), ...problems(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const principal = requirePermission(request, "environments:read");
      const { org, phase, awaitingDecision } = request.query;
      // Confined callers see their own organization only, whatever they ask for.
      const orgs = principal.org !== undefined ? [principal.org].filter((o) => org === undefined || o === org) : org !== undefined ? [org] : undefined;
      const limit = request.query.limit ?? 50;
      const after = decodeCursor<readonly [string, string]>(request.query.cursor, "pair");
      const rows = await store.listAllEnvironments({
        limit: limit + 1,
        ...(orgs ? { orgs } : {}),
        ...(phase ? { phase } : {}),
        ...(awaitingDecision ? { awaitingDecision } : {}),
        ...(after ? { after } : {}),
      });
      const items = rows.slice(0, limit).map(environmentResource);
      const last = items[items.length - 1];
      return { items, ...(rows.length > limit && last ? { nextCursor: encodeCursor([last.org, last.name]) } : {}) };
    },
  );

  app.get(
    "/v1/organizations/:org/environments/:name",
    {
      schema: {
        operationId: "getEnvironment",
        tags: TAGS,
        summary: "One environment with its phase, conditions and per-site status",
        params: EnvironmentParamsSchema,
        response: { 200: EnvironmentResourceSchema, ...problems(401, 404, 429) },
      },
    },
    async (request, reply) => {
      const { org, name } = request.params;
      requirePermission(request, "environments:read", org, name);
      const environment = await requests.get(org, name);
      return reply.header("etag", etag(environment.version)).send(environmentResource(environment));
    },
  );

  app.patch(
    "/v1/organizations/:org/environments/:name",
    {
      schema: {
        operationId: "updateEnvironment",
        tags: TAGS,
        summary: "Change an environment (resize, owners, …): the result is admitted again; needs If-Match",
        params: EnvironmentParamsSchema,
        headers: Type.Object({ "if-match": Type.Optional(IfMatchHeader) }),
        body: PatchBodySchema(platform),
        response: { 200: EnvironmentResourceSchema, ...problems(400, 401, 403, 404, 409, 412, 413, 415, 422, 428, 429) },
      },
    },
    async (request, reply) => {
      const { org, name } = request.params;
      requirePermission(request, "environments:write", org, name);
      const { version, ...patch } = request.body;
      const header = parseIfMatch(request.headers["if-match"]);
      const ifMatch = header === "absent" ? (version ?? "absent") : header;
      if (ifMatch === "absent") {
        throw new NdcError(
          "NDC_ERR_PRECONDITION_REQUIRED",
          'send If-Match with the version you read (the ETag of GET), e.g. If-Match: "3", or "version" in the body, so concurrent changes are not lost',
          [{ field: "header.if-match", rule: "required", message: "is required for PATCH (or version in the body)" }],
        );
      }
      if (Object.keys(patch).length === 0) {
        throw new NdcError("NDC_ERR_VALIDATION", 'the patch is empty; send the fields to change, e.g. {"resources": {"cpu": "8"}}', [
          { field: "(body)", rule: "patch-empty", message: "must change at least one field", value: request.body },
        ]);
      }
      const current = ifMatch ?? (await requests.get(org, name)).version;
      const environment = await requests.update(context(request), org, name, patch, current);
      return reply.header("etag", etag(environment.version)).send(environmentResource(environment));
    },
  );

  app.delete(
    "/v1/organizations/:org/environments/:name",
    {
      schema: {
        operationId: "decommissionEnvironment",
        tags: TAGS,
        summary: "Request decommissioning (data is retained for the retention period); a pending request is withdrawn",
        params: EnvironmentParamsSchema,
        headers: Type.Object({ "if-match": Type.Optional(IfMatchHeader) }),
        // 428: a prod or core environment is decommissioned only with If-Match (the version the requester saw).
        response: { 202: EnvironmentResourceSchema, ...problems(400, 401, 403, 404, 409, 412, 428, 429) },
      },
    },
    async (request, reply) => {
      const { org, name } = request.params;
      requirePermission(request, "environments:write", org, name);
      const ifMatch = parseIfMatch(request.headers["if-match"]);
      const environment = await requests.decommission(context(request), org, name, ifMatch === "absent" ? undefined : ifMatch);
      return reply.code(202).header("etag", etag(environment.version)).send(environmentResource(environment));
    },
  );
};
