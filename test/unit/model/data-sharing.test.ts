import { describe, expect, test } from "vitest";
import {
  agreementStatus,
  brokenSharingRules,
  builderAgreement,
  enforcementSites,
  evaluateProviderOffer,
  evaluateSharingOffer,
  nextValidityChange,
  nextAgreementState,
  ValidationError,
  type SharingOffer,
  type SharingParty,
} from "../../../model/index.ts";

const NOW = new Date("2026-12-02T00:00:00Z");
const offer = (o: Partial<SharingOffer> = {}): SharingOffer => ({
  name: "dancu-xacthuc",
  providerEnvironment: "dancu-api",
  consumer: { org: "byt", environment: "his-app" },
  port: 8443,
  protocol: "TCP",
  purpose: "Xác thực thông tin công dân khi khám bệnh (verify citizens' identity at hospitals)",
  legalBasis: "Nghị định 194/2025/NĐ-CP",
  validFrom: "2026-12-01T00:00:00+07:00",
  validUntil: "2027-12-01T00:00:00+07:00",
  ...o,
});
const party = (p: Partial<SharingParty> = {}): SharingParty => ({
  org: "bca",
  environment: "dancu-api",
  phase: "Ready",
  dataClass: "other",
  personalData: "none",
  securityLevel: 2,
  sites: ["ndc1", "ndc2"],
  ...p,
});
const provider = party();
const consumer = party({ org: "byt", environment: "his-app", sites: ["ndc1"] });

function refusal(o: SharingOffer, p: SharingParty | undefined = provider, c: SharingParty | undefined = consumer): [string, string, string][] {
  try {
    evaluateSharingOffer("bca", o, p, c, NOW);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map((i) => [i.field, i.rule, i.message]);
    throw error;
  }
  throw new Error("expected the offer to be refused");
}

describe("evaluateSharingOffer", () => {
  test("other data from a level-2 system is enforced on the one site both hold, without an operator", () => {
    expect(evaluateSharingOffer("bca", offer(), provider, consumer, NOW)).toEqual({ sites: ["ndc1"], operatorApprovalRequired: false, approvalReasons: [] });
  });

  test("important data needs an operator's approval, and so does a level-3 system", () => {
    const d = evaluateSharingOffer(
      "bca",
      offer(),
      party({ dataClass: "important", securityLevel: 3 }),
      party({ org: "byt", environment: "his-app", securityLevel: 3 }),
      NOW,
    );
    expect(d.operatorApprovalRequired).toBe(true);
    expect(d.approvalReasons).toEqual(["important data", "a level 3 system (operator approval from level 3)"]);
  });

  test("fails when no site holds both environments", () => {
    expect(refusal(offer(), provider, party({ org: "byt", environment: "his-app", sites: ["ndc3"] }))).toEqual([
      [
        "sites",
        "sites-in-common",
        "no site holds both environments: bca/dancu-api is at ndc1, ndc2, byt/his-app at ndc3; traffic is never opened between sites (platform policy (DOMAIN.md: residency and flows between sites))",
      ],
    ]);
  });

  test("fails when a named site does not hold both environments", () => {
    expect(refusal(offer({ sites: ["ndc2"] }))).toEqual([
      ["sites[0]", "sites-in-common", "does not hold both environments: bca/dancu-api is at ndc1, ndc2, byt/his-app at ndc1"],
    ]);
  });

  test("fails when the consumer is below the level the provider's data needs", () => {
    const rows = refusal(offer(), party({ dataClass: "core", securityLevel: 4 }), consumer);
    expect(rows).toEqual([
      [
        "consumer.environment",
        "consumer-security-level",
        "is at security level 2; receiving core data with none personal data needs at least level 4 (Decree 85/2016/NĐ-CP (level of the receiving system); platform policy (DOMAIN.md))",
      ],
    ]);
  });

  test("fails when provider and consumer are one organization", () => {
    expect(refusal(offer({ consumer: { org: "bca", environment: "other-app" } }), provider, party({ environment: "other-app" })).map((r) => r[1])).toEqual([
      "different-organizations",
    ]);
  });

  test("fails when either environment is not live", () => {
    expect(
      refusal(offer(), party({ phase: "Retained" }), party({ org: "byt", environment: "his-app", phase: "AwaitingApproval", sites: ["ndc1"] })).map((r) => [
        r[0],
        r[1],
      ]),
    ).toEqual([
      ["providerEnvironment", "provider-environment-live"],
      ["consumer.environment", "consumer-environment-live"],
    ]);
  });

  test.each([
    ["ends before it starts", { validFrom: "2027-06-01T00:00:00+07:00", validUntil: "2027-05-01T00:00:00+07:00" }, "validUntil", "validity-order"],
    ["lasts longer than 730 days", { validUntil: "2029-12-01T00:00:00+07:00" }, "validUntil", "max-validity"],
    ["has already ended", { validFrom: "2026-01-01T00:00:00+07:00", validUntil: "2026-06-01T00:00:00+07:00" }, "validUntil", "validity-in-future"],
    ["has a blank legal basis", { legalBasis: "   " }, "legalBasis", "legal-basis"],
  ] as const)("fails when the offer %s", (_name, o, field, rule) => {
    expect(refusal(offer(o)).map((r) => [r[0], r[1]])).toEqual([[field, rule]]);
  });
});

describe("agreementStatus", () => {
  const approved = { state: "Approved" as const, offer: offer() };
  test.each([
    ["in force within its validity while both environments are live", "Ready", "Ready", "2026-12-02T00:00:00Z", "InForce"],
    ["scheduled before validFrom", "Ready", "Ready", "2026-11-30T00:00:00Z", "Scheduled"],
    ["expired from validUntil on (exclusive end)", "Ready", "Ready", "2027-11-30T17:00:00Z", "Expired"],
    ["ended once the consumer is decommissioned", "Ready", "Decommissioning", "2026-12-02T00:00:00Z", "Ended"],
    ["ended once the provider is deleted", undefined, "Ready", "2026-12-02T00:00:00Z", "Ended"],
    ["waiting while an environment has failed", "Failed", "Ready", "2026-12-02T00:00:00Z", "Waiting"],
  ])("%s", (_name, providerPhase, consumerPhase, now, expected) => {
    expect(agreementStatus(approved, providerPhase, consumerPhase, new Date(now))).toBe(expected);
  });
  test("a decision that is not Approved is the status", () => {
    expect(agreementStatus({ state: "Revoked", offer: offer() }, "Ready", "Ready", NOW)).toBe("Revoked");
  });
});

describe("nextAgreementState", () => {
  test.each([
    ["Offered", "accept", false, "Approved"],
    ["Offered", "accept", true, "AwaitingApproval"],
    ["Offered", "decline", true, "Declined"],
    ["AwaitingApproval", "approve", true, "Approved"],
    ["AwaitingApproval", "reject", true, "Rejected"],
    ["Approved", "revoke", false, "Revoked"],
    ["Approved", "approve", true, undefined],
    ["Revoked", "accept", false, undefined],
    ["Declined", "revoke", false, undefined],
  ] as const)("%s + %s (operator needed: %s) -> %s", (state, decision, needed, expected) => {
    expect(nextAgreementState(state, decision, needed)).toBe(expected);
  });
});

describe("builderAgreement", () => {
  test("names the policies after the provider and the agreement, all approvals given when Approved", () => {
    expect(builderAgreement({ providerOrg: "bca", offer: offer(), state: "Approved", operatorApprovalRequired: true, sites: ["ndc1"] })).toEqual({
      id: "bca-dancu-xacthuc",
      provider: { org: "bca", environment: "dancu-api" },
      consumer: { org: "byt", environment: "his-app" },
      port: 8443,
      protocol: "TCP",
      approvedBy: { provider: true, consumer: true, operator: true },
    });
  });
});

describe("enforcementSites", () => {
  const approved = { state: "Approved" as const, offer: offer(), sites: ["ndc1", "ndc2"], operatorApprovalRequired: false };
  test("in force: the agreement's sites that still hold both environments", () => {
    expect(enforcementSites(approved, party({ phase: "Ready", sites: ["ndc1", "ndc2"] }), party({ phase: "Ready", sites: ["ndc2"] }), NOW)).toEqual(["ndc2"]);
  });
  test.each([
    ["awaiting approval", { ...approved, state: "AwaitingApproval" as const }, "Ready", "Ready", NOW],
    ["revoked", { ...approved, state: "Revoked" as const }, "Ready", "Ready", NOW],
    ["the consumer decommissioned", approved, "Ready", "Decommissioning", NOW],
    ["expired", approved, "Ready", "Ready", new Date("2027-12-01T00:00:00+07:00")],
    ["not yet valid", approved, "Ready", "Ready", new Date("2026-11-30T00:00:00+07:00")],
  ])("none when %s", (_why, a, providerPhase, consumerPhase, now) => {
    expect(
      enforcementSites(a, party({ phase: providerPhase, sites: ["ndc1", "ndc2"] }), party({ phase: consumerPhase, sites: ["ndc1", "ndc2"] }), now),
    ).toEqual([]);
  });
  test.each([
    ["the consumer lowered below the level the provider's data needs", party({ personalData: "basic" }), party({ securityLevel: 1 })],
    ["the provider raised to a level that needs an operator it never had", party({ securityLevel: 3 }), party({ securityLevel: 3 })],
    ["the provider's data raised to important, which needs an operator", party({ dataClass: "important", securityLevel: 3 }), party({ securityLevel: 3 })],
  ])("none when %s (the rules hold for as long as the policies exist)", (_why, p, c) => {
    expect(enforcementSites(approved, p, c, NOW)).toEqual([]);
  });
});

describe("brokenSharingRules", () => {
  test.each([
    ["every rule met", false, party({ personalData: "basic" }), party({ securityLevel: 2 }), []],
    ["the consumer below level 2 for basic personal data", false, party({ personalData: "basic" }), party({ securityLevel: 1 }), ["consumer-security-level"]],
    [
      "the consumer below level 4 for core data",
      true,
      party({ dataClass: "core", securityLevel: 4 }),
      party({ securityLevel: 3 }),
      ["consumer-security-level"],
    ],
    ["a level 3 provider approved without an operator", false, party({ securityLevel: 3 }), party({ securityLevel: 3 }), ["operator-approval"]],
    ["a level 3 provider an operator approved", true, party({ securityLevel: 3 }), party({ securityLevel: 3 }), []],
    [
      "both: important data without an operator, the consumer at level 2",
      false,
      party({ dataClass: "important", securityLevel: 3 }),
      party({ securityLevel: 2 }),
      ["consumer-security-level", "operator-approval"],
    ],
  ] as const)("%s", (_name, operatorApprovalRequired, p, c, expected) => {
    expect(brokenSharingRules({ operatorApprovalRequired }, p, c)).toEqual(expected);
  });
  test("an approved agreement whose rules no longer hold is Suspended, after Expired and Ended and before Scheduled", () => {
    const approved = { state: "Approved" as const, offer: offer() };
    expect(agreementStatus(approved, "Ready", "Ready", NOW, false)).toBe("Suspended");
    expect(agreementStatus(approved, "Ready", "Ready", new Date("2026-11-30T00:00:00Z"), false)).toBe("Suspended");
    expect(agreementStatus(approved, "Ready", "Ready", new Date("2027-11-30T17:00:00Z"), false)).toBe("Expired");
    expect(agreementStatus(approved, "Ready", "Deleted", NOW, false)).toBe("Ended");
    expect(agreementStatus({ state: "Revoked", offer: offer() }, "Ready", "Ready", NOW, false)).toBe("Revoked");
  });
});

describe("nextValidityChange", () => {
  test("the start while scheduled, the end while valid, nothing after it or before approval", () => {
    const approved = { state: "Approved" as const, offer: offer() };
    expect(nextValidityChange(approved, new Date("2026-11-01T00:00:00Z"))).toEqual(new Date("2026-11-30T17:00:00Z"));
    expect(nextValidityChange(approved, NOW)).toEqual(new Date("2027-11-30T17:00:00Z"));
    expect(nextValidityChange(approved, new Date("2028-01-01T00:00:00Z"))).toBeUndefined();
    expect(nextValidityChange({ ...approved, state: "Offered" }, NOW)).toBeUndefined();
  });
});

describe("SHARING_LIVE_PHASES", () => {
  test("an environment waiting for its decommission to be approved still serves: its agreements stay in force; once decommissioning they end", () => {
    const approved = { state: "Approved" as const, offer: offer() };
    expect(agreementStatus(approved, "AwaitingDecommission", "Ready", NOW)).toBe("InForce");
    expect(agreementStatus(approved, "Ready", "Restoring", NOW)).toBe("InForce");
    expect(agreementStatus(approved, "Decommissioning", "Ready", NOW)).toBe("Ended");
  });
});

describe("evaluateProviderOffer", () => {
  test("checks only the provider's side: the consumer's environment is not looked at (another organization's)", () => {
    expect(evaluateProviderOffer("bca", offer(), party({ dataClass: "core", securityLevel: 4 }), NOW)).toEqual({
      sites: ["ndc1", "ndc2"],
      operatorApprovalRequired: true,
      approvalReasons: ["core data", "a level 4 system (operator approval from level 3)"],
    });
  });

  test("fails when a named site does not hold the provider's environment, or the provider does not run, naming field and rule", () => {
    const refused = (o: SharingOffer, p: SharingParty | undefined) => {
      try {
        evaluateProviderOffer("bca", o, p, NOW);
      } catch (error) {
        if (error instanceof ValidationError) return error.issues.map((i) => [i.field, i.rule, i.message]);
      }
      throw new Error("expected a refusal");
    };
    expect(refused(offer({ sites: ["ndc3"] }), provider)).toEqual([["sites[0]", "sites-in-common", "bca/dancu-api is not at ndc3; it is at ndc1, ndc2"]]);
    expect(refused(offer(), party({ phase: "Retained" }))).toEqual([
      ["providerEnvironment", "provider-environment-live", "bca has no environment dancu-api that is approved or running (it is Retained)"],
    ]);
  });
});
