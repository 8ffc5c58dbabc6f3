import { randomUUID } from "node:crypto";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { AgreementState, EnvironmentSpec, SharingOffer, Zone } from "../../model/index.ts";
import { ChainVerifier, GENESIS_HASH, recordHash, type AuditEntry, type AuditRecord, type AuditVerification } from "../audit/index.ts";
import { DECISION_PHASES, GONE_PHASES, legacyLineage, ownLineage, phaseInSql, WORK_PHASES, type Condition, type Lineage, type Phase } from "../domain/index.ts";
import type { Row, SqlDriver, SqlExecutor, SqlValue } from "./_driver.ts";
import { migrate } from "./migrations.ts";
import type {
  Actor,
  AgreementRecord,
  Author,
  AgreementWrite,
  ListAgreementsQuery,
  NewAgreement,
  ClaimOptions,
  CommitmentRow,
  EnvironmentRecord,
  IdempotencyRecord,
  ListAllEnvironmentsQuery,
  ListAuditQuery,
  VerifyAuditOptions,
  ListTokensQuery,
  ListEnvironmentsQuery,
  NewEnvironment,
  SiteStatus,
  Store,
  StoredPlan,
  StoreTx,
  TokenRecord,
  TransitionWrite,
  WorkItem,
} from "./store.ts";

/** The phase classes of `domain/phases.ts` as SQL. */
const IS_GONE = phaseInSql(GONE_PHASES);
const NOT_GONE = `NOT ${IS_GONE}`;
/** The approval queue: a decision phase, or a change waiting beside the approved spec. */
const AWAITING_DECISION = `(${phaseInSql(DECISION_PHASES)} OR pending_spec IS NOT NULL)`;
/** `needsWork`: a work phase, or Retained once its retention has ended (one `?`: now). */
const NEEDS_WORK = `(${phaseInSql(WORK_PHASES)} OR (${phaseInSql(["Retained"])} AND retain_until <= ?))`;
/**
 * A site dropped from a live environment needs work: freezing it (Removing), deleting it once its
 * retention ended (Retained with a deadline), or waiting for the namespace to go (Deleting).
 */
const DROPPED_SITE_WORK = `(phase NOT IN ('Rejected', 'Deleted') AND EXISTS (SELECT 1 FROM environment_sites s WHERE s.environment_id = environments.id
  AND (s.phase IN ('Removing', 'Deleting') OR (s.phase = 'Retained' AND s.retain_until IS NOT NULL AND s.retain_until <= ?))))`;

const json = (value: unknown): string => JSON.stringify(value);
const parse = <T>(text: unknown): T => (text === null || text === undefined ? (null as T) : (JSON.parse(String(text)) as T));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

const placeholders = (n: number): string => Array.from({ length: n }, () => "?").join(", ");

/** The query layer: the same SQL on SQLite and PostgreSQL, through a `SqlDriver`. */
class SqlReader {
  constructor(protected readonly db: SqlExecutor) {}

  /**
   * Environments selected by `inner` (a full SELECT over `environments`, with its own ORDER BY and
   * LIMIT), joined with their per-site rows in the same round trip.
   */
  protected async select(inner: string, params: readonly SqlValue[], order: string): Promise<EnvironmentRecord[]> {
    const rows = await this.db.all(
      `SELECT e.*, s.site AS s_site, s.namespace AS s_namespace, s.phase AS s_phase, s.message AS s_message,
              s.observed_generation AS s_observed_generation, s.updated_at AS s_updated_at, s.retain_until AS s_retain_until
       FROM (${inner}) e LEFT JOIN environment_sites s ON s.environment_id = e.id
       ORDER BY ${order}, s.site`,
      params,
    );
    const byId = new Map<string, { row: Row; sites: SiteStatus[] }>();
    for (const r of rows) {
      const id = String(r.id);
      let entry = byId.get(id);
      if (!entry) byId.set(id, (entry = { row: r, sites: [] }));
      if (r.s_site !== null && r.s_site !== undefined) {
        entry.sites.push({
          site: String(r.s_site),
          namespace: String(r.s_namespace),
          phase: String(r.s_phase),
          message: str(r.s_message),
          observedGeneration: Number(r.s_observed_generation),
          updatedAt: String(r.s_updated_at),
          retainUntil: str(r.s_retain_until),
        });
      }
    }
    return [...byId.values()].map(({ row: r, sites }) => ({
      id: String(r.id),
      org: String(r.org),
      name: String(r.name),
      namespace: String(r.namespace),
      phase: String(r.phase) as Phase,
      version: Number(r.version),
      generation: Number(r.generation),
      observedGeneration: Number(r.observed_generation),
      spec: parse<EnvironmentSpec>(r.spec),
      plan: parse<StoredPlan>(r.plan),
      conditions: parse<Condition[]>(r.conditions),
      sites,
      requestedBy: String(r.requested_by),
      requestedLineage: parse<Lineage | null>(r.requested_lineage) ?? ownLineage(String(r.requested_by)),
      modifiedBy: String(r.modified_by ?? r.requested_by),
      modifiedLineage: parse<Lineage | null>(r.modified_lineage ?? r.requested_lineage) ?? ownLineage(String(r.modified_by ?? r.requested_by)),
      authors: parse<Author[] | null>(r.change_authors ?? null) ?? [],
      pendingChange:
        r.pending_spec === null || r.pending_spec === undefined
          ? null
          : { spec: parse<EnvironmentSpec>(r.pending_spec), plan: parse<StoredPlan>(r.pending_plan) },
      approvedBy: str(r.approved_by),
      reason: str(r.reason),
      createdAt: String(r.created_at),
      updatedAt: String(r.updated_at),
      retainUntil: str(r.retain_until),
      resumePhase: str(r.resume_phase) as Phase | null,
      failedDuring: str(r.failed_during ?? null) as Phase | null,
      leaseOwner: str(r.lease_owner),
      leaseExpiresAt: str(r.lease_expires_at),
      attempts: Number(r.attempts),
    }));
  }

  async getEnvironment(org: string, name: string): Promise<EnvironmentRecord | undefined> {
    // The live one if any, else the latest rejected or deleted request of that name.
    const inner = `SELECT * FROM environments WHERE org = ? AND name = ? ORDER BY CASE WHEN ${IS_GONE} THEN 1 ELSE 0 END, created_at DESC LIMIT 1`;
    return (await this.select(inner, [org, name], "e.id"))[0];
  }

  async getEnvironmentById(id: string): Promise<EnvironmentRecord | undefined> {
    return (await this.select("SELECT * FROM environments WHERE id = ?", [id], "e.id"))[0];
  }

  async listEnvironments(q: ListEnvironmentsQuery): Promise<EnvironmentRecord[]> {
    const where = ["org = ?"];
    const params: SqlValue[] = [q.org];
    if (q.phase) {
      where.push("phase = ?");
      params.push(q.phase);
    } else where.push(NOT_GONE);
    if (q.after !== undefined) {
      where.push("name > ?");
      params.push(q.after);
    }
    params.push(q.limit);
    return this.select(`SELECT * FROM environments WHERE ${where.join(" AND ")} ORDER BY name, created_at LIMIT ?`, params, "e.name, e.created_at");
  }

  async listAllEnvironments(q: ListAllEnvironmentsQuery): Promise<EnvironmentRecord[]> {
    if (q.orgs && q.orgs.length === 0) return [];
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (q.orgs) {
      where.push(`org IN (${placeholders(q.orgs.length)})`);
      params.push(...q.orgs);
    }
    if (q.phase) {
      where.push("phase = ?");
      params.push(q.phase);
    } else where.push(NOT_GONE);
    if (q.awaitingDecision) where.push(AWAITING_DECISION);
    if (q.after) {
      where.push("(org > ? OR (org = ? AND name > ?))");
      params.push(q.after[0], q.after[0], q.after[1]);
    }
    params.push(q.limit);
    return this.select(`SELECT * FROM environments WHERE ${where.join(" AND ")} ORDER BY org, name, created_at LIMIT ?`, params, "e.org, e.name, e.created_at");
  }

  async namespaceHolder(namespace: string): Promise<{ org: string; name: string } | undefined> {
    const row = await this.db.get(`SELECT org, name FROM environments WHERE namespace = ? AND ${NOT_GONE} LIMIT 1`, [namespace]);
    return row ? { org: String(row.org), name: String(row.name) } : undefined;
  }

  async countLiveEnvironments(org: string): Promise<number> {
    const row = await this.db.get(`SELECT COUNT(*) AS n FROM environments WHERE org = ? AND ${NOT_GONE}`, [org]);
    return Number(row?.n ?? 0);
  }

  async countByPhase(): Promise<Partial<Record<Phase, number>>> {
    const rows = await this.db.all("SELECT phase, COUNT(*) AS n FROM environments GROUP BY phase");
    return Object.fromEntries(rows.map((r) => [String(r.phase), Number(r.n)]));
  }

  async countByOrgPhase(): Promise<{ org: string; phase: string; count: number }[]> {
    const rows = await this.db.all("SELECT org, phase, COUNT(*) AS n FROM environments GROUP BY org, phase", []);
    return rows.map((r) => ({ org: String(r.org), phase: String(r.phase), count: Number(r.n) }));
  }

  async countBySitePhase(): Promise<{ site: string; phase: string; count: number }[]> {
    const rows = await this.db.all(
      // The inner `phase` is the environment's (the innermost FROM wins), the outer one the site's.
      `SELECT s.site AS site, s.phase AS phase, COUNT(*) AS n FROM environment_sites s WHERE s.environment_id IN (SELECT id FROM environments WHERE ${NOT_GONE}) GROUP BY s.site, s.phase`,
      [],
    );
    return rows.map((r) => ({ site: String(r.site), phase: String(r.phase), count: Number(r.n) }));
  }

  async commitments(sites?: readonly string[]): Promise<CommitmentRow[]> {
    if (sites && sites.length === 0) return [];
    const rows = sites
      ? await this.db.all(`SELECT * FROM commitments WHERE site IN (${placeholders(sites.length)})`, [...sites])
      : await this.db.all("SELECT * FROM commitments");
    return rows.map((r) => ({
      environmentId: String(r.environment_id),
      org: String(r.org),
      environment: String(r.environment),
      site: String(r.site),
      zone: String(r.zone) as Zone,
      pool: String(r.pool),
      amounts: {
        cpuMillis: Number(r.cpu_millis),
        memoryBytes: Number(r.memory_bytes),
        gpu: Number(r.gpu),
        storageBytes: parse<Record<string, number>>(r.storage),
      },
    }));
  }

  async findToken(tokenHash: string): Promise<TokenRecord | undefined> {
    const r = await this.db.get("SELECT * FROM api_tokens WHERE token_hash = ?", [tokenHash]);
    return r ? tokenFromRow(r) : undefined;
  }

  async listTokens(q: ListTokensQuery): Promise<TokenRecord[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (q.org !== undefined) {
      where.push("org = ?");
      params.push(q.org);
    }
    if (q.subject !== undefined) {
      where.push("subject = ?");
      params.push(q.subject);
    }
    if (q.activeAt !== undefined) {
      // ISO 8601 UTC strings compare in time order.
      where.push("revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)");
      params.push(q.activeAt);
    }
    if (q.after !== undefined) {
      where.push("(created_at > ? OR (created_at = ? AND id > ?))");
      params.push(q.after[0], q.after[0], q.after[1]);
    }
    params.push(q.limit);
    const rows = await this.db.all(
      `SELECT * FROM api_tokens${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at, id LIMIT ?`,
      params,
    );
    return rows.map(tokenFromRow);
  }

  async getIdempotencyKey(principal: string, org: string, key: string): Promise<IdempotencyRecord | undefined> {
    const r = await this.db.get("SELECT request_hash, environment_id FROM idempotency_keys WHERE principal = ? AND org = ? AND idempotency_key = ?", [
      principal,
      org,
      key,
    ]);
    return r ? { requestHash: String(r.request_hash), environmentId: String(r.environment_id) } : undefined;
  }

  async listAudit(q: ListAuditQuery): Promise<AuditRecord[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    const add = (clause: string, value: SqlValue | undefined) => {
      if (value === undefined) return;
      where.push(clause);
      params.push(value);
    };
    if (q.org !== undefined && q.orTargets && q.orTargets.length > 0) {
      where.push(`(org = ? OR target IN (${placeholders(q.orTargets.length)}))`);
      params.push(q.org, ...q.orTargets);
    } else add("org = ?", q.org);
    add("action = ?", q.action);
    add("actor = ?", q.actor);
    add("target = ?", q.target);
    add("outcome = ?", q.outcome);
    add("at >= ?", q.since);
    add("at < ?", q.until);
    add("seq > ?", q.afterSeq);
    params.push(q.limit);
    const rows = await this.db.all(`SELECT * FROM audit_records ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq LIMIT ?`, params);
    return rows.map(auditFromRow);
  }

  async listAuditByActions(actions: readonly string[], orgs?: readonly string[]): Promise<AuditRecord[]> {
    if (actions.length === 0 || (orgs && orgs.length === 0)) return [];
    const params: SqlValue[] = [...actions];
    let where = `action IN (${placeholders(actions.length)}) AND outcome = 'allowed'`;
    if (orgs) {
      where += ` AND org IN (${placeholders(orgs.length)})`;
      params.push(...orgs);
    }
    return (await this.db.all(`SELECT * FROM audit_records WHERE ${where} ORDER BY seq`, params)).map(auditFromRow);
  }

  async countAudit(): Promise<number> {
    return Number((await this.db.get("SELECT COUNT(*) AS n FROM audit_records"))?.n ?? 0);
  }

  async getAgreement(providerOrg: string, name: string): Promise<AgreementRecord | undefined> {
    const r = await this.db.get("SELECT * FROM sharing_agreements WHERE provider_org = ? AND name = ?", [providerOrg, name]);
    return r ? agreementFromRow(r) : undefined;
  }

  async getAgreementByPolicyId(policyId: string): Promise<AgreementRecord | undefined> {
    const r = await this.db.get("SELECT * FROM sharing_agreements WHERE policy_id = ?", [policyId]);
    return r ? agreementFromRow(r) : undefined;
  }

  async listAgreements(q: ListAgreementsQuery): Promise<AgreementRecord[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (q.org !== undefined) {
      where.push("(provider_org = ? OR consumer_org = ?)");
      params.push(q.org, q.org);
    }
    if (q.states) {
      if (q.states.length === 0) return [];
      where.push(`state IN (${placeholders(q.states.length)})`);
      params.push(...q.states);
    }
    if (q.after) {
      where.push("(provider_org > ? OR (provider_org = ? AND name > ?))");
      params.push(q.after[0], q.after[0], q.after[1]);
    }
    params.push(q.limit);
    const rows = await this.db.all(
      `SELECT * FROM sharing_agreements ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY provider_org, name LIMIT ?`,
      params,
    );
    return rows.map(agreementFromRow);
  }
}

function agreementFromRow(r: Row): AgreementRecord {
  return {
    id: String(r.id),
    providerOrg: String(r.provider_org),
    name: String(r.name),
    policyId: String(r.policy_id),
    consumerOrg: String(r.consumer_org),
    offer: parse<SharingOffer>(r.offer),
    state: String(r.state) as AgreementState,
    operatorApprovalRequired: Number(r.operator_approval_required) === 1,
    approvalReasons: parse<string[]>(r.approval_reasons),
    sites: parse<string[]>(r.sites),
    version: Number(r.version),
    offeredBy: String(r.offered_by),
    offeredLineage: parse<Lineage | null>(r.offered_lineage ?? null) ?? ownLineage(String(r.offered_by)),
    acceptedBy: str(r.accepted_by),
    acceptedLineage:
      parse<Lineage | null>(r.accepted_lineage ?? null) ?? (r.accepted_by === null || r.accepted_by === undefined ? null : ownLineage(String(r.accepted_by))),
    decidedBy: str(r.decided_by),
    revokedBy: str(r.revoked_by),
    reason: str(r.reason),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
  };
}

/** What an audit record keeps of an agreement. */
function agreementState(a: AgreementRecord): Record<string, unknown> {
  return {
    state: a.state,
    version: a.version,
    offer: a.offer,
    sites: a.sites,
    operatorApprovalRequired: a.operatorApprovalRequired,
    approvalReasons: a.approvalReasons,
    acceptedBy: a.acceptedBy,
    decidedBy: a.decidedBy,
    revokedBy: a.revokedBy,
    reason: a.reason,
  };
}

function auditFromRow(r: Row): AuditRecord {
  return {
    seq: Number(r.seq),
    id: String(r.id),
    at: String(r.at),
    actor: String(r.actor),
    actorRole: str(r.actor_role),
    action: String(r.action),
    outcome: String(r.outcome) as AuditRecord["outcome"],
    status: r.status === null || r.status === undefined ? null : Number(r.status),
    org: str(r.org),
    target: str(r.target),
    requestId: str(r.request_id),
    before: parse(r.before_state),
    after: parse(r.after_state),
    detail: parse(r.detail),
    prevHash: String(r.prev_hash),
    hash: String(r.hash),
  };
}

function tokenFromRow(r: Row): TokenRecord {
  return {
    id: String(r.id),
    tokenHash: String(r.token_hash),
    subject: String(r.subject),
    role: String(r.role),
    org: str(r.org),
    createdBy: String(r.created_by),
    lineage: parse<Lineage | null>(r.lineage) ?? legacyLineage(String(r.subject), String(r.created_by)),
    mintedWith: str(r.minted_with),
    createdAt: String(r.created_at),
    expiresAt: str(r.expires_at),
    revokedAt: str(r.revoked_at),
  };
}

/** What an audit record keeps of an environment: enough to see what changed. */
function auditState(e: EnvironmentRecord): Record<string, unknown> {
  return {
    phase: e.phase,
    version: e.version,
    generation: e.generation,
    spec: e.spec,
    approvedBy: e.approvedBy,
    reason: e.reason,
    ...(e.pendingChange ? { pendingSpec: e.pendingChange.spec } : {}),
  };
}

/** The audit record of an agreement's step: under the provider's organization, naming the consumer. */
function agreementAudit(a: AgreementRecord, action: string, before: AgreementRecord | null, actor: Actor): AuditEntry {
  return {
    actor: actor.subject,
    actorRole: actor.role ?? null,
    action,
    outcome: "allowed",
    org: a.providerOrg,
    target: `sharing-agreement ${a.providerOrg}/${a.name}`,
    requestId: actor.requestId ?? null,
    before: before ? agreementState(before) : null,
    after: agreementState(a),
    detail: { consumer: `${a.consumerOrg}/${a.offer.consumer.environment}`, provider: `${a.providerOrg}/${a.offer.providerEnvironment}` },
  };
}

class SqlTx extends SqlReader implements StoreTx {
  async insertEnvironment(env: NewEnvironment, actor: Actor, now: string): Promise<EnvironmentRecord> {
    const id = randomUUID();
    const lineage = env.requestedLineage ?? ownLineage(env.requestedBy);
    await this.db.run(
      `INSERT INTO environments (id, org, name, namespace, phase, version, generation, observed_generation, spec, plan, conditions, requested_by, modified_by, requested_lineage, modified_lineage, change_authors, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'Submitted', 1, 1, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        id,
        env.org,
        env.spec.name,
        env.namespace,
        json(env.spec),
        json(env.plan),
        json(env.conditions),
        env.requestedBy,
        env.requestedBy,
        json(lineage),
        json(lineage),
        json([{ subject: env.requestedBy, lineage }] satisfies Author[]),
        now,
        now,
      ],
    );
    await this.replaceCommitments(
      id,
      env.plan.placements.map((p) => ({ org: env.org, environment: env.spec.name, site: p.site, zone: p.zone, pool: p.pool, amounts: env.plan.amounts })),
      env.namespace,
      now,
    );
    const record = (await this.getEnvironmentById(id))!;
    await this.appendAudit(
      {
        actor: actor.subject,
        actorRole: actor.role ?? null,
        action: "environment.submit",
        outcome: "allowed",
        org: env.org,
        target: `environment ${env.org}/${env.spec.name}`,
        requestId: actor.requestId ?? null,
        before: null,
        after: auditState(record),
        detail: { id, plan: env.plan },
      },
      now,
    );
    return record;
  }

  async writeTransition(current: EnvironmentRecord, change: TransitionWrite, actor: Actor, now: string): Promise<EnvironmentRecord | undefined> {
    const changed = await this.db.run(
      `UPDATE environments SET phase = ?, version = version + 1, generation = ?, spec = ?, plan = ?, conditions = ?, approved_by = ?, reason = ?, modified_by = ?, modified_lineage = ?, change_authors = ?, pending_spec = ?, pending_plan = ?,
         updated_at = ?, retain_until = ?, resume_phase = ?, failed_during = ?, observed_generation = ?, attempts = 0, next_attempt_at = NULL${change.releaseLease ? ", lease_owner = NULL, lease_expires_at = NULL" : ""}
       WHERE id = ? AND version = ?`,
      [
        change.phase,
        change.generation,
        json(change.spec),
        json(change.plan),
        json(change.conditions),
        change.approvedBy,
        change.reason,
        change.modifiedBy,
        json(change.modifiedLineage),
        json(change.authors),
        change.pendingChange ? json(change.pendingChange.spec) : null,
        change.pendingChange ? json(change.pendingChange.plan) : null,
        now,
        change.retainUntil,
        change.resumePhase,
        change.failedDuring,
        change.observedGeneration,
        current.id,
        current.version,
      ],
    );
    if (changed === 0) return undefined;
    if (change.releaseCommitments) await this.db.run("DELETE FROM commitments WHERE environment_id = ?", [current.id]);
    const updated = (await this.getEnvironmentById(current.id))!;
    await this.appendAudit(
      {
        actor: actor.subject,
        actorRole: actor.role ?? null,
        action: change.action,
        outcome: "allowed",
        org: current.org,
        target: `environment ${current.org}/${current.name}`,
        requestId: actor.requestId ?? null,
        before: auditState(current),
        after: auditState(updated),
        detail: change.detail,
      },
      now,
    );
    return updated;
  }

  async replaceCommitments(id: string, commitments: readonly Omit<CommitmentRow, "environmentId">[], namespace: string, now: string): Promise<void> {
    // A dropped site keeps what it holds until its namespace is gone (the provisioner releases it).
    const wanted = new Set(commitments.map((c) => c.site));
    const existing = await this.db.all("SELECT site, phase FROM environment_sites WHERE environment_id = ?", [id]);
    const dropped = existing.map((r) => String(r.site)).filter((site) => !wanted.has(site));
    await this.db.run(`DELETE FROM commitments WHERE environment_id = ?${dropped.length ? ` AND site NOT IN (${placeholders(dropped.length)})` : ""}`, [
      id,
      ...dropped,
    ]);
    for (const c of commitments) {
      await this.db.run(
        "INSERT INTO commitments (environment_id, site, org, environment, zone, pool, cpu_millis, memory_bytes, gpu, storage) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [id, c.site, c.org, c.environment, c.zone, c.pool, c.amounts.cpuMillis, c.amounts.memoryBytes, c.amounts.gpu, json(c.amounts.storageBytes)],
      );
    }
    // Sites no longer wanted go to the provisioner to be frozen, retained and deleted; new ones start Pending.
    for (const row of existing) {
      if (!wanted.has(String(row.site)) && !["Removing", "Retained", "Deleting"].includes(String(row.phase))) {
        await this.db.run("UPDATE environment_sites SET phase = 'Removing', updated_at = ? WHERE environment_id = ? AND site = ?", [now, id, String(row.site)]);
      }
    }
    for (const site of wanted) {
      await this.db.run(
        `INSERT INTO environment_sites (environment_id, site, namespace, phase, message, observed_generation, updated_at) VALUES (?, ?, ?, 'Pending', NULL, 0, ?)
         ON CONFLICT (environment_id, site) DO UPDATE SET namespace = excluded.namespace, updated_at = excluded.updated_at`,
        [id, site, namespace, now],
      );
    }
  }

  async setSiteStatus(id: string, status: Omit<SiteStatus, "updatedAt">, now: string): Promise<void> {
    await this.db.run(
      `INSERT INTO environment_sites (environment_id, site, namespace, phase, message, observed_generation, updated_at, retain_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (environment_id, site) DO UPDATE SET namespace = excluded.namespace, phase = excluded.phase, message = excluded.message,
         observed_generation = excluded.observed_generation, updated_at = excluded.updated_at, retain_until = excluded.retain_until`,
      [id, status.site, status.namespace, status.phase, status.message, status.observedGeneration, now, status.retainUntil ?? null],
    );
  }

  async releaseSite(id: string, site: string): Promise<void> {
    await this.db.run("DELETE FROM environment_sites WHERE environment_id = ? AND site = ?", [id, site]);
    await this.db.run("DELETE FROM commitments WHERE environment_id = ? AND site = ?", [id, site]);
  }

  async setConditions(id: string, conditions: readonly Condition[], now: string): Promise<void> {
    await this.db.run("UPDATE environments SET conditions = ?, updated_at = ? WHERE id = ?", [json(conditions), now, id]);
  }

  async putIdempotencyKey(principal: string, org: string, key: string, record: IdempotencyRecord, now: string): Promise<void> {
    await this.db.run("INSERT INTO idempotency_keys (principal, org, idempotency_key, request_hash, environment_id, created_at) VALUES (?, ?, ?, ?, ?, ?)", [
      principal,
      org,
      key,
      record.requestHash,
      record.environmentId,
      now,
    ]);
  }

  async insertToken(t: TokenRecord): Promise<void> {
    await this.db.run(
      "INSERT INTO api_tokens (id, token_hash, subject, role, org, created_by, lineage, root_subject, minted_with, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      [t.id, t.tokenHash, t.subject, t.role, t.org, t.createdBy, json(t.lineage), t.lineage.root, t.mintedWith, t.createdAt, t.expiresAt, t.revokedAt],
    );
  }

  async revokeToken(id: string, now: string): Promise<{ token: TokenRecord; cascaded: string[] } | undefined> {
    const row = await this.db.get("SELECT * FROM api_tokens WHERE id = ?", [id]);
    if (!row) return undefined;
    await this.db.run("UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", [now, id]);
    // Breadth first down the tokens minted with it; ids are unique, so every token is visited once.
    const cascaded: string[] = [];
    for (let level = [id]; level.length > 0;) {
      const children = await this.db.all(`SELECT id FROM api_tokens WHERE minted_with IN (${placeholders(level.length)})`, level);
      level = children.map((c) => String(c.id));
      if (level.length === 0) break;
      await this.db.run(`UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id IN (${placeholders(level.length)})`, [now, ...level]);
      cascaded.push(...level);
    }
    return { token: tokenFromRow((await this.db.get("SELECT * FROM api_tokens WHERE id = ?", [id]))!), cascaded };
  }

  async insertAgreement(a: NewAgreement, actor: Actor, now: string): Promise<AgreementRecord> {
    const id = randomUUID();
    await this.db.run(
      `INSERT INTO sharing_agreements (id, provider_org, name, policy_id, consumer_org, offer, state, operator_approval_required, approval_reasons, sites, version, offered_by, offered_lineage, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)`,
      [
        id,
        a.providerOrg,
        a.name,
        a.policyId,
        a.consumerOrg,
        json(a.offer),
        a.state,
        a.operatorApprovalRequired ? 1 : 0,
        json(a.approvalReasons),
        json(a.sites),
        a.offeredBy,
        json(a.offeredLineage),
        now,
        now,
      ],
    );
    const record = (await this.getAgreement(a.providerOrg, a.name))!;
    await this.appendAudit(agreementAudit(record, "sharing.offer", null, actor), now);
    return record;
  }

  async writeAgreement(current: AgreementRecord, c: AgreementWrite, actor: Actor, now: string): Promise<AgreementRecord | undefined> {
    const changed = await this.db.run(
      `UPDATE sharing_agreements SET state = ?, operator_approval_required = ?, approval_reasons = ?, sites = ?, accepted_by = ?, accepted_lineage = ?, decided_by = ?, revoked_by = ?, reason = ?, version = version + 1, updated_at = ?
       WHERE id = ? AND version = ?`,
      [
        c.state,
        c.operatorApprovalRequired ? 1 : 0,
        json(c.approvalReasons),
        json(c.sites),
        c.acceptedBy,
        c.acceptedLineage === null ? null : json(c.acceptedLineage),
        c.decidedBy,
        c.revokedBy,
        c.reason,
        now,
        current.id,
        current.version,
      ],
    );
    if (changed === 0) return undefined;
    const updated = (await this.getAgreement(current.providerOrg, current.name))!;
    await this.appendAudit(agreementAudit(updated, c.action, current, actor), now);
    return updated;
  }

  async appendAudit(entry: AuditEntry, now: string): Promise<AuditRecord> {
    // One writer at a time extends the chain; taken last in every transaction, so no deadlock.
    await this.db.lock("audit-chain");
    const head = await this.db.get("SELECT seq, hash FROM audit_head WHERE id = 1");
    const body: Omit<AuditRecord, "hash"> = {
      seq: Number(head?.seq ?? 0) + 1,
      id: randomUUID(),
      at: now,
      actor: entry.actor,
      actorRole: entry.actorRole ?? null,
      action: entry.action,
      outcome: entry.outcome,
      status: entry.status ?? null,
      org: entry.org ?? null,
      target: entry.target ?? null,
      requestId: entry.requestId ?? null,
      // Stored as JSON and read back: hash what a reader will see (undefined fields dropped).
      before: parse(json(entry.before ?? null)),
      after: parse(json(entry.after ?? null)),
      detail: parse(json(entry.detail ?? null)),
      prevHash: head ? String(head.hash) : GENESIS_HASH,
    };
    const record: AuditRecord = { ...body, hash: recordHash(body) };
    await this.db.run(
      `INSERT INTO audit_records (seq, id, at, actor, actor_role, action, outcome, status, org, target, request_id, before_state, after_state, detail, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        record.seq,
        record.id,
        record.at,
        record.actor,
        record.actorRole,
        record.action,
        record.outcome,
        record.status,
        record.org,
        record.target,
        record.requestId,
        json(record.before),
        json(record.after),
        json(record.detail),
        record.prevHash,
        record.hash,
      ],
    );
    await this.db.run("INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash", [
      record.seq,
      record.hash,
    ]);
    return record;
  }
}

/** The store over either database. */
export class SqlStore extends SqlReader implements Store {
  readonly backend: "sqlite" | "postgres";
  constructor(private readonly driver: SqlDriver) {
    super(driver);
    this.backend = driver.dialect.name;
  }

  migrate(): Promise<number[]> {
    return migrate(this.driver);
  }

  async ping(): Promise<void> {
    await this.driver.get("SELECT 1 AS ok");
  }

  close(): Promise<void> {
    return this.driver.close();
  }

  transaction<T>(locks: readonly string[], fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.driver.transaction(locks, (executor) => fn(new SqlTx(executor)));
  }

  appendAudit(entry: AuditEntry): Promise<AuditRecord> {
    return this.transaction([], (tx) => tx.appendAudit(entry, new Date().toISOString()));
  }

  async verifyAudit(anchor?: { seq: number; hash: string }, options: VerifyAuditOptions = {}): Promise<AuditVerification> {
    // One page in memory at a time: the verifier keeps only the previous record's seq and hash.
    const pageSize = options.pageSize ?? 1000;
    const verifier = new ChainVerifier(anchor);
    const start = await this.auditHead();
    const total = start?.seq ?? Number((await this.driver.get("SELECT COUNT(*) AS n FROM audit_records"))?.n ?? 0);
    let checked = 0;
    let after = 0;
    await options.onProgress?.({ checked: 0, total });
    for (;;) {
      const page = (await this.driver.all("SELECT * FROM audit_records WHERE seq > ? ORDER BY seq LIMIT ?", [after, pageSize])).map(auditFromRow);
      for (const record of page) verifier.add(record);
      checked += page.length;
      if (page.length > 0) after = page[page.length - 1]!.seq;
      if (page.length > 0 && options.onProgress) await options.onProgress({ checked, total: Math.max(total, checked) });
      // node:sqlite answers synchronously, so without this the walk would be one chain of
      // microtasks: no other request answered, not even this one's progress sent, until it ends.
      await yieldToEventLoop();
      if (page.length === pageSize) continue;
      // The end of the table. The head is read now, not before the walk: records appended while
      // it ran are walked too (one more query finds them), so a busy service is not reported
      // truncated; an empty query means the records the head names beyond this one are gone.
      const head = await this.auditHead();
      if (page.length > 0 && head && head.seq > after) continue;
      return verifier.finish(head);
    }
  }

  async auditHead(): Promise<{ seq: number; hash: string } | undefined> {
    const head = await this.driver.get("SELECT seq, hash FROM audit_head WHERE id = 1");
    return head ? { seq: Number(head.seq), hash: String(head.hash) } : undefined;
  }

  async auditHashAt(seq: number): Promise<string | undefined> {
    const row = await this.driver.get("SELECT hash FROM audit_records WHERE seq = ?", [seq]);
    return row ? String(row.hash) : undefined;
  }

  async claimWork(owner: string, options: ClaimOptions = {}): Promise<WorkItem | undefined> {
    const now = options.now ?? new Date();
    const nowIso = now.toISOString();
    const leaseExpiresAt = new Date(now.getTime() + (options.leaseMs ?? 60_000)).toISOString();
    const id = await this.driver.transaction([], async (tx) => {
      const row = await tx.get(
        `UPDATE environments SET lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1
         WHERE id = (
           SELECT id FROM environments
           WHERE (${NEEDS_WORK} OR ${DROPPED_SITE_WORK})
             AND (lease_expires_at IS NULL OR lease_expires_at <= ?)
             AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
           ORDER BY updated_at LIMIT 1${this.driver.dialect.claimSuffix})
         RETURNING id`,
        [owner, leaseExpiresAt, nowIso, nowIso, nowIso, nowIso],
      );
      return row ? String(row.id) : undefined;
    });
    if (!id) return undefined;
    const environment = (await this.getEnvironmentById(id))!;
    return { environment, owner, leaseExpiresAt };
  }

  async renewLease(id: string, owner: string, leaseMs: number, now: Date = new Date()): Promise<boolean> {
    const changed = await this.driver.transaction([], (tx) =>
      tx.run("UPDATE environments SET lease_expires_at = ? WHERE id = ? AND lease_owner = ?", [new Date(now.getTime() + leaseMs).toISOString(), id, owner]),
    );
    return changed === 1;
  }

  async releaseWork(id: string, owner: string, retryAt?: Date): Promise<void> {
    await this.driver.transaction([], (tx) =>
      tx.run("UPDATE environments SET lease_owner = NULL, lease_expires_at = NULL, next_attempt_at = ? WHERE id = ? AND lease_owner = ?", [
        retryAt?.toISOString() ?? null,
        id,
        owner,
      ]),
    );
  }
}
