// The exit codes of `ndc`, one table for every command and for the scripts that call it. The
// documentation (control-plane/cli/README.md, runbooks/README.md) lists the same; a test keeps them equal.

/**
 * Exit codes `ndc` uses. A script can tell what to do from the code alone: fix the command (1),
 * the credentials (2), the name (3), re-read and decide again (4), try again later (5), or look at
 * what went wrong with the environment or the platform (6).
 */
export const EXIT = {
  /** Done; the checked thing is healthy; the waited-for phase was reached. */
  ok: 0,
  /** The command line, a file or a value is wrong (unknown flag, bad file, 400/422 from the API): nothing was changed. */
  usage: 1,
  /** No token, a token the service refuses (401), or a role that may not do this (403). */
  auth: 2,
  /** The environment, site, organization or token does not exist, or is not yours to see (404). */
  notFound: 3,
  /** The request collides with the current state: someone changed it first (409, 412), or the version is required (428). */
  conflict: 4,
  /** The service is unreachable, did not answer in time, is busy (429) or failed (5xx): try again later. */
  unavailable: 5,
  /** The outcome is bad: --wait ended Failed, Rejected, Degraded or timed out; health or audit verify found a problem. */
  failed: 6,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** One line per code, for --help texts and the README. */
export const EXIT_CODES_HELP = `exit codes:
  0  done; the checked thing is healthy; the waited-for phase was reached
  1  bad command line, file or value (the API's 400/422 too); nothing was changed
  2  no token, token refused (401) or role not allowed (403)
  3  not found, or not yours to see (404)
  4  conflict: changed by someone else first (409, 412) or --version required (428)
  5  service unreachable, timed out, busy (429) or failed (5xx): try again later
  6  bad outcome: --wait ended Failed, Rejected, Degraded or timed out; health or audit verify found a problem`;

/** The exit code an HTTP error status stands for. */
export function exitCodeOfStatus(status: number): ExitCode {
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  if (status === 409 || status === 412 || status === 428) return EXIT.conflict;
  if (status === 429 || status >= 500) return EXIT.unavailable;
  return EXIT.usage;
}

/** A wrong command line, file or configuration; the message says what to fix. Exits 1. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Missing or unusable credentials (no token, a login file others can read). Exits 2. */
export class AuthError extends Error {
  override readonly name = "AuthError";
}

/** A finding the command reports with its own exit code (6), after printing its output. */
export class ExitWith extends Error {
  override readonly name = "ExitWith";
  constructor(
    readonly code: ExitCode,
    message: string,
  ) {
    super(message);
  }
}
