import { describe, expect, test } from "vitest";
import { runPulumi } from "../../../scripts/pulumi/run-pulumi.ts";
import { resolveStateSettings, stackNamedIn, type StateEnvironment } from "../../../scripts/pulumi/state-settings.ts";

const machine = (env: Record<string, string> = {}, extra: Partial<StateEnvironment> = {}): StateEnvironment => ({
  env,
  defaultStateDir: "/cache/pulumi-state",
  ...extra,
});

describe("resolveStateSettings", () => {
  test("the local stack defaults to a file backend on this machine and the built-in passphrase", () => {
    expect(resolveStateSettings("local", {}, machine())).toEqual({
      backend: "file:///cache/pulumi-state",
      backendFrom: "local default",
      secretsProvider: "passphrase",
      builtInPassphrase: true,
    });
    expect(resolveStateSettings("local", {}, machine({ NDC_PULUMI_STATE_DIR: "/elsewhere" })).backend).toBe("file:///elsewhere");
  });

  test("PULUMI_BACKEND_URL wins over the stack's backend, which wins over pulumi login", () => {
    const declared = { backend: "s3://ndc-state/ndc1", secretsProvider: "passphrase" };
    const env = { PULUMI_CONFIG_PASSPHRASE_FILE: "/run/secrets/ndc1" };
    expect(resolveStateSettings("ndc1-hoalac", declared, machine({ ...env, PULUMI_BACKEND_URL: "azblob://team" }, { loggedIn: "gs://x" }))).toMatchObject({
      backend: "azblob://team",
      backendFrom: "PULUMI_BACKEND_URL",
    });
    expect(resolveStateSettings("ndc1-hoalac", declared, machine(env, { loggedIn: "gs://x" }))).toMatchObject({
      backend: "s3://ndc-state/ndc1",
      backendFrom: "ndc:state.backend",
    });
    expect(resolveStateSettings("ndc1-hoalac", {}, machine(env, { loggedIn: "gs://x" }))).toEqual({
      backendFrom: "pulumi login",
      secretsProvider: "passphrase",
      builtInPassphrase: false,
    });
  });

  test("a site stack takes the user's passphrase, or a KMS without one", () => {
    expect(resolveStateSettings("ndc2", {}, machine({ PULUMI_BACKEND_URL: "s3://b", PULUMI_CONFIG_PASSPHRASE: "operators" })).builtInPassphrase).toBe(false);
    expect(resolveStateSettings("ndc2", { secretsProvider: "hashivault://ndc2" }, machine({ PULUMI_BACKEND_URL: "s3://b" }))).toEqual({
      backend: "s3://b",
      backendFrom: "PULUMI_BACKEND_URL",
      secretsProvider: "hashivault://ndc2",
      builtInPassphrase: false,
    });
  });

  test("an explicit state folder (tests, npm start) is used as a file backend", () => {
    expect(resolveStateSettings("ndc2", {}, machine({ PULUMI_CONFIG_PASSPHRASE: "p", PULUMI_BACKEND_URL: "s3://b" }, { stateDir: "/tmp/s" }))).toMatchObject({
      backend: "file:///tmp/s",
      backendFrom: "stateDir",
    });
  });

  test("fails when a site stack names no backend and nobody logged in, saying what to set", () => {
    expect(() => resolveStateSettings("ndc1-hoalac", {}, machine({ PULUMI_CONFIG_PASSPHRASE: "p" }))).toThrow(
      "stack ndc1-hoalac names no state backend: set ndc:state.backend in its stack file, PULUMI_BACKEND_URL, or log in with `npm run pulumi -- login <url>` (a file backend on this machine is for the local stack only)",
    );
  });

  test("fails when a site stack has no passphrase: the built-in one is for the local stack only", () => {
    expect(() => resolveStateSettings("ndc2", { secretsProvider: "passphrase" }, machine({ PULUMI_BACKEND_URL: "s3://b" }))).toThrow(
      "stack ndc2 encrypts its secrets with a passphrase and none is given: set PULUMI_CONFIG_PASSPHRASE_FILE (or PULUMI_CONFIG_PASSPHRASE), or a KMS in ndc:state.secretsProvider; the built-in passphrase is for the local stack only",
    );
  });
});

describe("stackNamedIn", () => {
  test.each([
    [["up", "--yes"], undefined],
    [["up", "--stack", "ndc1-hoalac"], "ndc1-hoalac"],
    [["up", "--stack=ndc2"], "ndc2"],
    [["up", "-s", "ndc2", "--yes"], "ndc2"],
    [["up", "-s=ndc2"], "ndc2"],
    [["up", "-sndc2"], "ndc2"],
    [["config", "get", "x", "--", "-s", "not-a-flag"], undefined],
  ])("%j names %s", (args, stack) => expect(stackNamedIn(args)).toBe(stack));
});

describe("runPulumi", () => {
  test("fails when pulumi's own -s points a command at another stack than the one whose backend and secrets were resolved (bug: a site stack created with the local stack's built-in passphrase)", async () => {
    await expect(runPulumi(["up", "-s", "ndc1-hoalac", "--yes"], { stack: "local" })).rejects.toThrow(
      "pulumi up -s ndc1-hoalac --yes: the arguments name stack ndc1-hoalac, but its backend and secrets were resolved for stack local: name the stack once, to the wrapper (--stack ndc1-hoalac)",
    );
    await expect(runPulumi(["preview", "--stack=ndc2"], { stack: "local" })).rejects.toThrow("the arguments name stack ndc2");
  });
});
