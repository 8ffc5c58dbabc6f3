import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { EXIT, EXIT_CODES_HELP, exitCodeOfStatus } from "../../../control-plane/cli/exit-codes.ts";
import { progressLines, progressState } from "../../../control-plane/cli/follow-environment.ts";
import type { EnvironmentResource } from "../../../control-plane/api/index.ts";

describe("exitCodeOfStatus", () => {
  // Written by hand from the table in control-plane/cli/README.md.
  test.each([
    [400, 1],
    [413, 1],
    [415, 1],
    [422, 1],
    [401, 2],
    [403, 2],
    [404, 3],
    [409, 4],
    [412, 4],
    [428, 4],
    [429, 5],
    [500, 5],
    [503, 5],
  ])("HTTP %i exits %i", (status, code) => {
    expect(exitCodeOfStatus(status)).toBe(code);
  });
});

describe("EXIT_CODES_HELP", () => {
  test("lists every code once, in order", () => {
    const codes = EXIT_CODES_HELP.split("\n")
      .slice(1)
      .map((l) => Number(/^ {2}(\d) /.exec(l)![1]));
    expect(codes).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(Object.values(EXIT).sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});

describe("progressLines", () => {
  const env = (phase: string, sites: Record<string, { phase: string; message: string | null }>) =>
    ({
      org: "byt",
      name: "his",
      phase,
      sites: Object.fromEntries(Object.entries(sites).map(([k, v]) => [k, { ...v, namespace: "byt-his", pool: null }])),
    }) as unknown as EnvironmentResource;

  test("the first poll prints the phase and a line per site", () => {
    expect(
      progressLines(undefined, env("Provisioning", { ndc1: { phase: "Applying", message: null }, ndc2: { phase: "Degraded", message: "unreachable" } }), 2400),
    ).toEqual(["[2s] byt/his Provisioning", "[2s] byt/his ndc1: Applying", "[2s] byt/his ndc2: Degraded (unreachable)"]);
  });

  test("later polls print only what changed", () => {
    const before = progressState(env("Provisioning", { ndc1: { phase: "Applying", message: null }, ndc2: { phase: "Degraded", message: "unreachable" } }));
    expect(
      progressLines(before, env("Provisioning", { ndc1: { phase: "Ready", message: "applied" }, ndc2: { phase: "Degraded", message: "unreachable" } }), 5000),
    ).toEqual(["[5s] byt/his ndc1: Ready"]);
    expect(
      progressLines(before, env("Provisioning", { ndc1: { phase: "Applying", message: null }, ndc2: { phase: "Degraded", message: "unreachable" } }), 6000),
    ).toEqual([]);
  });
});

describe("the exit codes in the docs", () => {
  const root = join(import.meta.dirname, "../../..");
  /** `| 3 | meaning |` rows of a markdown table whose first column is the exit code. */
  const rows = (file: string) =>
    [...readFileSync(join(root, file), "utf8").matchAll(/^\| (\d) \| ([^|]+) \|/gm)].map((m) => [Number(m[1]), m[2]!.trim().replace(/`/g, "")] as const);

  test("runbooks/README.md lists the codes of --help, word for word", () => {
    const help = EXIT_CODES_HELP.split("\n")
      .slice(1)
      .map((l) => [Number(l.trim()[0]), l.trim().slice(3)] as const);
    expect(rows("runbooks/README.md")).toEqual(help);
  });

  test("control-plane/cli/README.md lists the same codes", () => {
    expect(rows("control-plane/cli/README.md").map(([code]) => code)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});
