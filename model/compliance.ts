import type { ComplianceException, Placement } from "./admission.ts";
import { minimumSecurityLevel } from "./data-classification.ts";
import type { EnvironmentSpec } from "./environment-spec.ts";
import { distanceKm, type Platform } from "./platform.ts";
import { POLICY, type DataClass, type Policy, type Source } from "./policy.ts";

/**
 * Compliance of environments against every rule the platform enforces, each with its legal source
 * and whether that source is confirmed. Evaluated against the platform as it is now: an exception
 * admitted while one site was active turns into a violation once a second site could take the replica.
 */

export const COMPLIANCE_STATUSES = ["compliant", "exception", "violation", "not-applicable"] as const;
export type ComplianceStatus = (typeof COMPLIANCE_STATUSES)[number];

/** The rules a report lists, in this order. */
export const COMPLIANCE_RULES = ["zone-for-data-class", "minimum-security-level", "dedicated-pool", "residency", "multi-site", "retention"] as const;
export type ComplianceRule = (typeof COMPLIANCE_RULES)[number];

export interface ComplianceFinding {
  readonly rule: ComplianceRule;
  readonly status: ComplianceStatus;
  readonly message: string;
  readonly source: Source;
  /** For exceptions: since when the environment has held it. */
  readonly since?: string;
}

/** What the evaluation needs to know of an environment (a stored request, or a static one). */
export interface ComplianceSubject {
  readonly org: string;
  readonly name: string;
  readonly namespace: string;
  readonly phase: string;
  readonly spec: EnvironmentSpec;
  /** The effective class (raised by personal-data volume). */
  readonly dataClass: DataClass;
  readonly placements: readonly Placement[];
  readonly complianceExceptions: readonly ComplianceException[];
  readonly nationalDatabase?: boolean;
  /** When it was admitted: an exception's "since". */
  readonly since: string;
  readonly retainUntil?: string | null;
}

export interface EnvironmentCompliance {
  readonly org: string;
  readonly environment: string;
  readonly namespace: string;
  readonly phase: string;
  readonly sites: readonly string[];
  readonly zone: string;
  readonly dataClass: DataClass;
  readonly securityLevel: number;
  readonly findings: readonly ComplianceFinding[];
  /** The worst status among the findings. */
  readonly status: ComplianceStatus;
}

/** Per-rule counts and totals of a report. */
export interface ComplianceSummary {
  readonly policyVersion: string;
  readonly environments: number;
  readonly byStatus: Readonly<Record<ComplianceStatus, number>>;
  readonly byRule: Readonly<Record<ComplianceRule, Readonly<Record<ComplianceStatus, number>>>>;
}

/** Evaluates one environment against every rule. */
export function evaluateCompliance(env: ComplianceSubject, platform: Platform, policy: Policy = POLICY): EnvironmentCompliance {
  const { spec, dataClass } = env;
  const findings: ComplianceFinding[] = [];
  const add = (rule: ComplianceRule, status: ComplianceStatus, message: string, source: Source, since?: string) =>
    findings.push({ rule, status, message, source, ...(since ? { since } : {}) });

  const zones = policy.zonesByDataClass.allowed[dataClass];
  add(
    "zone-for-data-class",
    zones.includes(spec.zone) ? "compliant" : "violation",
    zones.includes(spec.zone) ? `${dataClass} data in zone ${spec.zone}` : `${dataClass} data may only be in ${zones.join(" or ")}, found in ${spec.zone}`,
    policy.zonesByDataClass.source,
  );

  const minimum = minimumSecurityLevel(dataClass, spec.personalData, env.nationalDatabase ?? false, policy);
  add(
    "minimum-security-level",
    spec.securityLevel >= minimum ? "compliant" : "violation",
    `level ${spec.securityLevel}; ${dataClass} data with ${spec.personalData} personal data needs at least ${minimum}`,
    policy.minimumLevel.source,
  );

  const needsDedicated = spec.securityLevel >= policy.dedicatedPoolFromLevel.level;
  const shared = env.placements.filter((p) => !p.dedicatedPool).map((p) => p.site);
  add(
    "dedicated-pool",
    !needsDedicated ? "not-applicable" : shared.length === 0 ? "compliant" : "violation",
    !needsDedicated
      ? `level ${spec.securityLevel} runs on shared pools (dedicated from level ${policy.dedicatedPoolFromLevel.level})`
      : shared.length === 0
        ? `on dedicated pools: ${env.placements.map((p) => `${p.site}/${p.pool}`).join(", ")}`
        : `level ${spec.securityLevel} needs dedicated pools; shared at ${shared.join(", ")}`,
    policy.dedicatedPoolFromLevel.source,
  );

  const outside = env.placements.filter((p) => {
    const site = platform.sites.get(p.site);
    if (!site) return true;
    const { latitude, longitude } = site.location;
    return (
      latitude < policy.residency.latitude[0] ||
      latitude > policy.residency.latitude[1] ||
      longitude < policy.residency.longitude[0] ||
      longitude > policy.residency.longitude[1]
    );
  });
  add(
    "residency",
    outside.length === 0 ? "compliant" : "violation",
    outside.length === 0
      ? `kept at ${env.placements.map((p) => p.site).join(", ")}, in Vietnam`
      : `placed at ${outside.map((p) => p.site).join(", ")}, not a configured site in Vietnam`,
    policy.residency.source,
  );

  add(...multiSite(env, platform, policy));

  const retention = policy.retentionDays;
  if (env.phase === "Retained") {
    add(
      "retention",
      env.retainUntil ? "compliant" : "violation",
      env.retainUntil ? `data kept, access frozen until ${env.retainUntil}` : "retained without a retention deadline",
      retention.source,
    );
  } else {
    add(
      "retention",
      "compliant",
      `kept ${retention.days} days in Retained after decommissioning; audit records ${policy.auditRetentionMonths.months} months`,
      retention.source,
    );
  }

  return {
    org: env.org,
    environment: env.name,
    namespace: env.namespace,
    phase: env.phase,
    sites: env.placements.map((p) => p.site),
    zone: spec.zone,
    dataClass,
    securityLevel: spec.securityLevel,
    findings,
    status: worst(findings.map((f) => f.status)),
  };
}

/** Counts per status and per rule, for a report's header. */
export function summarizeCompliance(reports: readonly EnvironmentCompliance[], policy: Policy = POLICY): ComplianceSummary {
  const zero = () => Object.fromEntries(COMPLIANCE_STATUSES.map((s) => [s, 0])) as Record<ComplianceStatus, number>;
  const byStatus = zero();
  const byRule = Object.fromEntries(COMPLIANCE_RULES.map((r) => [r, zero()])) as Record<ComplianceRule, Record<ComplianceStatus, number>>;
  for (const r of reports) {
    byStatus[r.status]++;
    for (const f of r.findings) byRule[f.rule][f.status]++;
  }
  return { policyVersion: policy.version, environments: reports.length, byStatus, byRule };
}

function multiSite(env: ComplianceSubject, platform: Platform, policy: Policy): [ComplianceRule, ComplianceStatus, string, Source, string?] {
  const rule = policy.multiSite;
  const applies = rule.appliesToDataClasses.includes(env.dataClass) || env.spec.securityLevel >= rule.appliesFromLevel;
  if (!applies) return ["multi-site", "not-applicable", `${env.dataClass} data at level ${env.spec.securityLevel} needs no second site`, rule.source];
  const active = env.placements.map((p) => platform.sites.get(p.site)).filter((s) => s?.status === "active");
  const farApart = active.some((a) => active.some((b) => a !== b && distanceKm(a!.location, b!.location) >= rule.minDistanceKm));
  if (active.length >= rule.minActiveSites && farApart) {
    return ["multi-site", "compliant", `replicas on ${active.map((s) => s!.id).join(", ")}, at least ${rule.minDistanceKm} km apart`, rule.source];
  }
  const activeSites = [...platform.sites.values()].filter((s) => s.status === "active");
  const exception = env.complianceExceptions.find((e) => e.rule === "multi-site");
  if (exception && activeSites.length < rule.minActiveSites) return ["multi-site", "exception", exception.message, rule.source, env.since];
  return [
    "multi-site",
    "violation",
    `needs replicas on ${rule.minActiveSites} active sites at least ${rule.minDistanceKm} km apart; placed on ${env.placements.map((p) => p.site).join(", ")} while ${activeSites.map((s) => s.id).join(", ")} are active: add a site`,
    rule.source,
  ];
}

function worst(statuses: readonly ComplianceStatus[]): ComplianceStatus {
  if (statuses.includes("violation")) return "violation";
  if (statuses.includes("exception")) return "exception";
  return "compliant";
}
