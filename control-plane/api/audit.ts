import { Type, type Static } from "@sinclair/typebox";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { AuditRecordSchema, AuditVerificationSchema, checkpointSignatureValid, readCheckpoint, type AuditRecord } from "../audit/index.ts";
import type { KeyObject } from "node:crypto";
import { Readable } from "node:stream";
import { inCharacters, SlugSchema } from "../../model/index.ts";
import type { Store, VerifyAuditOptions } from "../store/index.ts";
import { requirePermission } from "./authentication.ts";
import { NdcError, problem, ProblemSchema } from "./errors.ts";
import { DENIALS_COALESCED, toNdcError } from "./problem-handler.ts";
import { toStoredInstant } from "./_formats.ts";
import { decodeCursor, encodeCursor } from "./_presenters.ts";
import type { TypeBoxProvider } from "./_type-provider.ts";
import { Page, PageQuerySchema, problems } from "./schemas.ts";

const TAGS = ["audit"];

/** A progress line of the NDJSON stream every this many records (about one a second on a slow disk). */
export const PROGRESS_EVERY = 10_000;

/**
 * Walks of the chain the service runs at once. Each holds a page of records and a share of the event
 * loop while it runs; more verify requests meanwhile are refused (429, `Retry-After`), so no caller
 * can start hundreds of walks that starve every other request.
 */
export const MAX_CONCURRENT_VERIFIES = 2;

/** One line of `GET /v1/audit/verify` as `application/x-ndjson`. */
const VerifyStreamLineSchema = Type.Union(
  [
    Type.Object({
      progress: Type.Object({
        checked: Type.Integer({ description: "records checked so far" }),
        total: Type.Integer({ description: "records the chain had when the walk began (its head's seq); more may be appended meanwhile" }),
      }),
    }),
    Type.Object({ result: AuditVerificationSchema }),
    Type.Object({ error: ProblemSchema }),
  ],
  { description: "one JSON object per line: progress lines, then one result line (or one error line)" },
);

/** `Accept` names NDJSON (the stream with progress); anything else gets the single JSON answer. */
function wantsNdjson(request: FastifyRequest): boolean {
  return /(^|,)\s*application\/x-ndjson\b/i.test(request.headers.accept ?? "");
}

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
  if ((record.action !== "request.denied" && record.action !== DENIALS_COALESCED) || record.actor === "anonymous") return record;
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
  /** Walks running now (MAX_CONCURRENT_VERIFIES at most). */
  let walking = 0;

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
        description:
          "Walks the whole chain page by page in the service (its memory does not grow with the chain). " +
          "`Accept: application/json` (the default) answers the result when the walk is done. " +
          "`Accept: application/x-ndjson` streams one JSON object per line while it walks: " +
          '`{"progress":{"checked":n,"total":m}}` at once (checked 0) and every ' +
          `${PROGRESS_EVERY.toLocaleString("en")} records, then ` +
          '`{"result":{…}}` (exactly the JSON answer), or `{"error":{…}}` (a problem) when the walk fails after the answer began. ' +
          "`ndc audit verify` uses the stream to print progress. " +
          `At most ${MAX_CONCURRENT_VERIFIES} walks run at once; a verify asked meanwhile is 429 (rule \`verify-concurrency\`, \`Retry-After\`).`,
        response: {
          200: {
            description: "the verification (JSON), or its progress then its result (NDJSON)",
            content: {
              "application/json": { schema: AuditVerificationSchema },
              "application/x-ndjson": { schema: VerifyStreamLineSchema },
            },
          },
          ...problems(401, 403, 429),
        },
      },
    },
    async (request, reply) => {
      authorizeChainVerify(request);
      const release = claimWalk();
      if (!wantsNdjson(request)) {
        try {
          const result = await verifyChain();
          onVerified?.(result.ok);
          return result;
        } finally {
          release();
        }
      }
      // A stream is sent as it is (the response schema describes its lines, not a stream object).
      // The walk's place is given back when the stream ends, fails or the client leaves.
      const lines = Readable.from(verifyLines(request), { objectMode: false });
      lines.once("close", release);
      return reply.type("application/x-ndjson; charset=utf-8").send(lines as never);
    },
  );

  /** A place for one more walk, or 429 when MAX_CONCURRENT_VERIFIES walk now; the release is idempotent. */
  function claimWalk(): () => void {
    if (walking >= MAX_CONCURRENT_VERIFIES) {
      const message = `${MAX_CONCURRENT_VERIFIES} verifications of the audit chain are walking it now, the most at once; retry when one ends`;
      throw new NdcError("NDC_ERR_RATE_LIMITED", message, [{ field: "request", rule: "verify-concurrency", message }], { headers: { "retry-after": "5" } });
    }
    walking++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      walking--;
    };
  }

  /** The stream's lines: progress as the walk goes, then the result (or the error that stopped it). */
  async function* verifyLines(request: FastifyRequest): AsyncGenerator<string> {
    // A one-line channel from the walk to the reader: the walk waits until its progress line was
    // read (backpressure: a slow client slows the walk, nothing piles up in memory), and stops
    // when the client goes away.
    let line: string | undefined;
    let read: (() => void) | undefined;
    let wake: (() => void) | undefined;
    let finished = false;
    let gone = false;
    let lastShown = 0;
    const walk = verifyChain(async (p) => {
      if (gone) throw new Error("the client went away");
      // The first line at once (the headers go with it, and the client learns the total), then every PROGRESS_EVERY records.
      if (p.checked !== 0 && p.checked - lastShown < PROGRESS_EVERY) return;
      lastShown = p.checked;
      await new Promise<void>((resolve) => {
        line = `${JSON.stringify({ progress: { checked: p.checked, total: p.total } })}\n`;
        read = resolve;
        wake?.();
      });
    }).then(
      (result) => {
        onVerified?.(result.ok);
        return `${JSON.stringify({ result })}\n`;
      },
      (error: unknown) => {
        if (!gone) request.log.error({ err: error }, "audit verification failed after the answer began");
        const ndc = toNdcError(error as Error);
        const shown = ndc.status >= 500 ? new NdcError("NDC_ERR_UNAVAILABLE", "the audit chain could not be read to the end; retry shortly") : ndc;
        return `${JSON.stringify({ error: problem(shown.code, shown.message, shown.errors, { instance: "/v1/audit/verify", requestId: request.id }) })}\n`;
      },
    );
    void walk.finally(() => {
      finished = true;
      wake?.();
    });
    try {
      for (;;) {
        if (line !== undefined) {
          const next = line;
          line = undefined;
          yield next;
          read?.();
          continue;
        }
        if (finished) break;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
      yield await walk;
    } finally {
      // Closed early (the client left): let the walk see it at its next page and stop.
      gone = true;
      read?.();
    }
  }

  /** The chain is the whole platform's: an organization-scoped role may not walk it. */
  function authorizeChainVerify(request: FastifyRequest): void {
    const principal = requirePermission(request, "audit:read");
    if (principal.org !== undefined) {
      // The chain spans every organization; its length alone would tell one about the others.
      const message = "verifying the whole chain needs a platform-wide auditor, operator or platform-admin (not confined to one organization)";
      throw new NdcError("NDC_ERR_FORBIDDEN", message, [{ field: "header.authorization", rule: "platform-wide-role", message }], {
        denied: { org: principal.org, target: "audit chain", reason: "platform-wide-role" },
      });
    }
  }

  /** The chain checked against the signed checkpoint (when configured). */
  async function verifyChain(onProgress?: VerifyAuditOptions["onProgress"]): Promise<Static<typeof AuditVerificationSchema>> {
    const options = onProgress ? { onProgress } : {};
    if (!checkpoint) return { ...(await store.verifyAudit(undefined, options)), checkpoint: null };
    const anchored = readCheckpoint(checkpoint.file);
    if (anchored === undefined) return { ...(await store.verifyAudit(undefined, options)), checkpoint: null };
    const valid = anchored !== "unreadable" && checkpointSignatureValid(anchored, checkpoint.privateKey);
    const result = await store.verifyAudit(valid ? { seq: anchored.seq, hash: anchored.hash } : undefined, options);
    const shown =
      anchored === "unreadable"
        ? null
        : { seq: anchored.seq, hash: anchored.hash, at: anchored.at, keyId: anchored.keyId, signature: valid ? ("valid" as const) : ("invalid" as const) };
    if (valid) return { ...result, checkpoint: shown };
    const broken = {
      seq: shown?.seq ?? 0,
      id: null,
      problem: "checkpoint-invalid" as const,
      message: `the checkpoint ${checkpoint.file} is not a checkpoint signed by this service's key: the anchor outside the database was replaced or damaged`,
    };
    return { ...result, ok: false, problems: [...result.problems, broken], checkpoint: shown };
  }
};
