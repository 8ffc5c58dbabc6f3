import { LABELS, objectKey, SHARING_AGREEMENT_LABEL, type KubernetesObject, type Platform } from "../../model/index.ts";
import type { Store } from "../store/index.ts";
import { PROVISIONER_ACTOR } from "./_provisioner-actor.ts";
import { desiredObjects } from "./desired-objects.ts";
import { hasDrifted } from "./object-diff.ts";
import type { ProvisionerLog } from "./provisioner.ts";
import type { SharingIndex } from "./sharing-index.ts";
import { FIELD_MANAGER, type SiteConnection } from "./site-connection.ts";

export interface SharingPoliciesOptions {
  readonly store: Store;
  readonly platform: Platform;
  readonly log: ProvisionerLog;
  readonly index: SharingIndex;
  readonly connections: ReadonlyMap<string, SiteConnection>;
  /** How often the pass runs even when nothing announced a change. @default 15_000 ms */
  readonly intervalMs?: number;
}

/** What one pass changed. */
export interface SharingPass {
  readonly applied: number;
  readonly removed: number;
}

/**
 * Keeps the data-sharing NetworkPolicies of every site as the agreements in force say: level-based,
 * per site it lists the policies we labelled with an agreement, applies the ones the builder wants
 * (provider ingress, consumer egress, only where the environment is built) and deletes the others —
 * expired, revoked, or an environment decommissioned. It runs when told (a decision, an environment
 * changing), at the next validity boundary, and every `intervalMs`. Drift of a policy in force is
 * put back by `DriftRepair` like any other object.
 */
export class SharingPolicies {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private pass: Promise<SharingPass> | undefined;
  private again = false;

  constructor(private readonly options: SharingPoliciesOptions) {}

  start(): void {
    this.running = true;
    this.schedule(0);
  }

  stop(): Promise<unknown> {
    this.running = false;
    clearTimeout(this.timer);
    return this.pass ?? Promise.resolve();
  }

  /** Something changed (a decision, an environment): look again soon. */
  notify(): void {
    this.options.index.invalidate();
    if (this.running) this.schedule(50);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.sync()
        .catch((err) => this.options.log.warn({ err: err instanceof Error ? err.message : String(err) }, "sharing policies pass failed"))
        .finally(() => {
          if (!this.running) return;
          const every = this.options.intervalMs ?? 15_000;
          const boundary = this.options.index.nextChange ? this.options.index.nextChange.getTime() - Date.now() + 20 : Number.POSITIVE_INFINITY;
          this.schedule(Math.max(0, Math.min(every, boundary)));
        });
    }, delayMs);
    this.timer.unref();
  }

  /** One pass over every connected site (one at a time; a request during a pass runs another after it). */
  async sync(): Promise<SharingPass> {
    if (this.pass) {
      this.again = true;
      return this.pass;
    }
    this.pass = (async () => {
      let total = { applied: 0, removed: 0 };
      do {
        this.again = false;
        const now = new Date();
        await this.options.index.refresh(now);
        for (const conn of this.options.connections.values()) {
          try {
            const r = await this.syncSite(conn, now);
            total = { applied: total.applied + r.applied, removed: total.removed + r.removed };
          } catch (err) {
            // A site that is down does not hold up the others; the next pass tries it again.
            this.options.log.warn({ site: conn.site, err: err instanceof Error ? err.message : String(err) }, "sharing policies not reconciled at this site");
          }
        }
      } while (this.again && this.running);
      return total;
    })().finally(() => (this.pass = undefined));
    return this.pass;
  }

  private async syncSite(conn: SiteConnection, now: Date): Promise<SharingPass> {
    const { index, platform } = this.options;
    const desired = new Map<string, KubernetesObject>();
    // Applied here only where the environment is built; elsewhere provisioning applies them with everything else.
    const built = new Set<string>();
    for (const { site, environment, agreements } of index.placements()) {
      if (site !== conn.site) continue;
      const ready = environment.sites.find((s) => s.site === site)?.phase === "Ready";
      for (const o of desiredObjects(environment, site, platform, now, agreements) ?? []) {
        if (!o.metadata.labels?.[SHARING_AGREEMENT_LABEL]) continue;
        desired.set(objectKey(o), o);
        if (ready) built.add(objectKey(o));
      }
    }
    const live = await conn.list("NetworkPolicy", `${LABELS.managedBy}=${FIELD_MANAGER},${SHARING_AGREEMENT_LABEL}`);
    const liveByKey = new Map(live.map((o) => [objectKey(o), o]));
    let applied = 0;
    let removed = 0;
    for (const [key, o] of desired) {
      const current = liveByKey.get(key);
      if (!built.has(key) || (current && !hasDrifted(o, current))) continue;
      await conn.apply(o);
      applied++;
      await this.record("sharing.policy-applied", o, conn.site);
    }
    for (const [key, o] of liveByKey) {
      if (desired.has(key)) continue;
      await conn.delete(o);
      removed++;
      await this.record("sharing.policy-removed", o, conn.site);
    }
    if (applied || removed) this.options.log.info({ site: conn.site, applied, removed }, "sharing policies reconciled");
    return { applied, removed };
  }

  /** Audits a policy the pass created or removed, under the agreement's provider organization. */
  private async record(action: string, o: KubernetesObject, site: string): Promise<void> {
    const agreementId = o.metadata.labels?.[SHARING_AGREEMENT_LABEL] ?? "";
    const agreement = await this.options.store.getAgreementByPolicyId(agreementId);
    await this.options.store.appendAudit({
      actor: PROVISIONER_ACTOR.subject,
      actorRole: PROVISIONER_ACTOR.role,
      action,
      outcome: "allowed",
      org: agreement?.providerOrg ?? o.metadata.labels?.[LABELS.org] ?? null,
      target: agreement ? `sharing-agreement ${agreement.providerOrg}/${agreement.name}` : `networkpolicy ${o.metadata.namespace}/${o.metadata.name}`,
      detail: { site, namespace: o.metadata.namespace ?? null, name: o.metadata.name },
    });
  }
}
