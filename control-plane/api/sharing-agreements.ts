import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import {
  AGREEMENT_DECISIONS,
  AGREEMENT_STATES,
  AGREEMENT_STATUSES,
  agreementPolicyId,
  inCharacters,
  SharingOfferSchema,
  SlugSchema,
  type AgreementDecision,
  type AgreementStatus,
} from "../../model/index.ts";
import type { AgreementRecord, Store } from "../store/index.ts";
import type { RequestContext, SharingAgreements } from "../workflow/index.ts";
import { requirePermission } from "./authentication.ts";
import { decodeCursor, encodeCursor, etag, parseIfMatch } from "./_presenters.ts";
import type { TypeBoxProvider } from "./_type-provider.ts";
import { IfMatchHeader, OrgParamsSchema, Page, PageQuerySchema, problems } from "./schemas.ts";

export interface SharingRoutesOptions {
  readonly agreements: SharingAgreements;
  readonly store: Store;
  readonly now: () => Date;
}

const TAGS = ["sharing"];
const AgreementParamsSchema = Type.Object({ org: SlugSchema("provider organization slug", 64), name: SlugSchema("agreement name", 64) });

const AgreementResourceSchema = Type.Object({
  name: Type.String(),
  provider: Type.Object({ org: Type.String(), environment: Type.String() }),
  consumer: Type.Object({ org: Type.String(), environment: Type.String() }),
  port: Type.Integer(),
  protocol: Type.String(),
  purpose: Type.String(),
  legalBasis: Type.String(),
  validFrom: Type.String(),
  validUntil: Type.String(),
  sites: Type.Array(Type.String(), { description: "sites where the policies exist while it is in force (each holds both environments)" }),
  state: Type.Union(
    AGREEMENT_STATES.map((s) => Type.Literal(s)),
    { description: "the decisions taken" },
  ),
  status: Type.Union(
    AGREEMENT_STATUSES.map((s) => Type.Literal(s)),
    {
      description:
        "what it is now: decisions, then validity, then whether both environments still run and the sharing rules still hold for them (Suspended when not)",
    },
  ),
  operatorApprovalRequired: Type.Boolean(),
  approvalReasons: Type.Array(Type.String()),
  networkPolicy: Type.String({ description: "the name of the provider's ingress and the consumer's egress NetworkPolicy" }),
  offeredBy: Type.String(),
  acceptedBy: Type.Union([Type.String(), Type.Null()]),
  decidedBy: Type.Union([Type.String(), Type.Null()]),
  revokedBy: Type.Union([Type.String(), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: "date-time" }),
  updatedAt: Type.String({ format: "date-time" }),
  version: Type.Integer({ description: "also the ETag" }),
});

/** An agreement as the API returns it: the one type the `ndc` command line and the portal read it as. */
export type AgreementResource = Static<typeof AgreementResourceSchema>;

const DecisionBodySchema = Type.Union([
  Type.Object(
    { reason: Type.Optional(inCharacters({ minLength: 1, maxLength: 1000, description: "why (declined, rejected, revoked); shown to both organizations" })) },
    { additionalProperties: false },
  ),
  Type.Null(),
]);

const DECISION_SUMMARY: Record<AgreementDecision, string> = {
  accept: "The consumer organization accepts; in force at once unless an operator must approve",
  decline: "The consumer organization declines the offer",
  approve: "An operator approves an agreement the rules require approval for (not the one who offered or accepted)",
  reject: "An operator rejects an agreement awaiting approval",
  revoke: "The provider, the consumer or an operator ends the agreement; its network policies are removed",
};

/** An agreement as both organizations see it. */
function agreementResource(a: AgreementRecord, status: AgreementStatus) {
  return {
    name: a.name,
    provider: { org: a.providerOrg, environment: a.offer.providerEnvironment },
    consumer: { org: a.consumerOrg, environment: a.offer.consumer.environment },
    port: a.offer.port,
    protocol: a.offer.protocol,
    purpose: a.offer.purpose,
    legalBasis: a.offer.legalBasis,
    validFrom: a.offer.validFrom,
    validUntil: a.offer.validUntil,
    sites: [...a.sites],
    state: a.state,
    status,
    operatorApprovalRequired: a.operatorApprovalRequired,
    approvalReasons: [...a.approvalReasons],
    networkPolicy: `ndc-share-${agreementPolicyId(a.providerOrg, a.name)}`,
    offeredBy: a.offeredBy,
    acceptedBy: a.acceptedBy,
    decidedBy: a.decidedBy,
    revokedBy: a.revokedBy,
    reason: a.reason,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
    version: a.version,
  };
}

/**
 * Data-sharing agreements between organizations: the provider offers under its own path, both
 * organizations list theirs, each step is one POST. Rules and who decides what: `model/data-sharing.ts`.
 */
export const sharingRoutes: FastifyPluginAsync<SharingRoutesOptions> = async (plain, { agreements, store, now }) => {
  const app = plain.withTypeProvider<TypeBoxProvider>();
  const context = (request: FastifyRequest): RequestContext => ({ principal: request.principal!, requestId: request.id, now: now() });
  const present = async (a: AgreementRecord) => agreementResource(a, await agreements.statusOf(a, now()));

  app.post(
    "/v1/organizations/:org/sharing-agreements",
    {
      schema: {
        operationId: "offerSharingAgreement",
        tags: TAGS,
        summary:
          "Offer another organization's environment access to one of ours (port, protocol, purpose, legal basis, validity); checked against every sharing rule",
        params: OrgParamsSchema,
        body: SharingOfferSchema,
        response: { 201: AgreementResourceSchema, ...problems(400, 401, 403, 404, 409, 413, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const { org } = request.params;
      requirePermission(request, "environments:write", org);
      const created = await agreements.offer(context(request), org, request.body);
      reply.header("etag", etag(created.version)).header("location", `/v1/organizations/${org}/sharing-agreements/${created.name}`);
      return reply.code(201).send(await present(created));
    },
  );

  app.get(
    "/v1/organizations/:org/sharing-agreements",
    {
      schema: {
        operationId: "listSharingAgreements",
        tags: TAGS,
        summary: "Agreements the organization provides or consumes, with what each is now",
        params: OrgParamsSchema,
        querystring: Type.Object({ role: Type.Optional(Type.Union([Type.Literal("provider"), Type.Literal("consumer")])), ...PageQuerySchema("pair") }),
        response: { 200: Page(AgreementResourceSchema), ...problems(400, 401, 404, 429) },
      },
    },
    async (request) => {
      const { org } = request.params;
      requirePermission(request, "environments:read", org);
      const limit = request.query.limit ?? 50;
      const after = decodeCursor<readonly [string, string]>(request.query.cursor, "pair");
      const rows = await store.listAgreements({ org, limit: limit + 1, ...(after ? { after } : {}) });
      const page = rows.slice(0, limit);
      const role = request.query.role;
      const items = await Promise.all(
        page.filter((a) => role === undefined || (role === "provider" ? a.providerOrg === org : a.consumerOrg === org)).map(present),
      );
      const last = page.at(-1);
      return { items, ...(rows.length > limit && last ? { nextCursor: encodeCursor([last.providerOrg, last.name]) } : {}) };
    },
  );

  app.get(
    "/v1/sharing-agreements",
    {
      schema: {
        operationId: "listAllSharingAgreements",
        tags: TAGS,
        summary: "Agreements the caller may see (an operator: all; ?state=AwaitingApproval is the approval queue)",
        querystring: Type.Object({ state: Type.Optional(Type.Union(AGREEMENT_STATES.map((s) => Type.Literal(s)))), ...PageQuerySchema("pair") }),
        response: { 200: Page(AgreementResourceSchema), ...problems(400, 401, 429) },
      },
    },
    async (request) => {
      const principal = requirePermission(request, "environments:read");
      const limit = request.query.limit ?? 50;
      const after = decodeCursor<readonly [string, string]>(request.query.cursor, "pair");
      const rows = await store.listAgreements({
        limit: limit + 1,
        ...(principal.org !== undefined ? { org: principal.org } : {}),
        ...(request.query.state ? { states: [request.query.state] } : {}),
        ...(after ? { after } : {}),
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        items: await Promise.all(page.map(present)),
        ...(rows.length > limit && last ? { nextCursor: encodeCursor([last.providerOrg, last.name]) } : {}),
      };
    },
  );

  app.get(
    "/v1/organizations/:org/sharing-agreements/:name",
    {
      schema: {
        operationId: "getSharingAgreement",
        tags: TAGS,
        summary: "One agreement (visible to the provider, the consumer and platform roles)",
        params: AgreementParamsSchema,
        response: { 200: AgreementResourceSchema, ...problems(401, 404, 429) },
      },
    },
    async (request, reply) => {
      const principal = requirePermission(request, "environments:read");
      const a = await agreements.get(principal, request.params.org, request.params.name);
      return reply.header("etag", etag(a.version)).send(await present(a));
    },
  );

  for (const decision of AGREEMENT_DECISIONS) {
    app.post(
      `/v1/organizations/:org/sharing-agreements/:name/${decision}`,
      {
        schema: {
          operationId: `${decision}SharingAgreement`,
          tags: TAGS,
          summary: DECISION_SUMMARY[decision],
          params: AgreementParamsSchema,
          headers: Type.Object({ "if-match": Type.Optional(IfMatchHeader) }),
          body: DecisionBodySchema,
          response: { 200: AgreementResourceSchema, ...problems(400, 401, 403, 404, 409, 412, 422, 429) },
        },
      },
      async (request, reply) => {
        requirePermission(request, "environments:read");
        const ifMatch = parseIfMatch(request.headers["if-match"]);
        const updated = await agreements.decide(context(request), request.params.org, request.params.name, decision, {
          ...(request.body?.reason ? { reason: request.body.reason } : {}),
          ...(typeof ifMatch === "number" ? { ifMatch } : {}),
        });
        return reply.header("etag", etag(updated.version)).send(await present(updated));
      },
    );
  }
};
