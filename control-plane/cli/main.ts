// `ndc`: one command line for requesters, approvers, operators and auditors of the control plane.
import { Command, CommanderError } from "commander";
import { agreementCommand } from "./commands/agreements.ts";
import { approveCommand, queueCommand, rejectCommand } from "./commands/approvals.ts";
import { auditCommand } from "./commands/audit.ts";
import { completionCommand } from "./commands/completion.ts";
import { envCommand } from "./commands/env.ts";
import { healthCommand } from "./commands/health.ts";
import { loginCommand, logoutCommand } from "./commands/login.ts";
import { capacityCommand, orgsCommand, sitesCommand } from "./commands/platform.ts";
import { reportCommand, roadmapCommand } from "./commands/reports.ts";
import { tokenCommand } from "./commands/tokens.ts";
import { EXIT, EXIT_CODES_HELP } from "./exit-codes.ts";

const CONNECTION_HELP = `connection:
  NDC_API      the control plane's URL, e.g. https://ndc.example.gov.vn; plain http:// only to this
               machine (127.0.0.1, ::1, localhost) unless NDC_ALLOW_INSECURE_HTTP=1 (the token would cross the network in clear)
  NDC_TOKEN    your API token (tokens are never taken as arguments: they would show in ps and history)
  or ndc login --api <url>, which keeps both in ~/.config/ndc/config.json (mode 0600; $NDC_CONFIG)`;

/** What `ndc --help` says of each command, one short line each. */
const SUMMARIES: Readonly<Record<string, string>> = {
  env: "request, list, read, resize, decommission, retry and watch environments",
  approve: "approve a request, a pending change or a decommission (operator)",
  reject: "reject a request with a reason (operator)",
  queue: "requests, changes and decommissions awaiting an operator",
  sites: "the sites: status, location, zones, storage tiers",
  capacity: "capacity committed and available per pool and storage tier",
  orgs: "onboarded organizations, with their Vietnamese names",
  agreement: "offer, accept, approve and revoke data-sharing agreements between organizations",
  report: "compliance per organization or site, and showback per month (JSON, table or CSV)",
  roadmap: "capacity per site and roadmap phase against commitments; when it runs out",
  health: "environments not Ready at a site; a site API server's /readyz",
  audit: "list and verify the tamper-evident audit trail",
  token: "mint, list and revoke API tokens (platform-admin)",
  login: "store the service URL and your token in a 0600 file",
  logout: "remove the stored login",
  completion: "print a bash or zsh completion script",
};

/** The whole command tree. */
export function buildProgram(): Command {
  const program = new Command("ndc")
    .description("the National Data Center control plane: request and follow environments, approve, operate and audit")
    .exitOverride()
    .showHelpAfterError("(add --help for usage)")
    .configureHelp({ sortSubcommands: false })
    .addHelpText(
      "after",
      `
${CONNECTION_HELP}

every command takes --output table|json|yaml (JSON is what the API returns) and --help.

${EXIT_CODES_HELP}

examples:
  ndc env create -f his.yaml --wait
  ndc queue
  ndc approve byt/his --version 2 --wait
  ndc env get byt/his
  ndc agreement list
  ndc report usage --org byt --month 2026-11`,
    );
  const add = (cmd: Command) => {
    // The one-line summary `ndc --help` lists; `ndc <command> --help` shows the whole description.
    const summary = SUMMARIES[cmd.name()];
    if (summary) cmd.summary(summary);
    program.addCommand(cmd);
  };
  for (const cmd of [
    envCommand(),
    approveCommand(),
    rejectCommand(),
    queueCommand(),
    sitesCommand(),
    capacityCommand(),
    orgsCommand(),
    agreementCommand(),
    reportCommand(),
    roadmapCommand(),
    healthCommand(),
    auditCommand(),
    tokenCommand(),
    loginCommand(),
    logoutCommand(),
    completionCommand(buildProgram),
  ])
    add(cmd);
  // Settings the subcommands need too (addCommand does not copy them).
  const inherit = (cmd: Command) => {
    for (const sub of cmd.commands) {
      sub.exitOverride().showHelpAfterError("(add --help for usage)");
      inherit(sub);
    }
  };
  inherit(program);
  return program;
}

/** Runs ndc with `argv` (without node and the script) and resolves the exit code. */
export async function runNdc(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT.usage;
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and (for a group such as `ndc env`) the help shown instead of a subcommand.
      if (error.code === "commander.helpDisplayed" || error.code === "commander.help" || error.code === "commander.version") return EXIT.ok;
      return EXIT.usage;
    }
    throw error;
  }
  return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
}
