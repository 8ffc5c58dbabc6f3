// The exit codes of `ndc`, one table for every command (and for scripts that call it). The
// documentation (control-plane/cli/README.md, runbooks/README.md) lists the same; a test keeps them equal.

/**
 * Exit codes `ndc` uses. 3 and 5 are findings a command exists to report (a broken audit chain, a
 * degraded site, an environment that failed), never a failure of `ndc` itself.
 */
export const EXIT = {
  /** Done; the checked thing is healthy, the waited-for phase was reached. */
  ok: 0,
  /** Could not finish: the service is unreachable, timed out, answered 5xx or something unexpected. */
  error: 1,
  /** The command line is wrong (unknown command or flag, missing NDC_API/NDC_TOKEN, bad file): nothing was sent. */
  usage: 2,
  /** The check ran and found a problem (audit chain broken, site degraded or its API server not ready). */
  finding: 3,
  /** The API refused the request (4xx problem+json): wrong token or role, four-eyes rule, phase, version. */
  refused: 4,
  /** --wait: the environment ended Failed, or a site was still Degraded when the wait ran out. */
  failed: 5,
  /** --wait: the environment did not reach a stable phase within --timeout (nothing is wrong yet). */
  timeout: 6,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** One line per code, for --help texts and the README. */
export const EXIT_CODES_HELP = `exit codes:
  0  done; healthy; the waited-for phase was reached
  1  could not finish: service unreachable, timeout, 5xx, unexpected answer
  2  bad command line, configuration or file; nothing was sent
  3  a check found a problem: audit chain broken, site degraded
  4  the API refused the request (401, 403, 404, 409, 412, 422): its message is shown
  5  --wait: the environment is Failed, or a site stayed Degraded
  6  --wait: no stable phase within --timeout`;

/** A wrong command line, file or configuration; the message says what to fix. Exits 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** A finding the command reports with its own exit code (3, 5 or 6), after printing its output. */
export class ExitWith extends Error {
  override readonly name = "ExitWith";
  constructor(
    readonly code: ExitCode,
    message: string,
  ) {
    super(message);
  }
}
