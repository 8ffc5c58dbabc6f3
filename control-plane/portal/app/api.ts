// Calls to the control plane's API, on the same origin, with the tab's token in the Authorization
// header (never in the URL). Errors come back as problem+json and are thrown as ApiError.
import type { Problem } from "./problems.ts";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail);
  }
}

export interface Reply<T> {
  readonly body: T;
  readonly etag: string | null;
}

export interface CallOptions {
  readonly body?: unknown;
  /** The version read (sent as If-Match: "<version>"). */
  readonly ifMatch?: number;
}

/** Called when the API answers 401: the token expired or was revoked. */
let onUnauthenticated: () => void = () => undefined;
export function whenUnauthenticated(handler: () => void): void {
  onUnauthenticated = handler;
}

export async function call<T>(token: string, method: "GET" | "POST" | "PATCH" | "DELETE", path: string, options: CallOptions = {}): Promise<Reply<T>> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: "application/json, application/problem+json" };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (options.ifMatch !== undefined) headers["if-match"] = `"${options.ifMatch}"`;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, { type: "about:blank", title: "network", status: 0, detail: "network", code: "NETWORK", errors: [] });
  }
  const text = await res.text();
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  if (!res.ok) {
    const problem = (parsed ?? { type: "about:blank", title: res.statusText, status: res.status, detail: res.statusText, code: "HTTP", errors: [] }) as Problem;
    if (res.status === 401) onUnauthenticated();
    throw new ApiError(res.status, { ...problem, errors: problem.errors ?? [] });
  }
  return { body: parsed as T, etag: res.headers.get("etag") };
}

/** The caller, as GET /v1/me says. */
export interface Identity {
  readonly subject: string;
  readonly roles: readonly string[];
  readonly org: string | null;
  readonly via: string;
}

export const isOperator = (me: Identity) => me.roles.some((r) => r === "operator" || r === "platform-admin");
export const isAuditor = (me: Identity) => me.roles.some((r) => r === "auditor" || r === "operator" || r === "platform-admin");
export const canRequest = (me: Identity) => me.org !== null && me.roles.some((r) => r === "requester" || r === "org-admin" || r === "platform-admin");

/**
 * The items of the first `pages` pages of the paged list at `path` (which may carry a query), following
 * the cursors, and the cursor after the last page read (absent when the list ended there).
 */
export async function callPages<T>(token: string, path: string, pages: number): Promise<{ items: T[]; nextCursor?: string }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let read = 0;
  do {
    const page: string = cursor === undefined ? path : `${path}${path.includes("?") ? "&" : "?"}cursor=${encodeURIComponent(cursor)}`;
    const r = await call<{ items: T[]; nextCursor?: string }>(token, "GET", page);
    items.push(...r.body.items);
    cursor = r.body.nextCursor;
    read += 1;
  } while (cursor !== undefined && read < pages);
  return cursor === undefined ? { items } : { items, nextCursor: cursor };
}

/** Every item of a paged list at `path` (which may carry a query), following the cursors. */
export async function callAll<T>(token: string, path: string): Promise<T[]> {
  return (await callPages<T>(token, path, Infinity)).items;
}

/** Whoever decides for an organization on an agreement (accept, decline, revoke): a requester or org admin of it. */
export const actsFor = (me: Identity, org: string) => me.org === org && me.roles.some((r) => r === "requester" || r === "org-admin");
