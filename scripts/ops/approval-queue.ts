#!/usr/bin/env -S npx tsx
// The approval queue: environments AwaitingApproval across organizations, and an operator's
// decision on one of them. Runbook: runbooks/approval-queue.md
import type { EnvironmentResource } from "../../control-plane/api/index.ts";
import { apiPath, callApi, CONNECTION_OPTIONS, CONNECTION_USAGE, connectionFrom, EXIT, listAll, parseEnvironmentRef, parseFlags, printJson, runScript, UsageError } from "./_ops.ts";

const usage = `usage: npx tsx scripts/ops/approval-queue.ts [--org <org>] [--json]
       npx tsx scripts/ops/approval-queue.ts --approve <org>/<name> --version <n> [--comment <text>] [--json]
       npx tsx scripts/ops/approval-queue.ts --reject <org>/<name> --reason <text> --version <n> [--json]

Without --approve/--reject: lists the environments awaiting approval (GET /v1/environments
?phase=AwaitingApproval), oldest first, with who asked, what and why it needs a human.

  --org <org>          only this organization's requests
  --approve <org/name> approve one request (POST …/approve); the provisioner then builds it
  --reject <org/name>  reject one request (POST …/reject); final: its capacity is released
  --reason <text>      why it is rejected; the requester reads it (required with --reject)
  --comment <text>     an approval note, kept as the environment's reason
  --version <n>        the version you reviewed (the "version" column; sent as If-Match), required
                       with --approve/--reject: a request changed since is refused with 412

needs an operator (or platform-admin) token whose subject is not the requester's (four-eyes rule).

${CONNECTION_USAGE}`;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  org: { type: "string" },
  approve: { type: "string" },
  reject: { type: "string" },
  reason: { type: "string" },
  comment: { type: "string" },
  version: { type: "string" },
} as const;

/** One queue entry: what an operator needs to decide. */
function queueEntry(e: EnvironmentResource) {
  return {
    ref: `${e.org}/${e.name}`,
    org: e.org,
    name: e.name,
    version: e.version,
    stage: e.stage,
    zone: e.zone,
    dataClass: e.dataClass,
    securityLevel: e.securityLevel,
    sites: e.spec.sites,
    resources: e.resources,
    requestedBy: e.requestedBy,
    createdAt: e.createdAt,
    reason: e.reason,
    purpose: e.purpose,
  };
}

/** The outcome of a decision, as printed. */
function decisionView(action: "approve" | "reject", e: EnvironmentResource) {
  return { action, ref: `${e.org}/${e.name}`, phase: e.phase, version: e.version, approvedBy: e.approvedBy, reason: e.reason };
}

function age(iso: string): string {
  const minutes = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 60_000));
  return minutes < 120 ? `${minutes}m` : minutes < 2880 ? `${Math.round(minutes / 60)}h` : `${Math.round(minutes / 1440)}d`;
}

await runScript("approval-queue", async () => {
  const flags = parseFlags(OPTIONS, usage);
  if (flags.approve !== undefined && flags.reject !== undefined) throw new UsageError("give either --approve or --reject, not both");
  if (flags.org !== undefined && (flags.approve !== undefined || flags.reject !== undefined)) throw new UsageError("--org filters the list; --approve/--reject take <org>/<name> instead");
  if (flags.reason !== undefined && flags.reject === undefined) throw new UsageError("--reason goes with --reject <org>/<name>; an approval takes --comment");
  if (flags.comment !== undefined && flags.approve === undefined) throw new UsageError("--comment goes with --approve <org>/<name>; a rejection takes --reason");
  if (flags.reject !== undefined && !flags.reason?.trim()) throw new UsageError("--reject needs --reason <text>: the requester reads it, so say what to change");
  let version: number | undefined;
  if (flags.version !== undefined) {
    version = Number(flags.version);
    if (!Number.isInteger(version) || version < 1) throw new UsageError(`--version must be the environment's version (a positive integer, the "version" column), got ${JSON.stringify(flags.version)}`);
    if (flags.approve === undefined && flags.reject === undefined) throw new UsageError("--version goes with --approve or --reject");
  } else if (flags.approve !== undefined || flags.reject !== undefined) {
    throw new UsageError("--approve and --reject need --version <n>: the version you reviewed (list the queue to see it); a decision never applies to a request changed since");
  }
  const conn = connectionFrom(flags, "an operator");

  const target = flags.approve ?? flags.reject;
  if (target !== undefined) {
    const action = flags.approve !== undefined ? "approve" : "reject";
    const { org, name } = parseEnvironmentRef(target, `--${action}`);
    const body = action === "approve" ? (flags.comment ? { comment: flags.comment } : {}) : { reason: flags.reason };
    const path = action === "approve" ? apiPath`/v1/organizations/${org}/environments/${name}/approve` : apiPath`/v1/organizations/${org}/environments/${name}/reject`;
    const env = await callApi<EnvironmentResource>(conn, "POST", path, {}, body, { "if-match": `"${version}"` });
    const view = decisionView(action, env);
    if (flags.json) printJson({ ok: true, ...view });
    else console.log(`${action === "approve" ? "approved" : "rejected"} ${view.ref}: phase ${view.phase}, version ${view.version}${action === "approve" ? `, approved by ${view.approvedBy}` : `, reason: ${view.reason}`}`);
    return EXIT.ok;
  }

  const items = (await listAll<EnvironmentResource>(conn, "/v1/environments", { phase: "AwaitingApproval", org: flags.org }))
    .map(queueEntry)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  if (flags.json) {
    printJson({ ok: true, count: items.length, items });
    return EXIT.ok;
  }
  if (items.length === 0) {
    console.log(`approval queue empty${flags.org ? ` for ${flags.org}` : ""}`);
    return EXIT.ok;
  }
  console.log(`${items.length} awaiting approval (oldest first):`);
  for (const i of items) {
    console.log(`  ${i.ref}  version ${i.version}  ${i.stage}/${i.zone}  level ${i.securityLevel} ${i.dataClass}  sites ${i.sites.join(",")}  cpu ${i.resources.cpu} mem ${i.resources.memory}`);
    console.log(`      requested by ${i.requestedBy}, ${age(i.createdAt)} ago: ${i.reason ?? "(no reason given)"}`);
  }
  return EXIT.ok;
});
