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

/**
 * Authenticates every non-public route before its handler (and before body parsing). Failed
 * attempts are audited; past `failuresPerMinute` from one address they are answered 429 and no
 * longer audited, so guessing tokens cannot flood the audit chain. A valid token is never throttled
 * here (callers behind one proxy address share the failure count).
 */
export function installAuthentication(app: FastifyInstance, authenticate: Authenticator, now: () => Date, failuresPerMinute = 60): void {
  const failures = new Map<string, { count: number; resetAt: number }>();
  app.decorateRequest("principal", undefined);
  app.addHook("onRequest", async (request) => {
    if (request.routeOptions.config.public || request.routeOptions.url === undefined) return;
    try {
      request.principal = await authenticate(request.headers.authorization, now());
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      if (error.rule === "idp-unavailable") {
        // The caller's token may be fine: our identity provider did not answer. Not a failed login.
        throw new NdcError(
          "NDC_ERR_UNAVAILABLE",
          `${error.message} (the identity provider did not answer)`,
          [{ field: "header.authorization", rule: error.rule, message: error.message }],
          { headers: { "retry-after": "5" } },
        );
      }
      const at = now().getTime();
      const seen = failures.get(request.ip);
      if (!seen || seen.resetAt <= at) {
        if (failures.size > 10_000) failures.clear(); // bounded memory under a spread-out attack
        failures.set(request.ip, { count: 1, resetAt: at + 60_000 });
      } else if (++seen.count > failuresPerMinute) {
        const retry = Math.max(1, Math.ceil((seen.resetAt - at) / 1000));
        throw new NdcError("NDC_ERR_RATE_LIMITED", `too many failed authentications from ${request.ip}; retry in ${retry} s with a valid token`, [], {
          headers: { "retry-after": String(retry) },
        });
      }
      throw new NdcError("NDC_ERR_UNAUTHENTICATED", error.message, [{ field: "header.authorization", rule: error.rule, message: error.message }], {
        denied: { reason: error.rule },
        headers: { "www-authenticate": `Bearer error="invalid_token"` },
      });
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
    throw new NdcError(
      "NDC_ERR_NOT_FOUND",
      environment ? `no environment ${environment} in organization ${org} is visible to you` : `no organization ${org} is visible to you`,
      [],
      { denied },
    );
  }
  throw new NdcError("NDC_ERR_FORBIDDEN", decision.message, [{ field: "header.authorization", rule: decision.rule, message: decision.message }], { denied });
}
