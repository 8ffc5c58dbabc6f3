// The end of every command that changes an environment: optionally wait, then print it.
import type { EnvironmentResource } from "../../api/index.ts";
import type { CommandContext } from "../command-kit.ts";
import { parseTimeout } from "../connection.ts";
import { failureOf, followEnvironment } from "../follow-environment.ts";
import { emit } from "../output.ts";

export interface WaitFlags {
  readonly wait?: boolean;
  readonly timeout?: string;
}

/** The --wait and --timeout flags' help. */
export const WAIT_HELP = {
  wait: "follow it to its next stable phase (Ready, AwaitingApproval, Retained, …) with a progress line per site on stderr; exit 6 if it ends Failed or Rejected, or on timeout",
  timeout: "with --wait: give up after this many seconds",
} as const;

/**
 * Prints the environment the API answered (JSON/YAML as returned), or a one-line summary; with
 * --wait, follows it first and prints where it ended.
 */
export async function finishEnvironmentChange(ctx: CommandContext, env: EnvironmentResource, verb: string, flags: WaitFlags): Promise<void> {
  let result = env;
  if (flags.wait) {
    const timeoutMs = parseTimeout(flags.timeout, "--timeout", 600, 86_400);
    result = await followEnvironment(ctx.connection(), env.org, env.name, { timeoutMs }, env);
  }
  emit(ctx.output, result, () => {
    const sites = Object.entries(result.sites)
      .map(([site, s]) => `${site} ${s.phase}`)
      .join(", ");
    const pending = result.pendingChange ? `\n  the change awaits an operator: ndc approve ${result.org}/${result.name} --version ${result.version}` : "";
    return `${verb} ${result.org}/${result.name}: phase ${result.phase}, version ${result.version}${sites ? ` (${sites})` : ""}${result.reason && result.phase !== "Ready" ? `\n  ${result.reason}` : ""}${pending}`;
  });
  const failure = flags.wait ? failureOf(result) : undefined;
  if (failure) throw failure;
}
