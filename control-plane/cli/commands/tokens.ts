// `ndc token mint|list|revoke`: API tokens (platform-admin). Runbook: runbooks/mint-tokens.md
import { Command, Option } from "commander";
import { apiPath, callApi, listAll } from "../api-client.ts";
import { action, withCommonOptions } from "../command-kit.ts";
import { UsageError } from "../exit-codes.ts";
import { emit, renderTable } from "../output.ts";

const ROLES = ["requester", "org-admin", "operator", "auditor", "platform-admin"];

interface MintedToken {
  readonly token: string;
  readonly id: string;
  readonly subject: string;
  readonly role: string;
  readonly org: string | null;
  readonly expiresAt: string | null;
}

/** A token's metadata as GET /v1/tokens returns it: never the secret. */
interface TokenInfo {
  readonly id: string;
  readonly subject: string;
  readonly role: string;
  readonly org: string | null;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly status: "active" | "expired" | "revoked";
}

export function tokenCommand(): Command {
  const token = new Command("token").description("mint, list and revoke API tokens (platform-admin)");

  withCommonOptions(
    token
      .command("mint")
      .description(
        "mint a token; it is shown once (only its sha256 is stored): in a table it is the only line on stdout, so NEW=$(ndc token mint …) captures it",
      )
      .requiredOption("--subject <who>", "who or what uses it, e.g. ci:byt-his or an e-mail")
      .addOption(new Option("--role <role>", "what it may do").choices(ROLES).makeOptionMandatory())
      .option("--org <org>", "required for requester and org-admin; confines any other role to one organization")
      .option(
        "--expires-in <duration>",
        "e.g. 30d, 12h, or seconds (default and maximum: the service's policy, 30 and 365 days, and never past your own token's expiry)",
      )
      .addHelpText(
        "after",
        "\nexamples:\n  NEW=$(ndc token mint --subject ci:byt-his --role requester --org byt --expires-in 90d)\n  ndc token mint --subject olga@ndc.gov.vn --role operator --expires-in 30d -o json",
      ),
  ).action(
    action(async (ctx, flags: { subject: string; role: string; org?: string; expiresIn?: string }) => {
      if ((flags.role === "requester" || flags.role === "org-admin") && !flags.org)
        throw new UsageError(`--role ${flags.role} needs --org <org> (the organization's slug, e.g. byt)`);
      let expiresIn: string | number | undefined = flags.expiresIn;
      if (expiresIn !== undefined) {
        if (/^[1-9][0-9]*$/.test(expiresIn)) expiresIn = Number(expiresIn);
        else if (!/^[1-9][0-9]{0,6}[smhd]$/.test(expiresIn))
          throw new UsageError(`--expires-in takes seconds or a duration such as 30d or 12h, got ${JSON.stringify(expiresIn)}`);
      }
      const minted = await callApi<MintedToken>(ctx.connection(), "POST", "/v1/tokens", {
        body: { subject: flags.subject, role: flags.role, ...(flags.org ? { org: flags.org } : {}), ...(expiresIn !== undefined ? { expiresIn } : {}) },
      });
      if (ctx.output === "table") {
        console.error(
          `minted token ${minted.id} for ${minted.subject} (${minted.role}${minted.org ? `, ${minted.org}` : ""}), expires ${minted.expiresAt ?? "never"}`,
        );
        console.error("it is shown once, below: hand it over through a secret channel; revoke with ndc token revoke <id> --subject <who>");
      }
      emit(ctx.output, minted, () => minted.token);
    }),
  );

  withCommonOptions(
    token
      .command("list")
      .description("tokens' metadata (never the secrets): subject, role, organization, created, expires, revoked")
      .option("--subject <who>", "only this subject's tokens")
      .option("--org <org>", "only tokens confined to this organization")
      .option("--all", "include revoked and expired tokens")
      .addHelpText("after", "\nexamples:\n  ndc token list\n  ndc token list --subject ci:byt-his --all -o json"),
  ).action(
    action(async (ctx, flags: { subject?: string; org?: string; all?: boolean }) => {
      const items = await listAll<TokenInfo>(ctx.connection(), "/v1/tokens", {
        subject: flags.subject,
        org: flags.org,
        ...(flags.all ? { include: "all" } : {}),
      });
      emit(ctx.output, { items }, () =>
        items.length === 0
          ? "no tokens"
          : renderTable(items, [
              { header: "id", value: (t) => t.id },
              { header: "subject", value: (t) => t.subject },
              { header: "role", value: (t) => t.role },
              { header: "org", value: (t) => t.org },
              { header: "created", value: (t) => t.createdAt },
              { header: "expires", value: (t) => t.expiresAt ?? "never" },
              { header: "status", value: (t) => t.status },
              { header: "created by", value: (t) => t.createdBy },
            ]),
      );
    }),
  );

  withCommonOptions(
    token
      .command("revoke")
      .description("revoke a token: refused from the next request on; --subject confirms whose it is (checked first, nothing is revoked on a mismatch)")
      .argument("<id>", "the token id printed when it was minted (ndc token list shows it)")
      .requiredOption("--subject <who>", "confirmation: the subject the token was minted for")
      .addHelpText("after", "\nexamples:\n  ndc token revoke 3f2a9c1e --subject ci:byt-his"),
  ).action(
    action(async (ctx, id: string, flags: { subject: string }) => {
      const conn = ctx.connection();
      // Confirm before the destructive call: the audit trail says whom this id was minted for.
      const created = await callApi<{ items: { after: { subject?: string; role?: string } | null }[] }>(conn, "GET", "/v1/audit", {
        query: { action: "token.create", target: `token ${id}`, limit: "1" },
      });
      const record = created.items[0];
      if (!record) throw new UsageError(`no token ${id} was minted (no token.create record in the audit trail): check the id (ndc token list)`);
      if (record.after?.subject !== flags.subject) {
        throw new UsageError(
          `token ${id} belongs to ${JSON.stringify(record.after?.subject)} (role ${record.after?.role}), not ${JSON.stringify(flags.subject)}: nothing revoked; check the id`,
        );
      }
      const revoked = await callApi<{ id: string; subject: string; role: string; org: string | null; revokedAt: string }>(
        conn,
        "DELETE",
        apiPath`/v1/tokens/${id}`,
      );
      emit(
        ctx.output,
        revoked,
        () => `revoked token ${revoked.id} (${revoked.subject}, ${revoked.role}${revoked.org ? `, ${revoked.org}` : ""}) at ${revoked.revokedAt}`,
      );
    }),
  );
  return token;
}
