import type { AgreementState, Commitment, EnvironmentPlan, EnvironmentSpec, SharingOffer } from "../../model/index.ts";
import type { AuditEntry, AuditRecord, AuditVerification } from "../audit/index.ts";
import type { Condition, Lineage, Phase } from "../domain/index.ts";

/**
 * The store's public interface: what the API, the workflow and the provisioner (issue 7) use.
 * See README.md in this folder for the provisioner's protocol (claim, report, complete).
 */

/** What admission decided, kept with the environment (the plan without what the record holds itself). */
export type StoredPlan = Omit<EnvironmentPlan, "environment" | "namespace">;

/** Per-site progress written by the provisioner. */
export interface SiteStatus {
  readonly site: string;
  readonly namespace: string;
  /** `Pending` until the provisioner reports; then e.g. `Applying`, `Ready`, `Failed`, `Removing`, `Removed`. */
  readonly phase: string;
  readonly message: string | null;
  readonly observedGeneration: number;
  readonly updatedAt: string;
  /** A site dropped from the environment: its namespace is deleted after this time. */
  readonly retainUntil?: string | null;
}

export interface EnvironmentRecord {
  readonly id: string;
  readonly org: string;
  readonly name: string;
  readonly namespace: string;
  readonly phase: Phase;
  /** Bumped on every change; the API's ETag and `If-Match`. */
  readonly version: number;
  /** Bumped when the desired state changes (spec, or a phase that needs work). */
  readonly generation: number;
  /** The generation the provisioner last finished. */
  readonly observedGeneration: number;
  readonly spec: EnvironmentSpec;
  readonly plan: StoredPlan;
  readonly conditions: readonly Condition[];
  readonly sites: readonly SiteStatus[];
  readonly requestedBy: string;
  /** Who stands behind the requester (root person, token minters): none of them may approve. */
  readonly requestedLineage: Lineage;
  /** Who last changed the spec (the requester until a PATCH); an approver must be neither. */
  readonly modifiedBy: string;
  readonly modifiedLineage: Lineage;
  /**
   * Everyone who wrote part of what waits for the next decision, since the last one (approve,
   * reject, a change approved or rejected, auto-approval): the requester of a request not yet
   * decided, every author of a change, whoever asked to decommission. Four eyes: none of them may
   * decide. Empty once decided (and for rows written before migration 9).
   */
  readonly authors: readonly Author[];
  /**
   * A change asked for after approval that needs an operator: `spec` and `plan` stay what was
   * approved (and what is built) until it is approved.
   */
  readonly pendingChange: PendingChange | null;
  readonly approvedBy: string | null;
  /** Why it was rejected or failed. */
  readonly reason: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Set on entering Retained: when the provisioner may delete it. */
  readonly retainUntil: string | null;
  /**
   * The phase it held before it began waiting for a decision that may say no (AwaitingDecommission):
   * rejecting returns it there. Null otherwise.
   */
  readonly resumePhase: Phase | null;
  /**
   * The phase whose work failed (Provisioning, Updating, Decommissioning, Restoring), kept while the
   * environment is Failed and while a decommission of it waits (AwaitingDecommission); null otherwise.
   * A failed decommission stays a decommission: a retry continues it and a change is refused.
   */
  readonly failedDuring: Phase | null;
  readonly leaseOwner: string | null;
  readonly leaseExpiresAt: string | null;
  readonly attempts: number;
}

/** A person who wrote something an operator decides on, as four eyes compares people. */
export interface Author {
  /** The caller's subject (an OIDC caller is `<issuer>#<sub>`). */
  readonly subject: string;
  readonly lineage: Lineage;
}

/** What one environment holds at one site (the model's commitment, keyed by the record); admission counts these. */
export type CommitmentRow = Commitment & { readonly environmentId: string };

export interface NewEnvironment {
  readonly org: string;
  readonly spec: EnvironmentSpec;
  readonly namespace: string;
  readonly plan: StoredPlan;
  readonly conditions: readonly Condition[];
  readonly requestedBy: string;
  /** @default the requester alone */
  readonly requestedLineage?: Lineage;
}

/**
 * A transition the workflow has worked out (`workflow/transitions.ts`), written as one row update:
 * the store persists these values and decides none of them.
 */
/** A requested spec, admitted, waiting for an operator's decision. */
export interface PendingChange {
  readonly spec: EnvironmentSpec;
  readonly plan: StoredPlan;
}

export interface TransitionWrite {
  readonly phase: Phase;
  readonly generation: number;
  readonly spec: EnvironmentSpec;
  readonly plan: StoredPlan;
  readonly conditions: readonly Condition[];
  readonly approvedBy: string | null;
  readonly reason: string | null;
  /** Who last changed the spec, and who stands behind them. */
  readonly modifiedBy: string;
  readonly modifiedLineage: Lineage;
  /** Who wrote what waits for the next decision, since the last one (`EnvironmentRecord.authors`). */
  readonly authors: readonly Author[];
  readonly pendingChange: PendingChange | null;
  readonly retainUntil: string | null;
  readonly resumePhase: Phase | null;
  readonly failedDuring: Phase | null;
  readonly observedGeneration: number;
  /** Release the lease as part of the transition (provisioner). */
  readonly releaseLease: boolean;
  /** Delete the environment's commitments (its capacity is free again). */
  readonly releaseCommitments: boolean;
  /** The audit action, e.g. `environment.approve`, and its detail. */
  readonly action: string;
  readonly detail: Record<string, unknown> | null;
}

/** Who causes a transition, for the audit record written with it. */
export interface Actor {
  readonly subject: string;
  readonly role?: string | null;
  readonly requestId?: string | null;
  /** Who stands behind the subject. @default the subject alone */
  readonly lineage?: Lineage;
}

export interface ListEnvironmentsQuery {
  readonly org: string;
  readonly phase?: Phase;
  readonly limit: number;
  /** Name of the last item of the previous page. */
  readonly after?: string;
}

/** Environments across organizations (an operator's approval queue). */
export interface ListAllEnvironmentsQuery {
  /** Only these organizations (the caller's visible set); all when omitted. */
  readonly orgs?: readonly string[];
  readonly phase?: Phase;
  /** Only what an operator must decide: a phase of DECISION_PHASES, or a pending change. */
  readonly awaitingDecision?: boolean;
  readonly limit: number;
  /** `[org, name]` of the last item of the previous page. */
  readonly after?: readonly [string, string];
}

/** How far a verification of the audit chain has got. */
export interface AuditVerifyProgress {
  /** Records checked so far. */
  readonly checked: number;
  /** Records the chain had when the walk started (the head's seq, or the row count without a head); more may be appended meanwhile. */
  readonly total: number;
}

export interface VerifyAuditOptions {
  /** Told after every page. */
  readonly onProgress?: (progress: AuditVerifyProgress) => void | Promise<void>;
  /** Records read per query. @default 1000 */
  readonly pageSize?: number;
}

export interface ListAuditQuery {
  readonly org?: string;
  /**
   * With `org`: records of these targets too, whatever their organization (the sharing agreements an
   * organization consumes are recorded under their provider).
   */
  readonly orTargets?: readonly string[];
  readonly action?: string;
  readonly actor?: string;
  readonly target?: string;
  readonly outcome?: "allowed" | "denied";
  readonly since?: string;
  readonly until?: string;
  /** Seq of the last item of the previous page. */
  readonly afterSeq?: number;
  readonly limit: number;
}

export interface TokenRecord {
  readonly id: string;
  readonly tokenHash: string;
  readonly subject: string;
  readonly role: string;
  readonly org: string | null;
  readonly createdBy: string;
  /** The root person and the minters above the subject (four eyes). */
  readonly lineage: Lineage;
  /** The id of the API token that minted this one (null: OIDC, the bootstrap token, or before migration 5). */
  readonly mintedWith: string | null;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
}

/** Which tokens `listTokens` returns, oldest first (by creation time, then id). */
export interface ListTokensQuery {
  /** Only tokens confined to this organization. */
  readonly org?: string;
  readonly subject?: string;
  /** Only tokens neither revoked nor expired at this time (ISO 8601); all of them when omitted. */
  readonly activeAt?: string;
  /** The last token of the previous page: `[createdAt, id]`. */
  readonly after?: readonly [string, string];
  readonly limit: number;
}

export interface IdempotencyRecord {
  readonly requestHash: string;
  readonly environmentId: string;
}

/** A data-sharing agreement as stored: the provider's offer, the decisions taken and where it applies. */
export interface AgreementRecord {
  readonly id: string;
  readonly providerOrg: string;
  readonly name: string;
  /** The NetworkPolicies are `ndc-share-<policyId>`; unique on the platform. */
  readonly policyId: string;
  readonly consumerOrg: string;
  readonly offer: SharingOffer;
  readonly state: AgreementState;
  readonly operatorApprovalRequired: boolean;
  readonly approvalReasons: readonly string[];
  /** Sites where it applies (those holding both environments when it was last checked). */
  readonly sites: readonly string[];
  /** Bumped on every decision; the ETag. */
  readonly version: number;
  readonly offeredBy: string;
  /** Who stands behind the offer's subject (four eyes: its minters may not approve). */
  readonly offeredLineage: Lineage;
  readonly acceptedBy: string | null;
  /** Who stands behind the acceptance's subject; null until accepted. */
  readonly acceptedLineage: Lineage | null;
  /** The operator who approved or rejected it. */
  readonly decidedBy: string | null;
  readonly revokedBy: string | null;
  /** Why it was declined, rejected or revoked. */
  readonly reason: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type NewAgreement = Omit<
  AgreementRecord,
  "id" | "version" | "acceptedBy" | "acceptedLineage" | "decidedBy" | "revokedBy" | "reason" | "createdAt" | "updatedAt"
>;

/** A decision the workflow worked out, written under optimistic concurrency with its audit record. */
export interface AgreementWrite {
  readonly state: AgreementState;
  readonly operatorApprovalRequired: boolean;
  readonly approvalReasons: readonly string[];
  readonly sites: readonly string[];
  readonly acceptedBy: string | null;
  readonly acceptedLineage: Lineage | null;
  readonly decidedBy: string | null;
  readonly revokedBy: string | null;
  readonly reason: string | null;
  /** e.g. `sharing.accept` */
  readonly action: string;
}

export interface ListAgreementsQuery {
  /** Agreements this organization provides or consumes; all when omitted. */
  readonly org?: string;
  readonly states?: readonly AgreementState[];
  readonly limit: number;
  /** `[providerOrg, name]` of the last item of the previous page. */
  readonly after?: readonly [string, string];
}

/** Reads available inside and outside a transaction. */
export interface StoreReader {
  getEnvironment(org: string, name: string): Promise<EnvironmentRecord | undefined>;
  getEnvironmentById(id: string): Promise<EnvironmentRecord | undefined>;
  listEnvironments(query: ListEnvironmentsQuery): Promise<EnvironmentRecord[]>;
  /** Ordered by organization and name; without `phase`, rejected and deleted ones are left out. */
  listAllEnvironments(query: ListAllEnvironmentsQuery): Promise<EnvironmentRecord[]>;
  /** The environment that holds a namespace (neither rejected nor deleted), if any. */
  namespaceHolder(namespace: string): Promise<{ readonly org: string; readonly name: string } | undefined>;
  /** Environments of an organization that hold a name and count against its limit. */
  countLiveEnvironments(org: string): Promise<number>;
  /** Environments per phase (all organizations; for metrics). */
  countByPhase(): Promise<Partial<Record<Phase, number>>>;
  /** Environments by organization and phase (for metrics; rejected and deleted ones too). */
  countByOrgPhase(): Promise<{ readonly org: string; readonly phase: string; readonly count: number }[]>;
  /** Environments that hold something, by site and that site's phase (for metrics). */
  countBySitePhase(): Promise<{ readonly site: string; readonly phase: string; readonly count: number }[]>;
  /** What is committed at the given sites (all sites when omitted). */
  commitments(sites?: readonly string[]): Promise<CommitmentRow[]>;
  findToken(tokenHash: string): Promise<TokenRecord | undefined>;
  listTokens(query: ListTokensQuery): Promise<TokenRecord[]>;
  getIdempotencyKey(principal: string, org: string, key: string): Promise<IdempotencyRecord | undefined>;
  listAudit(query: ListAuditQuery): Promise<AuditRecord[]>;
  /** Allowed audit records of these actions, oldest first, of these organizations (all when omitted): a report's history. */
  listAuditByActions(actions: readonly string[], orgs?: readonly string[]): Promise<AuditRecord[]>;
  countAudit(): Promise<number>;
  getAgreement(providerOrg: string, name: string): Promise<AgreementRecord | undefined>;
  /** The agreement whose NetworkPolicies are `ndc-share-<policyId>`. */
  getAgreementByPolicyId(policyId: string): Promise<AgreementRecord | undefined>;
  /** Ordered by provider organization and name. */
  listAgreements(query: ListAgreementsQuery): Promise<AgreementRecord[]>;
}

/** Writes: only inside `Store.transaction`, so they commit or roll back together. */
export interface StoreTx extends StoreReader {
  /** Inserts an environment in phase Submitted (version 1) with its commitments and per-site rows, and audits it. */
  insertEnvironment(env: NewEnvironment, actor: Actor, now: string): Promise<EnvironmentRecord>;
  /**
   * Writes a transition the workflow worked out, if the environment is still at `current.version`
   * (optimistic concurrency): bumps the version, writes `change`, releases commitments when asked and
   * appends the audit record (before: `current`). Returns undefined when the version moved on
   * (someone else won): nothing is written.
   */
  writeTransition(current: EnvironmentRecord, change: TransitionWrite, actor: Actor, now: string): Promise<EnvironmentRecord | undefined>;
  /** Replaces what an environment holds (after a resize) and its per-site rows. */
  replaceCommitments(id: string, commitments: readonly Omit<CommitmentRow, "environmentId">[], namespace: string, now: string): Promise<void>;
  /** Provisioner: a dropped site's namespace is gone: forget the site and release what it held there. */
  releaseSite(id: string, site: string): Promise<void>;
  /** Provisioner: writes one site's progress (no version bump; status is not desired state). */
  setSiteStatus(id: string, status: Omit<SiteStatus, "updatedAt">, now: string): Promise<void>;
  /** Provisioner: replaces conditions without a transition (no version bump). */
  setConditions(id: string, conditions: readonly Condition[], now: string): Promise<void>;
  putIdempotencyKey(principal: string, org: string, key: string, record: IdempotencyRecord, now: string): Promise<void>;
  insertToken(token: TokenRecord): Promise<void>;
  /**
   * Marks a token revoked, and every token minted with it, down the line (a stolen token cannot
   * leave a fresh one behind); returns it and the ids revoked with it, or undefined when there is no such token.
   */
  revokeToken(id: string, now: string): Promise<{ token: TokenRecord; cascaded: string[] } | undefined>;
  /** Appends to the hash chain (serialized by a lock held to commit). */
  appendAudit(entry: AuditEntry, now: string): Promise<AuditRecord>;
  /** Inserts an agreement (version 1) and audits the offer. */
  insertAgreement(agreement: NewAgreement, actor: Actor, now: string): Promise<AgreementRecord>;
  /** Writes a decision if the agreement is still at `current.version`, with its audit record; undefined when it moved on. */
  writeAgreement(current: AgreementRecord, change: AgreementWrite, actor: Actor, now: string): Promise<AgreementRecord | undefined>;
}

/** A unit of work the provisioner claimed: the environment, leased to `owner` until `leaseExpiresAt`. */
export interface WorkItem {
  readonly environment: EnvironmentRecord;
  readonly owner: string;
  readonly leaseExpiresAt: string;
}

export interface ClaimOptions {
  /** How long the claim lasts unless renewed. @default 60000 */
  readonly leaseMs?: number;
  readonly now?: Date;
}

export interface Store extends StoreReader {
  readonly backend: "sqlite" | "postgres";
  /** Applies pending migrations; returns the versions applied. */
  migrate(): Promise<number[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * One transaction holding the named locks (`site:<id>`, `org:<slug>`, …), taken in sorted order.
   * Admission runs its capacity check and insert inside one, so it is race-free. Inside `fn` use
   * only `tx`: a call on the store itself would wait for this transaction (SQLite's single
   * connection, or a PostgreSQL pool that is exhausted) and never return.
   */
  transaction<T>(locks: readonly string[], fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /** Appends one audit record in its own transaction (denied attempts). */
  appendAudit(entry: AuditEntry): Promise<AuditRecord>;
  /**
   * Walks the chain page by page (constant memory: one page of records at a time); `anchor` is a
   * signed checkpoint kept outside the database, whose record must still be there with its hash.
   * `onProgress` is awaited once before the first page (checked 0: the total) and after every page
   * (so a slow reader of the progress slows the walk rather than piling pages up in memory).
   */
  verifyAudit(anchor?: { seq: number; hash: string }, options?: VerifyAuditOptions): Promise<AuditVerification>;
  /** The chain's head as the database records it. */
  auditHead(): Promise<{ seq: number; hash: string } | undefined>;
  /** The hash of record `seq`, or undefined when there is none. */
  auditHashAt(seq: number): Promise<string | undefined>;
  /**
   * Provisioner: atomically claims the oldest environment that needs work — phase Approved,
   * Provisioning, Updating or Decommissioning, or Retained past its deadline — whose lease is free
   * and whose backoff has passed. PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: the write lock.
   */
  claimWork(owner: string, options?: ClaimOptions): Promise<WorkItem | undefined>;
  /** Extends a lease still held by `owner`; false when it was lost. */
  renewLease(id: string, owner: string, leaseMs: number, now?: Date): Promise<boolean>;
  /** Gives the work back without a transition, retrying no earlier than `retryAt` (backoff). */
  releaseWork(id: string, owner: string, retryAt?: Date): Promise<void>;
}
