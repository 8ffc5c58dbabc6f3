import { createHash } from "node:crypto";
import {
  admitEnvironment,
  commitmentsOf,
  downgradeReasons,
  landingNamespaceName,
  namespaceName,
  POLICY,
  ValidationError,
  type EnvironmentPlan,
  type EnvironmentSpec,
  type Platform,
  type Policy,
  type Protections,
} from "../../model/index.ts";
import { canonicalJson } from "../audit/index.ts";
import { isGone, NdcError, needsWork } from "../domain/index.ts";
import { lineageOf, type Principal } from "../auth/index.ts";
import { sharedPerson, type Lineage } from "../domain/index.ts";
import type { Actor, CommitmentRow, EnvironmentRecord, PendingChange, Store, StoredPlan, StoreTx } from "../store/index.ts";
import { autoApprovalDecision } from "./auto-approval.ts";
import { setCondition } from "./conditions.ts";
import { nextPhase, TransitionError, type LifecycleEvent } from "./lifecycle.ts";
import { applySpecPatch, type EnvironmentPatch } from "./spec-patch.ts";
import { applyTransition, type TransitionChanges } from "./transitions.ts";
import { WorkAnnouncer } from "./work-announcer.ts";

/** Who asks, and when: every workflow call gets one. */
export interface RequestContext {
  readonly principal: Principal;
  readonly requestId?: string;
  readonly now: Date;
}

export interface EnvironmentRequestsOptions {
  readonly store: Store;
  readonly platform: Platform;
  /** @default POLICY */
  readonly policy?: Policy;
}

/**
 * The use cases of the request lifecycle: submit, change, decommission, approve, reject. Each runs
 * admission and the state change in one store transaction (capacity counted from what is
 * committed, under a lock per organization and site), and every transition is audited by the store.
 * Authorization is the caller's job (the API plugin); this enforces the workflow's own rules.
 */
export class EnvironmentRequests {
  private readonly store: Store;
  private readonly platform: Platform;
  private readonly policy: Policy;
  /** Namespaces the site stacks own: static environments and organization landing namespaces. */
  readonly reservedNamespaces: ReadonlySet<string>;
  /** Announces committed changes that queued work for the provisioner (it subscribes). */
  readonly work = new WorkAnnouncer();

  constructor(options: EnvironmentRequestsOptions) {
    this.store = options.store;
    this.platform = options.platform;
    this.policy = options.policy ?? POLICY;
    this.reservedNamespaces = new Set([
      ...options.platform.staticEnvironments.map((e) => namespaceName(e.org, e.name)),
      ...[...options.platform.organizations.keys()].map((org) => landingNamespaceName(org)),
    ]);
  }

  /** The environment (the live one, else the latest rejected or deleted request of that name), or 404. */
  async get(org: string, name: string): Promise<EnvironmentRecord> {
    const env = await this.store.getEnvironment(org, name);
    if (!env) throw notFound(org, name);
    return env;
  }

  /**
   * Admits and records a request. With an `Idempotency-Key`, a repeat of the same request returns
   * the environment it created (`created: false`); the same key with another body is refused.
   * @throws NdcError NDC_ERR_ADMISSION (rules), NDC_ERR_ENVIRONMENT_EXISTS, NDC_ERR_IDEMPOTENCY_KEY_REUSED, NDC_ERR_NOT_FOUND
   */
  async submit(
    ctx: RequestContext,
    org: string,
    spec: EnvironmentSpec,
    idempotencyKey?: string,
  ): Promise<{ environment: EnvironmentRecord; created: boolean }> {
    if (!this.platform.organizations.has(org)) throw notFound(org);
    const requestHash = createHash("sha256").update(canonicalJson({ org, spec })).digest("hex");
    const now = ctx.now.toISOString();
    // The namespace too: two organizations' names can make one namespace (see admit).
    const locks = [...locksFor(org, spec.sites), `namespace:${namespaceName(org, spec.name)}`];
    const result = await this.store.transaction(locks, async (tx) => {
      if (idempotencyKey !== undefined) {
        const seen = await tx.getIdempotencyKey(ctx.principal.subject, org, idempotencyKey);
        if (seen) {
          if (seen.requestHash !== requestHash) {
            throw new NdcError(
              "NDC_ERR_IDEMPOTENCY_KEY_REUSED",
              `Idempotency-Key "${idempotencyKey}" was already used by ${ctx.principal.subject} for a different request; send a new key for a new request`,
              [{ field: "header.idempotency-key", rule: "idempotency-key-reuse", message: "was used with another body; use a new key", value: idempotencyKey }],
            );
          }
          const environment = await tx.getEnvironmentById(seen.environmentId);
          if (environment) return { environment, created: false };
        }
      }
      const existing = await tx.getEnvironment(org, spec.name);
      if (existing && !isGone(existing.phase)) {
        throw new NdcError(
          "NDC_ERR_ENVIRONMENT_EXISTS",
          `${org} already has an environment named ${spec.name} (phase ${existing.phase}); choose another name or change it with PATCH`,
          [{ field: "name", rule: "name-unique", message: `environment ${org}/${spec.name} exists; choose another name`, value: spec.name }],
        );
      }
      const plan = await this.admit(tx, org, spec, ctx.now);
      const actor = actorOf(ctx);
      const conditions = setCondition(
        [],
        { type: "Admitted", status: "True", reason: "Admitted", message: `admitted under policy ${plan.policyVersion}` },
        now,
      );
      const submitted = await tx.insertEnvironment(
        {
          org,
          spec,
          namespace: plan.namespace,
          plan: storedPlan(plan),
          conditions,
          requestedBy: ctx.principal.subject,
          requestedLineage: lineageOf(ctx.principal),
        },
        actor,
        now,
      );
      const decision = autoApprovalDecision(plan, this.policy);
      const event: LifecycleEvent = decision.approve ? "auto-approve" : "require-approval";
      const environment = await applyTransition(
        tx,
        submitted.id,
        submitted.version,
        event,
        decision.approve ? { ...actor, subject: "policy:auto-approval", role: null } : actor,
        now,
        {
          ...(decision.approve ? { approvedBy: "policy:auto-approval" } : { reason: `needs approval: ${decision.reasons.join("; ")}` }),
        },
      );
      if (idempotencyKey !== undefined)
        await tx.putIdempotencyKey(ctx.principal.subject, org, idempotencyKey, { requestHash, environmentId: submitted.id }, now);
      return { environment: environment!, created: true };
    });
    this.announceIfWork(result.environment, ctx.now);
    return result;
  }

  /**
   * Changes a request or a built environment (resize): the merged spec is admitted again, counting
   * what everyone else holds, and replaces this environment's commitments.
   * @throws NdcError NDC_ERR_PRECONDITION_FAILED when `ifMatch` is stale, NDC_ERR_INVALID_TRANSITION, NDC_ERR_ADMISSION
   */
  async update(ctx: RequestContext, org: string, name: string, patch: EnvironmentPatch, ifMatch: number): Promise<EnvironmentRecord> {
    const current = await this.get(org, name);
    // A second change while one waits builds on the one that waits.
    const spec = applySpecPatch(current.pendingChange?.spec ?? current.spec, patch);
    const now = ctx.now.toISOString();
    const updated = await this.store.transaction(locksFor(org, [...current.spec.sites, ...spec.sites]), async (tx) => {
      const env = await tx.getEnvironmentById(current.id);
      if (!env) throw notFound(org, name);
      checkVersion(env, ifMatch);
      checkAllowed(env, "update");
      checkNotFailedDecommission(env);
      const plan = await this.admit(tx, org, spec, ctx.now);
      // Not yet approved: the request itself changes and still waits for its decision.
      if (env.phase === "AwaitingApproval") {
        const next = await applyTransition(tx, env.id, env.version, "update", actorOf(ctx), now, { spec, plan: storedPlan(plan) });
        if (!next) throw versionConflict(env);
        await tx.replaceCommitments(env.id, commitmentsOf(plan), plan.namespace, now);
        return (await tx.getEnvironmentById(env.id))!;
      }
      // Approved before: the change is decided like a new request, by policy or by an operator —
      // and one that lowers what an operator approved (stage, level, class) always by an operator.
      const asNew = autoApprovalDecision(plan, this.policy);
      const lowered = downgradeReasons(
        protectionsOf(env.spec, env.plan),
        protectionsOf(spec, plan),
        !autoApprovalDecision(livePlan(env), this.policy).approve,
        this.policy,
      );
      const decision = { approve: asNew.approve && lowered.length === 0, reasons: [...asNew.reasons, ...lowered] };
      if (decision.approve) {
        const next = await applyTransition(tx, env.id, env.version, "update", actorOf(ctx), now, {
          spec,
          plan: storedPlan(plan),
          pendingChange: null,
          approvedBy: "policy:auto-approval",
        });
        if (!next) throw versionConflict(env);
        await tx.replaceCommitments(env.id, commitmentsOf(plan), plan.namespace, now);
        return (await tx.getEnvironmentById(env.id))!;
      }
      const pendingChange = { spec, plan: storedPlan(plan) };
      const next = await applyTransition(tx, env.id, env.version, "request-change", actorOf(ctx), now, {
        pendingChange,
        reason: `change needs approval: ${decision.reasons.join("; ")}`,
      });
      if (!next) throw versionConflict(env);
      // Until it is decided both the built spec and the asked-for one may be in use: hold the larger.
      await tx.replaceCommitments(env.id, heldWhilePending(env, pendingChange), env.namespace, now);
      return (await tx.getEnvironmentById(env.id))!;
    });
    this.announceIfWork(updated, ctx.now);
    return updated;
  }

  /**
   * Asks for an environment to be decommissioned; a request not yet approved is withdrawn at once.
   * A prod or core environment (policy `decommissionApproval`) needs `If-Match` and then waits in
   * AwaitingDecommission, still running, for an operator.
   * @throws NdcError NDC_ERR_PRECONDITION_REQUIRED (428) for a prod or core environment without If-Match
   */
  async decommission(ctx: RequestContext, org: string, name: string, ifMatch?: number): Promise<EnvironmentRecord> {
    const env = await this.get(org, name);
    const rule = this.policy.decommissionApproval;
    // The strictest of the live spec and a change waiting beside it: a pending move to prod is guarded too.
    const specs = [{ spec: env.spec, plan: env.plan }, ...(env.pendingChange ? [env.pendingChange] : [])];
    const strict = specs.find((s) => rule.stages.includes(s.spec.stage) || rule.dataClasses.includes(s.plan.dataClass));
    const guarded = env.phase !== "AwaitingApproval" && strict !== undefined;
    if (guarded && ifMatch === undefined) {
      const message = `must name the version you reviewed, e.g. If-Match: "${env.version}": decommissioning a ${strict!.spec.stage} environment with ${strict!.plan.dataClass} data needs it`;
      throw new NdcError("NDC_ERR_PRECONDITION_REQUIRED", `environment ${org}/${name}: ${message}`, [
        { field: "header.if-match", rule: "decommission-version-required", message, value: null },
      ]);
    }
    if (ifMatch !== undefined) checkVersion(env, ifMatch);
    if (guarded && env.phase !== "Decommissioning") {
      return this.move(ctx, env, "request-decommission", {
        modifiedBy: ctx.principal.subject,
        modifiedLineage: lineageOf(ctx.principal),
        reason: `decommission needs an operator: stage ${strict!.spec.stage}, ${strict!.plan.dataClass} data${strict!.spec === env.spec ? "" : " (the change waiting for approval)"} (policy decommissionApproval)`,
      });
    }
    const event: LifecycleEvent = env.phase === "AwaitingApproval" ? "withdraw" : "decommission";
    return this.move(ctx, env, event, ...dropPendingChange(env));
  }

  /**
   * Approves the version `ifMatch` of a request (the one the operator reviewed). The approver is never the requester.
   * @throws NdcError NDC_ERR_SELF_APPROVAL (403), NDC_ERR_INVALID_TRANSITION or NDC_ERR_VERSION_CONFLICT (409) when someone else decided first
   */
  async approve(ctx: RequestContext, org: string, name: string, ifMatch: number, comment?: string): Promise<EnvironmentRecord> {
    const env = await this.get(org, name);
    checkNotRequester(ctx, env);
    checkVersion(env, ifMatch);
    if (env.phase === "AwaitingDecommission") {
      const conditions = setCondition(
        setCondition(
          env.conditions,
          {
            type: "Decommissioned",
            status: "False",
            reason: "Approved",
            message: `decommission approved by ${ctx.principal.subject}; workloads are being stopped`,
          },
          ctx.now.toISOString(),
        ),
        { type: "Ready", status: "False", reason: "Decommissioning", message: "the environment is being frozen" },
        ctx.now.toISOString(),
      );
      // Decommissioned as built: a change still waiting is moot (and its extra capacity released).
      const [changes, held] = dropPendingChange(env);
      return this.move(ctx, env, "approve", { ...changes, reason: comment ?? null, conditions }, held);
    }
    if (env.phase !== "AwaitingApproval" && env.pendingChange) return this.approveChange(ctx, env, ifMatch, comment);
    // The "needs approval" reason no longer applies; an approver's comment takes its place.
    return this.move(ctx, env, "approve", { approvedBy: ctx.principal.subject, reason: comment ?? null });
  }

  /**
   * Approves a change waiting beside a built environment. The changed spec is admitted again first,
   * as the PATCH that asked for it was — against today's capacity, policy, sites and catalog, in one
   * transaction holding the sites' locks — so a change admitted under an older stack or policy is
   * never applied without passing what a new one would; the plan applied is the one admitted now.
   * @throws NdcError NDC_ERR_ADMISSION (422) naming each field and rule, the change still waiting and nothing changed
   */
  private async approveChange(ctx: RequestContext, current: EnvironmentRecord, ifMatch: number, comment?: string): Promise<EnvironmentRecord> {
    const { org, name } = current;
    const spec = current.pendingChange!.spec;
    checkAllowed(current, "approve-change");
    const now = ctx.now.toISOString();
    let approved: EnvironmentRecord;
    try {
      approved = await this.store.transaction(locksFor(org, [...current.spec.sites, ...spec.sites]), async (tx) => {
        const env = await tx.getEnvironmentById(current.id);
        if (!env) throw notFound(org, name);
        checkVersion(env, ifMatch);
        checkAllowed(env, "approve-change");
        if (!env.pendingChange) throw invalidTransition(env, "approve-change");
        const plan = storedPlan(await this.admit(tx, org, env.pendingChange.spec, ctx.now, "change-approved"));
        const next = await applyTransition(tx, env.id, env.version, "approve-change", actorOf(ctx), now, {
          spec: env.pendingChange.spec,
          plan,
          pendingChange: null,
          approvedBy: ctx.principal.subject,
          modifiedBy: env.modifiedBy,
          modifiedLineage: env.modifiedLineage,
          reason: comment ?? null,
        });
        if (!next) throw versionConflict(env);
        await tx.replaceCommitments(env.id, commitmentsOfStored(env, { spec: env.pendingChange.spec, plan }), env.namespace, now);
        return (await tx.getEnvironmentById(env.id))!;
      });
    } catch (error) {
      if (error instanceof TransitionError) throw invalidTransition(current, "approve-change");
      throw error;
    }
    this.announceIfWork(approved, ctx.now);
    return approved;
  }

  /** Rejects a request, with the reason the requester will read; its capacity is released. */
  async reject(ctx: RequestContext, org: string, name: string, reason: string, ifMatch: number): Promise<EnvironmentRecord> {
    const env = await this.get(org, name);
    checkNotRequester(ctx, env);
    checkVersion(env, ifMatch);
    if (env.phase === "AwaitingDecommission") {
      const conditions = setCondition(
        env.conditions,
        { type: "Decommissioned", status: "False", reason: "Rejected", message: `decommission rejected by ${ctx.principal.subject}: ${reason}` },
        ctx.now.toISOString(),
      );
      return this.move(ctx, env, "reject", { reason, conditions });
    }
    if (env.phase !== "AwaitingApproval" && env.pendingChange) {
      return this.move(
        ctx,
        env,
        "reject-change",
        { pendingChange: null, modifiedBy: env.modifiedBy, modifiedLineage: env.modifiedLineage, reason },
        commitmentsOfStored(env, { spec: env.spec, plan: env.plan }),
      );
    }
    return this.move(ctx, env, "reject", { reason });
  }

  /** Wakes the provisioner after a committed change that left the environment needing work. */
  private announceIfWork(env: EnvironmentRecord, now: Date): void {
    if (needsWork(env, now)) this.work.announce();
  }

  /**
   * Brings a Retained environment back (operator) before its retention ends: access, network and
   * the workloads' replica counts as they were. Its spec is admitted again like a new request —
   * against today's capacity, policy, sites and organization catalog — and holds the new plan; where
   * the policy would not approve it on its own, the restoring operator is its approver, so four eyes
   * apply (neither the requester nor the last modifier).
   * @throws NdcError NDC_ERR_INVALID_TRANSITION when it is not Retained or its retention has ended;
   *   NDC_ERR_ADMISSION (422) when the spec is no longer admitted; NDC_ERR_SELF_APPROVAL (403)
   */
  async restore(ctx: RequestContext, org: string, name: string, ifMatch: number): Promise<EnvironmentRecord> {
    const current = await this.get(org, name);
    checkVersion(current, ifMatch);
    const now = ctx.now.toISOString();
    const restored = await this.store.transaction(locksFor(org, current.spec.sites), async (tx) => {
      const env = await tx.getEnvironmentById(current.id);
      if (!env) throw notFound(org, name);
      checkVersion(env, ifMatch);
      checkAllowed(env, "restore");
      if (env.retainUntil !== null && Date.parse(env.retainUntil) <= ctx.now.getTime()) {
        const message = `the retention of ${org}/${name} ended at ${env.retainUntil}; it is being deleted and cannot be restored`;
        throw new NdcError("NDC_ERR_INVALID_TRANSITION", message, [{ field: "phase", rule: "retention-running", message, value: env.phase }]);
      }
      const plan = await this.admit(tx, org, env.spec, ctx.now, "restored");
      const decision = autoApprovalDecision(plan, this.policy);
      if (!decision.approve) checkNotRequester(ctx, env);
      // Where policy needs an operator, this operator approved it again; otherwise the approval stands.
      const next = await applyTransition(tx, env.id, env.version, "restore", actorOf(ctx), now, {
        plan: storedPlan(plan),
        reason: null,
        ...(decision.approve ? {} : { approvedBy: ctx.principal.subject }),
      });
      if (!next) throw versionConflict(env);
      await tx.replaceCommitments(env.id, commitmentsOf(plan), plan.namespace, now);
      return (await tx.getEnvironmentById(env.id))!;
    });
    this.announceIfWork(restored, ctx.now);
    return restored;
  }

  /**
   * Builds a Failed environment's approved spec again (operator), once the cause is fixed: it goes
   * to Updating with a new generation, and the retry is audited as environment.retry. A failed
   * decommission is continued instead (Decommissioning, audited as environment.retry-decommission):
   * what was being frozen is never built back into a live environment.
   * @throws NdcError NDC_ERR_INVALID_TRANSITION (409) when it is not Failed; NDC_ERR_VERSION_CONFLICT when `ifMatch` is stale
   */
  async retry(ctx: RequestContext, org: string, name: string, ifMatch?: number): Promise<EnvironmentRecord> {
    const env = await this.get(org, name);
    if (ifMatch !== undefined) checkVersion(env, ifMatch);
    const event: LifecycleEvent = failedDecommission(env) ? "retry-decommission" : "retry";
    return this.move(ctx, env, event, { reason: `retried by ${ctx.principal.subject} after: ${env.reason ?? "no reason recorded"}` });
  }

  /**
   * Moves `env` by `event` if it is still at the version read, with `held` (when given) as what it
   * holds afterwards, in one transaction. A phase that does not allow the event is 409
   * invalid-transition, a version that moved meanwhile 409 version-conflict: never a 500.
   */
  private async move(
    ctx: RequestContext,
    env: EnvironmentRecord,
    event: LifecycleEvent,
    changes: TransitionChanges,
    held?: Omit<CommitmentRow, "environmentId">[],
  ): Promise<EnvironmentRecord> {
    checkAllowed(env, event);
    const now = ctx.now.toISOString();
    let next: EnvironmentRecord | undefined;
    try {
      next = await this.store.transaction([`environment:${env.id}`], async (tx) => {
        const moved = await applyTransition(tx, env.id, env.version, event, actorOf(ctx), now, changes);
        if (!moved || !held) return moved;
        await tx.replaceCommitments(env.id, held, env.namespace, now);
        return (await tx.getEnvironmentById(env.id))!;
      });
    } catch (error) {
      if (error instanceof TransitionError) throw invalidTransition(env, event);
      throw error;
    }
    if (next) {
      this.announceIfWork(next, ctx.now);
      return next;
    }
    // Lost a race: say what happened instead.
    const latest = await this.store.getEnvironmentById(env.id);
    if (latest && nextPhase(latest.phase, event) === undefined) throw invalidTransition(latest, event);
    throw versionConflict(latest ?? env);
  }

  private async admit(
    tx: StoreTx,
    org: string,
    spec: EnvironmentSpec,
    now: Date,
    outcome: "admitted" | "restored" | "change-approved" = "admitted",
  ): Promise<EnvironmentPlan> {
    const committed = await tx.commitments(spec.sites);
    const existing = await tx.getEnvironment(org, spec.name);
    const live = await tx.countLiveEnvironments(org);
    const ownLive = existing && !isGone(existing.phase) ? 1 : 0;
    // `<org>-<name>` is not one-to-one across organizations: the namespace must be free of others.
    const namespace = namespaceName(org, spec.name);
    const holder = await tx.namespaceHolder(namespace);
    const taken = holder && (holder.org !== org || holder.name !== spec.name) ? new Set([namespace]) : undefined;
    try {
      return admitEnvironment({ org, spec }, this.platform, {
        committed,
        existingEnvironmentCount: live - ownLive,
        reservedNamespaces: this.reservedNamespaces,
        ...(taken ? { takenNamespaces: taken } : {}),
        policy: this.policy,
        now,
      });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const rules = [...new Set(error.issues.map((i) => i.rule))].join(", ");
      throw new NdcError(
        "NDC_ERR_ADMISSION",
        outcome === "admitted"
          ? `environment ${org}/${spec.name} was not admitted (${rules}); nothing was recorded`
          : outcome === "restored"
            ? `environment ${org}/${spec.name} cannot be restored: its spec is not admitted today (${rules}), as a new request would not be; it stays Retained and nothing changed`
            : `the change to environment ${org}/${spec.name} cannot be approved: it is not admitted today (${rules}), as the same change asked now would not be; it still waits and nothing changed`,
        error.issues.map((i) => ({ field: i.field, rule: i.rule, message: i.message, value: i.value })),
      );
    }
  }
}

/** The protections of a spec as admitted (the effective data class is the plan's). */
function protectionsOf(spec: EnvironmentSpec, plan: StoredPlan): Protections {
  return { stage: spec.stage, securityLevel: spec.securityLevel, dataClass: plan.dataClass };
}

/** The live spec's plan as admission returned it, to ask auto-approval whether it needed an operator. */
function livePlan(env: EnvironmentRecord): EnvironmentPlan {
  return { ...env.plan, environment: { org: env.org, spec: env.spec }, namespace: env.namespace };
}

/**
 * The changes and commitments that drop a change waiting beside the built spec (on decommission):
 * nothing to add when there is none.
 */
function dropPendingChange(env: EnvironmentRecord): [TransitionChanges, Omit<CommitmentRow, "environmentId">[] | undefined] {
  if (!env.pendingChange) return [{}, undefined];
  return [
    { pendingChange: null, modifiedBy: env.modifiedBy, modifiedLineage: env.modifiedLineage },
    commitmentsOfStored(env, { spec: env.spec, plan: env.plan }),
  ];
}

/** What an environment holds at each site for one of its specs (the stored plan with the record's names). */
function commitmentsOfStored(env: EnvironmentRecord, change: PendingChange): Omit<CommitmentRow, "environmentId">[] {
  return change.plan.placements.map((p) => ({ org: env.org, environment: env.name, site: p.site, zone: p.zone, pool: p.pool, amounts: change.plan.amounts }));
}

/**
 * While a change waits, the environment may use what it has built or, once approved, what it asked
 * for: at each site of either, the larger of the two amounts (where it asked for it, if it did).
 */
export function heldWhilePending(env: EnvironmentRecord, change: PendingChange): Omit<CommitmentRow, "environmentId">[] {
  const built = new Map(commitmentsOfStored(env, { spec: env.spec, plan: env.plan }).map((c) => [c.site, c]));
  const asked = new Map(commitmentsOfStored(env, change).map((c) => [c.site, c]));
  return [...new Set([...built.keys(), ...asked.keys()])].sort().map((site) => {
    const a = built.get(site);
    const b = asked.get(site);
    if (!a || !b) return (a ?? b)!;
    const storage: Record<string, number> = { ...a.amounts.storageBytes };
    for (const [tier, bytes] of Object.entries(b.amounts.storageBytes)) storage[tier] = Math.max(storage[tier] ?? 0, bytes);
    return {
      ...b,
      amounts: {
        cpuMillis: Math.max(a.amounts.cpuMillis, b.amounts.cpuMillis),
        memoryBytes: Math.max(a.amounts.memoryBytes, b.amounts.memoryBytes),
        gpu: Math.max(a.amounts.gpu, b.amounts.gpu),
        storageBytes: storage,
      },
    };
  });
}

/** Locks that serialize admissions competing for one organization's limits or one site's capacity. */
export function locksFor(org: string, sites: readonly string[]): string[] {
  return [`org:${org}`, ...new Set(sites.map((s) => `site:${s}`))];
}

function storedPlan(plan: EnvironmentPlan): StoredPlan {
  return {
    dataClass: plan.dataClass,
    minimumLevel: plan.minimumLevel,
    placements: plan.placements,
    amounts: plan.amounts,
    complianceExceptions: plan.complianceExceptions,
    policyVersion: plan.policyVersion,
  };
}

function actorOf(ctx: RequestContext): Actor {
  return { subject: ctx.principal.subject, role: ctx.principal.roles.join(","), requestId: ctx.requestId ?? null, lineage: lineageOf(ctx.principal) };
}

function notFound(org: string, name?: string): NdcError {
  return new NdcError(
    "NDC_ERR_NOT_FOUND",
    name ? `no environment ${name} in organization ${org} is visible to you` : `no organization ${org} is visible to you`,
  );
}

function checkVersion(env: EnvironmentRecord, ifMatch: number): void {
  if (env.version !== ifMatch) {
    throw new NdcError(
      "NDC_ERR_PRECONDITION_FAILED",
      `environment ${env.org}/${env.name} is at version ${env.version}, not ${ifMatch}; GET it again and retry with If-Match: "${env.version}"`,
      [{ field: "header.if-match", rule: "version-match", message: `must be the current version ${env.version}`, value: ifMatch }],
    );
  }
}

function checkAllowed(env: EnvironmentRecord, event: LifecycleEvent): void {
  if (nextPhase(env.phase, event) === undefined) throw invalidTransition(env, event);
}

/**
 * Four eyes, by person: the one who decides is neither the requester, nor the last one to change
 * the spec, nor anyone else who wrote part of what waits for this decision since the last one
 * (`authors`: every author of a change, whoever asked for the decommission) — so an approver cannot
 * slip a change of their own under someone else's later edit. Nor does the approver hold a token in
 * such an author's line of minters, nor did an author mint the approver's own token, nor is the
 * approver under the same root person (`domain/lineage.ts`): a chain of minted tokens is one person.
 * Subjects are identities: API tokens and OIDC users (`<issuer>#<sub>`) never share one.
 */
function checkNotRequester(ctx: RequestContext, env: EnvironmentRecord): void {
  const approver = { subject: ctx.principal.subject, lineage: lineageOf(ctx.principal) };
  const deny = (rule: string, detail: string, message: string) => {
    throw new NdcError("NDC_ERR_SELF_APPROVAL", detail, [{ field: "approver", rule, message, value: approver.subject }], {
      denied: { org: env.org, target: `environment ${env.org}/${env.name}`, reason: rule },
    });
  };
  type Role = "requester" | "modifier" | "author";
  const target = `${env.org}/${env.name}`;
  const authors: readonly [string, Lineage, Role, string][] = [
    [env.requestedBy, env.requestedLineage, "requester", `requested ${target}`],
    [env.modifiedBy, env.modifiedLineage, "modifier", `last changed ${target}`],
    ...env.authors.map((a): [string, Lineage, Role, string] => [a.subject, a.lineage, "author", `changed ${target} since its last decision`]),
  ];
  const whom = "the requester, the last modifier or anyone who changed it since its last decision";
  for (const [subject, lineage, who, did] of authors) {
    const shared = sharedPerson(approver, { subject, lineage });
    if (shared === "same-subject") {
      deny(
        who === "requester" ? "approver-not-requester" : "approver-not-modifier",
        `${approver.subject} ${did} and cannot also decide on it; another operator must`,
        who === "requester"
          ? "the approver must not be the requester (four-eyes rule)"
          : who === "modifier"
            ? "the approver must not be the last one to change the request (four-eyes rule)"
            : "the approver must not have changed the request since its last decision, even if someone changed it after them (four-eyes rule)",
      );
    }
    if (shared === "author-holds-token") {
      deny(
        "approver-token-minted-by-requester",
        `${approver.subject}'s token was minted by ${subject} (or a token of theirs), who ${did}; an operator with a token of their own must decide`,
        `the approver's token must not be minted by ${whom}, directly or down a chain of minted tokens (four-eyes rule)`,
      );
    }
    if (shared === "holds-author-token") {
      deny(
        "approver-minted-requester-token",
        `${approver.subject} minted the token of ${subject} (directly or down a chain), who ${did}, so could have acted as them; another operator must decide`,
        `the approver must not have minted the token of ${whom} (four-eyes rule)`,
      );
    }
    if (shared === "same-root") {
      deny(
        "approver-same-root",
        `${approver.subject} and ${subject}, who ${did}, both act for ${lineage.root} (their tokens trace back to one person); an operator of another person must decide`,
        `the approver and ${whom} must not trace back to the same person (four-eyes rule)`,
      );
    }
  }
}

/** A decommission failed and has not been continued: it is frozen, or being frozen, not live. */
function failedDecommission(env: EnvironmentRecord): boolean {
  return env.failedDuring === "Decommissioning" && (env.phase === "Failed" || env.phase === "AwaitingDecommission");
}

/**
 * A change would build a failed decommission back into a live environment (the table's
 * Failed -> Updating), undoing a decommission its requester or an operator decided: refused.
 */
function checkNotFailedDecommission(env: EnvironmentRecord): void {
  if (!failedDecommission(env)) return;
  const message = `${env.org}/${env.name} failed while it was being decommissioned (${env.reason ?? "no reason recorded"}); a change would bring it back, so it is refused: an operator retries the decommission (POST …/retry), or it is decommissioned again (DELETE)`;
  throw new NdcError("NDC_ERR_INVALID_TRANSITION", `environment ${message}`, [{ field: "phase", rule: "decommission-failed", message, value: env.phase }]);
}

function invalidTransition(env: EnvironmentRecord, event: LifecycleEvent): NdcError {
  const error = new TransitionError(env.phase, event);
  return new NdcError("NDC_ERR_INVALID_TRANSITION", `environment ${env.org}/${env.name}: ${error.message}`, [
    { field: "phase", rule: "transition-allowed", message: error.message, value: env.phase },
  ]);
}

function versionConflict(env: EnvironmentRecord): NdcError {
  return new NdcError(
    "NDC_ERR_VERSION_CONFLICT",
    `environment ${env.org}/${env.name} changed while this request ran (now version ${env.version}, phase ${env.phase}); GET it and retry`,
    [{ field: "version", rule: "version-match", message: "the environment changed concurrently", value: env.version }],
  );
}
