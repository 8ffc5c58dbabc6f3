// What every leaf command shares: --output and --request-timeout, the connection, and one place
// that turns errors into messages and exit codes.
import { type Command, Option } from "commander";
import { ApiError, UnreachableError } from "./api-client.ts";
import { resolveConnection, parseTimeout, type Connection } from "./connection.ts";
import { AuthError, EXIT, exitCodeOfStatus, ExitWith, UsageError, type ExitCode } from "./exit-codes.ts";
import { OUTPUT_FORMATS, parseOutputFormat, terminalSafe, type OutputFormat } from "./output.ts";

/** What a command's action receives besides its arguments. */
export interface CommandContext {
  readonly output: OutputFormat;
  /** The connection from NDC_API/NDC_TOKEN or the login file (resolved when first asked for). */
  connection(): Connection;
}

/** Adds --output and --request-timeout to a leaf command. */
export function withCommonOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("-o, --output <format>", "output format").choices(OUTPUT_FORMATS).default("table"))
    .option("--request-timeout <seconds>", "timeout of each request to the service, in seconds", "10");
}

/** The code an error exits with. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof ExitWith) return error.code;
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof AuthError) return EXIT.auth;
  if (error instanceof ApiError) return exitCodeOfStatus(error.problem.status);
  if (error instanceof UnreachableError) return EXIT.unavailable;
  // An answer we cannot read is the service's fault, not the caller's.
  return EXIT.unavailable;
}

/**
 * Wraps an action: resolves the common options, runs it, prints an error to stderr (and, with
 * --output json|yaml, the API's problem on stdout so scripts can read it) and sets the exit code.
 */
export function action<A extends unknown[]>(fn: (ctx: CommandContext, ...args: A) => Promise<void>): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const opts = cmd.opts<{ output?: string; requestTimeout?: string }>();
    let output: OutputFormat = "table";
    try {
      output = parseOutputFormat(opts.output ?? "table");
      const timeoutMs = parseTimeout(opts.requestTimeout, "--request-timeout");
      let conn: Connection | undefined;
      const ctx: CommandContext = { output, connection: () => (conn ??= resolveConnection(timeoutMs)) };
      await fn(ctx, ...(args.slice(0, -1) as A));
    } catch (error) {
      process.exitCode = exitCodeOf(error);
      const hint = error instanceof ApiError && error.problem.status === 428 ? "\n  pass --version <n>: the version you reviewed (ndc env get shows it)" : "";
      if (!(error instanceof ExitWith) || error.message !== "")
        console.error(
          terminalSafe(`ndc ${cmd.parent && cmd.parent.name() !== "ndc" ? `${cmd.parent.name()} ` : ""}${cmd.name()}: ${(error as Error).message}${hint}`),
        );
      if (error instanceof ApiError && output !== "table") {
        const problem = { ...error.problem };
        process.stdout.write(output === "json" ? `${JSON.stringify(problem, null, 2)}\n` : (await import("yaml")).stringify(problem));
      }
    }
  };
}

/** `org/name` as typed on the command line. */
export function parseEnvironmentRef(value: string): { org: string; name: string } {
  const m = /^([a-z0-9][a-z0-9-]*)\/([a-z0-9][a-z0-9-]*)$/.exec(value);
  if (!m) throw new UsageError(`an environment is named <org>/<name> (e.g. byt/his-prod), got ${JSON.stringify(value)}`);
  return { org: m[1]!, name: m[2]! };
}

/** A positive integer option (--version, --limit). */
export function parsePositiveInt(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^[1-9][0-9]*$/.test(raw) || !Number.isSafeInteger(n)) throw new UsageError(`${flag} takes a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}
