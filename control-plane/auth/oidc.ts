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
  /** Oldest accepted token, from its `iat` (NDC_OIDC_MAX_TOKEN_AGE_SECONDS). @default 3600 */
  readonly maxTokenAgeSeconds?: number;
  /**
   * Roles come only from `groups` or `roles` entries named `<prefix><role>`
   * (NDC_OIDC_ROLE_PREFIX); a bare `operator` group (anyone may create one in many directories)
   * grants nothing. Must end in `:` or `/`. @default "ndc:"
   */
  readonly rolePrefix?: string;
}

/**
 * Why a JWT was refused; the message is safe to return to the caller. The rule `idp-unavailable`
 * means the identity provider could not be asked (its keys did not load), not that the token is bad.
 */
export class OidcError extends Error {
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(message);
    this.name = "OidcError";
  }
}

/** The default role prefix: `ndc:operator`, `ndc:platform-admin`. */
export const DEFAULT_ROLE_PREFIX = "ndc:";

/**
 * The subject an OIDC caller acts as: `<issuer>#<sub>`. API-token subjects cannot contain `#`, so
 * the two never collide (a token minted for "alice" is not the IdP's "alice"), and the same `sub`
 * from another issuer is another identity.
 */
export function oidcSubject(issuer: string, sub: string): string {
  return `${issuer}#${sub}`;
}

/** jose's errors that mean the key set could not be fetched (timeout, HTTP error, bad JSON), not a bad token. */
const KEYS_UNAVAILABLE = new Set(["ERR_JWKS_TIMEOUT", "ERR_JWKS_INVALID", "ERR_JOSE_GENERIC"]);

/**
 * A verifier of OIDC access tokens against the provider's JWKS (jose): `exp` and `iat` are
 * required and the token may be at most `maxTokenAgeSeconds` old; roles come from `<rolePrefix><role>`
 * entries of the `groups` or `roles` claims; the organization from the `org` claim.
 */
export function createOidcVerifier(options: OidcOptions): (jwt: string) => Promise<Principal> {
  if (!options.jwks && !options.jwksUrl) throw new Error("oidc: set NDC_OIDC_JWKS_URL or NDC_OIDC_JWKS_FILE to verify tokens");
  const rolePrefix = options.rolePrefix ?? DEFAULT_ROLE_PREFIX;
  if (!/^[A-Za-z0-9._-]+[:/]$/.test(rolePrefix))
    throw new Error(`oidc: the role prefix must be a namespace ending in ":" or "/", e.g. ndc: (got ${JSON.stringify(rolePrefix)})`);
  const maxAge = options.maxTokenAgeSeconds ?? 3600;
  const keys = options.jwks ? createLocalJWKSet(options.jwks) : createRemoteJWKSet(new URL(options.jwksUrl!), { timeoutDuration: 5000 });
  return async (jwt) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(jwt, keys, {
        issuer: options.issuer,
        audience: options.audience,
        clockTolerance: options.clockToleranceSeconds ?? 30,
        requiredClaims: ["exp", "iat", "sub"],
        maxTokenAge: maxAge,
        algorithms: ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"],
      }));
    } catch (error) {
      const { code, claim, reason } = error as { code?: string; claim?: string; reason?: string };
      if (code === "ERR_JWT_EXPIRED" && claim === "iat") throw new OidcError("token-too-old", `the token was issued more than ${maxAge} s ago; sign in again`);
      if (code === "ERR_JWT_EXPIRED") throw new OidcError("token-expired", "the token has expired; sign in again");
      if (code === "ERR_JWT_CLAIM_VALIDATION_FAILED" && reason === "missing") {
        throw new OidcError(`token-${claim}-required`, `the token has no ${claim} claim; this service accepts only tokens with exp, iat and sub`);
      }
      if (code === "ERR_JWT_CLAIM_VALIDATION_FAILED")
        throw new OidcError("token-claims", `the token was not issued for this service: ${(error as Error).message}`);
      // Not a verdict on the token: the keys could not be loaded (timeout, refused connection, HTTP error).
      if (code === undefined || KEYS_UNAVAILABLE.has(code))
        throw new OidcError("idp-unavailable", "the identity provider's keys could not be loaded; retry shortly");
      throw new OidcError("token-signature", "the token's signature does not verify against the identity provider's keys");
    }
    if (typeof payload.sub !== "string" || payload.sub === "") throw new OidcError("token-claims", "the token has no subject (sub)");
    // The subject is written to the audit trail and compared for four eyes: printable, bounded.
    // eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
    if (payload.sub.length > 255 || /[\u0000-\u001f\u007f]/.test(payload.sub))
      throw new OidcError("token-claims", "the token's subject (sub) has control characters or is longer than 255 characters");
    const roles = rolesFromClaims(payload, rolePrefix);
    const org = typeof payload.org === "string" && payload.org !== "" ? payload.org : undefined;
    // The sign-in ends at exp (required above): what it mints may not outlive it (POST /v1/tokens).
    const expiresAt = new Date(payload.exp! * 1000).toISOString();
    return { subject: oidcSubject(options.issuer, payload.sub), roles, ...(org ? { org } : {}), via: "oidc", expiresAt };
  };
}

/** Roles from `roles` and `groups` entries named `<prefix><role>`; bare and unknown names are ignored. */
export function rolesFromClaims(payload: JWTPayload, prefix: string = DEFAULT_ROLE_PREFIX): Role[] {
  const names = [payload.roles, payload.groups].flatMap((v) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []));
  const roles = new Set<Role>();
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const bare = name.slice(prefix.length);
    if ((ROLES as readonly string[]).includes(bare)) roles.add(bare as Role);
  }
  return [...roles];
}
