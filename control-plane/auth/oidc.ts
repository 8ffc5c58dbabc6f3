import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload } from "jose";
import { ROLES, type Principal, type Role } from "./principal.ts";

export interface OidcOptions {
  /** Expected `iss` (NDC_OIDC_ISSUER). */
  readonly issuer: string;
  /** Expected `aud` (NDC_OIDC_AUDIENCE). */
  readonly audience: string;
  /** The identity provider's JWKS endpoint (NDC_OIDC_JWKS_URL). */
  readonly jwksUrl?: string;
  /** A JWKS given directly (NDC_OIDC_JWKS_FILE), for air-gapped sites and tests. */
  readonly jwks?: JSONWebKeySet;
  /** Clock tolerance in seconds. @default 30 */
  readonly clockToleranceSeconds?: number;
}

/** Why a JWT was refused; the message is safe to return to the caller. */
export class OidcError extends Error {
  constructor(readonly rule: string, message: string) {
    super(message);
    this.name = "OidcError";
  }
}

/**
 * A verifier of OIDC access tokens against the provider's JWKS (jose). Roles come from the `roles`
 * claim, or from `groups` named after a role (`operator` or `ndc:operator`); the organization from
 * the `org` claim.
 */
export function createOidcVerifier(options: OidcOptions): (jwt: string) => Promise<Principal> {
  if (!options.jwks && !options.jwksUrl) throw new Error("oidc: set NDC_OIDC_JWKS_URL or NDC_OIDC_JWKS_FILE to verify tokens");
  const keys = options.jwks ? createLocalJWKSet(options.jwks) : createRemoteJWKSet(new URL(options.jwksUrl!), { timeoutDuration: 5000 });
  return async (jwt) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(jwt, keys, {
        issuer: options.issuer,
        audience: options.audience,
        clockTolerance: options.clockToleranceSeconds ?? 30,
        algorithms: ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"],
      }));
    } catch (error) {
      const code = (error as { code?: string }).code ?? "";
      if (code === "ERR_JWT_EXPIRED") throw new OidcError("token-expired", "the token has expired; sign in again");
      if (code === "ERR_JWT_CLAIM_VALIDATION_FAILED") throw new OidcError("token-claims", `the token was not issued for this service: ${(error as Error).message}`);
      throw new OidcError("token-signature", "the token's signature does not verify against the identity provider's keys");
    }
    if (typeof payload.sub !== "string" || payload.sub === "") throw new OidcError("token-claims", "the token has no subject (sub)");
    const roles = rolesFromClaims(payload);
    const org = typeof payload.org === "string" && payload.org !== "" ? payload.org : undefined;
    return { subject: payload.sub, roles, ...(org ? { org } : {}), via: "oidc" };
  };
}

/** Roles from `roles` and `groups` claims; unknown names are ignored. */
export function rolesFromClaims(payload: JWTPayload): Role[] {
  const names = [payload.roles, payload.groups].flatMap((v) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []));
  const roles = new Set<Role>();
  for (const name of names) {
    const bare = name.startsWith("ndc:") ? name.slice(4) : name;
    if ((ROLES as readonly string[]).includes(bare)) roles.add(bare as Role);
  }
  return [...roles];
}
