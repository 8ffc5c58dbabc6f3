import { describe, expect, test } from "vitest";
import {
  admitEnvironment,
  evaluateCompliance,
  POLICY,
  summarizeCompliance,
  type ComplianceSubject,
  type EnvironmentSpec,
  type Platform,
} from "../../../model/index.ts";
import { testEnvironment, testPlatform } from "../../../model/testing.ts";

const oneSite = testPlatform();
const twoSites = testPlatform({ secondSite: true });

function subject(overrides: Partial<EnvironmentSpec>, on: Platform = oneSite, phase = "Ready"): ComplianceSubject {
  const plan = admitEnvironment(testEnvironment(overrides), on);
  return {
    org: "byt",
    name: plan.environment.spec.name,
    namespace: plan.namespace,
    phase,
    spec: plan.environment.spec,
    dataClass: plan.dataClass,
    placements: plan.placements,
    complianceExceptions: plan.complianceExceptions,
    since: "2026-11-01T00:00:00.000Z",
    retainUntil: phase === "Retained" ? "2026-12-31T00:00:00.000Z" : null,
  };
}
const statuses = (c: ReturnType<typeof evaluateCompliance>) => Object.fromEntries(c.findings.map((f) => [f.rule, f.status]));
const core = { name: "dancu", zone: "restricted", dataClass: "core", securityLevel: 4, resources: { cpu: "4", memory: "8Gi" } } as const;

describe("evaluateCompliance", () => {
  test("a low-risk app environment complies with every rule that applies", () => {
    const c = evaluateCompliance(subject({}), oneSite);
    expect(statuses(c)).toEqual({
      "zone-for-data-class": "compliant",
      "minimum-security-level": "compliant",
      "dedicated-pool": "not-applicable",
      residency: "compliant",
      "multi-site": "not-applicable",
      retention: "compliant",
    });
    expect(c.status).toBe("compliant");
  });

  test("core data on the only active site is an open exception, with since when and why", () => {
    const c = evaluateCompliance(subject(core), oneSite);
    const finding = c.findings.find((f) => f.rule === "multi-site")!;
    expect(finding).toMatchObject({ status: "exception", since: "2026-11-01T00:00:00.000Z", source: POLICY.multiSite.source });
    expect(finding.message).toContain("only 1 site is active");
    expect(c.status).toBe("exception");
  });

  test("the same exception becomes a violation once a second site is active", () => {
    const admittedAlone = subject(core, oneSite);
    const c = evaluateCompliance(admittedAlone, twoSites);
    expect(c.findings.find((f) => f.rule === "multi-site")).toMatchObject({
      status: "violation",
      message: "needs replicas on 2 active sites at least 30 km apart; placed on ndc1 while ndc1, ndc2 are active: add a site",
    });
  });

  test("core data on two sites far apart complies, on dedicated pools", () => {
    const c = evaluateCompliance(subject({ ...core, sites: ["ndc1", "ndc2"] }, twoSites), twoSites);
    expect(statuses(c)["multi-site"]).toBe("compliant");
    expect(statuses(c)["dedicated-pool"]).toBe("compliant");
  });

  test("a hand-edited record in a zone its class does not allow and below its level is reported as violations", () => {
    const edited: ComplianceSubject = { ...subject({}), dataClass: "important", spec: { ...subject({}).spec, securityLevel: 2 } };
    const c = evaluateCompliance(edited, oneSite);
    expect(c.findings.filter((f) => f.status === "violation").map((f) => [f.rule, f.message])).toEqual([
      ["zone-for-data-class", "important data may only be in data or restricted, found in app"],
      ["minimum-security-level", "level 2; important data with none personal data needs at least 3"],
    ]);
  });

  test("a placement on a site the platform does not know breaks residency", () => {
    const s = subject({});
    const c = evaluateCompliance({ ...s, placements: [{ ...s.placements[0]!, site: "offshore" }] }, oneSite);
    expect(c.findings.find((f) => f.rule === "residency")).toMatchObject({
      status: "violation",
      message: "placed at offshore, not a configured site in Vietnam",
    });
  });

  test("a Retained environment reports its retention deadline", () => {
    const c = evaluateCompliance(subject({}, oneSite, "Retained"), oneSite);
    expect(c.findings.find((f) => f.rule === "retention")?.message).toBe("data kept, access frozen until 2026-12-31T00:00:00.000Z");
  });

  test("every finding names its legal source and whether it is confirmed", () => {
    const c = evaluateCompliance(subject(core), oneSite);
    expect(c.findings.find((f) => f.rule === "residency")?.source.confirmed).toBe(true);
    expect(c.findings.find((f) => f.rule === "minimum-security-level")?.source).toEqual(POLICY.minimumLevel.source);
  });
});

describe("summarizeCompliance", () => {
  test("counts environments by worst status and findings by rule", () => {
    const summary = summarizeCompliance([evaluateCompliance(subject({}), oneSite), evaluateCompliance(subject(core), oneSite)]);
    expect(summary.environments).toBe(2);
    expect(summary.byStatus).toEqual({ compliant: 1, exception: 1, violation: 0, "not-applicable": 0 });
    expect(summary.byRule["multi-site"]).toEqual({ compliant: 0, exception: 1, violation: 0, "not-applicable": 1 });
    expect(summary.byRule["dedicated-pool"]).toEqual({ compliant: 1, exception: 0, violation: 0, "not-applicable": 1 });
  });
});
