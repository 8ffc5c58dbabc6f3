// Where the control plane is and who we are: NDC_API / NDC_TOKEN, or the file `ndc login` writes.
// Tokens never come from the command line (they would show in `ps` and shell history).
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { AuthError, UsageError } from "./exit-codes.ts";

/** What requests need. */
export interface Connection {
  readonly api: URL;
  readonly token: string;
  readonly timeoutMs: number;
}

/** The file `ndc login` writes: `{ "api": "...", "token": "..." }`, mode 0600. */
export interface StoredLogin {
  readonly api: string;
  readonly token: string;
}

/**
 * The config file's path.
 * @default `$NDC_CONFIG`, else `$XDG_CONFIG_HOME/ndc/config.json`, else `~/.config/ndc/config.json`
 */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.NDC_CONFIG) return env.NDC_CONFIG;
  return join(env.XDG_CONFIG_HOME || join(homedir(), ".config"), "ndc", "config.json");
}

/**
 * Reads the login file, refusing one that others can read: a token readable by the group or the
 * world is as good as leaked.
 * @returns undefined when there is no file
 * @throws UsageError naming the file and the chmod to run, or what is wrong inside it
 */
export function readLogin(path: string): StoredLogin | undefined {
  if (!existsSync(path)) return undefined;
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new AuthError(
      `${path} has mode ${mode.toString(8).padStart(4, "0")}: it holds a token, so only you may read it; run chmod 600 ${path} (or ndc login again)`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new UsageError(`${path} is not JSON (${(error as Error).message}); run ndc login --api <url> again`);
  }
  const p = parsed as Partial<StoredLogin>;
  if (typeof p.api !== "string" || typeof p.token !== "string" || p.token === "") {
    throw new UsageError(`${path} needs "api" and "token" strings; run ndc login --api <url> again`);
  }
  return { api: p.api, token: p.token };
}

/** Writes the login file with mode 0600 (its folder 0700), replacing it atomically. */
export function writeLogin(path: string, login: StoredLogin): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(login, null, 2) + "\n", { mode: 0o600 });
  chmodSync(tmp, 0o600); // the umask may have narrowed it further, never widened; be exact
  renameSync(tmp, path);
}

/** Removes the login file; true when there was one. */
export function removeLogin(path: string): boolean {
  if (!existsSync(path)) return false;
  rmSync(path);
  return true;
}

/** The environment variable that lets `ndc` send a token over plain http to another machine. */
export const ALLOW_INSECURE_HTTP = "NDC_ALLOW_INSECURE_HTTP";

/**
 * Whether a URL's host is this machine: `localhost`, 127.0.0.0/8 or `[::1]`. The URL parser has
 * already made every spelling of an IPv4 address canonical (`127.1`, `0x7f000001` are `127.0.0.1`).
 */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * Parses the service URL, naming where it came from in the error. Plain http is refused unless it
 * stays on this machine (loopback): every request carries the bearer token, which would cross the
 * network in clear. `NDC_ALLOW_INSECURE_HTTP=1` allows it anyway (a lab, a tunnel the caller trusts).
 * @throws UsageError naming `from` (NDC_API, --api or the login file) and the rule
 */
export function parseApiUrl(raw: string, from: string, env: NodeJS.ProcessEnv = process.env): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${from} is not a URL: ${JSON.stringify(raw)}; expected e.g. https://ndc.example.gov.vn or http://127.0.0.1:8080`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`${from} must be an http or https URL, got ${JSON.stringify(raw)}`);
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname) && env[ALLOW_INSECURE_HTTP] !== "1") {
    throw new UsageError(
      `${from} is ${url.origin}: plain http would send your token in clear over the network; use https://, or http:// only to this machine (127.0.0.1, ::1, localhost); ${ALLOW_INSECURE_HTTP}=1 allows it anyway`,
    );
  }
  return url;
}

/** Parses --timeout seconds. */
export function parseTimeout(raw: string | undefined, flag = "--timeout", fallbackSeconds = 10, maxSeconds = 600): number {
  if (raw === undefined) return fallbackSeconds * 1000;
  const seconds = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(seconds) || seconds <= 0 || seconds > maxSeconds) {
    throw new UsageError(`${flag} takes seconds between 0 and ${maxSeconds}, got ${JSON.stringify(raw)}`);
  }
  return Math.round(seconds * 1000);
}

/**
 * The connection: NDC_API and NDC_TOKEN override the login file, each on its own — but the stored
 * token goes only to the service it was stored for: with NDC_API naming another origin (scheme,
 * host and port), NDC_TOKEN is needed, so a stray NDC_API (a project's .envrc, a CI variable)
 * never receives the token of `ndc login`.
 * @throws UsageError saying how to log in when something is missing; AuthError when the stored token is for another service
 */
export function resolveConnection(timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Connection {
  const path = configPath(env);
  const stored = env.NDC_API && env.NDC_TOKEN ? undefined : readLogin(path);
  const rawApi = env.NDC_API || stored?.api;
  if (!rawApi) throw new UsageError(`no service: set NDC_API (e.g. http://127.0.0.1:8080) or run ndc login --api <url>`);
  const api = parseApiUrl(rawApi, env.NDC_API ? "NDC_API" : `"api" in ${path} (ndc login --api)`, env);
  if (!env.NDC_TOKEN && stored && env.NDC_API) {
    const storedOrigin = URL.canParse(stored.api) ? new URL(stored.api).origin : stored.api;
    if (storedOrigin !== api.origin) {
      throw new AuthError(
        `NDC_API is ${api.origin} but the token in ${path} was stored for ${storedOrigin}; it is never sent elsewhere: set NDC_TOKEN for ${api.origin}, or run ndc login --api ${api.origin}`,
      );
    }
  }
  const token = env.NDC_TOKEN || stored?.token;
  if (!token) throw new AuthError(`no token: run ndc login --api ${api.origin} (it reads the token from stdin), or set NDC_TOKEN`);
  return { api, token, timeoutMs };
}
