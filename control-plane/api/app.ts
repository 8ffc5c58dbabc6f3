import { createHash, randomUUID } from "node:crypto";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { POLICY, type Platform, type Policy } from "../../model/index.ts";
import { createAuthenticator, type AuthOptions } from "../auth/index.ts";
import { createMetrics, installMetrics, type ControlPlaneMetrics } from "../metrics/index.ts";
import type { Store } from "../store/index.ts";
import { EnvironmentRequests, SharingAgreements } from "../workflow/index.ts";
import { approvalRoutes } from "./approvals.ts";
import { anchorAuditHead, type AnchorOutcome } from "../audit/index.ts";
import { auditRoutes, type AuditCheckpointOptions } from "./audit.ts";
import { installAuthentication } from "./authentication.ts";
import { environmentRoutes } from "./environments.ts";
import { NdcError } from "./errors.ts";
import { healthRoutes } from "./health.ts";
import { identityRoutes } from "./identity.ts";
import { portalRoutes, type PortalRoutesOptions } from "../portal/index.ts";
import { platformRoutes } from "./platform-info.ts";
import { reportRoutes } from "./reports.ts";
import { sharingRoutes } from "./sharing-agreements.ts";
import { allowedMethods } from "./allowed-methods.ts";
import type { DenialAuditLimits } from "./denial-audit.ts";
import { installProblemHandler, sendProblem } from "./problem-handler.ts";
import { documentGenericResponses } from "./generic-responses.ts";
import { tokenRoutes } from "./tokens.ts";
import { typeboxValidatorCompiler } from "./_validator-compiler.ts";

export interface AppOptions {
  readonly store: Store;
  readonly platform: Platform;
  /** @default POLICY */
  readonly policy?: Policy;
  /** Bootstrap token and OIDC. @default API tokens only */
  readonly auth?: AuthOptions;
  /** Pino options or false. @default false (tests); server.ts passes JSON logs with redaction */
  readonly logger?: FastifyServerOptions["logger"];
  /** Largest accepted body in bytes. @default 65536 (a spec is ~1 KiB) */
  readonly bodyLimit?: number;
  /** Requests per token (or per address when unauthenticated) per window; false disables. @default { max: 1200, windowMs: 60000 } */
  readonly rateLimit?: { readonly max: number; readonly windowMs: number } | false;
  /** Trust X-Forwarded-For from these proxies (Fastify `trustProxy`), so per-address limits see clients. @default false */
  readonly trustProxy?: FastifyServerOptions["trustProxy"];
  /** Failed authentications per address per minute before 429. @default 60 */
  readonly authFailuresPerMinute?: number;
  /** Clock (tests). @default () => new Date() */
  readonly now?: () => Date;
  /** Process metrics (CPU, memory, event loop) on /metrics. @default true */
  readonly defaultMetrics?: boolean;
  /** Sign the audit chain's head into a file outside the database, periodically. @default none (verify cannot detect truncation) */
  readonly auditCheckpoint?: AuditCheckpointOptions;
  /** Denial records per authenticated subject per minute before they are coalesced. @default 10 per route and organization, 60 in all */
  readonly deniedAudit?: DenialAuditLimits;
  /** When set, GET /metrics needs `Authorization: Bearer <metricsToken>` (NDC_METRICS_TOKEN). @default open */
  readonly metricsToken?: string;
  /** The web portal served at `/` (built by buildPortal()). @default none: the API only */
  readonly portal?: PortalRoutesOptions;
}

/** The pino options the server uses: JSON lines, and never a token. */
export const LOGGER_OPTIONS: { level: string; redact: { paths: string[]; censor: string } } = {
  level: process.env.LOG_LEVEL ?? "info",
  redact: { paths: ["req.headers.authorization", "req.headers.cookie", "headers.authorization", "authorization", "token"], censor: "[redacted]" },
};

declare module "fastify" {
  interface FastifyInstance {
    /** The parts buildApp wired together, for server.ts and tests. */
    ndc: {
      readonly metrics: ControlPlaneMetrics;
      readonly requests: EnvironmentRequests;
      readonly agreements: SharingAgreements;
      readonly store: Store;
      readonly platform: Platform;
      /** Every route registered (method, URL pattern), HEAD excluded: what the OpenAPI document must cover. */
      readonly routes: readonly { method: string; url: string }[];
      /** Signs the audit head into the checkpoint file now (also done every `auditCheckpoint.intervalMs`). */
      readonly anchorAudit: () => Promise<AnchorOutcome | undefined>;
    };
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Builds the control plane's HTTP API (without listening): one plugin per feature, schemas as the
 * only types, problem+json errors from one catalogue, authentication and denied-attempt audit,
 * rate limits, metrics and the OpenAPI 3.1 document.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const now = options.now ?? (() => new Date());
  const { store, platform } = options;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 65_536,
    // Accept a caller's request id only when it is short and plain (it goes into logs and audit).
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    trustProxy: options.trustProxy ?? false,
    // A slow client cannot hold a connection for long (slowloris); a request never needs 30 s.
    requestTimeout: 30_000,
    // Long path parameters reach the route, whose schema answers 400 naming the parameter and its
    // maxLength (the request line itself is bounded by Node's 16 KiB header limit).
    routerOptions: { maxParamLength: 8_192 },
    // A path the router cannot decode (%zz) is a bad request, answered as problem+json like the rest.
    frameworkErrors: (error, request, reply) => {
      reply.header("x-request-id", request.id);
      void sendProblem(
        reply,
        request,
        new NdcError("NDC_ERR_VALIDATION", `the URL is not valid: ${error.message}`, [
          { field: "(path)", rule: "url-encoding", message: "must be a valid percent-encoded path" },
        ]),
      );
    },
  });
  // JSON only: anything else is 415 rather than a string the schema then rejects.
  app.removeContentTypeParser("text/plain");
  // An empty body sent as JSON (clients that always set the header) is "no body", not a syntax
  // error: approve/decommission take none, and routes that need one say "(body) required".
  const json = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) =>
    body === "" ? done(null, null) : json(request, body as string, done),
  );
  app.setValidatorCompiler(typeboxValidatorCompiler);
  // Replies are built by presenters from records; JSON.stringify keeps every field they chose.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.addHook("onSend", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });

  const routes: { method: string; url: string }[] = [];
  const rateLimited = options.rateLimit !== false;
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) if (method !== "HEAD") routes.push({ method, url: route.url });
    documentGenericResponses(route, rateLimited);
  });

  const metrics = createMetrics({ store, platform, defaultMetrics: options.defaultMetrics ?? true });
  const requests = new EnvironmentRequests({ store, platform, policy: options.policy ?? POLICY });
  const agreements = new SharingAgreements({ store, platform, policy: options.policy ?? POLICY, work: requests.work });

  installProblemHandler(app, store, (status) => metrics.deniedRequests.inc({ status: String(status) }), allowedMethods(routes), {
    now,
    ...(options.deniedAudit ? { deniedAudit: options.deniedAudit } : {}),
  });
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "ndc-platform control plane",
        version: "1.0.0",
        description: "Request, approve and audit tenant environments of the national data center. Errors are RFC 9457 problem+json with a stable `type`.",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "an API token (POST /v1/tokens) or an OIDC access token" } } },
      security: [{ bearer: [] }],
      tags: ["environments", "approvals", "organizations", "sites", "sharing", "audit", "tokens", "reports", "operations"].map((name) => ({ name })),
    },
  });
  if (options.rateLimit !== false) {
    const limit = options.rateLimit ?? { max: 1200, windowMs: 60_000 };
    await app.register(rateLimit, {
      global: true,
      max: limit.max,
      timeWindow: limit.windowMs,
      // Per token (hashed, never the token itself), else per address.
      keyGenerator: (req) => {
        const auth = req.headers.authorization;
        return auth ? `t:${createHash("sha256").update(auth).digest("hex").slice(0, 32)}` : `ip:${req.ip}`;
      },
      errorResponseBuilder: (_req, ctx) =>
        new NdcError(
          "NDC_ERR_RATE_LIMITED",
          `more than ${ctx.max} requests per ${Math.round(limit.windowMs / 1000)} s for this token; retry after ${ctx.after}`,
          [],
          {
            headers: { "retry-after": String(Math.max(1, Math.ceil(ctx.ttl / 1000))) },
          },
        ),
    });
  }
  const authenticator = createAuthenticator(store, options.auth ?? {});
  installAuthentication(app, authenticator, now, options.authFailuresPerMinute ?? 60);
  installMetrics(app, metrics, options.metricsToken);

  await app.register(healthRoutes, { store, platform });
  await app.register(identityRoutes);
  if (options.portal) await app.register(portalRoutes, options.portal);
  await app.register(platformRoutes, { store, platform });
  await app.register(environmentRoutes, { requests, store, platform, now });
  await app.register(approvalRoutes, { requests, now });
  await app.register(auditRoutes, { store, checkpoint: options.auditCheckpoint, onVerified: (ok) => metrics.auditVerified(ok) });
  await app.register(sharingRoutes, { agreements, store, now });
  await app.register(reportRoutes, { store, platform, policy: options.policy ?? POLICY, now });
  const checkpoint = options.auditCheckpoint;
  const anchorAudit = async (): Promise<AnchorOutcome | undefined> => {
    if (!checkpoint) return undefined;
    const outcome = await anchorAuditHead(store, checkpoint.file, checkpoint.privateKey, now());
    if ("refused" in outcome) app.log.error({ checkpoint: checkpoint.file }, `audit checkpoint not written: ${outcome.refused}`);
    return outcome;
  };
  if (checkpoint) {
    const timer = setInterval(
      () => void anchorAudit().catch((error: unknown) => app.log.error({ err: error }, "audit checkpoint failed")),
      checkpoint.intervalMs ?? 60_000,
    );
    timer.unref();
    app.addHook("onClose", async () => clearInterval(timer));
  }
  await app.register(tokenRoutes, { store, platform, now, policy: options.policy ?? POLICY, onRevoke: () => authenticator.forget() });
  app.get(
    "/openapi.json",
    {
      config: { public: true, rateLimit: false },
      schema: {
        operationId: "getOpenApi",
        tags: ["operations"],
        summary: "This API as OpenAPI 3.1",
        security: [],
        response: { 200: { description: "this document", content: { "application/json": { schema: { type: "object" } } } } },
      },
    },
    async () => app.swagger(),
  );
  app.decorate("ndc", { metrics, requests, agreements, store, platform, routes, anchorAudit });
  return app;
}
