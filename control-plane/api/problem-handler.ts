import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { auditSlug, auditText, type AuditEntry } from "../audit/index.ts";
import type { Store } from "../store/index.ts";
import { DenialCoalescer, type DenialAuditLimits, type DenialSummary } from "./denial-audit.ts";
import { NdcError, problem, type ErrorCode } from "./errors.ts";

/** The action of the record that stands for an authenticated caller's denials beyond the limits. */
export const DENIALS_COALESCED = "request.denied.coalesced";

export interface ProblemHandlerOptions {
  /** Clock (tests). @default () => new Date() */
  readonly now?: () => Date;
  /** How many denials of one authenticated caller are recorded one by one per minute. */
  readonly deniedAudit?: DenialAuditLimits;
}

/**
 * Every error becomes RFC 9457 problem+json from the catalogue; denied attempts (401, 403, and a
 * 404 that hides another organization) are appended to the audit trail before answering. An
 * authenticated caller's denials are recorded one by one up to the limits of `deniedAudit` per minute
 * (10 per route and organization, 60 in all); the rest are counted and written as one
 * `request.denied.coalesced` record per route and organization when the minute is over (at the
 * caller's next denial, at the next minute's sweep, or when the service stops). Unauthenticated
 * attempts are bounded per address by the authentication hook (429) and are all recorded.
 */
export function installProblemHandler(
  app: FastifyInstance,
  store: Store,
  onDenied: (status: number) => void = () => {},
  allowed: (path: string) => string[] = () => [],
  options: ProblemHandlerOptions = {},
): void {
  const now = options.now ?? (() => new Date());
  const coalescer = new DenialCoalescer(options.deniedAudit);
  const writeSummaries = async (summaries: DenialSummary[], at: number) => {
    for (let i = 0; i < summaries.length; i++) {
      try {
        await store.appendAudit(summaryEntry(summaries[i]!));
      } catch (error) {
        coalescer.restore(summaries.slice(i), at);
        throw error;
      }
    }
  };
  const sweep = async (all: boolean) => {
    const at = now().getTime();
    try {
      await writeSummaries(coalescer.drain(at, all), at);
    } catch (error) {
      app.log.error({ err: error }, "could not write the summary of coalesced denials; kept for the next sweep");
    }
  };
  const timer = setInterval(() => void sweep(false), 60_000);
  timer.unref();
  app.addHook("onClose", async () => {
    clearInterval(timer);
    await sweep(true);
  });
  app.setErrorHandler(async (error: FastifyError | NdcError, request, reply) => {
    const ndc = toNdcError(error);
    if (ndc.status >= 500) request.log.error({ err: error }, "request failed");
    if (ndc.denied || ndc.code === "NDC_ERR_UNAUTHENTICATED" || ndc.code === "NDC_ERR_FORBIDDEN") {
      try {
        const entry = deniedEntry(request, ndc);
        let record = true;
        if (request.principal) {
          const at = now().getTime();
          const detail = entry.detail as { reason: string | null; actorOrg: string | null };
          const decision = coalescer.admit(
            {
              subject: entry.actor,
              role: entry.actorRole ?? null,
              org: entry.org ?? null,
              action: `${request.method} ${request.routeOptions.url ?? "(unmatched)"}`,
              status: ndc.status,
              reason: detail.reason,
              actorOrg: detail.actorOrg,
            },
            at,
          );
          await writeSummaries(decision.summaries, at);
          record = decision.record;
        }
        if (record) await store.appendAudit(entry);
      } catch (auditError) {
        // No answer goes out without its audit record: a denial we cannot record is an outage.
        request.log.error({ err: auditError }, "could not audit a denied attempt");
        return sendProblem(
          reply,
          request,
          new NdcError("NDC_ERR_UNAVAILABLE", "the audit trail could not be written, so the request was not answered; retry shortly", [], {
            headers: { "retry-after": "5" },
          }),
        );
      }
      onDenied(ndc.status);
    }
    return sendProblem(reply, request, ndc);
  });
  // A known path asked with another method: 405 with Allow, before any body is read (QUERY and
  // other body methods would otherwise fail on their Content-Type first).
  app.addHook("onRequest", async (request) => {
    if (request.routeOptions.url !== undefined) return;
    const path = request.url.split("?")[0]!;
    const methods = allowed(path);
    if (methods.length === 0) return;
    const detail = `${path} supports ${methods.join(", ")}, not ${request.method}; see GET /openapi.json`;
    throw new NdcError(
      "NDC_ERR_METHOD_NOT_ALLOWED",
      detail,
      [{ field: "(method)", rule: "method-allowed", message: `must be one of ${methods.join(", ")}`, value: request.method }],
      { headers: { allow: methods.join(", ") } },
    );
  });
  app.setNotFoundHandler(async (request, reply) =>
    sendProblem(reply, request, new NdcError("NDC_ERR_NOT_FOUND", `no route ${request.method} ${request.url.split("?")[0]}; see GET /openapi.json`)),
  );
}

/** Answers with the problem+json of an error (also for errors Fastify raises before routing). */
export function sendProblem(reply: FastifyReply, request: FastifyRequest, error: NdcError) {
  for (const [k, v] of Object.entries(error.headers)) reply.header(k, v);
  return reply
    .code(error.status)
    .type("application/problem+json")
    .send(problem(error.code, error.message, error.errors, { instance: request.url.split("?")[0]!, requestId: request.id }));
}

const ISSUE_BY_CODE: Partial<Record<ErrorCode, { field: string; rule: string; message: string }>> = {
  NDC_ERR_PAYLOAD_TOO_LARGE: { field: "(body)", rule: "body-size", message: "is larger than the service accepts; send only the environment spec" },
  NDC_ERR_UNSUPPORTED_MEDIA_TYPE: { field: "header.content-type", rule: "media-type", message: "must be application/json" },
};

/** Maps Fastify's and plugins' errors onto the catalogue. */
export function toNdcError(error: FastifyError | NdcError | Error): NdcError {
  if (error instanceof NdcError) return error;
  const e = error as FastifyError;
  const byCode: Partial<Record<string, [ErrorCode, string]>> = {
    FST_ERR_CTP_INVALID_JSON_BODY: ["NDC_ERR_MALFORMED_JSON", `the body is not valid JSON: ${e.message}`],
    FST_ERR_CTP_EMPTY_JSON_BODY: ["NDC_ERR_MALFORMED_JSON", "the body is empty; send a JSON object"],
    FST_ERR_CTP_BODY_TOO_LARGE: ["NDC_ERR_PAYLOAD_TOO_LARGE", "the body is larger than the limit; environment specs are small, check what you send"],
    FST_ERR_CTP_INVALID_MEDIA_TYPE: ["NDC_ERR_UNSUPPORTED_MEDIA_TYPE", "send Content-Type: application/json"],
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: ["NDC_ERR_MALFORMED_JSON", "Content-Length does not match the body"],
  };
  const mapped = e.code ? byCode[e.code] : undefined;
  if (mapped) return new NdcError(mapped[0], mapped[1], [ISSUE_BY_CODE[mapped[0]] ?? { field: "(body)", rule: "json-syntax", message: mapped[1] }]);
  if (error instanceof SyntaxError || (e.statusCode === 400 && /JSON|prototype/i.test(e.message))) {
    const detail = `the body is not valid JSON: ${e.message}`;
    return new NdcError("NDC_ERR_MALFORMED_JSON", detail, [{ field: "(body)", rule: "json-syntax", message: detail }]);
  }
  if (e.statusCode === 429) return new NdcError("NDC_ERR_RATE_LIMITED", e.message);
  if (e.statusCode === 413) return new NdcError("NDC_ERR_PAYLOAD_TOO_LARGE", e.message);
  if (e.statusCode === 415) return new NdcError("NDC_ERR_UNSUPPORTED_MEDIA_TYPE", e.message);
  if (e.statusCode === 404) return new NdcError("NDC_ERR_NOT_FOUND", e.message);
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) return new NdcError("NDC_ERR_VALIDATION", e.message);
  return new NdcError("NDC_ERR_INTERNAL", "an internal error occurred; the request id identifies it in the logs");
}

/**
 * The denied attempt as an audit record. Nothing from the path is written raw: the organization
 * only when it is a plain slug, the target and path encoded (NUL, CR, LF and the like as %XX).
 */
function deniedEntry(request: FastifyRequest, error: NdcError): AuditEntry {
  const rawOrg = error.denied?.org ?? (request.params as { org?: string } | undefined)?.org ?? null;
  const target = error.denied?.target ?? null;
  return {
    actor: request.principal ? auditText(request.principal.subject, 300) : "anonymous",
    actorRole: request.principal?.roles.join(",") ?? null,
    action: "request.denied",
    outcome: "denied",
    status: error.status,
    org: auditSlug(rawOrg),
    target: target === null ? null : auditText(target, 300),
    requestId: request.id,
    detail: {
      method: request.method,
      route: request.routeOptions.url ?? null,
      path: auditText(request.url.split("?")[0]!),
      code: error.code,
      reason: error.denied?.reason ?? error.errors[0]?.rule ?? null,
      // Whose attempt it was, so an organization's auditor is shown only its own people by name.
      actorOrg: request.principal?.org ?? null,
    },
  };
}

/** The record standing for one caller's denials of one route and organization that were counted, not recorded. */
function summaryEntry(s: DenialSummary): AuditEntry {
  const [status] = Object.entries(s.statuses).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0] ?? [];
  return {
    actor: s.subject,
    actorRole: s.role,
    action: DENIALS_COALESCED,
    outcome: "denied",
    status: status === undefined ? null : Number(status),
    org: s.org,
    target: null,
    requestId: null,
    detail: {
      route: auditText(s.action, 300),
      count: s.count,
      from: s.from,
      until: s.until,
      first: s.first,
      last: s.last,
      statuses: s.statuses,
      reasons: s.reasons,
      actorOrg: s.actorOrg,
    },
  };
}
