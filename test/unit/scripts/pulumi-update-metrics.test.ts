// What `npm run pulumi` writes for node_exporter's textfile collector, which the alerts
// NdcPulumiUpdateStuck and NdcPulumiStackLocked read: the text itself, lock refusals as Pulumi
// words them, and the file through an update's life (clock injected; expected files written here).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { isLockRefusal, readUpdateState, UpdateMetrics, updateMetricsText } from "../../../scripts/pulumi/index.ts";

describe("updateMetricsText", () => {
  test("is the Prometheus text format, one gauge each, the lock per stack (a renamed series or label turns it red)", () => {
    const text = updateMetricsText({ stack: "ndc1-hoalac", command: "up", running: true, startedAt: 1767225600, lastOutputAt: 1767225660, locked: false });
    expect(text.split("\n").filter((l) => !l.startsWith("#"))).toEqual([
      'ndc_pulumi_update_running{stack="ndc1-hoalac",command="up"} 1',
      'ndc_pulumi_update_started_timestamp_seconds{stack="ndc1-hoalac",command="up"} 1767225600',
      'ndc_pulumi_update_last_output_timestamp_seconds{stack="ndc1-hoalac",command="up"} 1767225660',
      'ndc_pulumi_stack_locked{stack="ndc1-hoalac"} 0',
      "",
    ]);
    expect(text).toContain("# TYPE ndc_pulumi_stack_locked gauge\n");
  });

  test("escapes a quote and a backslash in a label value", () => {
    expect(updateMetricsText({ stack: 'a"b\\c', command: "up", running: false, startedAt: 0, lastOutputAt: 0, locked: true })).toContain(
      'ndc_pulumi_stack_locked{stack="a\\"b\\\\c"} 1',
    );
  });
});

describe("isLockRefusal", () => {
  test.each([
    // pkg/backend/diy/lock.go (file, S3, Azure Blob, GCS backends)
    [
      "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n  file:///state/.pulumi/locks/organization/ndc-platform/ndc1-hoalac/1b2c.json: created by ci@runner-0 (pid 4242) at 2026-12-01T10:00:00Z",
      true,
    ],
    // Pulumi Cloud
    ["error: [409] Conflict: Another update is currently in progress.", true],
    ["error: update failed\n  kubernetes:apps/v1:Deployment ndc-control-plane: timed out waiting to be Ready", false],
    ["error: the stack is currently locked", false],
  ])("%s -> %s", (output, refused) => {
    expect(isLockRefusal(output)).toBe(refused);
  });
});

describe("UpdateMetrics", () => {
  let dir: string;
  let clock: number;
  const now = () => clock;
  const file = () => readFileSync(join(dir, "ndc-pulumi-ndc1-hoalac.prom"), "utf8");
  const state = () => readUpdateState(dir, "ndc1-hoalac");
  const LOCKED =
    "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.";

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "ndc-pulumi-metrics-"));
    clock = 1_000;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("an up: running from its start, its output as a heartbeat at most every 30 s, ended with its exit", () => {
    const up = new UpdateMetrics(dir, "ndc1-hoalac", "up", now);
    up.start();
    expect(state()).toEqual({ stack: "ndc1-hoalac", command: "up", running: true, startedAt: 1_000, lastOutputAt: 1_000, locked: false });
    clock = 1_010;
    up.output();
    // Not rewritten within 30 s of the last write.
    expect(state()?.lastOutputAt).toBe(1_000);
    clock = 1_031;
    up.output();
    expect(state()?.lastOutputAt).toBe(1_031);
    clock = 1_100;
    up.end(0, "Resources:\n    + 2 created\n");
    expect(state()).toEqual({ stack: "ndc1-hoalac", command: "up", running: false, startedAt: 1_000, lastOutputAt: 1_100, locked: false });
    expect(readdirSync(dir)).toEqual(["ndc-pulumi-ndc1-hoalac.prom"]);
  });

  test("a wrapper killed mid-update leaves the file saying running, silent since its last output (what NdcPulumiUpdateStuck sees)", () => {
    const up = new UpdateMetrics(dir, "ndc1-hoalac", "up", now);
    up.start();
    clock = 1_040;
    up.output();
    // …and never ends.
    expect(file()).toContain('ndc_pulumi_update_running{stack="ndc1-hoalac",command="up"} 1\n');
    expect(file()).toContain('ndc_pulumi_update_last_output_timestamp_seconds{stack="ndc1-hoalac",command="up"} 1040\n');
  });

  test("refused by the lock: locked; the next command keeps it until it gets past the lock", () => {
    const refused = new UpdateMetrics(dir, "ndc1-hoalac", "up", now);
    refused.start();
    refused.end(255, LOCKED);
    expect(state()).toMatchObject({ running: false, locked: true });
    clock = 2_000;
    const next = new UpdateMetrics(dir, "ndc1-hoalac", "refresh", now);
    next.start();
    expect(state()).toMatchObject({ command: "refresh", running: true, locked: true });
    next.end(0, "Resources:\n    2 unchanged\n");
    expect(state()).toMatchObject({ running: false, locked: false });
  });

  test("an update that fails for another reason is not reported locked", () => {
    const up = new UpdateMetrics(dir, "ndc1-hoalac", "up", now);
    up.start();
    up.end(255, "error: update failed");
    expect(state()).toMatchObject({ running: false, locked: false });
  });

  test("a successful cancel clears locked and running (it removed the lock); a failed one changes nothing", () => {
    const killed = new UpdateMetrics(dir, "ndc1-hoalac", "up", now);
    killed.start();
    const refused = new UpdateMetrics(dir, "ndc1-hoalac", "up", now);
    refused.start();
    refused.end(255, LOCKED);
    new UpdateMetrics(dir, "ndc1-hoalac", "cancel", now).end(255, "error: no stack named ndc1-hoalac");
    expect(state()).toMatchObject({ locked: true });
    new UpdateMetrics(dir, "ndc1-hoalac", "cancel", now).end(0, "The currently running update for 'ndc1-hoalac' has been canceled!");
    expect(state()).toMatchObject({ running: false, locked: false });
  });

  test("preview and config take no lock and write nothing", () => {
    for (const command of ["preview", "config", "stack"]) {
      const m = new UpdateMetrics(dir, "ndc1-hoalac", command, now);
      m.start();
      m.output();
      m.end(255, LOCKED);
    }
    expect(readdirSync(dir)).toEqual([]);
  });
});
