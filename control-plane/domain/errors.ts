import { Type, type Static } from "@sinclair/typebox";

/**
 * The control plane's one error catalogue: each stable `NDC_ERR_*` code with its HTTP status, problem
 * type and title. The workflow, the store's callers and the API throw `NdcError`; the API maps it to
 * RFC 9457 problem+json (`api/errors.ts`). Clients branch on `type` (or `code`), never on `detail`.
 */
export const ERRORS = {
  NDC_ERR_VALIDATION: { status: 400, type: "validation", title: "The request does not match the schema" },
  NDC_ERR_MALFORMED_JSON: { status: 400, type: "malformed-json", title: "The body is not valid JSON" },
  NDC_ERR_UNAUTHENTICATED: { status: 401, type: "unauthenticated", title: "A valid token is required" },
  NDC_ERR_FORBIDDEN: { status: 403, type: "forbidden", title: "The caller's role does not allow this" },
  NDC_ERR_SELF_APPROVAL: { status: 403, type: "self-approval", title: "The approver must not be the requester" },
  NDC_ERR_NOT_FOUND: { status: 404, type: "not-found", title: "Not found" },
  NDC_ERR_METHOD_NOT_ALLOWED: { status: 405, type: "method-not-allowed", title: "The resource does not support this method" },
  NDC_ERR_ENVIRONMENT_EXISTS: { status: 409, type: "environment-exists", title: "An environment of that name exists" },
  NDC_ERR_AGREEMENT_EXISTS: { status: 409, type: "agreement-exists", title: "A sharing agreement of that name exists" },
  NDC_ERR_INVALID_TRANSITION: { status: 409, type: "invalid-transition", title: "The environment's phase does not allow this" },
  NDC_ERR_VERSION_CONFLICT: { status: 409, type: "version-conflict", title: "The environment changed while the request ran" },
  NDC_ERR_PRECONDITION_FAILED: { status: 412, type: "precondition-failed", title: "If-Match does not match the current version" },
  NDC_ERR_PAYLOAD_TOO_LARGE: { status: 413, type: "payload-too-large", title: "The body is too large" },
  NDC_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, type: "unsupported-media-type", title: "The body must be application/json" },
  NDC_ERR_ADMISSION: { status: 422, type: "admission", title: "The environment breaks a placement, capacity or policy rule" },
  NDC_ERR_RULE: { status: 422, type: "rule", title: "The request is well-formed but breaks a rule" },
  NDC_ERR_IDEMPOTENCY_KEY_REUSED: { status: 422, type: "idempotency-key-reused", title: "The Idempotency-Key was used with another request" },
  NDC_ERR_PRECONDITION_REQUIRED: { status: 428, type: "precondition-required", title: "If-Match is required" },
  NDC_ERR_RATE_LIMITED: { status: 429, type: "rate-limited", title: "Too many requests" },
  NDC_ERR_INTERNAL: { status: 500, type: "internal", title: "Internal error" },
  NDC_ERR_UNAVAILABLE: { status: 503, type: "unavailable", title: "The service is not ready" },
} as const satisfies Record<string, { status: number; type: string; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** One broken rule, as returned to the client. */
export const ProblemIssueSchema = Type.Object({
  field: Type.String({ description: "dotted path, e.g. resources.cpu or sites[0]; headers as header.if-match" }),
  rule: Type.String({ description: "stable rule id, e.g. slug-format, site-capacity" }),
  message: Type.String(),
  value: Type.Optional(Type.Unknown({ description: "the value received" })),
});
export type ProblemIssue = Static<typeof ProblemIssueSchema>;

/** How a denied attempt is audited (401, 403, and 404 that hides another organization). */
export interface DeniedAudit {
  readonly org?: string | null;
  readonly target?: string | null;
  readonly reason: string;
}

/** An error of the catalogue; the API answers it with a problem+json body. */
export class NdcError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors: readonly ProblemIssue[];
  /** Set when the attempt must be written to the audit trail as denied. */
  readonly denied: DeniedAudit | undefined;
  readonly headers: Readonly<Record<string, string>>;
  constructor(code: ErrorCode, detail: string, errors: readonly ProblemIssue[] = [], extra: { denied?: DeniedAudit; headers?: Record<string, string> } = {}) {
    super(detail);
    this.name = "NdcError";
    this.code = code;
    this.status = ERRORS[code].status;
    this.errors = errors;
    this.denied = extra.denied;
    this.headers = extra.headers ?? {};
  }
}
