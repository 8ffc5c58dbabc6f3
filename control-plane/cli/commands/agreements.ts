// `ndc agreement list|get|offer|accept|decline|approve|reject|revoke`: data-sharing agreements between
// organizations. The provider offers, the consumer accepts or declines, an operator approves or
// rejects when the rules need one (never who offered or accepted), any of them revokes.
import { Command, Option } from "commander";
import { AGREEMENT_STATES } from "../../../model/index.ts";
import { apiPath, callApi, listAll } from "../api-client.ts";
import { action, parsePositiveInt, withCommonOptions } from "../command-kit.ts";
import { UsageError } from "../exit-codes.ts";
import { emit, renderFields, renderTable } from "../output.ts";
import { readRequestFile } from "../request-file.ts";
import type { AgreementResource } from "../../api/index.ts";

/** An agreement as the API returns it (the API's own schema type). */
export type { AgreementResource } from "../../api/index.ts";

/** `provider/name` as typed on the command line. */
export function parseAgreementRef(value: string): { org: string; name: string } {
  const m = /^([a-z0-9][a-z0-9-]*)\/([a-z0-9][a-z0-9-]*)$/.exec(value);
  if (!m) throw new UsageError(`an agreement is named <provider org>/<name> (e.g. byt/his-erp), got ${JSON.stringify(value)}`);
  return { org: m[1]!, name: m[2]! };
}

/** One table row per agreement. */
export function agreementTable(items: readonly AgreementResource[]): string {
  return renderTable(items, [
    { header: "agreement", value: (a) => `${a.provider.org}/${a.name}` },
    { header: "provider", value: (a) => `${a.provider.org}/${a.provider.environment}` },
    { header: "consumer", value: (a) => `${a.consumer.org}/${a.consumer.environment}` },
    { header: "port", value: (a) => `${a.port}/${a.protocol}` },
    { header: "status", value: (a) => a.status },
    { header: "version", value: (a) => a.version },
    { header: "sites", value: (a) => a.sites.join(",") },
    { header: "valid until", value: (a) => a.validUntil },
    { header: "purpose", value: (a) => a.purpose, max: 70 },
  ]);
}

/** One agreement as key: value lines. */
export function agreementDetail(a: AgreementResource): string {
  return renderFields([
    ["agreement", `${a.provider.org}/${a.name}`],
    ["status", `${a.status} (state ${a.state})`],
    ["version", a.version],
    ["provider", `${a.provider.org}/${a.provider.environment}`],
    ["consumer", `${a.consumer.org}/${a.consumer.environment}`],
    ["port", `${a.port}/${a.protocol}`],
    ["purpose", a.purpose],
    ["legal basis", a.legalBasis],
    ["valid", `${a.validFrom} .. ${a.validUntil}`],
    ["sites", a.sites.join(", ") || "-"],
    ["operator approval", a.operatorApprovalRequired ? `required: ${a.approvalReasons.join("; ")}` : "not required"],
    ["network policy", a.networkPolicy],
    ["offered by", a.offeredBy],
    ["accepted by", a.acceptedBy],
    ["decided by", a.decidedBy],
    ["revoked by", a.revokedBy],
    ["reason", a.reason],
    ["updated", a.updatedAt],
  ]);
}

/** What `accept` … `revoke` print in a table: one line, and what comes next. */
function decisionLine(verb: string, a: AgreementResource): string {
  const ref = `${a.provider.org}/${a.name}`;
  const next =
    a.status === "AwaitingApproval"
      ? `\nan operator must approve it (${a.approvalReasons.join("; ")}): ndc agreement approve ${ref} --version ${a.version}`
      : a.status === "Offered"
        ? `\nthe consumer ${a.consumer.org} accepts it: ndc agreement accept ${ref}`
        : "";
  return `${verb} ${ref}: status ${a.status} (state ${a.state}), version ${a.version}${next}`;
}

const DECISIONS = {
  accept: { verb: "accepted", who: "the consumer organization", what: "accept the offer; in force at once unless the rules need an operator" },
  decline: { verb: "declined", who: "the consumer organization", what: "decline the offer (final)" },
  approve: { verb: "approved", who: "an operator who neither offered nor accepted it", what: "approve an agreement the rules need an operator for" },
  reject: { verb: "rejected", who: "an operator who neither offered nor accepted it", what: "reject an agreement awaiting an operator (final)" },
  revoke: { verb: "revoked", who: "the provider, the consumer or an operator", what: "end the agreement; its network policies are removed from every site" },
} as const;

export function agreementCommand(): Command {
  const agreement = new Command("agreement").description(
    "data-sharing agreements: the provider offers one of its environments to another organization's, the consumer accepts, an operator approves when the rules need one",
  );

  withCommonOptions(
    agreement
      .command("list")
      .description("agreements your organization provides or consumes (platform roles: all), with what each is now")
      .option("--org <org>", "only this organization's (as provider or consumer)")
      .addOption(new Option("--role <role>", "with --org: only those it provides, or consumes").choices(["provider", "consumer"]))
      .addOption(new Option("--state <state>", "only those in this state (AwaitingApproval: the operators' queue)").choices([...AGREEMENT_STATES]))
      .addHelpText(
        "after",
        "\nexamples:\n  ndc agreement list\n  ndc agreement list --org bct --role consumer\n  ndc agreement list --state AwaitingApproval -o json     # the operators' queue",
      ),
  ).action(
    action(async (ctx, flags: { org?: string; role?: string; state?: string }) => {
      if (flags.role && !flags.org) throw new UsageError("--role needs --org <org>: the organization whose side it is");
      const all = flags.org
        ? await listAll<AgreementResource>(ctx.connection(), apiPath`/v1/organizations/${flags.org}/sharing-agreements`, { role: flags.role })
        : await listAll<AgreementResource>(ctx.connection(), "/v1/sharing-agreements", { state: flags.state });
      const items = flags.org && flags.state ? all.filter((a) => a.state === flags.state) : all;
      emit(ctx.output, { items }, () => (items.length === 0 ? "no sharing agreements" : agreementTable(items)));
    }),
  );

  withCommonOptions(
    agreement
      .command("get")
      .description("one agreement: its terms, status, who decided what, and why an operator must approve it")
      .argument("<provider/name>", "the agreement, named by its provider organization, e.g. byt/his-erp")
      .addHelpText("after", "\nexamples:\n  ndc agreement get byt/his-erp\n  ndc agreement get byt/his-erp -o yaml"),
  ).action(
    action(async (ctx, ref: string) => {
      const { org, name } = parseAgreementRef(ref);
      const a = await callApi<AgreementResource>(ctx.connection(), "GET", apiPath`/v1/organizations/${org}/sharing-agreements/${name}`);
      emit(ctx.output, a, () => agreementDetail(a));
    }),
  );

  withCommonOptions(
    agreement
      .command("offer")
      .description(
        "offer another organization's environment access to one of yours (provider organization), from a YAML or JSON file; checked against every sharing rule",
      )
      .requiredOption(
        "-f, --file <file>",
        "the offer: name, providerEnvironment, consumer {org, environment}, port, protocol, purpose, legalBasis, validFrom, validUntil, [sites] (and org); - reads stdin",
      )
      .option("--org <org>", "the provider organization (default: the file's org)")
      .addHelpText(
        "after",
        `
example file (his-erp.yaml):
  org: byt
  name: his-erp
  providerEnvironment: his-db
  consumer: { org: bct, environment: erp }
  port: 5432
  protocol: TCP
  purpose: Đối soát thuốc (drug reconciliation)
  legalBasis: Nghị định 194/2025/NĐ-CP
  validFrom: "2026-12-01T00:00:00+07:00"
  validUntil: "2027-12-01T00:00:00+07:00"

examples:
  ndc agreement offer -f his-erp.yaml
  ndc agreement offer -f his-erp.yaml -o json | jq .operatorApprovalRequired`,
      ),
  ).action(
    action(async (ctx, flags: { file: string; org?: string }) => {
      const { org: fileOrg, body } = readRequestFile(flags.file, "one offer (a mapping with name, providerEnvironment, consumer, port, …)");
      if (flags.org && fileOrg && flags.org !== fileOrg) throw new UsageError(`--org ${flags.org} and the file's org ${fileOrg} disagree; drop one`);
      const org = flags.org ?? fileOrg;
      if (!org) throw new UsageError(`no provider organization: pass --org <org> or put "org: <slug>" in ${flags.file}`);
      const a = await callApi<AgreementResource>(ctx.connection(), "POST", apiPath`/v1/organizations/${org}/sharing-agreements`, { body });
      emit(ctx.output, a, () => decisionLine("offered", a));
    }),
  );

  for (const [decision, d] of Object.entries(DECISIONS) as [keyof typeof DECISIONS, (typeof DECISIONS)[keyof typeof DECISIONS]][]) {
    const cmd = agreement
      .command(decision)
      .description(`${d.what} (${d.who})`)
      .argument("<provider/name>", "the agreement, e.g. byt/his-erp")
      .option("--version <n>", "decide only if it is still at this version (ndc agreement get shows it); a changed agreement is refused (exit 4)");
    if (decision === "decline" || decision === "reject" || decision === "revoke") cmd.option("--reason <text>", "why; both organizations read it");
    if (decision === "revoke") cmd.option("--yes", "confirm: the consumer's traffic is cut on every site at once");
    withCommonOptions(cmd).addHelpText(
      "after",
      decision === "revoke"
        ? "\nexamples:\n  ndc agreement revoke byt/his-erp --yes --reason 'hết nhu cầu'\n  ndc agreement revoke byt/his-erp --yes --version 3"
        : decision === "approve"
          ? "\nexamples:\n  ndc agreement list --state AwaitingApproval\n  ndc agreement approve byt/his-erp --version 2"
          : `\nexamples:\n  ndc agreement ${decision} byt/his-erp${decision === "accept" ? "" : " --reason 'không cần nữa'"}\n  ndc agreement ${decision} byt/his-erp --version 1 -o json`,
    );
    cmd.action(
      action(async (ctx, ref: string, flags: { version?: string; reason?: string; yes?: boolean }) => {
        const { org, name } = parseAgreementRef(ref);
        const version = parsePositiveInt(flags.version, "--version");
        if (flags.reason !== undefined && !flags.reason.trim()) throw new UsageError("--reason must say why (both organizations read it)");
        if (decision === "revoke" && !flags.yes)
          throw new UsageError(`revoking ${org}/${name} removes its network policies from every site now; confirm with --yes`);
        const a = await callApi<AgreementResource>(ctx.connection(), "POST", apiPath`/v1/organizations/${org}/sharing-agreements/${name}/${decision}`, {
          body: flags.reason ? { reason: flags.reason } : {},
          ...(version === undefined ? {} : { headers: { "if-match": `"${version}"` } }),
        });
        emit(ctx.output, a, () => decisionLine(d.verb, a));
      }),
    );
  }
  return agreement;
}
