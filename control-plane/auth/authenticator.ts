import type { Store, TokenRecord } from "../store/index.ts";
import { bootstrapSubject, hashToken, sameToken } from "./api-tokens.ts";
import { createOidcVerifier, OidcError, type OidcOptions } from "./oidc.ts";
import { ORG_ROLES, type Principal, type Role } from "./principal.ts";

export interface AuthOptions {
  /** A platform-admin token accepted from first start (NDC_BOOTSTRAP_TOKEN), so scripts can mint the rest. */
  readonly bootstrapToken?: string;
  /** OIDC JWT verification; absent: only API tokens are accepted. */
  readonly oidc?: OidcOptions;
}

/** Authentication failed: the rule and a message safe to show. */
export class AuthenticationError extends Error {
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(message);
    this.name = "AuthenticationError";
  }
}

/**
 * Whether the bootstrap token `subject` names has minted its platform admin already (the audit
 * trail's `token.create` by that subject). Pass a transaction's reader to decide under its lock.
 */
export async function bootstrapRetired(reader: Pick<Store, "listAudit">, subject: string): Promise<boolean> {
  return (await reader.listAudit({ actor: subject, action: "token.create", limit: 1 })).length > 0;
}

/** Resolves an `Authorization` header to a principal; `forget()` drops cached API-token lookups (after a revocation). */
export type Authenticator = ((authorization: string | undefined, now: Date) => Promise<Principal>) & { forget(): void };

/** How long an API-token lookup is reused. Another replica sees a revocation within this time. */
export const TOKEN_CACHE_MS = 5_000;

/**
 * API tokens are looked up by their sha256 in the store; anything shaped like a JWT goes to the
 * OIDC verifier; the bootstrap token is compared in constant time.
 */
export function createAuthenticator(store: Store, options: AuthOptions): Authenticator {
  const verifyJwt = options.oidc ? createOidcVerifier(options.oidc) : undefined;
  // A read per request for the same token is most of an authenticated GET; keep lookups briefly.
  const cache = new Map<string, { record: TokenRecord | undefined; until: number }>();
  const lookup = async (hash: string, now: Date): Promise<TokenRecord | undefined> => {
    const hit = cache.get(hash);
    if (hit && hit.until > now.getTime()) return hit.record;
    const record = await store.findToken(hash);
    if (cache.size >= 10_000) cache.clear();
    // Unknown tokens are not cached: guesses must not fill the cache.
    if (record) cache.set(hash, { record, until: now.getTime() + TOKEN_CACHE_MS });
    return record;
  };
  // Once retired, a bootstrap token stays retired: no store read for it again.
  let retiredBootstrap: string | undefined;
  const authenticate = async (authorization: string | undefined, now: Date): Promise<Principal> => {
    if (!authorization) throw new AuthenticationError("token-required", "send Authorization: Bearer <token> (an API token or an OIDC access token)");
    const m = /^Bearer ([A-Za-z0-9._~+/=-]{16,4096})$/.exec(authorization);
    if (!m) throw new AuthenticationError("token-format", "the Authorization header must be `Bearer <token>`");
    const token = m[1]!;
    if (options.bootstrapToken && sameToken(token, options.bootstrapToken)) {
      const subject = bootstrapSubject(options.bootstrapToken);
      if (retiredBootstrap === subject || (await bootstrapRetired(store, subject))) {
        retiredBootstrap = subject;
        throw new AuthenticationError(
          "bootstrap-retired",
          "the bootstrap token has minted the first platform admin and no longer works; use a platform-admin token (or set a new NDC_BOOTSTRAP_TOKEN to mint one more, break-glass)",
        );
      }
      return { subject, roles: ["platform-admin"], via: "bootstrap" };
    }
    if (token.split(".").length === 3) {
      if (!verifyJwt) throw new AuthenticationError("oidc-disabled", "this service does not accept OIDC tokens (NDC_OIDC_ISSUER is not set); use an API token");
      try {
        const principal = await verifyJwt(token);
        const { roles } = principal;
        if (roles.length === 0) throw new AuthenticationError("token-roles", "the token carries no ndc role (claim roles or groups)");
        if (roles.some((r) => ORG_ROLES.includes(r)) && principal.org === undefined) {
          throw new AuthenticationError("token-org", "requester and org-admin tokens need an org claim");
        }
        return principal;
      } catch (error) {
        if (error instanceof OidcError) throw new AuthenticationError(error.rule, error.message);
        throw error;
      }
    }
    const record = await lookup(hashToken(token), now);
    if (!record) throw new AuthenticationError("token-unknown", "the token is not known; ask a platform admin for one (POST /v1/tokens)");
    if (record.revokedAt) throw new AuthenticationError("token-revoked", "the token was revoked");
    if (record.expiresAt && Date.parse(record.expiresAt) <= now.getTime())
      throw new AuthenticationError("token-expired", `the token expired at ${record.expiresAt}`);
    return {
      subject: record.subject,
      roles: [record.role as Role],
      ...(record.org ? { org: record.org } : {}),
      via: "token",
      lineage: record.lineage,
      tokenId: record.id,
      expiresAt: record.expiresAt,
    };
  };
  return Object.assign(authenticate, { forget: () => cache.clear() });
}
