import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { EnvironmentRequests } from "../workflow/index.ts";
import { requirePermission } from "./authentication.ts";
import { NdcError } from "./errors.ts";
import { environmentResource, etag, parseIfMatch } from "./_presenters.ts";
import type { TypeBoxProvider } from "./_type-provider.ts";
import { ApproveBodySchema, EnvironmentParamsSchema, EnvironmentResourceSchema, IfMatchHeader, problems, ReasonBodySchema } from "./schemas.ts";

export interface ApprovalRoutesOptions {
  readonly requests: EnvironmentRequests;
  readonly now: () => Date;
}

const TAGS = ["approvals"];

/**
 * The version the operator reviewed, from `If-Match`: a decision names it, so a spec changed after
 * the review is never approved by mistake (428 without it, 412 when the environment moved on).
 */
function reviewedVersion(header: string | undefined): number {
  const parsed = parseIfMatch(header);
  if (typeof parsed === "number") return parsed;
  const message = 'must name the version you reviewed, e.g. If-Match: "3" (GET the environment for its ETag); * is not accepted';
  throw new NdcError("NDC_ERR_PRECONDITION_REQUIRED", `an approval or rejection needs If-Match with the reviewed version: ${message}`, [
    { field: "header.if-match", rule: "reviewed-version-required", message, value: header ?? null },
  ]);
}

/** An operator's decision on a request awaiting approval; the approver is never the requester. */
export const approvalRoutes: FastifyPluginAsync<ApprovalRoutesOptions> = async (plain, { requests, now }) => {
  const app = plain.withTypeProvider<TypeBoxProvider>();
  const headers = Type.Object({ "if-match": Type.Optional(IfMatchHeader) });

  app.post(
    "/v1/organizations/:org/environments/:name/approve",
    {
      schema: {
        operationId: "approveEnvironment",
        tags: TAGS,
        summary:
          "Approve a request (operator; not the requester nor its last modifier); If-Match names the reviewed version. A change waiting beside a built environment is admitted again first (422 when it no longer is)",
        params: EnvironmentParamsSchema,
        headers,
        body: ApproveBodySchema,
        response: { 200: EnvironmentResourceSchema, ...problems(400, 401, 403, 404, 409, 412, 422, 428, 429) },
      },
    },
    async (request, reply) => {
      const { org, name } = request.params;
      const principal = requirePermission(request, "environments:approve", org, name);
      const environment = await requests.approve(
        { principal, requestId: request.id, now: now() },
        org,
        name,
        reviewedVersion(request.headers["if-match"]),
        request.body?.comment,
      );
      return reply.header("etag", etag(environment.version)).send(environmentResource(environment));
    },
  );

  app.post(
    "/v1/organizations/:org/environments/:name/reject",
    {
      schema: {
        operationId: "rejectEnvironment",
        tags: TAGS,
        summary: "Reject a request with a reason (operator; not the requester); If-Match names the reviewed version; its capacity is released",
        params: EnvironmentParamsSchema,
        headers,
        body: ReasonBodySchema,
        response: { 200: EnvironmentResourceSchema, ...problems(400, 401, 403, 404, 409, 412, 428, 429) },
      },
    },
    async (request, reply) => {
      const { org, name } = request.params;
      const principal = requirePermission(request, "environments:approve", org, name);
      const environment = await requests.reject(
        { principal, requestId: request.id, now: now() },
        org,
        name,
        request.body?.reason ?? `rejected by ${principal.subject} without a reason`,
        reviewedVersion(request.headers["if-match"]),
      );
      return reply.header("etag", etag(environment.version)).send(environmentResource(environment));
    },
  );

  app.post(
    "/v1/organizations/:org/environments/:name/retry",
    {
      schema: {
        operationId: "retryEnvironment",
        tags: TAGS,
        summary:
          "Build a Failed environment's approved spec again once its cause is fixed (operator; audited as environment.retry), or continue a decommission that failed (environment.retry-decommission); If-Match is optional",
        params: EnvironmentParamsSchema,
        headers,
        response: { 200: EnvironmentResourceSchema, ...problems(400, 401, 403, 404, 409, 412, 429) },
      },
    },
    async (request, reply) => {
      const { org, name } = request.params;
      const principal = requirePermission(request, "environments:approve", org, name);
      const ifMatch = parseIfMatch(request.headers["if-match"]);
      const environment = await requests.retry({ principal, requestId: request.id, now: now() }, org, name, typeof ifMatch === "number" ? ifMatch : undefined);
      return reply.header("etag", etag(environment.version)).send(environmentResource(environment));
    },
  );

  app.post(
    "/v1/organizations/:org/environments/:name/restore",
    {
      schema: {
        operationId: "restoreEnvironment",
        tags: TAGS,
        summary:
          "Bring a Retained environment back before its retention ends (operator); If-Match names the version; its spec is admitted again as a new request (422 when it no longer is)",
        params: EnvironmentParamsSchema,
        headers,
        response: { 200: EnvironmentResourceSchema, ...problems(400, 401, 403, 404, 409, 412, 422, 428, 429) },
      },
    },
    async (request, reply) => {
      const { org, name } = request.params;
      const principal = requirePermission(request, "environments:approve", org, name);
      const environment = await requests.restore({ principal, requestId: request.id, now: now() }, org, name, reviewedVersion(request.headers["if-match"]));
      return reply.header("etag", etag(environment.version)).send(environmentResource(environment));
    },
  );
};
