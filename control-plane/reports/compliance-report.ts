import {
  evaluateCompliance,
  summarizeCompliance,
  type ComplianceSummary,
  type EnvironmentCompliance,
  type Platform,
  type Policy,
  type Source,
} from "../../model/index.ts";
import type { EnvironmentRecord, Store } from "../store/index.ts";
import { toCsv } from "./csv.ts";
import { allEnvironments } from "./history.ts";

/** An open compliance exception: which environment holds it, since when and why. */
export interface OpenException {
  readonly org: string;
  readonly environment: string;
  readonly rule: string;
  readonly since: string | null;
  readonly message: string;
  readonly source: Source;
}

export interface ComplianceReport {
  readonly scope: { readonly org: string } | { readonly site: string };
  readonly generatedAt: string;
  readonly summary: ComplianceSummary;
  readonly environments: readonly EnvironmentCompliance[];
  readonly exceptions: readonly OpenException[];
}

/** A request still waiting for its decision is not built anywhere yet: reports cover the rest. */
const NOT_YET_DECIDED = new Set(["Submitted", "AwaitingApproval"]);

/**
 * Every approved environment of an organization, or placed on a site (of the organizations `orgs`,
 * all when omitted), against every rule of the model, with each rule's legal source.
 */
export async function complianceReport(
  store: Store,
  platform: Platform,
  policy: Policy,
  scope: { org: string } | { site: string; orgs?: readonly string[] },
  now: Date,
): Promise<ComplianceReport> {
  const records = "org" in scope ? await allEnvironments(store, { orgs: [scope.org] }) : await allEnvironments(store, scope.orgs ? { orgs: scope.orgs } : {});
  const inScope = records.filter((e) => !NOT_YET_DECIDED.has(e.phase) && ("org" in scope || e.plan.placements.some((p) => p.site === scope.site)));
  const environments = inScope.map((e) => evaluateCompliance(subjectOf(e), platform, policy));
  const exceptions = environments.flatMap((c) =>
    c.findings
      .filter((f) => f.status === "exception")
      .map((f) => ({ org: c.org, environment: c.environment, rule: f.rule, since: f.since ?? null, message: f.message, source: f.source })),
  );
  return {
    scope: "org" in scope ? { org: scope.org } : { site: scope.site },
    generatedAt: now.toISOString(),
    summary: summarizeCompliance(environments, policy),
    environments,
    exceptions,
  };
}

/** One row per environment and rule. */
export function complianceCsv(report: ComplianceReport): string {
  const header = [
    "org",
    "environment",
    "namespace",
    "phase",
    "sites",
    "zone",
    "dataClass",
    "securityLevel",
    "rule",
    "status",
    "since",
    "message",
    "source",
    "sourceConfirmed",
  ];
  const rows = report.environments.flatMap((e) =>
    e.findings.map((f) => [
      e.org,
      e.environment,
      e.namespace,
      e.phase,
      e.sites.join(" "),
      e.zone,
      e.dataClass,
      e.securityLevel,
      f.rule,
      f.status,
      f.since ?? "",
      f.message,
      f.source.law,
      f.source.confirmed,
    ]),
  );
  return toCsv(header, rows);
}

function subjectOf(e: EnvironmentRecord) {
  return {
    org: e.org,
    name: e.name,
    namespace: e.namespace,
    phase: e.phase,
    spec: e.spec,
    dataClass: e.plan.dataClass,
    placements: e.plan.placements,
    complianceExceptions: e.plan.complianceExceptions,
    // Admitted with the exception when it was submitted.
    since: e.createdAt,
    retainUntil: e.retainUntil,
  };
}
