// `ndc audit list|verify`: the hash-chained audit trail. Runbook: runbooks/audit-chain-verify.md
import { Command, Option } from "commander";
import { callApi, listAll } from "../api-client.ts";
import { action, parsePositiveInt, withCommonOptions } from "../command-kit.ts";
import { EXIT, ExitWith } from "../exit-codes.ts";
import { emit, renderTable } from "../output.ts";

interface AuditRecord {
  readonly seq: number;
  readonly id: string;
  readonly at: string;
  readonly actor: string;
  readonly actorRole: string | null;
  readonly action: string;
  readonly outcome: string;
  readonly status: number | null;
  readonly org: string | null;
  readonly target: string | null;
}

/** The API's answer to GET /v1/audit/verify. */
interface AuditVerification {
  readonly ok: boolean;
  readonly checked: number;
  readonly headSeq: number | null;
  readonly problems: readonly { readonly seq: number; readonly id: string | null; readonly problem: string; readonly message: string }[];
}

export function auditCommand(): Command {
  const audit = new Command("audit").description("read and verify the tamper-evident audit trail (auditor, operator, platform-admin)");

  withCommonOptions(
    audit
      .command("list")
      .description("audit records in chain order, filtered; an auditor confined to one organization sees only its records")
      .option("--org <org>", "only this organization's records")
      .option("--action <action>", "e.g. environment.approve, token.create, request.denied")
      .option("--actor <subject>", "who did it")
      .option("--target <target>", 'e.g. "environment byt/his-prod", "token <id>"')
      .addOption(new Option("--outcome <outcome>", "allowed or denied").choices(["allowed", "denied"]))
      .option("--since <time>", "ISO 8601, inclusive, e.g. 2026-01-31T00:00:00Z")
      .option("--until <time>", "ISO 8601, exclusive")
      .option("--limit <n>", "at most this many records", "100")
      .addHelpText(
        "after",
        '\nexamples:\n  ndc audit list --target "environment byt/his-prod"\n  ndc audit list --action environment.approve --since 2026-01-01T00:00:00Z -o json',
      ),
  ).action(
    action(
      async (
        ctx,
        flags: { org?: string; action?: string; actor?: string; target?: string; outcome?: string; since?: string; until?: string; limit: string },
      ) => {
        const limit = parsePositiveInt(flags.limit, "--limit")!;
        const items = await listAll<AuditRecord>(
          ctx.connection(),
          "/v1/audit",
          { org: flags.org, action: flags.action, actor: flags.actor, target: flags.target, outcome: flags.outcome, since: flags.since, until: flags.until },
          limit,
        );
        emit(ctx.output, { items }, () =>
          items.length === 0
            ? "no audit records match"
            : renderTable(items, [
                { header: "seq", value: (r) => r.seq },
                { header: "at", value: (r) => r.at },
                { header: "actor", value: (r) => r.actor },
                { header: "action", value: (r) => r.action },
                { header: "outcome", value: (r) => (r.status === null ? r.outcome : `${r.outcome} ${r.status}`) },
                { header: "target", value: (r) => r.target },
              ]),
        );
      },
    ),
  );

  withCommonOptions(
    audit
      .command("verify")
      .description("walk the hash chain on the service and report every record that breaks it (edited, deleted, reordered, truncated); exit 6 when broken")
      .addHelpText(
        "after",
        "\nneeds a platform-wide auditor, operator or platform-admin token (the chain spans every organization).\n\nexamples:\n  ndc audit verify\n  ndc audit verify -o json",
      ),
  ).action(
    action(async (ctx) => {
      const result = await callApi<AuditVerification>(ctx.connection(), "GET", "/v1/audit/verify");
      emit(ctx.output, result, () =>
        result.ok
          ? `audit chain ok: ${result.checked} records checked, head seq ${result.headSeq ?? "none (empty trail)"}`
          : [
              `audit chain BROKEN: ${result.problems.length} problem(s) in ${result.checked} records read (head seq ${result.headSeq ?? "none"})`,
              ...result.problems.map((p) => `  seq ${p.seq}  ${p.problem.padEnd(9)}  id ${p.id ?? "-"}  ${p.message}`),
              "do not repair the database by hand: follow runbooks/audit-chain-verify.md",
            ].join("\n"),
      );
      if (!result.ok) throw new ExitWith(EXIT.failed, "");
    }),
  );
  return audit;
}
