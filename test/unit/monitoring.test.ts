// The dashboards and alerts read only metrics the service exports: a renamed metric breaks this
// test, not a dashboard nobody looks at until an incident.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Registry } from "prom-client";
import { describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { createMetrics } from "../../control-plane/metrics/index.ts";
import { ProvisionerMetrics } from "../../control-plane/provisioner/index.ts";
import type { Store } from "../../control-plane/store/index.ts";
import { testPlatform } from "../../model/testing.ts";
import { updateMetricsText } from "../../scripts/pulumi/index.ts";
import { repoRoot } from "../../scripts/toolchain/index.ts";

/** Every series name the service exposes on /metrics (histograms with their _bucket/_sum/_count). */
function exportedSeries(): Set<string> {
  // Only the names are read: no figure is collected, so the store is never asked.
  const metrics = createMetrics({ store: {} as Store, platform: testPlatform() });
  const provisioner = new Registry();
  new ProvisionerMetrics(provisioner);
  const names = new Set<string>();
  // The per-organization series are served to a scrape with the metrics token: exported all the same.
  for (const m of [...metrics.registry.getMetricsAsArray(), ...metrics.organizationRegistry.getMetricsAsArray(), ...provisioner.getMetricsAsArray()]) {
    names.add(m.name);
    if (String(m.type) === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) names.add(`${m.name}${suffix}`);
  }
  return names;
}

/**
 * Every series name the Pulumi wrapper writes for node_exporter's textfile collector (the alerts on
 * site updates), read from the text it really writes.
 */
function pulumiWrapperSeries(): Set<string> {
  const text = updateMetricsText({ stack: "s", command: "up", running: true, startedAt: 1, lastOutputAt: 1, locked: false });
  return new Set([...text.matchAll(/^(ndc_[a-z0-9_]+)\{/gm)].map((m) => m[1]!));
}

/** The metric names a PromQL expression reads (ours are all ndc_*; `up` comes from Prometheus). */
export function metricNames(expr: string): string[] {
  return [...new Set([...expr.matchAll(/\b(ndc_[a-z0-9_]+|up)\b(?=\s*[{[),\s]|$)/g)].map((m) => m[1]!))];
}

interface Panel {
  readonly title: string;
  readonly type: string;
  readonly targets?: readonly { readonly expr: string }[];
}

const dashboards = readdirSync(join(repoRoot, "monitoring/dashboards")).filter((f) => f.endsWith(".json"));

describe("metricNames", () => {
  test.each([
    ['sum by (site) (ndc_environment_sites{phase="Degraded"}) > 0', ["ndc_environment_sites"]],
    ["histogram_quantile(0.95, sum by (le) (rate(ndc_reconcile_duration_seconds_bucket[10m])))", ["ndc_reconcile_duration_seconds_bucket"]],
    ['up{job="ndc-control-plane"} == 0 or absent(up{job="ndc-control-plane"})', ["up"]],
    ["a / on (site) b", []],
  ])("%s", (expr, names) => {
    expect(metricNames(expr)).toEqual(names);
  });
});

describe("dashboards", () => {
  const exported = exportedSeries();

  test("one per audience: the platform and an organization", () => {
    expect(dashboards.sort()).toEqual(["organization.json", "platform.json"]);
  });

  test.each(dashboards)("%s parses, and every panel queries only metrics the service exports", (file) => {
    const board = JSON.parse(readFileSync(join(repoRoot, "monitoring/dashboards", file), "utf8")) as {
      uid: string;
      title: string;
      panels: Panel[];
      templating: { list: { name: string; query?: string }[] };
    };
    expect(board.uid).toMatch(/^ndc-[a-z-]+$/);
    expect(board.panels.length).toBeGreaterThan(5);
    const exprs = [
      ...board.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
      ...board.templating.list.flatMap((v) => (v.query?.startsWith("label_values(") ? [v.query] : [])),
    ];
    for (const panel of board.panels) expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
    const unknown = exprs.flatMap((e) =>
      metricNames(e)
        .filter((n) => !exported.has(n))
        .map((n) => `${n} in ${e}`),
    );
    expect(unknown).toEqual([]);
    expect(exprs.every((e) => metricNames(e).length > 0)).toBe(true);
  });

  test("the platform dashboard covers sites, capacity, provisioning and drift", () => {
    const text = readFileSync(join(repoRoot, "monitoring/dashboards/platform.json"), "utf8");
    for (const metric of [
      "ndc_environment_sites",
      "ndc_capacity_available",
      "ndc_provision_duration_seconds_bucket",
      "ndc_reconcile_duration_seconds_bucket",
      "ndc_drift_repairs_total",
    ])
      expect(text).toContain(metric);
  });

  test("the organization dashboard is per organization", () => {
    const text = readFileSync(join(repoRoot, "monitoring/dashboards/organization.json"), "utf8");
    expect(text).toContain('ndc_organization_environments{org=\\"$org\\"');
  });
});

describe("alerts", () => {
  const exported = exportedSeries();
  const rules = (
    parseYaml(readFileSync(join(repoRoot, "monitoring/alerts.yaml"), "utf8")) as { groups: { rules: { alert: string; expr: string }[] }[] }
  ).groups.flatMap((g) => g.rules);

  const written = pulumiWrapperSeries();

  test("the Pulumi wrapper writes the four series its alerts read", () => {
    expect([...written].sort()).toEqual([
      "ndc_pulumi_stack_locked",
      "ndc_pulumi_update_last_output_timestamp_seconds",
      "ndc_pulumi_update_running",
      "ndc_pulumi_update_started_timestamp_seconds",
    ]);
  });

  test("every alert reads metrics the service or the Pulumi wrapper exports (and `up`, which Prometheus adds)", () => {
    const unknown = rules.flatMap((r) =>
      metricNames(r.expr)
        .filter((n) => n !== "up" && !exported.has(n) && !written.has(n))
        .map((n) => `${r.alert}: ${n}`),
    );
    expect(unknown).toEqual([]);
    expect(rules.every((r) => metricNames(r.expr).length > 0)).toBe(true);
  });
});
