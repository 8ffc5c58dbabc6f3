// The benchmark report: ratios, targets and the Markdown table, checked against figures written by
// hand (a wrong ratio direction, a target compared the wrong way or a lost failure turns these red).
import { describe, expect, test } from "vitest";
import { benchmarkMarkdown, type RunContext } from "../../../scripts/bench/markdown.ts";
import { capped } from "../../../scripts/bench/plan.ts";
import { headline, quantile, ratioOf, targetMet, type Figure } from "../../../scripts/bench/report.ts";

const provisioner: Figure = {
  bench: "provision",
  name: "ndc provisioner, 1,000 environments",
  value: 45,
  unit: "env/s",
  baseline: { name: "raw server-side apply", value: 50 },
  target: { op: ">=", value: 0.9, on: "ratio" },
};
const p99: Figure = { bench: "api-sqlite", name: "GET one p99", value: 25, unit: "ms", target: { op: "<=", value: 20 } };

describe("figures", () => {
  test("the ratio is the value over the baseline's, and a ratio target is judged on it", () => {
    expect(ratioOf(provisioner)).toBe(0.9);
    expect(targetMet(provisioner)).toBe(true);
    expect(targetMet({ ...provisioner, value: 44.9 })).toBe(false);
  });
  test("a value target is judged on the value, in the direction of its operator", () => {
    expect(targetMet(p99)).toBe(false);
    expect(targetMet({ ...p99, value: 20 })).toBe(true);
    expect(targetMet({ ...p99, target: { op: ">=", value: 20 } })).toBe(true);
    expect(targetMet({ ...p99, target: undefined })).toBeUndefined();
    expect(ratioOf(p99)).toBeUndefined();
  });
  test("a ratio target without a baseline is missed, not met", () => {
    expect(targetMet({ ...provisioner, baseline: undefined })).toBe(false);
  });
  test("the headline states value, ratio, baseline and the verdict", () => {
    expect(headline(provisioner)).toBe(
      "provision: ndc provisioner, 1,000 environments 45.0 env/s = 0.90x raw server-side apply (50.0 env/s) (target >= 0.90x: met)",
    );
    expect(headline(p99)).toBe("api-sqlite: GET one p99 25.0 ms (target <= 20.0 ms: MISSED)");
  });
  test("quantiles by nearest rank", () => {
    const samples = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(quantile(samples, 0.5)).toBe(5);
    expect(quantile(samples, 0.99)).toBe(10);
    expect(quantile(samples, 0.9)).toBe(9);
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe("docs/benchmarks.md", () => {
  const run: RunContext = {
    date: "2026-12-02 10:00 UTC",
    mode: "quick",
    commit: "abc1234",
    cpus: 2,
    cpuModel: "Test CPU",
    memoryGiB: 24,
    loadStart: 0.5,
    loadEnd: 1.25,
    node: "v24.21.0",
    failures: [{ bench: "pulumi", reason: "exited with code 1" }],
    seconds: 300,
  };
  const text = benchmarkMarkdown([provisioner, p99], run);
  test("one table per benchmark with value, baseline, ratio and verdict", () => {
    expect(text).toContain(
      "## provision\n\n| Figure | Value | Baseline (same run) | Ratio | Target |\n| --- | --- | --- | --- | --- |\n| ndc provisioner, 1,000 environments | 45.0 env/s | raw server-side apply: 50.0 env/s | 0.90x | >= 0.90x — met |\n",
    );
    expect(text).toContain(
      "## api-sqlite\n\n| Figure | Value | Baseline (same run) | Ratio | Target |\n| --- | --- | --- | --- | --- |\n| GET one p99 | 25.0 ms |  |  | <= 20.0 ms — **missed** |\n",
    );
  });
  test("the machine, its load and the failures are in the report", () => {
    expect(text).toContain("`npm run bench -- --quick` on 2026-12-02 10:00 UTC (commit abc1234)");
    expect(text).toContain("| CPU | 2 × Test CPU |");
    expect(text).toContain("| Load average (1 min) | 0.50 at start, 1.25 at end |");
    expect(text).toContain("## Benchmarks that did not finish\n\n- pulumi: exited with code 1\n");
  });
});

describe("bench plan --cap", () => {
  const runs = [
    { name: "provision", script: "provision.ts", args: ["--environments", "1000", "--kubectl-environments", "200"] },
    { name: "provision", script: "provision.ts", args: ["--environments", "3000", "--kubectl-environments", "300"] },
    { name: "pulumi", script: "pulumi.ts", args: [] },
  ];
  test("lowers every environment count above the cap, and only those", () => {
    expect(capped(runs, 1000)).toEqual([
      { name: "provision", script: "provision.ts", args: ["--environments", "1000", "--kubectl-environments", "200"] },
      { name: "provision", script: "provision.ts", args: ["--environments", "1000", "--kubectl-environments", "300"] },
      { name: "pulumi", script: "pulumi.ts", args: [] },
    ]);
    expect(capped(runs, 250).map((r) => r.args)).toEqual([
      ["--environments", "250", "--kubectl-environments", "200"],
      ["--environments", "250", "--kubectl-environments", "250"],
      [],
    ]);
  });
  test("two runs that the cap makes the same run once", () => {
    expect(capped(runs, 100)).toEqual([
      { name: "provision", script: "provision.ts", args: ["--environments", "100", "--kubectl-environments", "100"] },
      { name: "pulumi", script: "pulumi.ts", args: [] },
    ]);
  });
  test("without a cap the plan is unchanged", () => {
    expect(capped(runs, undefined)).toEqual(runs);
  });
  test("the report names the cap", () => {
    const text = benchmarkMarkdown([], {
      date: "d",
      mode: "full",
      cap: 10000,
      commit: "c",
      cpus: 2,
      cpuModel: "x",
      memoryGiB: 1,
      loadStart: 0,
      loadEnd: 0,
      node: "v24",
      failures: [],
      seconds: 60,
    });
    expect(text).toContain("`npm run bench -- --cap 10000`");
    expect(text).toContain("| Run | full, capped at 10,000 environments per benchmark, 1.00 min |");
  });
});
