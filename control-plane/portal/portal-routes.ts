import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { PortalAssets, PortalFile } from "./build.ts";

/** Where the portal sends people to sign in with the identity provider (authorization code + PKCE). */
export interface PortalOidc {
  /** The provider's issuer (shown, and the origin the token call may reach). */
  readonly issuer: string;
  /** The client id registered for the portal; also the audience the API checks. */
  readonly clientId: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  /** @default "openid" */
  readonly scope?: string;
}

export interface PortalRoutesOptions {
  readonly assets: PortalAssets;
  /** Offer "sign in with your organization's account". @default token sign-in only */
  readonly oidc?: PortalOidc;
}

/**
 * The Content-Security-Policy of every portal response: scripts and styles only from this service
 * (no inline script, no eval, no CDN), API calls only to this origin (and the identity provider's
 * token endpoint when OIDC is configured), never framed, no <base> or form to elsewhere.
 */
export function portalCsp(oidc?: PortalOidc): string {
  const connect = ["'self'", ...(oidc ? [new URL(oidc.tokenEndpoint).origin] : [])];
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${connect.join(" ")}`,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join("; ");
}

/**
 * Serves the portal at `/` from memory: index.html, /portal/app.js, /portal/app.css and
 * /portal/config.json (what sign-in needs). Public (the page holds no data; the API checks every
 * call), hidden from the OpenAPI document. The token stays in the browser tab and travels only in
 * the Authorization header, so cookies — and with them CSRF — play no part.
 */
export const portalRoutes: FastifyPluginAsync<PortalRoutesOptions> = async (app, { assets, oidc }) => {
  const csp = portalCsp(oidc);
  const secure = (reply: FastifyReply) =>
    reply
      .header("content-security-policy", csp)
      .header("x-content-type-options", "nosniff")
      .header("x-frame-options", "DENY")
      .header("referrer-policy", "no-referrer")
      .header("cross-origin-opener-policy", "same-origin")
      .header("cross-origin-resource-policy", "same-origin");
  const send = (request: FastifyRequest, reply: FastifyReply, file: PortalFile) => {
    secure(reply).header("etag", file.etag).header("cache-control", "no-cache");
    if (request.headers["if-none-match"] === file.etag) return reply.code(304).send();
    return reply.type(file.contentType).send(file.body);
  };
  const config = { public: true } as const;
  const schema = { hide: true } as const;

  app.get("/", { config, schema }, async (request, reply) => send(request, reply, assets.index));
  app.get<{ Params: { file: string } }>("/portal/:file", { config, schema }, async (request, reply) => {
    const found = assets.files.get(request.params.file);
    if (!found) return secure(reply).code(404).type("text/plain; charset=utf-8").send("not found");
    return send(request, reply, found);
  });
  app.get("/portal/config.json", { config, schema }, async (_request, reply) => {
    secure(reply).header("cache-control", "no-store");
    return reply.type("application/json; charset=utf-8").send(
      JSON.stringify({
        oidc: oidc
          ? {
              issuer: oidc.issuer,
              clientId: oidc.clientId,
              authorizationEndpoint: oidc.authorizationEndpoint,
              tokenEndpoint: oidc.tokenEndpoint,
              scope: oidc.scope ?? "openid",
            }
          : null,
      }),
    );
  });
};
