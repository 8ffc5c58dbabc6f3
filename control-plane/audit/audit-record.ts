import { Type, type Static } from "@sinclair/typebox";

const Json = Type.Unknown();

/** What happened, as the caller of `appendAudit` describes it (the store adds seq, id, time and hashes). */
export const AuditEntrySchema = Type.Object(
  {
    actor: Type.String({ description: "subject of the token or JWT; `anonymous` when none was valid" }),
    actorRole: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    action: Type.String({ description: "e.g. environment.approve, auth.denied" }),
    outcome: Type.Union([Type.Literal("allowed"), Type.Literal("denied")]),
    status: Type.Optional(Type.Union([Type.Integer(), Type.Null()], { description: "HTTP status answered" })),
    org: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    target: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: "e.g. environment byt/his-app" })),
    requestId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    before: Type.Optional(Json),
    after: Type.Optional(Json),
    detail: Type.Optional(Json),
  },
  { additionalProperties: false },
);
export type AuditEntry = Static<typeof AuditEntrySchema>;

/** One record of the chain: the entry plus its place, time and hashes. */
export const AuditRecordSchema = Type.Object({
  seq: Type.Integer({ minimum: 1 }),
  id: Type.String(),
  at: Type.String({ format: "date-time" }),
  actor: Type.String(),
  actorRole: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  outcome: Type.Union([Type.Literal("allowed"), Type.Literal("denied")]),
  status: Type.Union([Type.Integer(), Type.Null()]),
  org: Type.Union([Type.String(), Type.Null()]),
  target: Type.Union([Type.String(), Type.Null()]),
  requestId: Type.Union([Type.String(), Type.Null()]),
  before: Json,
  after: Json,
  detail: Json,
  prevHash: Type.String({ description: "hash of the previous record (64 zeros for the first)" }),
  hash: Type.String({ description: "sha256 over prevHash and the canonical JSON of this record" }),
});
export type AuditRecord = Static<typeof AuditRecordSchema>;

/** The result of walking the chain. */
export const AuditVerificationSchema = Type.Object({
  ok: Type.Boolean(),
  checked: Type.Integer({ description: "records read" }),
  headSeq: Type.Union([Type.Integer(), Type.Null()]),
  problems: Type.Array(
    Type.Object({
      seq: Type.Integer({ description: "the record that breaks the chain" }),
      id: Type.Union([Type.String(), Type.Null()]),
      problem: Type.Union([
        Type.Literal("edited"),
        Type.Literal("deleted"),
        Type.Literal("reordered"),
        Type.Literal("truncated"),
        Type.Literal("rewritten"),
        Type.Literal("checkpoint-invalid"),
      ]),
      message: Type.String(),
    }),
    { description: "the first 100 problems" },
  ),
  problemsOmitted: Type.Optional(Type.Integer({ description: "problems found beyond the first 100" })),
  checkpoint: Type.Optional(
    Type.Union(
      [
        Type.Object({
          seq: Type.Integer({ description: "the last record the checkpoint anchors" }),
          hash: Type.String(),
          at: Type.String({ format: "date-time", description: "when it was signed" }),
          keyId: Type.String({ description: "sha256 of the public key, first 16 hex digits" }),
          signature: Type.Union([Type.Literal("valid"), Type.Literal("invalid")]),
        }),
        Type.Null(),
      ],
      { description: "the signed head kept outside the database (NDC_AUDIT_CHECKPOINT_FILE); null when none is configured or written yet" },
    ),
  ),
});
export type AuditVerification = Static<typeof AuditVerificationSchema>;
