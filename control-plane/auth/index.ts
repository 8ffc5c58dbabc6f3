// Authentication (API tokens, OIDC JWTs, the bootstrap token) and authorization (roles per organization).
export * from "./principal.ts";
export * from "./permissions.ts";
export * from "./api-tokens.ts";
export * from "./oidc.ts";
export * from "./authenticator.ts";
export * from "./duration-pattern.ts";
export * from "./token-subjects.ts";
