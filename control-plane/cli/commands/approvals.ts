// `ndc queue`, `ndc approve`, `ndc reject`: the operator's approval queue and decisions (four eyes:
// the approver is never the requester).
import { Command } from "commander";
import type { EnvironmentResource } from "../../api/index.ts";
import { apiPath, callApi, listAll } from "../api-client.ts";
import { action, parseEnvironmentRef, parsePositiveInt, withCommonOptions } from "../command-kit.ts";
import { parseTimeout } from "../connection.ts";
import { UsageError } from "../exit-codes.ts";
import { age, emit, renderTable } from "../output.ts";
import { finishEnvironmentChange, WAIT_HELP, type WaitFlags } from "./_environment-result.ts";

/** What the operator decides on: a new request, a change waiting beside the built spec, or a decommission. */
export function decisionKind(e: EnvironmentResource): string {
  if (e.phase === "AwaitingDecommission") return "decommission";
  if (e.phase === "AwaitingApproval") return "request";
  return e.pendingChange ? "change" : e.phase;
}

export function queueCommand(): Command {
  return withCommonOptions(
    new Command("queue")
      .description("what an operator must decide, oldest first: new requests, decommissions and pending changes, with who asked and why a human must decide")
      .option("--org <org>", "only this organization's requests")
      .addHelpText("after", "\nexamples:\n  ndc queue\n  ndc queue --org byt -o json"),
  ).action(
    action(async (ctx, flags: { org?: string }) => {
      const items = (await listAll<EnvironmentResource>(ctx.connection(), "/v1/environments", { awaitingDecision: "true", org: flags.org })).sort((a, b) =>
        a.updatedAt.localeCompare(b.updatedAt),
      );
      emit(ctx.output, { items }, () =>
        items.length === 0
          ? `approval queue empty${flags.org ? ` for ${flags.org}` : ""}`
          : renderTable(items, [
              { header: "environment", value: (e) => `${e.org}/${e.name}` },
              { header: "version", value: (e) => e.version },
              { header: "decide", value: decisionKind },
              { header: "stage", value: (e) => e.stage },
              { header: "zone", value: (e) => e.zone },
              { header: "class", value: (e) => `${e.dataClass}/${e.securityLevel}` },
              { header: "sites", value: (e) => e.spec.sites.join(",") },
              { header: "cpu", value: (e) => e.resources.cpu },
              { header: "memory", value: (e) => e.resources.memory },
              { header: "requested by", value: (e) => e.requestedBy },
              { header: "age", value: (e) => age(e.updatedAt) },
              { header: "why", value: (e) => e.reason, max: 70 },
            ]),
      );
    }),
  );
}

export function approveCommand(): Command {
  return withCommonOptions(
    new Command("approve")
      .description(
        "approve a request awaiting approval, a pending change or a decommission (operator, neither the requester nor the last modifier); the provisioner then acts on it",
      )
      .argument("<org/name>", "the request, e.g. byt/his-prod")
      .requiredOption(
        "--version <n>",
        "the version you reviewed (ndc queue and ndc env get show it), sent as If-Match: a request changed since is refused (exit 4)",
      )
      .option("--comment <text>", "an approval note, kept as the environment's reason")
      .option("--wait", WAIT_HELP.wait)
      .option("--timeout <seconds>", WAIT_HELP.timeout, "600")
      .addHelpText(
        "after",
        "\nexamples:\n  ndc approve byt/his-prod --version 2 --comment 'capacity checked' --wait\n  ndc approve byt/his-prod --version 4     # a decommission or a change that awaits an operator",
      ),
  ).action(
    action(async (ctx, ref: string, flags: { version: string; comment?: string } & WaitFlags) => {
      const { org, name } = parseEnvironmentRef(ref);
      const version = parsePositiveInt(flags.version, "--version")!;
      parseTimeout(flags.timeout, "--timeout", 600, 86_400);
      const e = await callApi<EnvironmentResource>(ctx.connection(), "POST", apiPath`/v1/organizations/${org}/environments/${name}/approve`, {
        body: flags.comment ? { comment: flags.comment } : {},
        headers: { "if-match": `"${version}"` },
      });
      await finishEnvironmentChange(ctx, e, "approved", flags);
    }),
  );
}

export function rejectCommand(): Command {
  return withCommonOptions(
    new Command("reject")
      .description("reject a request awaiting approval with a reason the requester reads (operator); final, its capacity is released")
      .argument("<org/name>", "the request")
      .requiredOption("--reason <text>", "why, and what to change")
      .requiredOption("--version <n>", "the version you reviewed (ndc queue shows it), sent as If-Match")
      .addHelpText("after", "\nexamples:\n  ndc reject byt/his-prod --version 2 --reason 'dùng ndc2 cho hệ thống này'"),
  ).action(
    action(async (ctx, ref: string, flags: { reason: string; version: string }) => {
      const { org, name } = parseEnvironmentRef(ref);
      const version = parsePositiveInt(flags.version, "--version")!;
      if (!flags.reason.trim()) throw new UsageError("--reason must say why (the requester reads it)");
      const e = await callApi<EnvironmentResource>(ctx.connection(), "POST", apiPath`/v1/organizations/${org}/environments/${name}/reject`, {
        body: { reason: flags.reason },
        headers: { "if-match": `"${version}"` },
      });
      await finishEnvironmentChange(ctx, e, "rejected", {});
    }),
  );
}
