import { hostname } from "node:os";
import { Registry } from "prom-client";
import { LABELS, POLICY, type KubernetesObject, type Platform } from "../../model/index.ts";
import type { EnvironmentRecord, SiteStatus, Store, WorkItem } from "../store/index.ts";
import { applyTransition, type LifecycleEvent } from "../workflow/index.ts";
import { PROVISIONER_ACTOR as ACTOR } from "./_provisioner-actor.ts";
import { backoffDelay } from "./backoff.ts";
import { desiredObjects, droppedSiteObjects } from "./desired-objects.ts";
import { DriftRepair, type ResyncStats } from "./drift-repair.ts";
import { SharingIndex } from "./sharing-index.ts";
import { SharingPolicies, type SharingPass } from "./sharing-policies.ts";
import type { KubeCredentials } from "./kube-credentials.ts";
import { ProvisionerMetrics } from "./provisioner-metrics.ts";
import { SiteConnection } from "./site-connection.ts";
import { kubeconfigVariable } from "./site-kubeconfigs.ts";
import { KubeApiError } from "./kube-transport.ts";
import { isRetryable, removeEnvironment, syncEnvironment, TerminalError } from "./sync-environment.ts";
import { LeaseLostError, WorkLease } from "./work-lease.ts";
import { resumeWorkloads, stopWorkloads } from "./workloads.ts";

/** What the provisioner logs with: pino's or Fastify's logger. */
export interface ProvisionerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ProvisionerOptions {
  readonly store: Store;
  readonly platform: Platform;
  /** How to reach each site's API server (see `readKubeconfigFile`); sites without an entry are `Degraded` and retried. */
  readonly sites: ReadonlyMap<string, KubeCredentials>;
  readonly log: ProvisionerLog;
  /** @default a fresh registry */
  readonly registry?: Registry;
  /** Environments worked on at once. @default 16 */
  readonly concurrency?: number;
  /** Concurrent connections per site. @default 24 */
  readonly connectionsPerSite?: number;
  /** How long a claim lasts; renewed while working. @default 60_000 ms */
  readonly leaseMs?: number;
  /** First retry delay after a failure; doubles per attempt up to 30 s. @default 500 ms */
  readonly retryBaseMs?: number;
  /** How often idle workers look for work no one told them about (other replicas, retries). @default 1_000 ms */
  readonly idleCheckMs?: number;
  /** How often the data-sharing NetworkPolicies are checked when nothing announced a change. @default 15_000 ms */
  readonly sharingIntervalMs?: number;
  /** Whether to watch owned objects and repair drift. @default true */
  readonly repairDrift?: boolean;
  /** @default `<hostname>-<pid>` */
  readonly owner?: string;
  /**
   * How often every Ready or Retained environment is re-applied (level-based safety net for drift
   * no watch saw: changes while this process was down, or between a watch's end and its restart).
   * The first pass runs shortly after start. 0 disables. @default 30 min
   */
  readonly resyncIntervalMs?: number;
  /** Days a decommissioned environment stays Retained. @default POLICY.retentionDays.days */
  readonly retentionDays?: number;
}

/** One site's part of a phase step. */
interface SiteResult {
  readonly site: string;
  readonly phase: string;
  readonly message: string | null;
  /** The site reached what the phase wants. */
  readonly done: boolean;
  /** Failed in a way retrying cannot fix. */
  readonly terminal: boolean;
}

/**
 * Makes approved environments real on every site they are placed on and keeps them so: claims work
 * from the store (durable; survives restarts; one replica per environment via leases), applies the
 * builder's objects by server-side apply, writes status per site, prunes, freezes and removes on
 * decommission. Drift (watches, repairs, the periodic resync) is `DriftRepair`'s job.
 */
export class Provisioner {
  readonly metrics: ProvisionerMetrics;
  private readonly connections = new Map<string, SiteConnection>();
  private readonly drift: DriftRepair;
  private readonly sharing: SharingIndex;
  private readonly sharingPolicies: SharingPolicies;
  private readonly owner: string;
  private running = false;
  private wakers: (() => void)[] = [];
  private readonly loops: Promise<void>[] = [];
  /** The lease each environment being worked on is held under (checked before every write). */
  private readonly leases = new Map<string, WorkLease>();

  constructor(private readonly options: ProvisionerOptions) {
    this.metrics = new ProvisionerMetrics(options.registry ?? new Registry());
    this.owner = options.owner ?? `${hostname()}-${process.pid}`;
    this.sharing = new SharingIndex(options.store);
    this.drift = new DriftRepair({
      store: options.store,
      platform: options.platform,
      log: options.log,
      metrics: this.metrics,
      connections: this.connections,
      connection: (site) => this.connection(site),
      sharing: this.sharing,
    });
    this.sharingPolicies = new SharingPolicies({
      store: options.store,
      platform: options.platform,
      log: options.log,
      index: this.sharing,
      connections: this.connections,
      ...(options.sharingIntervalMs !== undefined ? { intervalMs: options.sharingIntervalMs } : {}),
    });
  }

  /** Connects to every configured site, starts the watches and the workers. */
  async start(): Promise<void> {
    this.running = true;
    for (const [site, credentials] of this.options.sites) {
      this.connections.set(site, SiteConnection.open(site, credentials, { maxSockets: this.options.connectionsPerSite ?? 24 }));
    }
    this.drift.start({ watch: this.options.repairDrift ?? true, resyncIntervalMs: this.options.resyncIntervalMs ?? 30 * 60_000 });
    this.sharingPolicies.start();
    for (let i = 0; i < (this.options.concurrency ?? 16); i++) this.loops.push(this.workLoop(`${this.owner}/${i}`));
  }

  /** Makes every site's data-sharing NetworkPolicies match the agreements in force now (see `SharingPolicies`). */
  syncSharing(): Promise<SharingPass> {
    return this.sharingPolicies.sync();
  }

  /** Queues a re-apply of every Ready and Retained environment (see `DriftRepair.resync`). @returns how many were queued */
  resync(): Promise<number> {
    return this.drift.resync();
  }

  /** What the last resync pass did: environments, how many were read object by object, API calls. */
  get lastResyncStats(): ResyncStats | undefined {
    return this.drift.lastResyncStats;
  }

  /** Wakes idle workers: called when the API approves, updates or decommissions an environment. */
  notify(): void {
    // An agreement decided, or an environment that one names changed: its policies may change too.
    if (this.running) this.sharingPolicies.notify();
    const wakers = this.wakers;
    this.wakers = [];
    for (const w of wakers) w();
  }

  /** Stops workers and watches; work in flight finishes, claims of unfinished work expire. */
  async stop(): Promise<void> {
    this.running = false;
    this.notify();
    await Promise.all([...this.loops.splice(0), this.drift.stop(), this.sharingPolicies.stop()]);
    for (const c of this.connections.values()) c.close();
    this.connections.clear();
  }

  /** One worker: claims work under its own owner name, so a lease names exactly one worker. */
  private async workLoop(owner: string): Promise<void> {
    const leaseMs = this.options.leaseMs ?? 60_000;
    while (this.running) {
      let item: WorkItem | undefined;
      try {
        item = await this.options.store.claimWork(owner, { leaseMs });
      } catch (err) {
        this.options.log.error({ err: message(err) }, "claiming work failed");
      }
      if (!item) {
        await this.sleep(this.options.idleCheckMs ?? 1_000);
        continue;
      }
      const started = performance.now();
      // Keep the claim while working (a site may take up to the request timeout to answer).
      const id = item.environment.id;
      const lease = new WorkLease(this.options.store, id, owner, leaseMs, item.leaseExpiresAt);
      // Keyed by owner too: a stale worker and the new owner may both be in this process.
      this.leases.set(`${owner}/${id}`, lease);
      const renewal = setInterval(
        () => {
          lease
            .renew()
            .then((held) => held || this.options.log.warn({ env: id, owner }, "lease lost to another worker; stopping before the next write"))
            .catch((err) => this.options.log.warn({ env: id, err: message(err) }, "lease renewal failed"));
        },
        Math.max(100, Math.floor(leaseMs / 3)),
      );
      const outcome = await this.process(item, owner)
        .catch((err) => {
          if (err instanceof LeaseLostError) return "lease-lost";
          this.options.log.error({ env: id, err: message(err) }, "work failed");
          return "error";
        })
        .finally(() => {
          clearInterval(renewal);
          this.leases.delete(`${owner}/${id}`);
        });
      this.metrics.provisionDuration.observe({ outcome }, (performance.now() - started) / 1000);
    }
  }

  /** Waits `ms`, or less when `notify()` is called; a waker leaves the list either way (no growth while idle). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers = this.wakers.filter((w) => w !== wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.push(wake);
    });
  }

  /** One claimed environment, by phase. Returns an outcome label for the metrics. */
  private async process(item: WorkItem, owner: string): Promise<string> {
    let env = item.environment;
    // What it builds includes the sharing policies in force (read again when stale).
    await this.sharing.current(new Date());
    // Sites a change dropped go Retained -> Deleted there, whatever the environment's phase.
    let droppedPending = false;
    if (env.sites.some((s) => !env.plan.placements.some((p) => p.site === s.site))) {
      droppedPending = await this.removeDroppedSites(env, owner);
      env = (await this.options.store.getEnvironmentById(env.id)) ?? env;
    }
    switch (env.phase) {
      case "Approved": {
        const next = await this.transition(env, "start-provisioning", { releaseLease: false });
        if (!next) return this.release(env, owner, "conflict");
        env = next;
        return this.provision(env, owner);
      }
      case "Provisioning":
      case "Updating":
      case "Restoring":
        return this.provision(env, owner);
      case "Decommissioning":
        return this.freeze(env, owner);
      case "Retained":
        return this.remove(env, owner);
      default:
        // A dropped site that could not be frozen or is still being deleted is looked at again, with backoff.
        return this.release(env, owner, droppedPending ? "dropped-site-pending" : "nothing-to-do", droppedPending);
    }
  }

  private async provision(env: EnvironmentRecord, owner: string): Promise<string> {
    const status = (site: string) => env.sites.find((s) => s.site === site);
    const results = await this.eachSite(env, async (site) => {
      if (status(site)?.phase === "Ready" && status(site)?.observedGeneration === env.generation) return { phase: "Ready", message: null, done: true };
      const desired = this.required(env, site);
      // Anything applied before (an earlier generation) may hold objects the spec no longer has.
      const prune = env.phase === "Updating" || (status(site)?.observedGeneration ?? 0) > 0;
      const outcome = await syncEnvironment(this.connection(site), desired, { prune, ...this.leaseOf(env, owner) });
      this.metrics.applies.inc({ site }, outcome.applied);
      // A restore scales the tenant's workloads back once access and network are as they were.
      if (env.phase === "Restoring") this.leaseOf(env, owner).lease?.check();
      const resumed = env.phase === "Restoring" ? await resumeWorkloads(this.connection(site), env.namespace) : 0;
      return {
        phase: "Ready",
        message: `${outcome.applied} objects applied, ${outcome.pruned} pruned${env.phase === "Restoring" ? `, ${resumed} workloads resumed` : ""}`,
        done: true,
      };
    });
    return this.conclude(env, owner, results, "provisioned", "ready", "degraded");
  }

  /**
   * Decommissioning -> Retained: access frozen (RoleBindings pruned, quota zero), ingress closed
   * (only default deny, DNS, logs and management stay), the tenant's workloads stopped (scaled to
   * zero, suspended, pods deleted), volumes and data kept. The condition says exactly that.
   */
  private async freeze(env: EnvironmentRecord, owner: string): Promise<string> {
    const stopped = { scaledToZero: 0, suspended: 0, podsDeleted: 0 };
    const results = await this.eachSite(env, async (site) => {
      try {
        await syncEnvironment(this.connection(site), this.required(env, site), { prune: true, ...this.leaseOf(env, owner) });
      } catch (error) {
        // A site where the name belongs to someone else never held anything of ours (it Failed there).
        if (error instanceof TerminalError && error.reason === "NamespaceNotOwned")
          return { phase: "Retained", message: "nothing of ours at this site", done: true };
        throw error;
      }
      this.leaseOf(env, owner).lease?.check();
      const s = await stopWorkloads(this.connection(site), env.namespace);
      stopped.scaledToZero += s.scaledToZero;
      stopped.suspended += s.suspended;
      stopped.podsDeleted += s.podsDeleted;
      return {
        phase: "Retained",
        message: `access frozen, ingress closed, ${s.scaledToZero} workloads scaled to zero, ${s.suspended} jobs suspended, ${s.podsDeleted} pods deleted; data kept`,
        done: true,
      };
    });
    const summary = `access frozen, ingress closed, workloads stopped (${stopped.scaledToZero} scaled to zero, ${stopped.suspended} jobs suspended, ${stopped.podsDeleted} pods deleted); volumes and data kept until the retention period ends`;
    return this.conclude(env, owner, results, "decommissioned", "retained", "degraded", summary);
  }

  /**
   * A site dropped from an environment: frozen there first (retained form, workloads stopped: site
   * phase Retained until `now + retentionDays`), then its namespace deleted once that has passed
   * (Deleting), and only when the namespace is gone is the site forgotten and its capacity released.
   */
  private async removeDroppedSites(env: EnvironmentRecord, owner: string): Promise<boolean> {
    let pending = false;
    const now = new Date();
    const dropped = env.sites.filter((s) => !env.plan.placements.some((p) => p.site === s.site));
    const held = (await this.options.store.commitments(dropped.map((s) => s.site))).filter((c) => c.environmentId === env.id);
    const namespace = { metadata: { name: env.namespace, labels: { [LABELS.org]: env.org, [LABELS.environment]: env.name } } };
    const write = (status: Omit<SiteStatus, "updatedAt">) =>
      this.options.store.transaction([], (tx) => tx.setSiteStatus(env.id, status, new Date().toISOString()));
    for (const s of dropped) {
      try {
        const conn = this.connection(s.site);
        if (s.phase === "Removing") {
          const place = held.find((c) => c.site === s.site);
          const frozen = place ? droppedSiteObjects(env, place, this.options.platform) : undefined;
          let stopped = { scaledToZero: 0, suspended: 0, podsDeleted: 0 };
          if (frozen) {
            await syncEnvironment(conn, frozen, { prune: true, ...this.leaseOf(env, owner) });
            stopped = await stopWorkloads(conn, env.namespace);
          }
          const retainUntil = new Date(now.getTime() + (this.options.retentionDays ?? POLICY.retentionDays.days) * 86_400_000).toISOString();
          const message = `dropped from the environment: access frozen, ingress closed, ${stopped.scaledToZero} workloads scaled to zero, ${stopped.podsDeleted} pods deleted; data kept until ${retainUntil}, then deleted`;
          await write({ site: s.site, namespace: env.namespace, phase: "Retained", message, observedGeneration: env.generation, retainUntil });
        } else if (s.phase === "Deleting" || (s.phase === "Retained" && s.retainUntil && Date.parse(s.retainUntil) <= now.getTime())) {
          this.leaseOf(env, owner).lease?.check();
          if ((await removeEnvironment(conn, namespace)) === "absent") {
            await this.options.store.transaction([], (tx) => tx.releaseSite(env.id, s.site));
          } else {
            await write({
              site: s.site,
              namespace: env.namespace,
              phase: "Deleting",
              message: "dropped from the environment; its namespace is being removed (its capacity stays held until it is gone)",
              observedGeneration: env.generation,
              retainUntil: s.retainUntil ?? null,
            });
            pending = true;
          }
        }
      } catch (error) {
        if (error instanceof TerminalError && error.reason === "NamespaceNotOwned") {
          await this.options.store.transaction([], (tx) => tx.releaseSite(env.id, s.site));
          continue;
        }
        this.options.log.warn({ env: env.id, site: s.site, err: message(error) }, "removing a dropped site failed; retrying");
        pending = true;
      }
    }
    return pending;
  }

  /** Retained past its deadline -> Deleted: remove each namespace we created, wait until it is gone. */
  private async remove(env: EnvironmentRecord, owner: string): Promise<string> {
    const namespace = { metadata: { name: env.namespace, labels: { [LABELS.org]: env.org, [LABELS.environment]: env.name } } };
    const results = await this.eachSite(env, async (site) => {
      try {
        this.leaseOf(env, owner).lease?.check();
        return (await removeEnvironment(this.connection(site), namespace)) === "absent"
          ? { phase: "Deleted", message: null, done: true }
          : // The namespace controller finishes deletion on its own; look again shortly.
            { phase: "Deleting", message: "the namespace is being removed", done: false };
      } catch (error) {
        if (error instanceof TerminalError && error.reason === "NamespaceNotOwned")
          return { phase: "Deleted", message: "the namespace there is not ours; left alone", done: true };
        throw error;
      }
    });
    return this.conclude(env, owner, results, "retention-expired", "deleted", "deleting");
  }

  /** The lease this worker holds on `env`, for the writes it makes (none outside claimed work, e.g. drift repair). */
  private leaseOf(env: EnvironmentRecord, owner: string): { lease?: WorkLease } {
    const lease = this.leases.get(`${owner}/${env.id}`);
    return lease ? { lease } : {};
  }

  /** The builder's objects for a site. @throws TerminalError when this control plane cannot build them */
  private required(env: EnvironmentRecord, site: string): KubernetesObject[] {
    const desired = desiredObjects(env, site, this.options.platform, new Date(), this.sharing.for(env, site));
    if (!desired) throw new TerminalError("SiteNotConfigured", `site ${site} or organization ${env.org} is not in the stacks this control plane loaded`);
    return desired;
  }

  /**
   * Runs one phase's step at every site of the environment at once. A site that fails is `Failed`
   * when retrying cannot help, else `Degraded`; it never stops the other sites.
   */
  private eachSite(env: EnvironmentRecord, step: (site: string) => Promise<Omit<SiteResult, "site" | "terminal">>): Promise<SiteResult[]> {
    return Promise.all(
      env.plan.placements.map(async ({ site }) => {
        const timer = this.metrics.reconcileDuration.startTimer({ site });
        try {
          const result = await step(site);
          timer({ outcome: result.done ? "done" : "waiting" });
          return { site, ...result, terminal: false };
        } catch (error) {
          const terminal = !isRetryable(error);
          timer({ outcome: terminal ? "failed" : "degraded" });
          this.metrics.reconcileErrors.inc({ site, reason: error instanceof TerminalError || error instanceof KubeApiError ? error.reason : "Unreachable" });
          return { site, phase: terminal ? "Failed" : "Degraded", message: message(error), done: false, terminal };
        }
      }),
    );
  }

  /**
   * Records the sites' results: `fail` when one failed for good, `success` when all are done
   * (one transaction with the site statuses), otherwise the statuses alone and a retry later.
   */
  private async conclude(
    env: EnvironmentRecord,
    owner: string,
    results: readonly SiteResult[],
    success: LifecycleEvent,
    doneOutcome: string,
    waitingOutcome: string,
    successReason?: string,
  ): Promise<string> {
    // A worker that lost its lease reports nothing: what it saw may be older than what the new owner does.
    if (this.leaseOf(env, owner).lease && !this.leaseOf(env, owner).lease!.held()) return "lease-lost";
    const statuses = results.map((r) => ({
      site: r.site,
      namespace: env.namespace,
      phase: r.phase,
      message: r.message,
      observedGeneration: r.done ? env.generation : 0,
    }));
    const failed = results.find((r) => r.terminal);
    if (failed) {
      const next = await this.transition(env, "fail", { releaseLease: true, reason: `${failed.site}: ${failed.message}` }, statuses);
      return next ? "failed" : this.release(env, owner, "conflict");
    }
    if (results.every((r) => r.done)) {
      const next = await this.transition(
        env,
        success,
        { releaseLease: true, observedGeneration: env.generation, ...(successReason ? { reason: successReason } : {}) },
        statuses,
      );
      return next ? doneOutcome : this.release(env, owner, "conflict");
    }
    await this.writeSiteStatuses(env, statuses);
    return this.release(env, owner, waitingOutcome, true);
  }

  private connection(site: string): SiteConnection {
    const conn = this.connections.get(site);
    if (!conn) throw new Error(`no kubeconfig for site ${site}; set ${kubeconfigVariable(site)} to its kubeconfig`);
    return conn;
  }

  private async transition(
    env: EnvironmentRecord,
    event: LifecycleEvent,
    changes: { releaseLease: boolean; reason?: string; observedGeneration?: number },
    statuses: readonly Omit<SiteStatus, "updatedAt">[] = [],
  ): Promise<EnvironmentRecord | undefined> {
    const now = new Date().toISOString();
    return this.options.store.transaction([], async (tx) => {
      for (const s of statuses) await tx.setSiteStatus(env.id, s, now);
      const options = this.options.retentionDays === undefined ? {} : { retentionDays: this.options.retentionDays };
      return applyTransition(tx, env.id, env.version, event, ACTOR, now, changes, options);
    });
  }

  private async writeSiteStatuses(env: EnvironmentRecord, statuses: readonly Omit<SiteStatus, "updatedAt">[]): Promise<void> {
    const now = new Date().toISOString();
    await this.options.store.transaction([], async (tx) => {
      for (const s of statuses) await tx.setSiteStatus(env.id, s, now);
    });
  }

  /** Gives the claim back; with `retry`, not before an exponential backoff with jitter. */
  private async release(env: EnvironmentRecord, owner: string, outcome: string, retry = false): Promise<string> {
    // The claim counted this attempt already: the first retry waits up to twice the base.
    const delay = retry ? backoffDelay(env.attempts + 1, { baseMs: this.options.retryBaseMs ?? 500, maxMs: 30_000 }) : 0;
    await this.options.store.releaseWork(env.id, owner, retry ? new Date(Date.now() + delay) : undefined);
    return outcome;
  }

  /** Resolves when no drift repair is queued or running (tests, shutdown). */
  repairsIdle(): Promise<void> {
    return this.drift.idle();
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
