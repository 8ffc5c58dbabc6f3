import {
  AGREEMENT_DECIDERS,
  agreementPolicyId,
  agreementStatus,
  brokenSharingRules,
  evaluateProviderOffer,
  evaluateSharingOffer,
  nextAgreementState,
  ValidationError,
  type AgreementDecision,
  type AgreementStatus,
  type Platform,
  type Policy,
  type SharingOffer,
  type SharingParty,
} from "../../model/index.ts";
import { lineageOf, type Principal } from "../auth/index.ts";
import { NdcError, ownLineage, sharedPerson } from "../domain/index.ts";
import type { AgreementRecord, EnvironmentRecord, StoreReader, Store, StoreTx } from "../store/index.ts";
import type { RequestContext } from "./environment-requests.ts";
import type { WorkAnnouncer } from "./work-announcer.ts";

export interface SharingAgreementsOptions {
  readonly store: Store;
  readonly platform: Platform;
  readonly policy: Policy;
  /** Told after every decision: the provisioner adds or removes the agreement's NetworkPolicies. */
  readonly work: WorkAnnouncer;
}

/** The capacities in which a caller may act on an agreement. */
export type AgreementParty = (typeof AGREEMENT_DECIDERS)[AgreementDecision][number];

/** Roles that act for their organization in an agreement (an auditor only reads). */
const ORGANIZATION_DECIDERS = ["requester", "org-admin"];
/** Roles that act as the platform's operator. */
const OPERATOR_DECIDERS = ["operator", "platform-admin"];

/** Whether the caller may see an agreement at all: one of its two organizations, or a platform role. */
export function canSeeAgreement(principal: Principal, a: Pick<AgreementRecord, "providerOrg" | "consumerOrg">): boolean {
  if (principal.org !== undefined) return principal.org === a.providerOrg || principal.org === a.consumerOrg;
  return principal.roles.some((r) => r === "operator" || r === "auditor" || r === "platform-admin");
}

/** The capacities in which the caller acts on this agreement. */
export function partiesOf(principal: Principal, a: Pick<AgreementRecord, "providerOrg" | "consumerOrg">): AgreementParty[] {
  const parties: AgreementParty[] = [];
  const forOrg = principal.roles.some((r) => ORGANIZATION_DECIDERS.includes(r));
  if (forOrg && principal.org === a.providerOrg) parties.push("provider");
  if (forOrg && principal.org === a.consumerOrg) parties.push("consumer");
  if (principal.org === undefined && principal.roles.some((r) => OPERATOR_DECIDERS.includes(r))) parties.push("operator");
  return parties;
}

/**
 * Data-sharing agreements: a provider organization offers, the consumer accepts, an operator approves
 * when the model says so, any of them revokes. Every rule is the model's (`model/data-sharing.ts`);
 * this class reads the two environments, asks the model, and has the store write the decision with
 * its audit record.
 */
export class SharingAgreements {
  constructor(private readonly options: SharingAgreementsOptions) {}

  /**
   * Records a provider's offer after checking it against every sharing rule.
   * @throws NdcError NDC_ERR_RULE (422) naming each field and rule, NDC_ERR_AGREEMENT_EXISTS (409); nothing is recorded
   */
  async offer(ctx: RequestContext, providerOrg: string, offer: SharingOffer): Promise<AgreementRecord> {
    const { store } = this.options;
    const policyId = agreementPolicyId(providerOrg, offer.name);
    return store.transaction([`org:${providerOrg}`, `sharing:${policyId}`], async (tx) => {
      if (await tx.getAgreement(providerOrg, offer.name)) {
        throw new NdcError("NDC_ERR_AGREEMENT_EXISTS", `${providerOrg} has an agreement named ${offer.name}; choose another name`, [
          { field: "name", rule: "agreement-name-unique", message: `agreement ${providerOrg}/${offer.name} exists`, value: offer.name },
        ]);
      }
      const clash = await tx.getAgreementByPolicyId(policyId);
      if (clash) {
        throw new NdcError(
          "NDC_ERR_AGREEMENT_EXISTS",
          `its network policies would be named ndc-share-${policyId}, like those of ${clash.providerOrg}/${clash.name}; choose another name`,
          [
            {
              field: "name",
              rule: "agreement-policy-unique",
              message: `ndc-share-${policyId} is taken by ${clash.providerOrg}/${clash.name}`,
              value: offer.name,
            },
          ],
        );
      }
      // Only the provider's side: the consumer's environment is another organization's, checked when it accepts.
      const provider = await tx.getEnvironment(providerOrg, offer.providerEnvironment);
      const decision = refusedAs(providerOrg, offer, "offered", () =>
        evaluateProviderOffer(providerOrg, offer, provider && partyOf(provider), ctx.now, this.options.policy, this.options.platform.organizations),
      );
      return tx.insertAgreement(
        {
          providerOrg,
          name: offer.name,
          policyId,
          consumerOrg: offer.consumer.org,
          offer,
          state: "Offered",
          operatorApprovalRequired: decision.operatorApprovalRequired,
          approvalReasons: decision.approvalReasons,
          sites: decision.sites,
          offeredBy: ctx.principal.subject,
          offeredLineage: lineageOf(ctx.principal),
        },
        actorOf(ctx),
        ctx.now.toISOString(),
      );
    });
  }

  /**
   * Takes a decision on an agreement. Accepting and approving check the offer again against the two
   * environments as they are now (a consumer lowered below the level, an environment gone, validity
   * past: refused, nothing changes).
   * @throws NdcError 403 when the caller does not take this decision (or approves their own), 409 when the state does not allow it, 412 on a stale If-Match, 422 when a rule no longer holds
   */
  async decide(
    ctx: RequestContext,
    providerOrg: string,
    name: string,
    decision: AgreementDecision,
    options: { reason?: string; ifMatch?: number } = {},
  ): Promise<AgreementRecord> {
    const { store } = this.options;
    const updated = await store.transaction([`org:${providerOrg}`, `sharing:${agreementPolicyId(providerOrg, name)}`], async (tx) => {
      const current = await tx.getAgreement(providerOrg, name);
      if (!current || !canSeeAgreement(ctx.principal, current)) throw notFound(providerOrg, name);
      checkDecider(ctx.principal, current, decision);
      if (options.ifMatch !== undefined && options.ifMatch !== current.version) {
        throw new NdcError(
          "NDC_ERR_PRECONDITION_FAILED",
          `agreement ${providerOrg}/${name} is at version ${current.version}, not ${options.ifMatch}; read it again and decide on what it is now`,
          [{ field: "header.if-match", rule: "version-current", message: `the current version is ${current.version}`, value: options.ifMatch }],
        );
      }
      let { operatorApprovalRequired, approvalReasons, sites } = current;
      if (decision === "accept" || decision === "approve") {
        ({ operatorApprovalRequired, approvalReasons, sites } = await this.evaluate(
          tx,
          providerOrg,
          current.offer,
          ctx.now,
          decision === "accept" ? "accepted" : "approved",
        ));
      }
      const state = nextAgreementState(current.state, decision, operatorApprovalRequired);
      if (state === undefined) throw invalidDecision(current, decision);
      const subject = ctx.principal.subject;
      const write = await tx.writeAgreement(
        current,
        {
          state,
          operatorApprovalRequired,
          approvalReasons,
          sites,
          acceptedBy: decision === "accept" ? subject : current.acceptedBy,
          acceptedLineage: decision === "accept" ? lineageOf(ctx.principal) : current.acceptedLineage,
          decidedBy: decision === "approve" || decision === "reject" ? subject : current.decidedBy,
          revokedBy: decision === "revoke" ? subject : current.revokedBy,
          reason: decision === "decline" || decision === "reject" || decision === "revoke" ? (options.reason ?? null) : current.reason,
          action: `sharing.${decision}`,
        },
        actorOf(ctx),
        ctx.now.toISOString(),
      );
      if (!write) throw new NdcError("NDC_ERR_VERSION_CONFLICT", `agreement ${providerOrg}/${name} changed while this decision ran; read it again`);
      return write;
    });
    // Policies appear or go: the provisioner looks at once.
    this.options.work.announce();
    return updated;
  }

  /** One agreement, if the caller may see it. @throws NdcError 404 otherwise (the same as none) */
  async get(principal: Principal, providerOrg: string, name: string): Promise<AgreementRecord> {
    const a = await this.options.store.getAgreement(providerOrg, name);
    if (!a || !canSeeAgreement(principal, a)) throw notFound(providerOrg, name);
    return a;
  }

  /** What an agreement is at `now`, from its decisions, its validity, its two environments' phases and whether the sharing rules still hold for them. */
  async statusOf(a: AgreementRecord, now: Date, reader: StoreReader = this.options.store): Promise<AgreementStatus> {
    const [provider, consumer] = await Promise.all([
      reader.getEnvironment(a.providerOrg, a.offer.providerEnvironment),
      reader.getEnvironment(a.consumerOrg, a.offer.consumer.environment),
    ]);
    const rulesHold = !provider || !consumer || brokenSharingRules(a, partyOf(provider), partyOf(consumer), this.options.policy).length === 0;
    return agreementStatus(a, provider?.phase, consumer?.phase, now, rulesHold);
  }

  /** Reads both environments and asks the model (acceptance, approval); a broken rule is a 422 naming each field. */
  private async evaluate(tx: StoreTx, providerOrg: string, offer: SharingOffer, now: Date, step: string) {
    const [provider, consumer] = await Promise.all([
      tx.getEnvironment(providerOrg, offer.providerEnvironment),
      tx.getEnvironment(offer.consumer.org, offer.consumer.environment),
    ]);
    return refusedAs(providerOrg, offer, step, () =>
      evaluateSharingOffer(providerOrg, offer, provider && partyOf(provider), consumer && partyOf(consumer), now, this.options.policy),
    );
  }
}

/** The model's verdict, its refusal as a 422 naming each field and rule. */
function refusedAs<T>(providerOrg: string, offer: SharingOffer, step: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const rules = [...new Set(error.issues.map((i) => i.rule))].join(", ");
    throw new NdcError(
      "NDC_ERR_RULE",
      `the agreement ${providerOrg}/${offer.name} cannot be ${step} (${rules}); nothing was recorded`,
      error.issues.map((i) => ({ field: i.field, rule: i.rule, message: i.message, value: i.value })),
    );
  }
}

/** What the model needs of a stored environment. */
function partyOf(e: EnvironmentRecord): SharingParty {
  return {
    org: e.org,
    environment: e.name,
    phase: e.phase,
    dataClass: e.plan.dataClass,
    personalData: e.spec.personalData,
    securityLevel: e.spec.securityLevel,
    sites: e.plan.placements.map((p) => p.site),
  };
}

function actorOf(ctx: RequestContext) {
  return { subject: ctx.principal.subject, role: ctx.principal.roles[0] ?? null, requestId: ctx.requestId ?? null };
}

function notFound(providerOrg: string, name: string): NdcError {
  return new NdcError("NDC_ERR_NOT_FOUND", `no sharing agreement ${name} of organization ${providerOrg} is visible to you`, [], {
    denied: { org: providerOrg, target: `sharing-agreement ${providerOrg}/${name}`, reason: "agreement-visible" },
  });
}

/**
 * The decision belongs to the caller's party; the person who offered never accepts (same root
 * person), and an operator never approves what they offered or accepted (by person and by minter).
 */
function checkDecider(principal: Principal, a: AgreementRecord, decision: AgreementDecision): void {
  const allowed = AGREEMENT_DECIDERS[decision];
  const target = `sharing-agreement ${a.providerOrg}/${a.name}`;
  if (!partiesOf(principal, a).some((p) => allowed.includes(p))) {
    const who = allowed
      .map((p) => (p === "provider" ? `the provider ${a.providerOrg}` : p === "consumer" ? `the consumer ${a.consumerOrg}` : "an operator"))
      .join(" or ");
    const why = allowed.includes("operator") && a.approvalReasons.length ? ` (operator approval is needed for ${a.approvalReasons.join(" and ")})` : "";
    const rule = allowed.length === 1 && allowed[0] === "operator" ? "operator-approval" : "agreement-party";
    const message = `${decision} is taken by ${who}${why}; ${principal.subject} acts for ${principal.org ?? "the platform"} as ${principal.roles.join(", ")}`;
    throw new NdcError("NDC_ERR_FORBIDDEN", message, [{ field: "header.authorization", rule, message }], {
      denied: { org: a.providerOrg, target, reason: rule },
    });
  }
  if (decision === "accept") {
    // Two organizations consent, so two people: the person who offered for the provider (any token
    // of the same root person, e.g. an admin's requesters in both organizations) never also accepts
    // for the consumer. The installation admin's hand-outs are people of their own (lineage.ts), so
    // an offer it made is accepted by the consumer's people as usual.
    const acceptor = { subject: principal.subject, lineage: lineageOf(principal) };
    const shared = sharedPerson(acceptor, { subject: a.offeredBy, lineage: a.offeredLineage });
    if (shared === "same-subject" || shared === "same-root") {
      const message = "the consumer's acceptance must come from another person than the provider's offer (four-eyes rule)";
      throw new NdcError(
        "NDC_ERR_SELF_APPROVAL",
        `${principal.subject} acts for the same person as ${a.offeredBy}, who offered ${a.providerOrg}/${a.name}, and cannot also accept it for ${a.consumerOrg}; another person of ${a.consumerOrg} must`,
        [{ field: "acceptor", rule: "acceptor-not-offerer", message, value: principal.subject }],
        { denied: { org: a.providerOrg, target, reason: "acceptor-not-offerer" } },
      );
    }
  }
  if (decision === "approve" || decision === "reject") {
    // Compared by person, with who stands behind each (as for environments): the admin who minted the
    // offering token, or another token of the same root person, is the offerer.
    const involved = [
      { subject: a.offeredBy, lineage: a.offeredLineage },
      ...(a.acceptedBy === null ? [] : [{ subject: a.acceptedBy, lineage: a.acceptedLineage ?? ownLineage(a.acceptedBy) }]),
    ];
    const approver = { subject: principal.subject, lineage: lineageOf(principal) };
    if (involved.some((author) => sharedPerson(approver, author) !== undefined)) {
      throw new NdcError(
        "NDC_ERR_SELF_APPROVAL",
        `${principal.subject} offered or accepted ${a.providerOrg}/${a.name} (or minted a token of theirs, holds one they minted, or acts for the same person) and cannot also decide on it; an operator of another person must`,
        [
          {
            field: "approver",
            rule: "approver-not-party",
            message: "the approver must be neither the one who offered nor the one who accepted (four-eyes rule)",
            value: principal.subject,
          },
        ],
        { denied: { org: a.providerOrg, target, reason: "approver-not-party" } },
      );
    }
  }
}

function invalidDecision(a: AgreementRecord, decision: AgreementDecision): NdcError {
  const message =
    decision === "approve" && a.state === "Approved" && !a.operatorApprovalRequired
      ? `agreement ${a.providerOrg}/${a.name} needs no operator approval (neither its data class nor its level requires one) and is already approved`
      : `cannot ${decision} an agreement that is ${a.state}`;
  return new NdcError("NDC_ERR_INVALID_TRANSITION", message, [{ field: "state", rule: "agreement-state", message, value: a.state }]);
}
