import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { RoleSchema } from "../auth/index.ts";
import { principalOf } from "./authentication.ts";
import type { TypeBoxProvider } from "./_type-provider.ts";
import { problems } from "./schemas.ts";

export const IdentitySchema = Type.Object({
  subject: Type.String(),
  roles: Type.Array(RoleSchema),
  org: Type.Union([Type.String(), Type.Null()], { description: "the organization the caller is confined to; null for platform-wide roles" }),
  via: Type.Union([Type.Literal("token"), Type.Literal("oidc"), Type.Literal("bootstrap")]),
});

/** Who the token belongs to: what a client (the portal, the CLI) shows and which pages it offers. */
export const identityRoutes: FastifyPluginAsync = async (plain) => {
  const app = plain.withTypeProvider<TypeBoxProvider>();
  app.get(
    "/v1/me",
    {
      schema: {
        operationId: "getIdentity",
        tags: ["tokens"],
        summary: "The caller: subject, roles and organization",
        response: { 200: IdentitySchema, ...problems(401, 429) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return { subject: p.subject, roles: [...p.roles], org: p.org ?? null, via: p.via };
    },
  );
};
