// `ndc env …`: request, list, read, resize, decommission, retry and watch environments.
import { Command, Option } from "commander";
import type { EnvironmentResource } from "../../api/index.ts";
import { PHASES } from "../../domain/index.ts";
import { apiPath, callApi, listAll } from "../api-client.ts";
import { action, parseEnvironmentRef, parsePositiveInt, withCommonOptions } from "../command-kit.ts";
import { parseTimeout } from "../connection.ts";
import { environmentDetail, environmentTable } from "../environment-view.ts";
import { UsageError } from "../exit-codes.ts";
import { failureOf, followEnvironment } from "../follow-environment.ts";
import { emit, terminalSafe } from "../output.ts";
import { readRequestFile } from "../request-file.ts";
import { finishEnvironmentChange, WAIT_HELP, type WaitFlags } from "./_environment-result.ts";

/**
 * Reads an environment request from a YAML or JSON file (`-` is stdin). An `org` key in the file
 * names the organization; it is not part of the request body.
 * @throws UsageError naming the file and what is wrong with it
 */
export function readEnvironmentFile(file: string): { org: string | undefined; body: Record<string, unknown> } {
  return readRequestFile(file, "one environment (a mapping with name, stage, zone, …)");
}

/** --storage tier=size, repeatable. */
function collectStorage(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const m = /^([a-z0-9][a-z0-9-]*)=(\S+)$/.exec(value);
  if (!m) throw new UsageError(`--storage takes <tier>=<size> (e.g. standard=500Gi), got ${JSON.stringify(value)}`);
  return { ...previous, [m[1]!]: m[2]! };
}

export function envCommand(): Command {
  const env = new Command("env").description("request, list, read, resize, decommission, retry and watch environments");

  withCommonOptions(
    env
      .command("list")
      .description("environments you may see (all organizations for platform roles), oldest first per organization")
      .option("--org <org>", "only this organization's")
      .addOption(new Option("--phase <phase>", "only environments in this phase").choices([...PHASES]))
      .addHelpText("after", "\nexamples:\n  ndc env list\n  ndc env list --org byt --phase Ready -o json"),
  ).action(
    action(async (ctx, flags: { org?: string; phase?: string }) => {
      const path = flags.org ? apiPath`/v1/organizations/${flags.org}/environments` : "/v1/environments";
      const items = await listAll<EnvironmentResource>(ctx.connection(), path, { phase: flags.phase });
      emit(ctx.output, { items }, () => environmentTable(items));
    }),
  );

  withCommonOptions(
    env
      .command("get")
      .description("one environment: phase, reason, resources, and its status at each site")
      .argument("<org/name>", "the environment, e.g. byt/his-prod")
      .addHelpText("after", "\nexamples:\n  ndc env get byt/his-prod\n  ndc env get byt/his-prod -o yaml"),
  ).action(
    action(async (ctx, ref: string) => {
      const { org, name } = parseEnvironmentRef(ref);
      const e = await callApi<EnvironmentResource>(ctx.connection(), "GET", apiPath`/v1/organizations/${org}/environments/${name}`);
      emit(ctx.output, e, () => environmentDetail(e));
    }),
  );

  withCommonOptions(
    env
      .command("create")
      .description(
        "request an environment from a YAML or JSON file; it is admitted (placement, capacity, entitlement) and then auto-approved or queued for an operator",
      )
      .requiredOption(
        "-f, --file <file>",
        "the request: name, stage, zone, dataClass, personalData, securityLevel, sites, resources, owners, purpose (and org); - reads stdin",
      )
      .option("--org <org>", "the organization (default: the file's org)")
      .option("--idempotency-key <key>", "repeat the request safely: the same key and file return the same environment")
      .option("--wait", WAIT_HELP.wait)
      .option("--timeout <seconds>", WAIT_HELP.timeout, "600")
      .addHelpText(
        "after",
        `
example file (his.yaml):
  org: byt
  name: his
  stage: prod
  zone: app
  dataClass: other
  personalData: basic
  securityLevel: 2
  sites: [ndc1]
  resources: { cpu: "2", memory: 4Gi }
  owners: [byt-his]
  purpose: Hệ thống thông tin bệnh viện

examples:
  ndc env create -f his.yaml
  ndc env create -f his.yaml --wait        # stops at AwaitingApproval when an operator must approve`,
      ),
  ).action(
    action(async (ctx, flags: { file: string; org?: string; idempotencyKey?: string } & WaitFlags) => {
      const { org: fileOrg, body } = readEnvironmentFile(flags.file);
      if (flags.org && fileOrg && flags.org !== fileOrg) throw new UsageError(`--org ${flags.org} and the file's org ${fileOrg} disagree; drop one`);
      const org = flags.org ?? fileOrg;
      if (!org) throw new UsageError(`no organization: pass --org <org> or put "org: <slug>" in ${flags.file}`);
      parseTimeout(flags.timeout, "--timeout", 600, 86_400);
      const created = await callApi<EnvironmentResource>(ctx.connection(), "POST", apiPath`/v1/organizations/${org}/environments`, {
        body,
        ...(flags.idempotencyKey ? { headers: { "idempotency-key": flags.idempotencyKey } } : {}),
      });
      await finishEnvironmentChange(ctx, created, "requested", flags);
    }),
  );

  withCommonOptions(
    env
      .command("resize")
      .description("change an environment's resources (admitted again); fields you leave out keep their value")
      .argument("<org/name>", "the environment")
      .option("--cpu <cores>", 'CPU, e.g. "4" or "500m"')
      .option("--memory <size>", "memory, e.g. 8Gi")
      .option("--storage <tier=size>", "storage of one tier, e.g. standard=500Gi (repeatable)", collectStorage)
      .option("--gpu <count>", "GPUs")
      .option("--version <n>", "change only if it is still at this version (default: the version read just before)")
      .option("--wait", WAIT_HELP.wait)
      .option("--timeout <seconds>", WAIT_HELP.timeout, "600")
      .addHelpText("after", "\nexamples:\n  ndc env resize byt/his-prod --cpu 4 --memory 8Gi --wait\n  ndc env resize byt/his-prod --storage standard=1Ti"),
  ).action(
    action(async (ctx, ref: string, flags: { cpu?: string; memory?: string; storage?: Record<string, string>; gpu?: string; version?: string } & WaitFlags) => {
      const { org, name } = parseEnvironmentRef(ref);
      const resources: Record<string, unknown> = {};
      if (flags.cpu !== undefined) resources.cpu = flags.cpu;
      if (flags.memory !== undefined) resources.memory = flags.memory;
      if (flags.storage !== undefined) resources.storage = flags.storage;
      if (flags.gpu !== undefined) {
        if (!/^[0-9]+$/.test(flags.gpu)) throw new UsageError(`--gpu takes a whole number, got ${JSON.stringify(flags.gpu)}`);
        resources.gpu = Number(flags.gpu);
      }
      if (Object.keys(resources).length === 0) throw new UsageError("nothing to change: pass --cpu, --memory, --storage or --gpu");
      let version = parsePositiveInt(flags.version, "--version");
      parseTimeout(flags.timeout, "--timeout", 600, 86_400);
      const conn = ctx.connection();
      const path = apiPath`/v1/organizations/${org}/environments/${name}`;
      version ??= (await callApi<EnvironmentResource>(conn, "GET", path)).version;
      const updated = await callApi<EnvironmentResource>(conn, "PATCH", path, { body: { resources }, headers: { "if-match": `"${version}"` } });
      await finishEnvironmentChange(ctx, updated, "resized", flags);
    }),
  );

  withCommonOptions(
    env
      .command("decommission")
      .description(
        "decommission an environment: access is frozen and data retained for the retention period, then the namespace is deleted (a request still awaiting approval is withdrawn)",
      )
      .argument("<org/name>", "the environment")
      .option("--yes", "confirm: you checked with its owners that nothing of value runs in it")
      .option("--version <n>", "only if it is still at this version")
      .option("--wait", WAIT_HELP.wait)
      .option("--timeout <seconds>", WAIT_HELP.timeout, "600")
      .addHelpText("after", "\nexamples:\n  ndc env decommission byt/his-test --yes --wait"),
  ).action(
    action(async (ctx, ref: string, flags: { yes?: boolean; version?: string } & WaitFlags) => {
      const { org, name } = parseEnvironmentRef(ref);
      const version = parsePositiveInt(flags.version, "--version");
      parseTimeout(flags.timeout, "--timeout", 600, 86_400);
      if (!flags.yes)
        throw new UsageError(`decommissioning ${org}/${name} freezes access now and deletes its namespace after the retention period; confirm with --yes`);
      const e = await callApi<EnvironmentResource>(
        ctx.connection(),
        "DELETE",
        apiPath`/v1/organizations/${org}/environments/${name}`,
        version === undefined ? {} : { headers: { "if-match": `"${version}"` } },
      );
      await finishEnvironmentChange(ctx, e, "decommissioning", flags);
    }),
  );

  withCommonOptions(
    env
      .command("retry")
      .description(
        "build a Failed environment's approved spec again, once its cause is fixed (operator; audited as environment.retry); a failed decommission is continued, never built again (environment.retry-decommission)",
      )
      .argument("<org/name>", "the environment")
      .option("--version <n>", "only if it is still at this version")
      .option("--wait", WAIT_HELP.wait)
      .option("--timeout <seconds>", WAIT_HELP.timeout, "600")
      .addHelpText("after", "\nexamples:\n  ndc env retry bct/erp --wait"),
  ).action(
    action(async (ctx, ref: string, flags: { version?: string } & WaitFlags) => {
      const { org, name } = parseEnvironmentRef(ref);
      const version = parsePositiveInt(flags.version, "--version");
      parseTimeout(flags.timeout, "--timeout", 600, 86_400);
      const e = await callApi<EnvironmentResource>(
        ctx.connection(),
        "POST",
        apiPath`/v1/organizations/${org}/environments/${name}/retry`,
        version === undefined ? {} : { headers: { "if-match": `"${version}"` } },
      );
      await finishEnvironmentChange(ctx, e, "retrying", flags);
    }),
  );

  withCommonOptions(
    env
      .command("watch")
      .description("follow an environment until it is stable (Ready, AwaitingApproval, Failed, Retained, …), a line per change")
      .argument("<org/name>", "the environment")
      .option("--timeout <seconds>", "give up after this many seconds", "600")
      .addHelpText("after", "\nexamples:\n  ndc env watch byt/his-prod --timeout 120"),
  ).action(
    action(async (ctx, ref: string, flags: { timeout?: string }) => {
      const { org, name } = parseEnvironmentRef(ref);
      const timeoutMs = parseTimeout(flags.timeout, "--timeout", 600, 86_400);
      const e = await followEnvironment(ctx.connection(), org, name, {
        timeoutMs,
        log: (line) => (ctx.output === "table" ? console.log(terminalSafe(line)) : console.error(terminalSafe(line))),
      });
      if (ctx.output !== "table") emit(ctx.output, e, () => "");
      const failure = failureOf(e);
      if (failure) throw failure;
    }),
  );

  return env;
}
