// Requests to the control plane with a timeout, and its RFC 9457 problems as errors.
import type { Connection } from "./connection.ts";

/** An RFC 9457 problem as the control plane returns it. */
export interface Problem {
  readonly type?: string;
  readonly title?: string;
  readonly status: number;
  readonly detail?: string;
  readonly code?: string;
  readonly requestId?: string;
  readonly errors?: readonly { readonly field: string; readonly rule: string; readonly message: string; readonly value?: unknown }[];
}

/** The API answered 4xx or 5xx; `problem` is its problem+json body (or one built from the status). */
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

/** The service could not be reached or did not answer in time. */
export class UnreachableError extends Error {
  override readonly name = "UnreachableError";
}

function formatIssues(problem: Problem): string {
  const issues = (problem.errors ?? []).filter((i) => i.message !== problem.detail);
  return issues.length === 0 ? "" : issues.map((i) => `\n  - ${i.field} (${i.rule}): ${i.message}`).join("");
}

/** A URL path from literal parts and values; every value is percent-encoded (never spliced by hand). */
export function apiPath(strings: TemplateStringsArray, ...values: (string | number)[]): string {
  return strings.reduce((acc, s, i) => acc + s + (i < values.length ? encodeURIComponent(String(values[i])) : ""), "");
}

export type Method = "GET" | "POST" | "PATCH" | "DELETE";

export interface RequestOptions {
  readonly query?: Record<string, string | undefined>;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/**
 * One request. Resolves the parsed JSON body of a 2xx answer.
 * @throws ApiError on 4xx/5xx; UnreachableError naming the URL when unreachable or timed out
 */
export async function callApi<T>(conn: Connection, method: Method, path: string, opts: RequestOptions = {}): Promise<T> {
  const { text, shown, status } = await send(conn, method, path, opts);
  let parsed: unknown;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined && text !== "") throw new Error(`${method} ${shown} answered ${status} with a body that is not JSON: ${text.slice(0, 200)}`);
  return parsed as T;
}

/**
 * A GET whose answer is text of another type (a report as CSV, `Accept: text/csv`), returned as it came.
 * @throws ApiError on 4xx/5xx (its problem+json); UnreachableError as callApi
 */
export async function callApiText(conn: Connection, path: string, accept: string, opts: Pick<RequestOptions, "query"> = {}): Promise<string> {
  return (await send(conn, "GET", path, { ...opts, headers: { accept: `${accept}, application/problem+json` } })).text;
}

/** Sends one request; resolves the body of a 2xx answer as text. */
async function send(conn: Connection, method: Method, path: string, opts: RequestOptions): Promise<{ text: string; shown: string; status: number }> {
  const base = conn.api.href.endsWith("/") ? conn.api : new URL(`${conn.api.href}/`);
  const url = new URL(path.replace(/^\//, ""), base);
  for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
  const shown = `${url.origin}${url.pathname}${url.search}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${conn.token}`,
        accept: "application/json, application/problem+json",
        ...(opts.body === undefined ? {} : { "content-type": "application/json" }),
        ...opts.headers,
      },
      ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
      signal: AbortSignal.timeout(conn.timeoutMs),
    });
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    if (e.name === "TimeoutError")
      throw new UnreachableError(`${method} ${shown} did not answer within ${conn.timeoutMs / 1000} s: check the service, or raise --request-timeout`);
    throw new UnreachableError(
      `cannot reach ${url.origin} (${e.cause?.code ?? e.cause?.message ?? e.message}): check NDC_API or ndc login, and that the service runs (GET ${url.origin}/readyz)`,
    );
  }
  const text = await res.text();
  if (!res.ok) {
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const problem =
      parsed && typeof parsed === "object" && "status" in parsed
        ? (parsed as Problem)
        : { status: res.status, title: res.statusText, detail: text.slice(0, 300) };
    throw new ApiError(method, shown, problem);
  }
  return { text, shown, status: res.status };
}

/**
 * A GET answered as NDJSON (`Accept: application/x-ndjson`): `onLine` gets each line, parsed, as it
 * arrives, so a long answer (the audit chain's verification) shows progress and the client holds
 * one line at a time. `timeoutMs` is how long the service may stay silent, not how long the whole
 * answer may take. A service that answers plain JSON instead gives one line: its body.
 * @throws ApiError on 4xx/5xx; UnreachableError when unreachable or silent for too long
 */
export async function streamNdjson(conn: Connection, path: string, onLine: (line: unknown) => void): Promise<void> {
  const base = conn.api.href.endsWith("/") ? conn.api : new URL(`${conn.api.href}/`);
  const url = new URL(path.replace(/^\//, ""), base);
  const shown = `${url.origin}${url.pathname}${url.search}`;
  const silence = new AbortController();
  let timer = setTimeout(() => silence.abort(), conn.timeoutMs);
  const heard = () => {
    clearTimeout(timer);
    timer = setTimeout(() => silence.abort(), conn.timeoutMs);
  };
  const quiet = () => new UnreachableError(`GET ${shown} said nothing for ${conn.timeoutMs / 1000} s: check the service, or raise --request-timeout`);
  try {
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { authorization: `Bearer ${conn.token}`, accept: "application/x-ndjson, application/json;q=0.5, application/problem+json" },
        signal: silence.signal,
      });
    } catch (error) {
      if (silence.signal.aborted) throw quiet();
      const e = error as Error & { cause?: { code?: string; message?: string } };
      throw new UnreachableError(
        `cannot reach ${url.origin} (${e.cause?.code ?? e.cause?.message ?? e.message}): check NDC_API or ndc login, and that the service runs (GET ${url.origin}/readyz)`,
      );
    }
    const type = res.headers.get("content-type") ?? "";
    if (!res.ok || !type.startsWith("application/x-ndjson")) {
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text === "" ? undefined : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (!res.ok)
        throw new ApiError(
          "GET",
          shown,
          parsed && typeof parsed === "object" && "status" in parsed
            ? (parsed as Problem)
            : { status: res.status, title: res.statusText, detail: text.slice(0, 300) },
        );
      if (parsed === undefined) throw new Error(`GET ${shown} answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
      onLine(parsed);
      return;
    }
    const decoder = new TextDecoder();
    let buffered = "";
    const emit = (raw: string) => {
      if (raw.trim() === "") return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch (error) {
        throw new Error(`GET ${shown} sent a line that is not JSON: ${raw.slice(0, 200)}`, { cause: error });
      }
      onLine(parsed);
    };
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        heard();
        buffered += decoder.decode(chunk, { stream: true });
        for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
          emit(buffered.slice(0, nl));
          buffered = buffered.slice(nl + 1);
        }
      }
    } catch (error) {
      if (silence.signal.aborted) throw quiet();
      throw error;
    }
    emit(buffered + decoder.decode());
  } finally {
    clearTimeout(timer);
  }
}

/** Every item of a paged list (`{items, nextCursor}`), following cursors, up to `max` items. */
export async function listAll<T>(conn: Connection, path: string, query: Record<string, string | undefined> = {}, max = Infinity): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await callApi<{ items: T[]; nextCursor?: string }>(conn, "GET", path, {
      query: { ...query, limit: String(Math.min(200, Math.max(1, max - items.length))), cursor },
    });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined && items.length < max);
  return items.slice(0, max);
}
