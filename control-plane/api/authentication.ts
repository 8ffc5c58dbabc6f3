import type { FastifyInstance, FastifyRequest } from "fastify";
import { AuthenticationError, authorize, type Action, type Authenticator, type Principal } from "../auth/index.ts";
import { NdcError } from "./errors.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The authenticated caller; set on every route that is not `config.public`. */
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** No token needed (health, metrics, OpenAPI). @default false */
    public?: boolean;
  }
}

/** Authenticates every non-public route before its handler (and before body parsing). */
export function installAuthentication(app: FastifyInstance, authenticate: Authenticator, now: () => Date): void {
  app.decorateRequest("principal", undefined);
  app.addHook("onRequest", async (request) => {
    if (request.routeOptions.config.public || request.routeOptions.url === undefined) return;
    try {
      request.principal = await authenticate(request.headers.authorization, now());
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      throw new NdcError(
        "NDC_ERR_UNAUTHENTICATED",
        error.message,
        [{ field: "header.authorization", rule: error.rule, message: error.message }],
        { denied: { reason: error.rule }, headers: { "www-authenticate": `Bearer error="invalid_token"` } },
      );
    }
  });
}

/** The caller, or a 401 (a route forgot `config.public` or the hook did not run). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new NdcError("NDC_ERR_UNAUTHENTICATED", "send Authorization: Bearer <token>");
  return request.principal;
}

/**
 * Checks an action (on one organization's data when `org` is given) and returns the caller.
 * @throws NdcError 404 when the organization is not visible to the caller (isolation), 403 for a missing role
 */
export function requirePermission(request: FastifyRequest, action: Action, org?: string, environment?: string): Principal {
  const principal = principalOf(request);
  const decision = authorize(principal, action, org);
  if (decision.allowed) return principal;
  const target = environment ? `environment ${org}/${environment}` : org ? `organization ${org}` : null;
  const denied = { org: org ?? null, target, reason: decision.rule };
  if (decision.status === 404) {
    // The same words as a missing environment (workflow notFound): existence must not leak across organizations.
    throw new NdcError("NDC_ERR_NOT_FOUND", environment ? `no environment ${environment} in organization ${org} is visible to you` : `no organization ${org} is visible to you`, [], { denied });
  }
  throw new NdcError("NDC_ERR_FORBIDDEN", decision.message, [{ field: "header.authorization", rule: decision.rule, message: decision.message }], { denied });
}
