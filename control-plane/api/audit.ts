import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { AuditRecordSchema, AuditVerificationSchema, checkpointSignatureValid, readCheckpoint, type AuditRecord } from "../audit/index.ts";
import type { KeyObject } from "node:crypto";
import { inCharacters, SlugSchema } from "../../model/index.ts";
import type { Store } from "../store/index.ts";
import { requirePermission } from "./authentication.ts";
import { NdcError } from "./errors.ts";
import { toStoredInstant } from "./_formats.ts";
import { decodeCursor, encodeCursor } from "./_presenters.ts";
import type { TypeBoxProvider } from "./_type-provider.ts";
import { Page, PageQuerySchema, problems } from "./schemas.ts";

const TAGS = ["audit"];

/** An RFC 3339 time with its offset; compared as an instant (a +07:00 time is converted to UTC). */
const DateTime = (bound: string) =>
  Type.String({
    format: "date-time",
    maxLength: 40,
    description: `RFC 3339 date-time with an offset, ${bound}, e.g. 2026-01-31T00:00:00Z or 2026-01-31T07:00:00+07:00`,
    "x-message": "must be an RFC 3339 date-time with an offset, e.g. 2026-01-31T00:00:00Z or 2026-01-31T07:00:00+07:00",
  });

/** Where the signed checkpoint of the chain's head is kept, and the key that signs it. */
export interface AuditCheckpointOptions {
  /** A file outside the database (NDC_AUDIT_CHECKPOINT_FILE) the database user cannot write. */
  readonly file: string;
  /** Ed25519 private key (NDC_AUDIT_CHECKPOINT_KEY_FILE, PKCS#8 PEM). */
  readonly privateKey: KeyObject;
  /** How often the head is signed. @default 60000 */
  readonly intervalMs?: number;
}

/** What an organization's auditor reads instead of another organization's subject. */
export const REDACTED_ACTOR = "(another organization)";

/**
 * A record as an organization-scoped reader sees it: a denied attempt on its data by someone of
 * another organization (or whose organization was not recorded) keeps its time, status and reason
 * but not who it was — one organization never learns another's people.
 */
function withoutOtherOrganizations(record: AuditRecord, org: string): AuditRecord {
  if (record.action !== "request.denied" || record.actor === "anonymous") return record;
  const actorOrg = (record.detail as { actorOrg?: string | null } | null)?.actorOrg;
  if (actorOrg === org) return record;
  return { ...record, actor: REDACTED_ACTOR, actorRole: null };
}

/**
 * The audit targets of the sharing agreements `org` consumes from another organization
 * (`sharing-agreement <provider>/<name>`): their offer, decisions and policies are recorded under the
 * provider, and the consumer may read them.
 */
export async function consumedAgreementTargets(store: Pick<Store, "listAgreements">, org: string): Promise<string[]> {
  const targets: string[] = [];
  let after: readonly [string, string] | undefined;
  for (;;) {
    const page = await store.listAgreements({ org, limit: 500, ...(after ? { after } : {}) });
    for (const a of page) if (a.consumerOrg === org && a.providerOrg !== org) targets.push(`sharing-agreement ${a.providerOrg}/${a.name}`);
    if (page.length < 500) return targets;
    after = [page.at(-1)!.providerOrg, page.at(-1)!.name];
  }
}

/** The audit trail: filtered pages of records, and verification of the hash chain. */
export const auditRoutes: FastifyPluginAsync<{
  readonly store: Store;
  readonly checkpoint?: AuditCheckpointOptions | undefined;
  /** Told every verification's outcome (the metrics an alert watches). */
  readonly onVerified?: (ok: boolean) => void;
}> = async (plain, { store, checkpoint, onVerified }) => {
  const app = plain.withTypeProvider<TypeBoxProvider>();

  app.get(
    "/v1/audit",
    {
      schema: {
        operationId: "listAudit",
        tags: TAGS,
        summary:
          "Audit records in chain order (auditor, operator, platform-admin); an org-scoped caller sees its organization's, and those of the sharing agreements it consumes",
        querystring: Type.Object(
          {
            org: Type.Optional(SlugSchema("organization slug", 64)),
            action: Type.Optional(
              Type.String({ minLength: 1, maxLength: 100, pattern: "^[a-z][a-z0-9.-]*$", description: "e.g. environment.approve, request.denied" }),
            ),
            actor: Type.Optional(inCharacters({ minLength: 1, maxLength: 200 })),
            target: Type.Optional(inCharacters({ minLength: 1, maxLength: 300, description: "e.g. environment byt/his-app" })),
            outcome: Type.Optional(Type.Union([Type.Literal("allowed"), Type.Literal("denied")])),
            since: Type.Optional(DateTime("inclusive")),
            until: Type.Optional(DateTime("exclusive")),
            ...PageQuerySchema("seq"),
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(AuditRecordSchema), ...problems(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const principal = requirePermission(request, "audit:read");
      const q = request.query;
      // An org-scoped auditor reads its own organization's records, whatever it asks for, and the
      // records of the sharing agreements it consumes (kept under their provider): nothing else of the provider.
      const org = principal.org ?? q.org;
      const orTargets = principal.org !== undefined ? await consumedAgreementTargets(store, principal.org) : [];
      const limit = q.limit ?? 50;
      const afterSeq = decodeCursor<number>(q.cursor, "number");
      const rows = await store.listAudit({
        limit: limit + 1,
        ...(org !== undefined ? { org } : {}),
        ...(orTargets.length > 0 ? { orTargets } : {}),
        ...(q.action ? { action: q.action } : {}),
        ...(q.actor ? { actor: q.actor } : {}),
        ...(q.target ? { target: q.target } : {}),
        ...(q.outcome ? { outcome: q.outcome } : {}),
        ...(q.since ? { since: toStoredInstant(q.since) } : {}),
        ...(q.until ? { until: toStoredInstant(q.until) } : {}),
        ...(afterSeq !== undefined ? { afterSeq } : {}),
      });
      const items = rows.slice(0, limit).map((r) => (principal.org === undefined ? r : withoutOtherOrganizations(r, principal.org)));
      return { items, ...(rows.length > limit ? { nextCursor: encodeCursor(items[items.length - 1]!.seq) } : {}) };
    },
  );

  app.get(
    "/v1/audit/verify",
    {
      schema: {
        operationId: "verifyAudit",
        tags: TAGS,
        summary: "Walk the hash chain; names each record that was edited, deleted or reordered",
        response: { 200: AuditVerificationSchema, ...problems(401, 403, 429) },
      },
    },
    async (request) => {
      const result = await verifyChain(request);
      onVerified?.(result.ok);
      return result;
    },
  );

  /** The chain checked against the signed checkpoint (when configured). */
  async function verifyChain(request: FastifyRequest): Promise<Static<typeof AuditVerificationSchema>> {
    const principal = requirePermission(request, "audit:read");
    if (principal.org !== undefined) {
      // The chain spans every organization; its length alone would tell one about the others.
      const message = "verifying the whole chain needs a platform-wide auditor, operator or platform-admin (not confined to one organization)";
      throw new NdcError("NDC_ERR_FORBIDDEN", message, [{ field: "header.authorization", rule: "platform-wide-role", message }], {
        denied: { org: principal.org, target: "audit chain", reason: "platform-wide-role" },
      });
    }
    if (!checkpoint) return { ...(await store.verifyAudit()), checkpoint: null };
    const anchored = readCheckpoint(checkpoint.file);
    if (anchored === undefined) return { ...(await store.verifyAudit()), checkpoint: null };
    const valid = anchored !== "unreadable" && checkpointSignatureValid(anchored, checkpoint.privateKey);
    const result = await store.verifyAudit(valid ? { seq: anchored.seq, hash: anchored.hash } : undefined);
    const shown =
      anchored === "unreadable"
        ? null
        : { seq: anchored.seq, hash: anchored.hash, at: anchored.at, keyId: anchored.keyId, signature: valid ? ("valid" as const) : ("invalid" as const) };
    if (valid) return { ...result, checkpoint: shown };
    const problem = {
      seq: shown?.seq ?? 0,
      id: null,
      problem: "checkpoint-invalid" as const,
      message: `the checkpoint ${checkpoint.file} is not a checkpoint signed by this service's key: the anchor outside the database was replaced or damaged`,
    };
    return { ...result, ok: false, problems: [...result.problems, problem], checkpoint: shown };
  }
};
