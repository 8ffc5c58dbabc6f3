// The alert rules as Prometheus itself reads them: `promtool check rules` and `promtool test rules`
// (promtool built from Go modules, tools/promtool), and a rule changed on purpose makes the tests fail.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { ensureTool, promtoolTool, repoRoot } from "../../scripts/toolchain/index.ts";

const monitoring = join(repoRoot, "monitoring");
let promtool: string;
const run = (...args: string[]) => spawnSync(promtool, args, { cwd: monitoring, encoding: "utf8", timeout: 120_000 });

beforeAll(async () => {
  promtool = join(await ensureTool(promtoolTool), "promtool");
}, 3_600_000);

interface RuleTest {
  readonly alert_rule_test?: readonly { readonly alertname: string; readonly exp_alerts: readonly unknown[] }[];
}
const rules = (parseYaml(readFileSync(join(monitoring, "alerts.yaml"), "utf8")) as { groups: { rules: { alert: string }[] }[] }).groups.flatMap((g) =>
  g.rules.map((r) => r.alert),
);
const tests = (parseYaml(readFileSync(join(monitoring, "alerts.test.yaml"), "utf8")) as { tests: RuleTest[] }).tests.flatMap((t) => t.alert_rule_test ?? []);

describe("monitoring/alerts.yaml", () => {
  test("promtool check rules: valid, 14 rules", () => {
    const out = run("check", "rules", "alerts.yaml");
    expect(out.status, out.stderr + out.stdout).toBe(0);
    expect(out.stdout).toContain("SUCCESS: 14 rules found");
    expect(rules).toHaveLength(14);
  });

  test("promtool test rules: every unit test passes", () => {
    const out = run("test", "rules", "alerts.test.yaml");
    expect(out.status, out.stderr + out.stdout).toBe(0);
    expect(out.stdout).toContain("SUCCESS");
  });

  test.each(rules)("%s is tested firing and not firing", (alert) => {
    const cases = tests.filter((t) => t.alertname === alert);
    expect(cases.some((c) => c.exp_alerts.length > 0)).toBe(true);
    expect(cases.some((c) => c.exp_alerts.length === 0)).toBe(true);
  });

  describe("the tests can fail", () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "ndc-alerts-"));
      copyFileSync(join(monitoring, "alerts.test.yaml"), join(dir, "alerts.test.yaml"));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test("a drift-storm threshold raised from 50 to 500 fails the test that expects it to fire", () => {
      const original = readFileSync(join(monitoring, "alerts.yaml"), "utf8");
      const changed = original.replace("(increase(ndc_drift_repairs_total[10m])) > 50", "(increase(ndc_drift_repairs_total[10m])) > 500");
      expect(changed).not.toBe(original);
      writeFileSync(join(dir, "alerts.yaml"), changed);
      const out = spawnSync(promtool, ["test", "rules", "alerts.test.yaml"], { cwd: dir, encoding: "utf8", timeout: 120_000 });
      expect(out.status).not.toBe(0);
      expect(out.stdout + out.stderr).toContain("alertname: NdcDriftStorm");
    });

    test("a Pulumi update allowed 60 minutes of silence instead of 15 fails the test that expects it stuck", () => {
      const original = readFileSync(join(monitoring, "alerts.yaml"), "utf8");
      const changed = original.replace(
        "ndc_pulumi_update_last_output_timestamp_seconds > 15 * 60",
        "ndc_pulumi_update_last_output_timestamp_seconds > 60 * 60",
      );
      expect(changed).not.toBe(original);
      writeFileSync(join(dir, "alerts.yaml"), changed);
      const out = spawnSync(promtool, ["test", "rules", "alerts.test.yaml"], { cwd: dir, encoding: "utf8", timeout: 120_000 });
      expect(out.status).not.toBe(0);
      expect(out.stdout + out.stderr).toContain("alertname: NdcPulumiUpdateStuck");
    });
  });
});
