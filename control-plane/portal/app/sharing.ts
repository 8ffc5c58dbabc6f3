// Data-sharing agreements in the portal: the offer form's body, where each of the API's issues
// belongs on the form, and the sharing rules said in the user's language (the rule id is stable;
// the server's English message is only the fallback).
import { POLICY } from "../../../model/index.ts";
import { translate, translateValue, type Lang } from "./i18n.ts";
import { explainIssue, type Problem, type ProblemIssue } from "./problems.ts";
import type { AgreementResource } from "../../api/index.ts";

/** An agreement as the API returns it (the API's own schema type). */
export type Agreement = AgreementResource;

/** What the offer form holds, as typed. */
export interface OfferDraft {
  name: string;
  providerEnvironment: string;
  consumerOrg: string;
  consumerEnvironment: string;
  port: string;
  protocol: string;
  purpose: string;
  legalBasis: string;
  /** Days (YYYY-MM-DD) in Vietnam time. */
  validFrom: string;
  validUntil: string;
}

/** The form's field id for each draft key (also its `data-field-error`). */
export const OFFER_FIELD_IDS: Readonly<Record<keyof OfferDraft, string>> = {
  name: "offer-name",
  providerEnvironment: "offer-provider",
  consumerOrg: "offer-consumer-org",
  consumerEnvironment: "offer-consumer-env",
  port: "offer-port",
  protocol: "offer-protocol",
  purpose: "offer-purpose",
  legalBasis: "offer-legal",
  validFrom: "offer-from",
  validUntil: "offer-until",
};

/** A day picked in the form as the instant it starts in Vietnam (the API wants an offset). */
const dayStart = (day: string) => (day ? `${day}T00:00:00+07:00` : "");

/** The body the API receives: what the user typed, nothing corrected (a port that is not a number is sent as typed and refused). */
export function offerBody(d: OfferDraft): Record<string, unknown> {
  const port = d.port.trim();
  return {
    name: d.name.trim(),
    providerEnvironment: d.providerEnvironment,
    consumer: { org: d.consumerOrg.trim(), environment: d.consumerEnvironment.trim() },
    port: /^[0-9]{1,9}$/.test(port) ? Number(port) : port,
    protocol: d.protocol,
    purpose: d.purpose.trim(),
    legalBasis: d.legalBasis.trim(),
    validFrom: dayStart(d.validFrom),
    validUntil: dayStart(d.validUntil),
  };
}

/** Where an issue of the offer belongs: a draft key, or `(form)`. */
export function offerFieldOf(field: string): keyof OfferDraft | "(form)" {
  const path = field.replace(/^body\./, "").replace(/\[\d+\]$/, "");
  const map: Record<string, keyof OfferDraft> = {
    name: "name",
    providerEnvironment: "providerEnvironment",
    consumer: "consumerOrg",
    "consumer.org": "consumerOrg",
    "consumer.environment": "consumerEnvironment",
    port: "port",
    protocol: "protocol",
    purpose: "purpose",
    legalBasis: "legalBasis",
    validFrom: "validFrom",
    validUntil: "validUntil",
  };
  return map[path] ?? "(form)";
}

const numbers = (message: string) => [...message.matchAll(/(\d+)/g)].map((m) => m[1]!);

/** One issue of an offer or a decision, said in `lang`. */
export function explainSharingIssue(lang: Lang, issue: ProblemIssue): string {
  switch (issue.rule) {
    case "different-organizations":
      return translate(lang, "error.differentOrganizations");
    case "provider-environment-live":
      return translate(lang, "error.providerEnvironmentLive");
    case "consumer-environment-live":
      return translate(lang, "error.consumerEnvironmentLive");
    case "sites-in-common":
      return translate(lang, "error.sitesInCommon");
    case "consumer-security-level": {
      // "is at security level 2; receiving important data with none personal data needs at least level 3 (…)"
      const [level = "?", needed = "?"] = numbers(issue.message);
      return translate(lang, "error.consumerSecurityLevel", { level, needed });
    }
    case "legal-basis":
      return translate(lang, "error.legalBasis");
    case "date-time-format":
      return translate(lang, "error.dateTime");
    case "validity-order":
      return translate(lang, "error.validityOrder");
    case "max-validity":
      return translate(lang, "error.maxValidity", { days: POLICY.sharing.maxValidityDays.days });
    case "validity-in-future":
      return translate(lang, "error.validityInFuture");
    case "agreement-name-unique":
    case "agreement-policy-unique":
      return translate(lang, "error.nameUnique");
    case "agreement-party":
      return translate(lang, "error.agreementParty");
    case "operator-approval":
      return translate(lang, "error.operatorApproval");
    case "approver-not-party":
      return translate(lang, "error.approverNotParty");
    case "agreement-state":
      return `${translate(lang, "error.phase")} (${issue.message})`;
    default:
      return explainIssue(lang, issue);
  }
}

/** The problem's issues by offer field, said in `lang`; `(form)` holds the rest. */
export function offerErrors(lang: Lang, problem: Problem): Map<keyof OfferDraft | "(form)", string[]> {
  const out = new Map<keyof OfferDraft | "(form)", string[]>();
  for (const issue of problem.errors) {
    const field = offerFieldOf(issue.field);
    out.set(field, [...(out.get(field) ?? []), explainSharingIssue(lang, issue)]);
  }
  if (out.size === 0) out.set("(form)", [translate(lang, "error.status", { status: problem.status, detail: problem.detail })]);
  return out;
}

/** A refused decision (accept, approve, revoke, …) in one sentence. */
export function decisionError(lang: Lang, problem: Problem): string {
  if (problem.status === 412) return translate(lang, "error.agreementChanged");
  if (problem.errors.length > 0) return problem.errors.map((i) => explainSharingIssue(lang, i)).join(" ");
  return translate(lang, "error.status", { status: problem.status, detail: problem.detail });
}

/** Why an operator must approve, as the API says it ("important data", "a level 3 system (operator approval from level 3)"), in `lang`. */
export function explainApprovalReason(lang: Lang, reason: string): string {
  const cls = /^(\w+) data$/.exec(reason);
  if (cls) return translateValue(lang, "dataClass", cls[1]!);
  const level = /^a level (\d+) system \(operator approval from level (\d+)\)$/.exec(reason);
  if (level) return translate(lang, "agreement.reason.level", { level: level[1]!, from: level[2]! });
  return reason;
}
