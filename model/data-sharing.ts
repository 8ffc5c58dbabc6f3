import { Type, type Static } from "@sinclair/typebox";
import { OneOf } from "./_literals.ts";
import type { SharingAgreement } from "./builder/index.ts";
import { inCharacters } from "./characters.ts";
import { minimumSecurityLevel } from "./data-classification.ts";
import { SlugSchema } from "./names.ts";
import { POLICY, type DataClass, type PersonalData, type Policy } from "./policy.ts";
import { IssueCollector } from "./validation-error.ts";

/**
 * Data-sharing agreements between organizations: a provider offers a consumer access to one of its
 * environments on one port, for a purpose and on a legal basis, for a limited time. The consumer
 * accepts; an operator approves when the policy says so (the data class and security level of the
 * provider's environment decide). While in force, the provider's ingress and the consumer's egress
 * NetworkPolicies exist on every site that holds both environments; otherwise they do not.
 */

const Instant = (description: string) =>
  Type.String({
    pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2})$",
    description,
    "x-rule": "date-time-format",
    "x-message": "must be an RFC 3339 date-time with its offset, e.g. 2026-12-01T00:00:00+07:00",
  });

/** What a provider offers: the body of `POST /v1/organizations/{provider}/sharing-agreements`. */
export const SharingOfferSchema = Type.Object(
  {
    name: SlugSchema("agreement name, unique within the provider organization; the NetworkPolicies are ndc-share-<provider>-<name>", 40),
    providerEnvironment: SlugSchema("the provider's environment consumers may reach", 50),
    consumer: Type.Object(
      { org: SlugSchema("consumer organization", 12), environment: SlugSchema("consumer environment that may connect", 50) },
      { additionalProperties: false },
    ),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    protocol: OneOf(["TCP", "UDP"] as const),
    purpose: inCharacters({ minLength: 1, maxLength: 500, description: "what the data is used for" }),
    legalBasis: inCharacters({ minLength: 1, maxLength: 500, description: "the legal text that allows the sharing, e.g. Nghị định 194/2025/NĐ-CP" }),
    validFrom: Instant("start of validity"),
    validUntil: Instant("end of validity (exclusive)"),
    sites: Type.Optional(
      Type.Array(SlugSchema("site id"), {
        minItems: 1,
        maxItems: 3,
        uniqueItems: true,
        description: "where the sharing applies; default every site holding both environments",
      }),
    ),
  },
  { additionalProperties: false },
);
export type SharingOffer = Static<typeof SharingOfferSchema>;

/** What the agreement knows of each environment it names. */
export interface SharingParty {
  readonly org: string;
  readonly environment: string;
  readonly phase: string;
  readonly dataClass: DataClass;
  readonly personalData: PersonalData;
  readonly securityLevel: number;
  /** Sites the environment is placed on. */
  readonly sites: readonly string[];
}

/** Lifecycle decisions recorded on an agreement; time and the environments decide the rest. */
export const AGREEMENT_STATES = ["Offered", "AwaitingApproval", "Approved", "Declined", "Rejected", "Revoked"] as const;
export type AgreementState = (typeof AGREEMENT_STATES)[number];

/** What the agreement is at an instant, as both organizations see it. */
export const AGREEMENT_STATUSES = [
  "Offered",
  "AwaitingApproval",
  "Scheduled",
  "InForce",
  "Waiting",
  "Suspended",
  "Expired",
  "Ended",
  "Declined",
  "Rejected",
  "Revoked",
] as const;
export type AgreementStatus = (typeof AGREEMENT_STATUSES)[number];

/**
 * Phases in which an environment's objects are built as approved (and so can carry a sharing
 * policy): waiting for an operator to approve its decommissioning it still serves, and a restore
 * builds it as it was.
 */
export const SHARING_LIVE_PHASES: readonly string[] = ["Approved", "Provisioning", "Ready", "Updating", "AwaitingDecommission", "Restoring"];
/** Phases after which an environment never comes back: its agreements end. */
export const SHARING_ENDED_PHASES: readonly string[] = ["Decommissioning", "Retained", "Deleted", "Rejected"];

/** The outcome of checking an offer: where it would be enforced and who must approve it. */
export interface SharingDecision {
  readonly sites: readonly string[];
  readonly operatorApprovalRequired: boolean;
  /** Why an operator must approve (empty when not required). */
  readonly approvalReasons: readonly string[];
}

/**
 * Checks an offer against every sharing rule: two organizations, both environments live, sites in
 * common, the consumer's level, validity, legal basis. All problems are reported at once. This is
 * the check at acceptance and approval, where the caller may see both environments.
 * @throws ValidationError naming each field, value and rule; nothing is recorded
 */
export function evaluateSharingOffer(
  providerOrg: string,
  offer: SharingOffer,
  provider: SharingParty | undefined,
  consumer: SharingParty | undefined,
  now: Date,
  policy: Policy = POLICY,
): SharingDecision {
  const rules = policy.sharing;
  const issues = new IssueCollector();
  providerSideIssues(providerOrg, offer, provider, now, policy, issues);
  if (!consumer || !SHARING_LIVE_PHASES.includes(consumer.phase)) {
    issues.add(
      "consumer.environment",
      offer.consumer.environment,
      "consumer-environment-live",
      `${offer.consumer.org} has no environment ${offer.consumer.environment} that is approved or running`,
    );
  }
  let sites: string[] = [];
  if (provider && consumer) {
    const common = provider.sites.filter((s) => consumer.sites.includes(s));
    if (offer.sites) {
      offer.sites.forEach((site, i) => {
        if (!common.includes(site)) {
          issues.add(
            `sites[${i}]`,
            site,
            "sites-in-common",
            `does not hold both environments: ${provider.org}/${provider.environment} is at ${provider.sites.join(", ")}, ${consumer.org}/${consumer.environment} at ${consumer.sites.join(", ")}`,
          );
        }
      });
      sites = offer.sites.filter((s) => common.includes(s));
    } else {
      sites = common;
      if (common.length === 0) {
        issues.add(
          "sites",
          offer.sites ?? null,
          "sites-in-common",
          `no site holds both environments: ${provider.org}/${provider.environment} is at ${provider.sites.join(", ")}, ${consumer.org}/${consumer.environment} at ${consumer.sites.join(", ")}; traffic is never opened between sites (${rules.sitesInCommon.source.law})`,
        );
      }
    }
    const needed = minimumSecurityLevel(provider.dataClass, provider.personalData, false, policy);
    if (consumer.securityLevel < needed) {
      issues.add(
        "consumer.environment",
        offer.consumer.environment,
        "consumer-security-level",
        `is at security level ${consumer.securityLevel}; receiving ${provider.dataClass} data with ${provider.personalData} personal data needs at least level ${needed} (${rules.consumerLevel.source.law})`,
      );
    }
  }
  issues.throwIfAny();
  return { sites: [...sites].sort(), ...operatorApproval(provider!, policy) };
}

/**
 * The provider's check of its own offer: only what the provider may know — its own environment,
 * the two organizations, validity and legal basis. The consumer's environment (whether it exists,
 * where it runs, its level) belongs to another organization and is checked when the consumer
 * accepts, so an offer never tells the provider anything about it. `sites` are the provider's
 * (those named in the offer) until then. With `organizations`, the consumer must be one of them.
 * @throws ValidationError naming each field, value and rule; nothing is recorded
 */
export function evaluateProviderOffer(
  providerOrg: string,
  offer: SharingOffer,
  provider: SharingParty | undefined,
  now: Date,
  policy: Policy = POLICY,
  organizations?: { has(org: string): boolean },
): SharingDecision {
  const issues = new IssueCollector();
  providerSideIssues(providerOrg, offer, provider, now, policy, issues);
  // Which organizations the platform has is public (GET /v1/organizations): an offer to one it does
  // not have could never be accepted.
  if (organizations && offer.consumer.org !== providerOrg && !organizations.has(offer.consumer.org)) {
    issues.add(
      "consumer.org",
      offer.consumer.org,
      "organization-exists",
      `no organization ${offer.consumer.org} on this platform; the organizations are listed by GET /v1/organizations`,
    );
  }
  let sites: string[] = [];
  if (provider) {
    sites = offer.sites ? offer.sites.filter((s) => provider.sites.includes(s)) : [...provider.sites];
    offer.sites?.forEach((site, i) => {
      if (!provider.sites.includes(site))
        issues.add(`sites[${i}]`, site, "sites-in-common", `${provider.org}/${provider.environment} is not at ${site}; it is at ${provider.sites.join(", ")}`);
    });
  }
  issues.throwIfAny();
  return { sites: sites.sort(), ...operatorApproval(provider!, policy) };
}

/** Rules only the provider's side decides. */
function providerSideIssues(
  providerOrg: string,
  offer: SharingOffer,
  provider: SharingParty | undefined,
  now: Date,
  policy: Policy,
  issues: IssueCollector,
): void {
  const rules = policy.sharing;
  if (offer.consumer.org === providerOrg) {
    issues.add(
      "consumer.org",
      offer.consumer.org,
      "different-organizations",
      "is the provider itself; within one organization the zone matrix decides flows, agreements are between organizations",
    );
  }
  if (!provider || !SHARING_LIVE_PHASES.includes(provider.phase)) {
    issues.add(
      "providerEnvironment",
      offer.providerEnvironment,
      "provider-environment-live",
      `${providerOrg} has no environment ${offer.providerEnvironment} that is approved or running${provider ? ` (it is ${provider.phase})` : ""}`,
    );
  }
  for (const [field, text] of [
    ["purpose", offer.purpose],
    ["legalBasis", offer.legalBasis],
  ] as const) {
    if (text.trim().length === 0)
      issues.add(field, text, "legal-basis", `must state the ${field === "purpose" ? "purpose" : "legal basis"} in words (${rules.legalBasis.source.law})`);
  }
  const from = calendarInstant(offer.validFrom);
  const until = calendarInstant(offer.validUntil);
  if (Number.isNaN(from)) issues.add("validFrom", offer.validFrom, "date-time-format", "is not a date-time on the calendar; e.g. 2026-12-01T00:00:00+07:00");
  if (Number.isNaN(until)) issues.add("validUntil", offer.validUntil, "date-time-format", "is not a date-time on the calendar; e.g. 2027-12-01T00:00:00+07:00");
  if (!Number.isNaN(from) && !Number.isNaN(until)) {
    if (until <= from) issues.add("validUntil", offer.validUntil, "validity-order", `must be after validFrom (${offer.validFrom})`);
    else if (until - from > rules.maxValidityDays.days * 86_400_000) {
      issues.add(
        "validUntil",
        offer.validUntil,
        "max-validity",
        `is more than ${rules.maxValidityDays.days} days after validFrom; agree again when it ends (${rules.maxValidityDays.source.law})`,
      );
    }
    if (until <= now.getTime()) issues.add("validUntil", offer.validUntil, "validity-in-future", `is already past (now ${now.toISOString()})`);
  }
}

/**
 * The instant an RFC 3339 date-time names, or NaN when it names none: every part within its range
 * and the day within its month. `Date.parse` alone rolls 2027-02-30 over to 2 March, so an agreement
 * both organizations read as ending on 30 February would be enforced into March.
 */
function calendarInstant(text: string): number {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]+)?)?(Z|[+-]([0-9]{2}):([0-9]{2}))$/.exec(text);
  if (!m) return Number.NaN;
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = [m[1], m[2], m[3], m[4], m[5], m[6], m[8], m[9]].map((v) => Number(v ?? 0));
  const daysInMonth = new Date(Date.UTC(2000, month!, 0)).getUTCDate() + (month === 2 && !leapYear(year!) ? -1 : 0);
  const inRange =
    month! >= 1 &&
    month! <= 12 &&
    day! >= 1 &&
    day! <= daysInMonth &&
    hour! <= 23 &&
    minute! <= 59 &&
    second! <= 59 &&
    offsetHours! <= 23 &&
    offsetMinutes! <= 59;
  return inRange ? Date.parse(text) : Number.NaN;
}

function leapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Whether an operator must approve, and why: the provider's data class and level decide. */
function operatorApproval(
  provider: Pick<SharingParty, "dataClass" | "securityLevel">,
  policy: Policy,
): Pick<SharingDecision, "operatorApprovalRequired" | "approvalReasons"> {
  const rules = policy.sharing.operatorApproval;
  const approvalReasons: string[] = [];
  if (rules.dataClasses.includes(provider.dataClass)) approvalReasons.push(`${provider.dataClass} data`);
  if (provider.securityLevel >= rules.fromLevel)
    approvalReasons.push(`a level ${provider.securityLevel} system (operator approval from level ${rules.fromLevel})`);
  return { operatorApprovalRequired: approvalReasons.length > 0, approvalReasons };
}

/** An agreement as stored: the offer, the decisions taken, and where it applies. */
export interface AgreementRecordView {
  readonly providerOrg: string;
  readonly offer: SharingOffer;
  readonly state: AgreementState;
  readonly operatorApprovalRequired: boolean;
  readonly sites: readonly string[];
}

/** What the sharing rules read of an environment as it is now (its approved spec and effective class). */
export interface SharingRulesParty {
  readonly dataClass: DataClass;
  readonly personalData: PersonalData;
  readonly securityLevel: number;
}

/** A sharing rule an approved agreement can stop meeting when one of its environments changes. */
export type BrokenSharingRule = "consumer-security-level" | "operator-approval";

/**
 * The rules an approved agreement no longer meets with its two environments as they are now: the
 * consumer below the level the provider's data needs (a level lowered after it accepted), or the
 * provider's data now needing an operator's approval the agreement never had (a class or level
 * raised after it was approved without one). Accepting and approving check these once; an agreement
 * is enforced only while they still hold, so neither organization's later change carries data where
 * the rules would not have let it go.
 */
export function brokenSharingRules(
  a: Pick<AgreementRecordView, "operatorApprovalRequired">,
  provider: SharingRulesParty,
  consumer: SharingRulesParty,
  policy: Policy = POLICY,
): BrokenSharingRule[] {
  const broken: BrokenSharingRule[] = [];
  if (consumer.securityLevel < minimumSecurityLevel(provider.dataClass, provider.personalData, false, policy)) broken.push("consumer-security-level");
  if (!a.operatorApprovalRequired && operatorApproval(provider, policy).operatorApprovalRequired) broken.push("operator-approval");
  return broken;
}

/**
 * What an agreement is at `now`, given the phases of its two environments: decisions first, then
 * time (Scheduled, InForce, Expired), then whether both environments still exist, and whether the
 * sharing rules still hold for them (`rulesHold`, from `brokenSharingRules`: Suspended when not).
 */
export function agreementStatus(
  a: Pick<AgreementRecordView, "state" | "offer">,
  providerPhase: string | undefined,
  consumerPhase: string | undefined,
  now: Date,
  rulesHold = true,
): AgreementStatus {
  if (a.state !== "Approved") return a.state;
  if (now.getTime() >= Date.parse(a.offer.validUntil)) return "Expired";
  const ended = (p: string | undefined) => p === undefined || SHARING_ENDED_PHASES.includes(p);
  if (ended(providerPhase) || ended(consumerPhase)) return "Ended";
  if (!rulesHold) return "Suspended";
  if (now.getTime() < Date.parse(a.offer.validFrom)) return "Scheduled";
  return SHARING_LIVE_PHASES.includes(providerPhase!) && SHARING_LIVE_PHASES.includes(consumerPhase!) ? "InForce" : "Waiting";
}

/** The NetworkPolicy id of an agreement (`ndc-share-<id>`): unique on the platform. */
export function agreementPolicyId(providerOrg: string, name: string): string {
  return `${providerOrg}-${name}`;
}

/** The builder's view of an agreement that is in force (all approvals given). */
export function builderAgreement(a: AgreementRecordView): SharingAgreement {
  return {
    id: agreementPolicyId(a.providerOrg, a.offer.name),
    provider: { org: a.providerOrg, environment: a.offer.providerEnvironment },
    consumer: { org: a.offer.consumer.org, environment: a.offer.consumer.environment },
    port: a.offer.port,
    protocol: a.offer.protocol,
    approvedBy: { provider: true, consumer: a.state === "Approved" || a.state === "AwaitingApproval", operator: a.state === "Approved" },
  };
}

/** The next decision state, or undefined when the decision is not allowed from `state`. */
export function nextAgreementState(
  state: AgreementState,
  decision: "accept" | "decline" | "approve" | "reject" | "revoke",
  operatorApprovalRequired: boolean,
): AgreementState | undefined {
  switch (decision) {
    case "accept":
      return state === "Offered" ? (operatorApprovalRequired ? "AwaitingApproval" : "Approved") : undefined;
    case "decline":
      return state === "Offered" ? "Declined" : undefined;
    case "approve":
      return state === "AwaitingApproval" ? "Approved" : undefined;
    case "reject":
      return state === "AwaitingApproval" ? "Rejected" : undefined;
    case "revoke":
      return state === "Offered" || state === "AwaitingApproval" || state === "Approved" ? "Revoked" : undefined;
  }
}

/** A decision on an agreement. */
export const AGREEMENT_DECISIONS = ["accept", "decline", "approve", "reject", "revoke"] as const;
export type AgreementDecision = (typeof AGREEMENT_DECISIONS)[number];

/** Who takes each decision: the consumer organization accepts, an operator approves, any of the three may revoke. */
export const AGREEMENT_DECIDERS: Readonly<Record<AgreementDecision, readonly ("provider" | "consumer" | "operator")[]>> = {
  accept: ["consumer"],
  decline: ["consumer"],
  approve: ["operator"],
  reject: ["operator"],
  revoke: ["provider", "consumer", "operator"],
};

/**
 * What enforcing an agreement needs to know of each environment: its phase, the sites it is placed
 * on, and what the sharing rules read of it.
 */
export interface SharingPlacement extends SharingRulesParty {
  readonly phase: string;
  readonly sites: readonly string[];
}

/**
 * The sites where an agreement's NetworkPolicies must exist at `now`: those of its sites that hold
 * both environments, while it is in force; none otherwise (offered, awaiting approval, not yet
 * valid, expired, revoked, either environment decommissioned, or a sharing rule no longer met).
 */
export function enforcementSites(
  a: Pick<AgreementRecordView, "state" | "offer" | "sites" | "operatorApprovalRequired">,
  provider: SharingPlacement | undefined,
  consumer: SharingPlacement | undefined,
  now: Date,
  policy: Policy = POLICY,
): string[] {
  if (!provider || !consumer) return [];
  const rulesHold = brokenSharingRules(a, provider, consumer, policy).length === 0;
  if (agreementStatus(a, provider.phase, consumer.phase, now, rulesHold) !== "InForce") return [];
  return a.sites.filter((s) => provider.sites.includes(s) && consumer.sites.includes(s));
}

/** The next instant after `now` at which time alone changes what an approved agreement is (validFrom, validUntil). */
export function nextValidityChange(a: Pick<AgreementRecordView, "state" | "offer">, now: Date): Date | undefined {
  if (a.state !== "Approved") return undefined;
  const next = [Date.parse(a.offer.validFrom), Date.parse(a.offer.validUntil)].filter((t) => t > now.getTime()).sort((x, y) => x - y)[0];
  return next === undefined ? undefined : new Date(next);
}
