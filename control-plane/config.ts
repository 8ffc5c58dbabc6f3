import { createPrivateKey, type KeyObject } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { assemblePlatform, parseStackFile, type Platform } from "../model/index.ts";
import type { AuthOptions } from "./auth/index.ts";
import type { PortalOidc } from "./portal/index.ts";
import type { OpenStoreOptions } from "./store/index.ts";

/** Everything the server reads from its environment, resolved. */
export interface ServerConfig {
  readonly port: number;
  readonly host: string;
  readonly store: OpenStoreOptions;
  readonly stacksDir: string;
  /** Stack names loaded (`Pulumi.<name>.yaml`). */
  readonly stacks: readonly string[];
  readonly platform: Platform;
  readonly auth: AuthOptions;
  /** Proxies whose X-Forwarded-For is trusted (NDC_TRUST_PROXY: a comma list of addresses/CIDRs, or "true"). @default false */
  readonly trustProxy: boolean | string[];
  /** Requests per token per minute (NDC_RATE_LIMIT_PER_MINUTE). @default 1200 */
  readonly rateLimitPerMinute: number;
  /** Failed authentications per address per minute before 429 (NDC_AUTH_FAILURES_PER_MINUTE). @default 60 */
  readonly authFailuresPerMinute: number;
  /** Bearer token GET /metrics requires (NDC_METRICS_TOKEN). @default open */
  readonly metricsToken?: string;
  /** NDC_AUDIT_CHECKPOINT_FILE, NDC_AUDIT_CHECKPOINT_KEY_FILE, NDC_AUDIT_CHECKPOINT_INTERVAL_SECONDS (60). @default none */
  readonly auditCheckpoint?: { readonly file: string; readonly privateKey: KeyObject; readonly intervalMs: number };
  /** The portal's OIDC sign-in: NDC_OIDC_AUTHORIZATION_ENDPOINT and NDC_OIDC_TOKEN_ENDPOINT with NDC_OIDC_ISSUER (client id: NDC_OIDC_AUDIENCE). @default token sign-in only */
  readonly portalOidc?: PortalOidc;
  /** A portal built ahead (NDC_PORTAL_DIR: index.html, app.js, app.css), served instead of bundling the source at start. @default none */
  readonly portalDir?: string;
}

/**
 * Reads PORT (8080), HOST (0.0.0.0), NDC_DATA_DIR (./.ndc), DATABASE_URL_FILE or DATABASE_URL, NDC_STACKS_DIR (stacks/),
 * NDC_SITES (comma list of stack names; default every `Pulumi.*.yaml`), NDC_BOOTSTRAP_TOKEN and
 * NDC_OIDC_ISSUER / NDC_OIDC_AUDIENCE / NDC_OIDC_JWKS_URL | NDC_OIDC_JWKS_FILE, NDC_OIDC_MAX_TOKEN_AGE_SECONDS (3600),
 * NDC_OIDC_ROLE_PREFIX (ndc:), NDC_RATE_LIMIT_PER_MINUTE (1200), NDC_TRUST_PROXY.
 * @throws Error naming the variable or stack file that is wrong
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const port = Number(env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number (0-65535), got ${JSON.stringify(env.PORT)}`);
  const stacksDir = env.NDC_STACKS_DIR ?? "stacks";
  const { names, platform } = loadPlatform(stacksDir, env.NDC_SITES);
  const rateLimitPerMinute = Number(env.NDC_RATE_LIMIT_PER_MINUTE ?? 1200);
  if (!Number.isInteger(rateLimitPerMinute) || rateLimitPerMinute < 1)
    throw new Error(`NDC_RATE_LIMIT_PER_MINUTE must be a positive whole number, got ${JSON.stringify(env.NDC_RATE_LIMIT_PER_MINUTE)}`);
  const authFailuresPerMinute = Number(env.NDC_AUTH_FAILURES_PER_MINUTE ?? 60);
  if (!Number.isInteger(authFailuresPerMinute) || authFailuresPerMinute < 1)
    throw new Error(`NDC_AUTH_FAILURES_PER_MINUTE must be a positive whole number, got ${JSON.stringify(env.NDC_AUTH_FAILURES_PER_MINUTE)}`);
  const bootstrap = env.NDC_BOOTSTRAP_TOKEN;
  if (bootstrap !== undefined && bootstrap.length < 16) throw new Error("NDC_BOOTSTRAP_TOKEN must be at least 16 characters (use `openssl rand -base64 32`)");
  return {
    port,
    host: env.HOST ?? "0.0.0.0",
    store: databaseStore(env),
    stacksDir,
    stacks: names,
    platform,
    auth: { ...(bootstrap ? { bootstrapToken: bootstrap } : {}), ...oidcFromEnv(env) },
    rateLimitPerMinute,
    authFailuresPerMinute,
    ...(env.NDC_METRICS_TOKEN ? { metricsToken: metricsToken(env.NDC_METRICS_TOKEN) } : {}),
    ...auditCheckpointFromEnv(env),
    ...portalOidcFromEnv(env),
    ...(env.NDC_PORTAL_DIR ? { portalDir: env.NDC_PORTAL_DIR } : {}),
    trustProxy:
      env.NDC_TRUST_PROXY === "true"
        ? true
        : env.NDC_TRUST_PROXY
          ? env.NDC_TRUST_PROXY.split(",")
              .map((s) => s.trim())
              .filter(Boolean)
          : false,
  };
}

/** Parses the selected site stacks and assembles the platform (sites, organizations, entitlements). */
export function loadPlatform(stacksDir: string, only?: string): { names: string[]; platform: Platform } {
  let entries: string[];
  try {
    entries = readdirSync(stacksDir);
  } catch (error) {
    throw new Error(
      `NDC_STACKS_DIR ${stacksDir} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"}); point it at the folder with the Pulumi.<stack>.yaml files`,
      { cause: error },
    );
  }
  const files = entries.filter((f) => /^Pulumi\.[A-Za-z0-9_.-]+\.yaml$/.test(f)).sort();
  const available = files.map((f) => f.slice("Pulumi.".length, -".yaml".length));
  const wanted = only
    ? only
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : available;
  for (const name of wanted) {
    if (!available.includes(name))
      throw new Error(`NDC_SITES names stack ${name}, but ${stacksDir} has no Pulumi.${name}.yaml; stacks: ${available.join(", ")}`);
  }
  const stacks = wanted.map((name) => {
    const file = join(stacksDir, `Pulumi.${name}.yaml`);
    return parseStackFile(readFileSync(file, "utf8"), file);
  });
  return { names: wanted, platform: assemblePlatform(stacks) };
}

/**
 * PostgreSQL when DATABASE_URL_FILE (a file holding the URL, e.g. a mounted Secret, read at start) or
 * DATABASE_URL is set, else SQLite under NDC_DATA_DIR. The file keeps the password out of the
 * process environment (/proc/<pid>/environ, diagnostic reports, child processes).
 */
function databaseStore(env: NodeJS.ProcessEnv): OpenStoreOptions {
  const file = env.DATABASE_URL_FILE;
  if (file && env.DATABASE_URL)
    throw new Error("set DATABASE_URL_FILE or DATABASE_URL, not both (prefer DATABASE_URL_FILE: the password stays out of the environment)");
  if (!file) return env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : { dataDir: env.NDC_DATA_DIR ?? "./.ndc" };
  let url: string;
  try {
    url = readFileSync(file, "utf8").trim();
  } catch (error) {
    throw new Error(
      `DATABASE_URL_FILE ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"}); mount the database Secret there (key url)`,
      { cause: error },
    );
  }
  if (!/^postgres(ql)?:\/\//.test(url))
    throw new Error(`DATABASE_URL_FILE ${file} must hold a postgres:// URL (it ${url ? "holds something else" : "is empty"})`);
  return { databaseUrl: url };
}

function auditCheckpointFromEnv(env: NodeJS.ProcessEnv): Pick<ServerConfig, "auditCheckpoint"> {
  const file = env.NDC_AUDIT_CHECKPOINT_FILE;
  const keyFile = env.NDC_AUDIT_CHECKPOINT_KEY_FILE;
  if (!file && !keyFile) return {};
  if (!file || !keyFile)
    throw new Error(
      "set both NDC_AUDIT_CHECKPOINT_FILE (where the signed head is kept, outside the database) and NDC_AUDIT_CHECKPOINT_KEY_FILE (an Ed25519 private key, PEM: openssl genpkey -algorithm ed25519)",
    );
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(keyFile, "utf8"));
  } catch (error) {
    throw new Error(
      `NDC_AUDIT_CHECKPOINT_KEY_FILE ${keyFile} is not a readable private key (${(error as Error).message}); create one with: openssl genpkey -algorithm ed25519 -out <file>`,
      { cause: error },
    );
  }
  if (privateKey.asymmetricKeyType !== "ed25519")
    throw new Error(
      `NDC_AUDIT_CHECKPOINT_KEY_FILE ${keyFile} holds a ${privateKey.asymmetricKeyType} key; an Ed25519 key is required (openssl genpkey -algorithm ed25519)`,
    );
  const seconds = Number(env.NDC_AUDIT_CHECKPOINT_INTERVAL_SECONDS ?? 60);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86_400)
    throw new Error(`NDC_AUDIT_CHECKPOINT_INTERVAL_SECONDS must be 1-86400, got ${JSON.stringify(env.NDC_AUDIT_CHECKPOINT_INTERVAL_SECONDS)}`);
  return { auditCheckpoint: { file, privateKey, intervalMs: seconds * 1000 } };
}

function metricsToken(value: string): string {
  if (value.length < 16) throw new Error("NDC_METRICS_TOKEN must be at least 16 characters (use `openssl rand -base64 32`)");
  return value;
}

function oidcFromEnv(env: NodeJS.ProcessEnv): Pick<AuthOptions, "oidc"> {
  const issuer = env.NDC_OIDC_ISSUER;
  if (!issuer) return {};
  const audience = env.NDC_OIDC_AUDIENCE;
  if (!audience) throw new Error("NDC_OIDC_AUDIENCE is required with NDC_OIDC_ISSUER (the client id tokens are issued for)");
  const maxAge = env.NDC_OIDC_MAX_TOKEN_AGE_SECONDS;
  if (maxAge !== undefined && !/^[1-9][0-9]{0,5}$/.test(maxAge))
    throw new Error(`NDC_OIDC_MAX_TOKEN_AGE_SECONDS must be a whole number of seconds (1-999999), got ${JSON.stringify(maxAge)}`);
  const extra = { ...(maxAge ? { maxTokenAgeSeconds: Number(maxAge) } : {}), ...(env.NDC_OIDC_ROLE_PREFIX ? { rolePrefix: env.NDC_OIDC_ROLE_PREFIX } : {}) };
  if (env.NDC_OIDC_JWKS_FILE) return { oidc: { issuer, audience, jwks: JSON.parse(readFileSync(env.NDC_OIDC_JWKS_FILE, "utf8")), ...extra } };
  if (env.NDC_OIDC_JWKS_URL) return { oidc: { issuer, audience, jwksUrl: env.NDC_OIDC_JWKS_URL, ...extra } };
  throw new Error("set NDC_OIDC_JWKS_URL (the provider's jwks_uri) or NDC_OIDC_JWKS_FILE with NDC_OIDC_ISSUER");
}

function portalOidcFromEnv(env: NodeJS.ProcessEnv): Pick<ServerConfig, "portalOidc"> {
  const authorization = env.NDC_OIDC_AUTHORIZATION_ENDPOINT;
  const token = env.NDC_OIDC_TOKEN_ENDPOINT;
  if (!authorization && !token) return {};
  if (!authorization || !token || !env.NDC_OIDC_ISSUER || !env.NDC_OIDC_AUDIENCE) {
    throw new Error(
      "the portal's OIDC sign-in needs NDC_OIDC_AUTHORIZATION_ENDPOINT and NDC_OIDC_TOKEN_ENDPOINT (the provider's authorization_endpoint and token_endpoint) with NDC_OIDC_ISSUER and NDC_OIDC_AUDIENCE (the portal's client id)",
    );
  }
  for (const [name, value] of [
    ["NDC_OIDC_AUTHORIZATION_ENDPOINT", authorization],
    ["NDC_OIDC_TOKEN_ENDPOINT", token],
  ] as const) {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (!url || !(url.protocol === "https:" || url.hostname === "127.0.0.1" || url.hostname === "localhost"))
      throw new Error(`${name} must be an https URL (http only on localhost), got ${JSON.stringify(value)}`);
  }
  return {
    portalOidc: {
      issuer: env.NDC_OIDC_ISSUER,
      clientId: env.NDC_OIDC_AUDIENCE,
      authorizationEndpoint: authorization,
      tokenEndpoint: token,
      ...(env.NDC_OIDC_SCOPE ? { scope: env.NDC_OIDC_SCOPE } : {}),
    },
  };
}
