import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import type { EnvironmentRequests } from "../workflow/index.ts";
import { requirePermission } from "./authentication.ts";
import { environmentResource, etag, parseIfMatch } from "./_presenters.ts";
import type { TypeBoxProvider } from "./_type-provider.ts";
import { ApproveBodySchema, EnvironmentParamsSchema, EnvironmentResourceSchema, IfMatchHeader, problems, ReasonBodySchema } from "./schemas.ts";

export interface ApprovalRoutesOptions {
  readonly requests: EnvironmentRequests;
  readonly now: () => Date;
}

const TAGS = ["approvals"];

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
        summary: "Approve a request (operator; not the requester)",
        params: EnvironmentParamsSchema,
        headers,
        body: ApproveBodySchema,
        response: { 200: EnvironmentResourceSchema, ...problems(400, 401, 403, 404, 409, 412, 429) },
      },
    },
    async (request, reply) => {
      const { org, name } = request.params;
      const principal = requirePermission(request, "environments:approve", org, name);
      const ifMatch = parseIfMatch(request.headers["if-match"]);
      const environment = await requests.approve({ principal, requestId: request.id, now: now() }, org, name, ifMatch === "absent" ? undefined : ifMatch, request.body?.comment);
      return reply.header("etag", etag(environment.version)).send(environmentResource(environment));
    },
  );

  app.post(
    "/v1/organizations/:org/environments/:name/reject",
    {
      schema: {
        operationId: "rejectEnvironment",
        tags: TAGS,
        summary: "Reject a request with a reason (operator; not the requester); its capacity is released",
        params: EnvironmentParamsSchema,
        headers,
        body: ReasonBodySchema,
        response: { 200: EnvironmentResourceSchema, ...problems(400, 401, 403, 404, 409, 412, 429) },
      },
    },
    async (request, reply) => {
      const { org, name } = request.params;
      const principal = requirePermission(request, "environments:approve", org, name);
      const ifMatch = parseIfMatch(request.headers["if-match"]);
      const environment = await requests.reject({ principal, requestId: request.id, now: now() }, org, name, request.body?.reason ?? `rejected by ${principal.subject} without a reason`, ifMatch === "absent" ? undefined : ifMatch);
      return reply.header("etag", etag(environment.version)).send(environmentResource(environment));
    },
  );
};
