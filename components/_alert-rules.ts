// The alert rules of monitoring/alerts.yaml as the site deploys them: a PrometheusRule whose
// spec.groups is the file's groups, each runbook_url made absolute from the stack's runbookBaseUrl.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import type { KubernetesObject } from "../model/index.ts";

interface RuleGroup {
  readonly name: string;
  readonly rules: readonly { readonly alert?: string; readonly annotations?: Record<string, string> }[];
}

/** monitoring/alerts.yaml, read once (the file `promtool test rules` tests). */
const ALERTS_FILE = new URL("../monitoring/alerts.yaml", import.meta.url);

/**
 * The rule groups with `runbook_url: runbooks/x.md` turned into `<runbookBaseUrl>runbooks/x.md`.
 * @throws Error when the file has no groups (a broken checkout)
 */
export function alertRuleGroups(runbookBaseUrl: string): RuleGroup[] {
  const doc = parse(readFileSync(ALERTS_FILE, "utf8")) as { groups?: RuleGroup[] };
  if (!doc.groups || doc.groups.length === 0) throw new Error(`${ALERTS_FILE.pathname} has no rule groups`);
  const base = runbookBaseUrl.endsWith("/") ? runbookBaseUrl : `${runbookBaseUrl}/`;
  return doc.groups.map((g) => ({
    ...g,
    rules: g.rules.map((r) =>
      r.annotations?.runbook_url ? { ...r, annotations: { ...r.annotations, runbook_url: new URL(r.annotations.runbook_url, base).href } } : r,
    ),
  }));
}

/** The PrometheusRule (prometheus-operator) carrying the control plane's alerts. */
export function alertRuleObject(namespace: string, labels: Record<string, string>, runbookBaseUrl: string): KubernetesObject {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: { name: "ndc-control-plane", namespace, labels },
    spec: { groups: alertRuleGroups(runbookBaseUrl) },
  } as KubernetesObject;
}
