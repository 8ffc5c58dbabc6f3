#!/usr/bin/env -S npx tsx
// Mints an API token (POST /v1/tokens) or revokes one (DELETE /v1/tokens/{id}) with a
// platform-admin token. Runbook: runbooks/mint-tokens.md
import { apiPath, callApi, CONNECTION_OPTIONS, CONNECTION_USAGE, connectionFrom, EXIT, parseFlags, printJson, runScript, UsageError } from "./_ops.ts";

const ROLES = ["requester", "org-admin", "operator", "auditor", "platform-admin"] as const;

const usage = `usage: npx tsx scripts/ops/mint-token.ts --subject <who> --role <role> [--org <org>] [--expires-in <30d>] [--json]
       npx tsx scripts/ops/mint-token.ts --revoke <token id> --subject <who> [--json]

Mint: POST /v1/tokens. The token is shown once, here: without --json it is the only line on stdout
(details go to stderr), so NEW=$(…) captures it; with --json it is the "token" field. Only its
sha256 is stored; a lost token cannot be shown again — revoke it and mint another.

  --subject <who>      who or what uses the token, e.g. ci:byt-his or an e-mail
  --role <role>        ${ROLES.join(", ")}
  --org <org>          required for requester and org-admin; confines any other role to one organization
  --expires-in <d>     e.g. 30d, 12h or seconds (default: never expires; prefer an expiry)

Revoke: DELETE /v1/tokens/{id}; refused from the next request on. The id is the "id" printed when
it was minted (also in the audit trail: GET /v1/audit?action=token.create).

  --revoke <id>        the token id to revoke
  --subject <who>      confirmation: the subject the token was minted for; the script looks the id
                       up in the audit trail and refuses (exit 2) when it belongs to someone else

needs a platform-admin token (the bootstrap token, or one minted with --role platform-admin).

${CONNECTION_USAGE}`;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  subject: { type: "string" },
  role: { type: "string" },
  org: { type: "string" },
  "expires-in": { type: "string" },
  revoke: { type: "string" },
} as const;

interface MintedToken {
  readonly token: string;
  readonly id: string;
  readonly subject: string;
  readonly role: string;
  readonly org: string | null;
  readonly expiresAt: string | null;
}

interface RevokedToken {
  readonly id: string;
  readonly subject: string;
  readonly role: string;
  readonly org: string | null;
  readonly revokedAt: string;
}

interface AuditPage {
  readonly items: readonly { readonly seq: number; readonly actor: string; readonly at?: string; readonly after: { readonly subject?: string; readonly role?: string; readonly org?: string | null } | null }[];
}

await runScript("mint-token", async () => {
  const flags = parseFlags(OPTIONS, usage);
  if (!flags.subject) throw new UsageError(flags.revoke ? "--revoke needs --subject <who> as confirmation: the subject the token was minted for" : "--subject <who> is required (e.g. ci:byt-his or an e-mail)");

  if (flags.revoke !== undefined) {
    for (const f of ["role", "org", "expires-in"] as const) if (flags[f] !== undefined) throw new UsageError(`--${f} is for minting; --revoke takes only --subject`);
    const conn = connectionFrom(flags, "a platform-admin");
    const id = flags.revoke;
    // Confirm before the destructive call: the audit trail says whom this id was minted for.
    const created = await callApi<AuditPage>(conn, "GET", "/v1/audit", { action: "token.create", target: `token ${id}`, limit: "1" });
    const record = created.items[0];
    if (!record) throw new UsageError(`no token ${id} was minted (no token.create record in the audit trail): check the id printed when it was minted`);
    if (record.after?.subject !== flags.subject) {
      throw new UsageError(`token ${id} belongs to ${JSON.stringify(record.after?.subject)} (role ${record.after?.role}), not ${JSON.stringify(flags.subject)}: nothing revoked; check the id`);
    }
    const revoked = await callApi<RevokedToken>(conn, "DELETE", apiPath`/v1/tokens/${id}`);
    if (flags.json) printJson({ ok: true, action: "revoke", ...revoked });
    else console.log(`revoked token ${revoked.id} (${revoked.subject}, ${revoked.role}${revoked.org ? `, ${revoked.org}` : ""}) at ${revoked.revokedAt}`);
    return EXIT.ok;
  }

  if (!flags.role) throw new UsageError(`--role <role> is required: one of ${ROLES.join(", ")}`);
  if (!(ROLES as readonly string[]).includes(flags.role)) throw new UsageError(`--role must be one of ${ROLES.join(", ")}, got ${JSON.stringify(flags.role)}`);
  if ((flags.role === "requester" || flags.role === "org-admin") && !flags.org) throw new UsageError(`--role ${flags.role} needs --org <org> (the organization's slug, e.g. byt)`);
  let expiresIn: string | number | undefined = flags["expires-in"];
  if (expiresIn !== undefined) {
    if (/^[1-9][0-9]*$/.test(expiresIn)) expiresIn = Number(expiresIn);
    else if (!/^[1-9][0-9]{0,6}[smhd]$/.test(expiresIn)) throw new UsageError(`--expires-in takes seconds or a duration such as 30d or 12h, got ${JSON.stringify(expiresIn)}`);
  }
  const conn = connectionFrom(flags, "a platform-admin");
  const minted = await callApi<MintedToken>(conn, "POST", "/v1/tokens", {}, {
    subject: flags.subject,
    role: flags.role,
    ...(flags.org ? { org: flags.org } : {}),
    ...(expiresIn !== undefined ? { expiresIn } : {}),
  });
  if (flags.json) {
    printJson({ ok: true, action: "mint", ...minted });
  } else {
    console.error(`minted token ${minted.id} for ${minted.subject} (${minted.role}${minted.org ? `, ${minted.org}` : ""}), expires ${minted.expiresAt ?? "never"}`);
    console.error("it is shown once, below: hand it over through a secret channel; revoke with --revoke <id> --subject <who>");
    console.log(minted.token);
  }
  return EXIT.ok;
});
