import { randomUUID } from "node:crypto";
import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { POLICY, SlugSchema, type Platform, type Policy } from "../../model/index.ts";
import {
  actionsBeyond,
  bootstrapRetired,
  durationPattern,
  generateToken,
  ORG_ROLES,
  parseDuration,
  reservedSubjectPrefix,
  RoleSchema,
  subjectBindingIssues,
} from "../auth/index.ts";
import { lineageOfMinted } from "../domain/index.ts";
import type { Store } from "../store/index.ts";
import { requirePermission } from "./authentication.ts";
import { decodeCursor, encodeCursor } from "./_presenters.ts";
import { NdcError, type ProblemIssue } from "./errors.ts";
import type { TypeBoxProvider } from "./_type-provider.ts";
import { Page, PageQuerySchema, problems } from "./schemas.ts";

/** What an API token's subject may look like (no `#`: OIDC subjects are `<issuer>#<sub>`). */
const SUBJECT_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._:@/-]*$";

/** The body of POST /v1/tokens; `expiresIn` says the policy's maximum in both of its forms. */
export const tokenRequestSchema = (maxSeconds: number) =>
  Type.Object(
    {
      subject: Type.String({
        minLength: 1,
        maxLength: 200,
        pattern: SUBJECT_PATTERN,
        description: "who or what uses the token, e.g. ci:byt-his or an e-mail",
      }),
      role: RoleSchema,
      org: Type.Optional(
        Type.String({ minLength: 1, maxLength: 64, description: "required for requester and org-admin; confines any role to one organization" }),
      ),
      expiresIn: Type.Optional(
        Type.Union(
          [
            Type.Integer({ minimum: 1, maximum: maxSeconds, description: "seconds" }),
            Type.String({
              pattern: durationPattern(maxSeconds),
              description: `e.g. 30d, 12h; at most ${maxSeconds} s in any unit`,
              "x-rule": "duration-format",
              "x-message": `must be seconds or a duration such as 30d or 12h, at most ${maxSeconds} s`,
            }),
          ],
          {
            description: `lifetime; default and maximum from policy (at most ${maxSeconds} s); never past the expiry of the API token that mints it, nor past the exp of the OIDC token of a sign-in that mints it (the default is shortened to it)`,
          },
        ),
      ),
    },
    { additionalProperties: false },
  );
export const TokenRequestSchema = tokenRequestSchema(POLICY.apiTokenLifetime.maxSeconds);

export const TokenResponseSchema = Type.Object({
  token: Type.String({ description: "shown once; only its sha256 is stored" }),
  id: Type.String(),
  subject: Type.String(),
  role: RoleSchema,
  org: Type.Union([Type.String(), Type.Null()]),
  expiresAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()], {
    description: "always set for new tokens; null only for tokens minted before lifetimes were enforced",
  }),
});

export const TokenRevokedSchema = Type.Object({
  id: Type.String(),
  subject: Type.String(),
  role: Type.String(),
  org: Type.Union([Type.String(), Type.Null()]),
  revokedAt: Type.String({ format: "date-time" }),
  alsoRevoked: Type.Array(Type.String(), { description: "ids of the tokens minted with this one (down the line), revoked with it" }),
});

/** A token as GET /v1/tokens shows it: who holds it and what it allows, never the secret nor its hash. */
export const TokenInfoSchema = Type.Object({
  id: Type.String(),
  subject: Type.String(),
  role: Type.String(),
  org: Type.Union([Type.String(), Type.Null()]),
  createdBy: Type.String({ description: "who minted it" }),
  createdAt: Type.String({ format: "date-time" }),
  expiresAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  revokedAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  status: Type.Union([Type.Literal("active"), Type.Literal("expired"), Type.Literal("revoked")]),
});

export interface TokenRoutesOptions {
  readonly store: Store;
  readonly platform: Platform;
  readonly now: () => Date;
  /** Token lifetimes. @default POLICY */
  readonly policy?: Policy;
  /** Called after a revocation commits (drops this replica's token cache). */
  readonly onRevoke?: () => void;
}

/** Minting and revoking API tokens (platform-admin): a token is returned once and stored hashed. */
export const tokenRoutes: FastifyPluginAsync<TokenRoutesOptions> = async (plain, { store, platform, now, policy = POLICY, onRevoke }) => {
  const lifetime = policy.apiTokenLifetime;
  const app = plain.withTypeProvider<TypeBoxProvider>();
  app.post(
    "/v1/tokens",
    {
      schema: {
        operationId: "createToken",
        tags: ["tokens"],
        summary: "Mint an API token (platform-admin); the token is shown once",
        body: tokenRequestSchema(lifetime.maxSeconds),
        response: { 201: TokenResponseSchema, ...problems(400, 401, 403, 413, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const admin = requirePermission(request, "tokens:create");
      const { subject, role, org, expiresIn } = request.body;
      const issues: ProblemIssue[] = [];
      const reserved = reservedSubjectPrefix(subject, policy);
      if (reserved !== undefined) {
        const names = policy.apiTokenSubjects.reservedNames;
        issues.push({
          field: "subject",
          rule: "subject-reserved",
          message: names.includes(reserved)
            ? `must not be ${names.join(", ")} (what the service records unauthenticated attempts as; policy apiTokenSubjects)`
            : `must not start with ${policy.apiTokenSubjects.reservedPrefixes.join(", ")} (names the service gives itself, Kubernetes or the identity provider; policy apiTokenSubjects)`,
          value: subject,
        });
      }
      if (ORG_ROLES.includes(role) && org === undefined)
        issues.push({ field: "org", rule: "org-required", message: `is required for role ${role}`, value: org });
      if (org !== undefined && !platform.organizations.has(org)) {
        issues.push({
          field: "org",
          rule: "organization-known",
          message: `is not an onboarded organization; known: ${[...platform.organizations.keys()].sort().join(", ")}`,
          value: org,
        });
      }
      if (admin.org !== undefined && org !== admin.org)
        issues.push({ field: "org", rule: "same-organization", message: `must be ${admin.org}, the organization you are confined to`, value: org });
      const at = now();
      // A token minting another: the default lifetime ends no later than the minting token does. An
      // OIDC sign-in is bound the same way by its token's exp: a session that ended (or an identity
      // the provider disabled, which then gets no new token) leaves no API token behind it.
      const minterLeftMs = (admin.via === "token" || admin.via === "oidc") && admin.expiresAt ? Date.parse(admin.expiresAt) - at.getTime() : Infinity;
      const ms = expiresIn === undefined ? Math.min(lifetime.defaultSeconds * 1000, minterLeftMs) : parseDuration(expiresIn);
      if (ms === undefined)
        issues.push({ field: "expiresIn", rule: "duration-format", message: "must be seconds or a duration such as 30d or 12h", value: expiresIn });
      else if (ms > lifetime.maxSeconds * 1000) {
        issues.push({
          field: "expiresIn",
          rule: "max-lifetime",
          message: `must be at most ${lifetime.maxSeconds / 86_400} days (${lifetime.maxSeconds} s); mint a new token when it ends`,
          value: expiresIn,
        });
      }
      // A token hands out no more than it holds: no role beyond its own, no life beyond its own.
      const beyond = actionsBeyond(admin.roles, role);
      if (beyond.length > 0)
        issues.push({
          field: "role",
          rule: "role-within-minter",
          message: `allows ${beyond.join(", ")}, which ${admin.subject} (${admin.roles.join(", ")}) may not; mint at most your own role`,
          value: role,
        });
      if (ms !== undefined && (ms > minterLeftMs || minterLeftMs <= 0)) {
        issues.push({
          field: "expiresIn",
          rule: "lifetime-within-minter",
          message:
            admin.via === "oidc"
              ? `must end by ${admin.expiresAt}, when the identity provider's token of this sign-in expires (exp); a token may not outlive the sign-in that minted it`
              : `must end by ${admin.expiresAt}, when the token minting it expires; a token may not outlive the one that minted it`,
          value: expiresIn ?? null,
        });
      }
      if (admin.via === "bootstrap" && (role !== "platform-admin" || org !== undefined)) {
        const message = "the bootstrap token only mints the first platform admin (role platform-admin, no org); mint everything else with that admin's token";
        throw new NdcError("NDC_ERR_FORBIDDEN", message, [{ field: "role", rule: "bootstrap-first-admin-only", message, value: role }], {
          denied: { org: org ?? null, target: "tokens", reason: "bootstrap-first-admin-only" },
        });
      }
      if (issues.length > 0) throw new NdcError("NDC_ERR_RULE", `the token was not created: ${issues.map((i) => `${i.field} (${i.rule})`).join(", ")}`, issues);

      const { token, hash } = generateToken();
      const lineage = lineageOfMinted(admin, subject);
      const record = {
        id: randomUUID(),
        tokenHash: hash,
        subject,
        role,
        org: org ?? null,
        createdBy: admin.subject,
        lineage,
        mintedWith: admin.via === "token" ? (admin.tokenId ?? null) : null,
        createdAt: at.toISOString(),
        expiresAt: new Date(at.getTime() + ms!).toISOString(),
        revokedAt: null,
      };
      // The bootstrap lock makes "only the first admin" hold when two requests race; the subject's
      // lock, that two first tokens for one new subject cannot bind it two ways.
      await store.transaction([...(admin.via === "bootstrap" ? ["bootstrap"] : []), `token-subject:${subject}`], async (tx) => {
        if (admin.via === "bootstrap" && (await bootstrapRetired(tx, admin.subject))) {
          throw new NdcError(
            "NDC_ERR_UNAUTHENTICATED",
            "the bootstrap token has already minted the first platform admin",
            [{ field: "header.authorization", rule: "bootstrap-retired", message: "use the platform-admin token it minted" }],
            { denied: { target: "tokens", reason: "bootstrap-retired" } },
          );
        }
        // A subject is one identity: its first token (revoked or expired too) binds it.
        const [first] = await tx.listTokens({ subject, limit: 1 });
        const bound = subjectBindingIssues(subject, { root: lineage.root, role, org: record.org }, first, policy);
        if (bound.length > 0) {
          throw new NdcError(
            "NDC_ERR_RULE",
            `the token was not created: ${subject} is bound by its first token to ${first!.role}, ${first!.org ?? "platform-wide"}, for ${first!.lineage.root}; a token for it can only renew that (policy apiTokenSubjects): ${bound.map((i) => `${i.field} (${i.rule})`).join(", ")}`,
            bound,
          );
        }
        await tx.insertToken(record);
        await tx.appendAudit(
          {
            actor: admin.subject,
            actorRole: admin.roles.join(","),
            action: "token.create",
            outcome: "allowed",
            status: 201,
            org: record.org,
            target: `token ${record.id}`,
            requestId: request.id,
            // Never the token or its hash: who it is for and what it allows.
            after: { id: record.id, subject, role, org: record.org, expiresAt: record.expiresAt, root: lineage.root, minters: lineage.minters },
            detail: { via: admin.via, ...(admin.via === "bootstrap" ? { bootstrap: "first platform admin; this bootstrap token is retired now" } : {}) },
          },
          record.createdAt,
        );
      });
      return reply.code(201).send({ token, id: record.id, subject, role, org: record.org, expiresAt: record.expiresAt });
    },
  );

  app.get(
    "/v1/tokens",
    {
      schema: {
        operationId: "listTokens",
        tags: ["tokens"],
        summary: "API tokens' metadata (platform-admin): subject, role, organization, created, expires, revoked — never the secret; oldest first",
        querystring: Type.Object({
          subject: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: SUBJECT_PATTERN, description: "a token subject, as minted" })),
          org: Type.Optional(SlugSchema("organization slug", 64)),
          include: Type.Optional(
            Type.Union([Type.Literal("active"), Type.Literal("all")], {
              description: "active (default): neither revoked nor expired; all: every token ever minted",
            }),
          ),
          ...PageQuerySchema("token"),
        }),
        response: { 200: Page(TokenInfoSchema), ...problems(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const admin = requirePermission(request, "tokens:create");
      if (admin.via === "bootstrap") {
        const message = "the bootstrap token only mints the first platform admin; list tokens with a platform-admin token";
        throw new NdcError("NDC_ERR_FORBIDDEN", message, [{ field: "header.authorization", rule: "bootstrap-first-admin-only", message }], {
          denied: { target: "tokens", reason: "bootstrap-first-admin-only" },
        });
      }
      const { subject, include, cursor } = request.query;
      // A confined admin sees its own organization's tokens only, whatever it asks for.
      const org = admin.org ?? request.query.org;
      const limit = request.query.limit ?? 50;
      const at = now().toISOString();
      const after = decodeCursor<readonly [string, string]>(cursor, "pair");
      const rows = await store.listTokens({
        limit: limit + 1,
        ...(org !== undefined ? { org } : {}),
        ...(subject !== undefined ? { subject } : {}),
        ...(include === "all" ? {} : { activeAt: at }),
        ...(after ? { after } : {}),
      });
      const items = rows.slice(0, limit).map((t) => ({
        id: t.id,
        subject: t.subject,
        role: t.role,
        org: t.org,
        createdBy: t.createdBy,
        createdAt: t.createdAt,
        expiresAt: t.expiresAt,
        revokedAt: t.revokedAt,
        status: t.revokedAt !== null ? ("revoked" as const) : t.expiresAt !== null && t.expiresAt <= at ? ("expired" as const) : ("active" as const),
      }));
      const last = items[items.length - 1];
      return { items, ...(rows.length > limit && last ? { nextCursor: encodeCursor([last.createdAt, last.id]) } : {}) };
    },
  );

  app.delete(
    "/v1/tokens/:id",
    {
      schema: {
        operationId: "revokeToken",
        tags: ["tokens"],
        summary: "Revoke an API token (platform-admin); it is refused from the next request on",
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, description: "the id returned when the token was minted" }) }),
        response: { 200: TokenRevokedSchema, ...problems(401, 403, 404, 429) },
      },
    },
    async (request) => {
      const admin = requirePermission(request, "tokens:create");
      if (admin.via === "bootstrap") {
        const message = "the bootstrap token only mints the first platform admin; revoke with a platform-admin token";
        throw new NdcError("NDC_ERR_FORBIDDEN", message, [{ field: "header.authorization", rule: "bootstrap-first-admin-only", message }], {
          denied: { target: `token ${request.params.id}`, reason: "bootstrap-first-admin-only" },
        });
      }
      const at = now().toISOString();
      const revoked = await store.transaction([], async (tx) => {
        const result = await tx.revokeToken(request.params.id, at);
        const token = result?.token;
        // Throwing rolls the revocation back: a confined admin cannot touch other organizations' tokens.
        if (!token || (admin.org !== undefined && token.org !== admin.org)) {
          throw new NdcError("NDC_ERR_NOT_FOUND", `no token ${request.params.id}; use the id returned by POST /v1/tokens`);
        }
        await tx.appendAudit(
          {
            actor: admin.subject,
            actorRole: admin.roles.join(","),
            action: "token.revoke",
            outcome: "allowed",
            status: 200,
            org: token.org,
            target: `token ${token.id}`,
            requestId: request.id,
            after: { id: token.id, subject: token.subject, role: token.role, revokedAt: token.revokedAt, alsoRevoked: result.cascaded },
          },
          at,
        );
        return { token, alsoRevoked: result.cascaded };
      });
      onRevoke?.();
      const { token } = revoked;
      return { id: token.id, subject: token.subject, role: token.role, org: token.org, revokedAt: token.revokedAt!, alsoRevoked: revoked.alsoRevoked };
    },
  );
};
