import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { configFromEnv, loadPlatform } from "../../../control-plane/config.ts";

describe("configFromEnv", () => {
  test("defaults: port 8080, SQLite under ./.ndc, every stack in stacks/", () => {
    const config = configFromEnv({});
    expect(config).toMatchObject({
      port: 8080,
      host: "0.0.0.0",
      store: { dataDir: "./.ndc" },
      stacksDir: "stacks",
      rateLimitPerMinute: 1200,
      trustProxy: false,
      auth: {},
    });
    expect(config.stacks).toEqual(["local", "ndc1-hoalac", "ndc2", "ndc3"]);
    expect([...config.platform.sites.keys()].sort()).toEqual(["local", "ndc1", "ndc2", "ndc3"]);
  });

  test("DATABASE_URL selects PostgreSQL; NDC_SITES picks stacks; OIDC from its variables", () => {
    const config = configFromEnv({
      DATABASE_URL: "postgres://ndc@db/ndc",
      NDC_SITES: "ndc1-hoalac, ndc2",
      NDC_BOOTSTRAP_TOKEN: "a-long-enough-bootstrap-token",
      NDC_OIDC_ISSUER: "https://sso.example",
      NDC_OIDC_AUDIENCE: "ndc",
      NDC_OIDC_JWKS_URL: "https://sso.example/jwks",
    });
    expect(config.store).toEqual({ databaseUrl: "postgres://ndc@db/ndc" });
    expect(config.stacks).toEqual(["ndc1-hoalac", "ndc2"]);
    expect(config.auth).toEqual({
      bootstrapToken: "a-long-enough-bootstrap-token",
      oidc: { issuer: "https://sso.example", audience: "ndc", jwksUrl: "https://sso.example/jwks" },
    });
  });

  test("DATABASE_URL_FILE: the URL is read from the file (a mounted Secret), so the password is not in the environment", () => {
    const dir = mkdtempSync(join(tmpdir(), "ndc-db-"));
    writeFileSync(join(dir, "url"), "postgres://ndc:s3cret@db/ndc\n");
    expect(configFromEnv({ DATABASE_URL_FILE: join(dir, "url") }).store).toEqual({ databaseUrl: "postgres://ndc:s3cret@db/ndc" });
    writeFileSync(join(dir, "empty"), "");
    expect(() => configFromEnv({ DATABASE_URL_FILE: join(dir, "empty") })).toThrow(
      `DATABASE_URL_FILE ${join(dir, "empty")} must hold a postgres:// URL (it is empty)`,
    );
    expect(() => configFromEnv({ DATABASE_URL_FILE: join(dir, "missing") })).toThrow(
      `DATABASE_URL_FILE ${join(dir, "missing")} cannot be read (ENOENT); mount the database Secret there (key url)`,
    );
    expect(() => configFromEnv({ DATABASE_URL_FILE: join(dir, "url"), DATABASE_URL: "postgres://x" })).toThrow(
      "set DATABASE_URL_FILE or DATABASE_URL, not both",
    );
  });

  test.each([
    [{ PORT: "http" }, 'PORT must be a port number (0-65535), got "http"'],
    [{ NDC_SITES: "ndc9" }, "NDC_SITES names stack ndc9, but stacks has no Pulumi.ndc9.yaml; stacks: local, ndc1-hoalac, ndc2, ndc3"],
    [{ NDC_BOOTSTRAP_TOKEN: "short" }, "NDC_BOOTSTRAP_TOKEN must be at least 16 characters (use `openssl rand -base64 32`)"],
    [{ NDC_OIDC_ISSUER: "https://sso.example" }, "NDC_OIDC_AUDIENCE is required with NDC_OIDC_ISSUER (the client id tokens are issued for)"],
    [
      { NDC_OIDC_ISSUER: "https://sso.example", NDC_OIDC_AUDIENCE: "ndc" },
      "set NDC_OIDC_JWKS_URL (the provider's jwks_uri) or NDC_OIDC_JWKS_FILE with NDC_OIDC_ISSUER",
    ],
    [{ NDC_RATE_LIMIT_PER_MINUTE: "0" }, 'NDC_RATE_LIMIT_PER_MINUTE must be a positive whole number, got "0"'],
  ])("fails when %j", (env, message) => {
    expect(() => configFromEnv(env)).toThrow(message);
  });
});

describe("loadPlatform", () => {
  test("fails when the stacks folder does not exist", () => {
    expect(() => loadPlatform("no-such-dir")).toThrow(
      "NDC_STACKS_DIR no-such-dir cannot be read (ENOENT); point it at the folder with the Pulumi.<stack>.yaml files",
    );
  });
});
