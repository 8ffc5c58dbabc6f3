// Shared plumbing of the operator scripts in scripts/ops/: flags, the service connection, HTTP with
// timeouts and problem+json errors, output (text or --json) and exit codes. See runbooks/README.md.
import { parseArgs, type ParseArgsConfig } from "node:util";

/**
 * Exit codes every ops script uses; runbooks/README.md lists them for operators.
 * 3 is the finding a check exists for (chain broken, site degraded), never a failure of the script.
 */
export const EXIT = {
  /** Done; the checked thing is healthy. */
  ok: 0,
  /** Could not finish: the service is unreachable, timed out, answered 5xx or something unexpected. */
  error: 1,
  /** The command line is wrong (unknown flag, missing --url/--token, bad value): fix the command. */
  usage: 2,
  /** The check ran and found a problem (audit chain broken, site degraded or unreachable). */
  finding: 3,
  /** The API refused the request (4xx problem+json): wrong token or role, four-eyes rule, phase, version. */
  refused: 4,
} as const;

/** A wrong command line; the message says which flag to fix. Exits 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** An RFC 9457 problem as the control plane returns it (control-plane/api/errors.ts). */
export interface Problem {
  readonly type?: string;
  readonly title?: string;
  readonly status: number;
  readonly detail?: string;
  readonly code?: string;
  readonly requestId?: string;
  readonly errors?: readonly { readonly field: string; readonly rule: string; readonly message: string; readonly value?: unknown }[];
}

/** The API answered 4xx or 5xx; `problem` is its problem+json body (or a stand-in built from the status). */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly method: string,
    readonly url: string,
    readonly problem: Problem,
  ) {
    super(`${method} ${url} answered ${problem.status} ${problem.code ?? problem.title ?? ""}: ${problem.detail ?? "(no detail)"}${formatIssues(problem)}`);
  }
}

function formatIssues(problem: Problem): string {
  const issues = (problem.errors ?? []).filter((i) => i.message !== problem.detail);
  return issues.length === 0 ? "" : issues.map((i) => `\n  - ${i.field} (${i.rule}): ${i.message}`).join("");
}

/** Where the control plane is and who we are. */
export interface Connection {
  readonly url: URL;
  readonly token: string;
  readonly timeoutMs: number;
}

/** The flags every script that talks to the API accepts. */
export const CONNECTION_OPTIONS = {
  url: { type: "string" },
  token: { type: "string" },
  timeout: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsConfig["options"];

/** The usage lines of CONNECTION_OPTIONS, for each script's --help. */
export const CONNECTION_USAGE = `connection:
  --url <url>        control plane base URL, e.g. https://ndc.example:8080 (default $NDC_URL)
  --token <token>    API token (default $NDC_TOKEN; prefer the variable: flags show up in ps and history)
  --timeout <s>      per-request timeout in seconds (default 10)
  --json             print one JSON object on stdout (errors too: {"ok":false,"error":{…}})
  --help             this text

exit codes: 0 ok, 1 could not finish (unreachable, timeout, 5xx), 2 bad command line,
            3 the check found a problem, 4 the API refused the request (problem+json shown)`;

/**
 * Parses argv strictly (unknown flags and stray arguments are usage errors). Prints `usage` and
 * exits 0 on --help.
 */
export function parseFlags<O extends NonNullable<ParseArgsConfig["options"]>>(options: O, usage: string, args: string[] = process.argv.slice(2)) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (error) {
    if (args.includes("--help") || args.includes("-h")) {
      console.log(usage);
      process.exit(EXIT.ok);
    }
    throw new UsageError(`${(error as Error).message.replace(/\.$/, "")}; see --help`);
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage);
    process.exit(EXIT.ok);
  }
  return parsed.values;
}

/** The connection from --url/--token/--timeout or NDC_URL/NDC_TOKEN; names the flag to fix. */
export function connectionFrom(values: { url?: string | undefined; token?: string | undefined; timeout?: string | undefined }, role: string): Connection {
  const rawUrl = values.url ?? process.env.NDC_URL;
  if (!rawUrl) throw new UsageError("no service URL: pass --url <url> or set NDC_URL (e.g. http://127.0.0.1:8080)");
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new UsageError(`--url / NDC_URL is not a URL: ${JSON.stringify(rawUrl)}; expected e.g. http://127.0.0.1:8080`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`--url / NDC_URL must be http or https, got ${JSON.stringify(url.protocol)}`);
  const token = values.token ?? process.env.NDC_TOKEN;
  if (!token) throw new UsageError(`no token: set NDC_TOKEN (or pass --token) to ${role} token; mint one with scripts/ops/mint-token.ts`);
  const seconds = values.timeout === undefined ? 10 : Number(values.timeout);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600) throw new UsageError(`--timeout must be seconds between 0 and 600, got ${JSON.stringify(values.timeout)}`);
  return { url, token, timeoutMs: Math.round(seconds * 1000) };
}

/** A URL path from literal parts and values; every value is percent-encoded (never spliced by hand). */
export function apiPath(strings: TemplateStringsArray, ...values: (string | number)[]): string {
  return strings.reduce((acc, s, i) => acc + s + (i < values.length ? encodeURIComponent(String(values[i])) : ""), "");
}

/**
 * One request to the control plane with a timeout. Resolves the parsed JSON body of a 2xx answer.
 * @throws ApiError on 4xx/5xx (with the problem+json); Error naming the URL when unreachable or timed out
 */
export async function callApi<T>(conn: Connection, method: "GET" | "POST" | "DELETE", path: string, query: Record<string, string | undefined> = {}, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const url = new URL(path.replace(/^\//, ""), conn.url.href.endsWith("/") ? conn.url : new URL(`${conn.url.href}/`));
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
  const shown = `${url.origin}${url.pathname}${url.search}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${conn.token}`, accept: "application/json, application/problem+json", ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(conn.timeoutMs),
    });
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    if (e.name === "TimeoutError") throw new Error(`${method} ${shown} did not answer within ${conn.timeoutMs / 1000} s: check the service, or raise --timeout`);
    throw new Error(`cannot reach ${url.origin} (${e.cause?.code ?? e.cause?.message ?? e.message}): check --url / NDC_URL and that the service runs (GET ${url.origin}/readyz)`);
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const problem = parsed && typeof parsed === "object" && "status" in parsed ? (parsed as Problem) : { status: res.status, title: res.statusText, detail: text.slice(0, 300) };
    throw new ApiError(method, shown, problem);
  }
  if (parsed === undefined && text !== "") throw new Error(`${method} ${shown} answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  return parsed as T;
}

/** Every item of a paged list (`{items, nextCursor}`), following cursors. */
export async function listAll<T>(conn: Connection, path: string, query: Record<string, string | undefined> = {}): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await callApi<{ items: T[]; nextCursor?: string }>(conn, "GET", path, { ...query, limit: "200", cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return items;
}

/** `org/name` as typed on the command line; the flag is named in the error. */
export function parseEnvironmentRef(value: string, flag: string): { org: string; name: string } {
  const m = /^([a-z0-9][a-z0-9-]*)\/([a-z0-9][a-z0-9-]*)$/.exec(value);
  if (!m) throw new UsageError(`${flag} takes <org>/<name> (e.g. byt/his-prod), got ${JSON.stringify(value)}`);
  return { org: m[1]!, name: m[2]! };
}

/**
 * Runs a script's main: its result code becomes the exit code; errors are printed (and, with
 * --json, also written as `{"ok":false,"error":…}` on stdout) and mapped to 1, 2 or 4.
 */
export async function runScript(name: string, main: () => Promise<number>): Promise<never> {
  const json = process.argv.includes("--json");
  let code: number;
  try {
    code = await main();
  } catch (error) {
    code = error instanceof UsageError ? EXIT.usage : error instanceof ApiError ? (error.problem.status < 500 ? EXIT.refused : EXIT.error) : EXIT.error;
    const message = (error as Error).message;
    console.error(`${name}: ${message}`);
    if (json) {
      const detail = error instanceof ApiError ? { kind: "api", ...error.problem, message } : { kind: error instanceof UsageError ? "usage" : "error", message };
      console.log(JSON.stringify({ ok: false, error: detail }, null, 2));
    }
  }
  // Let stdout drain before exiting (pipes are asynchronous).
  await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
  process.exit(code);
}

/** Prints `value` as JSON on stdout. */
export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}
