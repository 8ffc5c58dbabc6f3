// `ndc audit list|verify`: the hash-chained audit trail. Runbook: runbooks/audit-chain-verify.md
import { Command, Option } from "commander";
import { ApiError, listAll, streamNdjson, UnreachableError, type Problem } from "../api-client.ts";
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

/** A line of the verification's NDJSON stream (or, from a service that does not stream, its whole answer). */
type VerifyLine =
  | { readonly progress: { readonly checked: number; readonly total: number } }
  | { readonly result: AuditVerification }
  | { readonly error: Problem }
  | AuditVerification;

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
      .description(
        "walk the hash chain on the service and report every record that breaks it (edited, deleted, reordered, truncated); progress on stderr; exit 6 when broken",
      )
      .addHelpText(
        "after",
        "\nneeds a platform-wide auditor, operator or platform-admin token (the chain spans every organization).\n" +
          "The service walks the chain page by page and streams its progress (GET /v1/audit/verify, Accept: application/x-ndjson);\n" +
          'a line "checked N / TOTAL records" goes to stderr every 10,000 records, the result to stdout.\n' +
          "--request-timeout is how long the service may stay silent, not how long the walk may take.\n\n" +
          "examples:\n  ndc audit verify\n  ndc audit verify -o json 2>progress.log",
      ),
  ).action(
    action(async (ctx) => {
      let result: AuditVerification | undefined;
      await streamNdjson(ctx.connection(), "/v1/audit/verify", (line) => {
        const l = line as VerifyLine;
        if ("progress" in l) {
          const { checked, total } = l.progress;
          process.stderr.write(`ndc audit verify: checked ${checked} / ${total} records${total > 0 ? ` (${Math.floor((100 * checked) / total)}%)` : ""}\n`);
        } else if ("error" in l) throw new ApiError("GET", "/v1/audit/verify (while walking)", l.error);
        else result = "result" in l ? l.result : l;
      });
      if (!result) throw new UnreachableError("GET /v1/audit/verify ended without a result: the service stopped while walking the chain; retry");
      const r = result;
      emit(ctx.output, r, () =>
        r.ok
          ? `audit chain ok: ${r.checked} records checked, head seq ${r.headSeq ?? "none (empty trail)"}`
          : [
              `audit chain BROKEN: ${r.problems.length} problem(s) in ${r.checked} records read (head seq ${r.headSeq ?? "none"})`,
              ...r.problems.map((p) => `  seq ${p.seq}  ${p.problem.padEnd(9)}  id ${p.id ?? "-"}  ${p.message}`),
              "do not repair the database by hand: follow runbooks/audit-chain-verify.md",
            ].join("\n"),
      );
      if (!r.ok) throw new ExitWith(EXIT.failed, "");
    }),
  );
  return audit;
}
