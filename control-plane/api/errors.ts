import { Type, type Static } from "@sinclair/typebox";
import { ERRORS, type ErrorCode, type ProblemIssue, ProblemIssueSchema } from "../domain/index.ts";

// The catalogue lives in the control plane (domain/errors.ts); re-exported for the API's plugins.
export { ERRORS, NdcError, ProblemIssueSchema, type DeniedAudit, type ErrorCode, type ProblemIssue } from "../domain/index.ts";

/** Base of every problem `type` URI (RFC 9457); the path after it is stable. */
export const PROBLEM_BASE = "https://ndc.gov.vn/problems/";

/** RFC 9457 problem details with our extensions `code`, `requestId` and `errors`. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ format: "uri" }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.Optional(Type.String()),
    code: Type.String({ description: "NDC_ERR_* code from the catalogue" }),
    requestId: Type.Optional(Type.String()),
    errors: Type.Array(ProblemIssueSchema),
  },
  { $id: "Problem", description: "RFC 9457 problem details" },
);
export type Problem = Static<typeof ProblemSchema>;

/** The problem body for a code. */
export function problem(
  code: ErrorCode,
  detail: string,
  errors: readonly ProblemIssue[] = [],
  context: { instance?: string; requestId?: string } = {},
): Problem {
  const entry = ERRORS[code];
  return {
    type: `${PROBLEM_BASE}${entry.type}`,
    title: entry.title,
    status: entry.status,
    detail,
    ...(context.instance ? { instance: context.instance } : {}),
    code,
    ...(context.requestId ? { requestId: context.requestId } : {}),
    errors: [...errors],
  };
}
