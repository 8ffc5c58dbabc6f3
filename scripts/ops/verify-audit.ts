#!/usr/bin/env -S npx tsx
// Verifies the control plane's hash-chained audit trail (GET /v1/audit/verify).
// Runbook: runbooks/audit-chain-verify.md
import { callApi, CONNECTION_OPTIONS, CONNECTION_USAGE, connectionFrom, EXIT, parseFlags, printJson, runScript } from "./_ops.ts";

const usage = `usage: npx tsx scripts/ops/verify-audit.ts [--url <url>] [--json]

Walks the audit hash chain on the service (GET /v1/audit/verify) and prints whether it is intact;
when it is not, every record that breaks it: its seq, id and problem (edited, deleted, reordered,
truncated).

needs a platform-wide auditor, operator or platform-admin token (an auditor confined to one
organization is refused: the chain spans every organization).

${CONNECTION_USAGE}
  0 the chain is intact, 3 the chain is broken (records listed)`;

/** The API's answer (control-plane/audit/audit-record.ts AuditVerificationSchema). */
interface AuditVerification {
  readonly ok: boolean;
  readonly checked: number;
  readonly headSeq: number | null;
  readonly problems: readonly { readonly seq: number; readonly id: string | null; readonly problem: string; readonly message: string }[];
}

await runScript("verify-audit", async () => {
  const flags = parseFlags(CONNECTION_OPTIONS, usage);
  const conn = connectionFrom(flags, "a platform-wide auditor (or operator)");
  const result = await callApi<AuditVerification>(conn, "GET", "/v1/audit/verify");
  if (flags.json) {
    printJson({ ...result, status: result.ok ? "ok" : "broken" });
  } else if (result.ok) {
    console.log(`audit chain ok: ${result.checked} records checked, head seq ${result.headSeq ?? "none (empty trail)"}`);
  } else {
    console.log(`audit chain BROKEN: ${result.problems.length} problem(s) in ${result.checked} records read (head seq ${result.headSeq ?? "none"})`);
    for (const p of result.problems) console.log(`  seq ${p.seq}  ${p.problem.padEnd(9)}  id ${p.id ?? "-"}  ${p.message}`);
    console.log("do not repair the database by hand: follow runbooks/audit-chain-verify.md, step 4 (if the chain is broken)");
  }
  return result.ok ? EXIT.ok : EXIT.finding;
});
