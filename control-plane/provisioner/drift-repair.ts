import { LABELS, objectKey, SHARING_AGREEMENT_LABEL, type KubernetesObject, type Platform } from "../../model/index.ts";
import { SETTLED_PHASES } from "../domain/index.ts";
import type { EnvironmentRecord, Store } from "../store/index.ts";
import { PROVISIONER_ACTOR } from "./_provisioner-actor.ts";
import { desiredObjects } from "./desired-objects.ts";
import { addFingerprint, objectFingerprint, objectVersion } from "./live-digest.ts";
import { hasDrifted, removalPatch } from "./object-diff.ts";
import { objectPath, OWNED_KINDS } from "./owned-kinds.ts";
import { OwnedObjectWatcher, type OwnedObjectEvent } from "./owned-object-watcher.ts";
import type { ProvisionerLog } from "./provisioner.ts";
import type { ProvisionerMetrics } from "./provisioner-metrics.ts";
import type { SharingIndex } from "./sharing-index.ts";
import { OWNED_SELECTOR, type SiteConnection } from "./site-connection.ts";
import { applyOwned, ensureNamespaceIsOurs, isRetryable, syncEnvironment, unwantedObjects } from "./sync-environment.ts";
import { WorkQueue } from "./work-queue.ts";

/** An environment, by organization and name (how watch events name it, through labels). */
export interface EnvironmentName {
  readonly org: string;
  readonly name: string;
}

/**
 * What one drift repair puts back: a single object a watch saw deleted or edited, or (resync) the
 * whole environment at a site, checked object by object.
 */
export type RepairKey =
  | { readonly kind: "object"; readonly site: string; readonly env: EnvironmentName; readonly object: { readonly kind: string; readonly name: string } }
  | { readonly kind: "resync"; readonly site: string; readonly env: EnvironmentName };

/** The queue's identity of a repair: equal keys are one repair, however often they are queued. */
export function repairKeyString(key: RepairKey): string {
  return JSON.stringify(
    key.kind === "object" ? [key.kind, key.site, key.env.org, key.env.name, key.object.kind, key.object.name] : [key.kind, key.site, key.env.org, key.env.name],
  );
}

/** One resync pass: environments looked at, how many were read object by object, and API calls. */
export interface ResyncStats {
  environments: number;
  queued: number;
  /** Metadata-only list calls (pages), per kind per site. */
  listCalls: number;
  /** GETs of single objects by the queued repairs (complete once the repairs are idle). */
  getCalls: number;
}

export interface DriftRepairOptions {
  readonly store: Store;
  readonly platform: Platform;
  readonly log: ProvisionerLog;
  readonly metrics: ProvisionerMetrics;
  /** The provisioner's open site connections (filled when it starts). */
  readonly connections: ReadonlyMap<string, SiteConnection>;
  /** The connection to a site. @throws when this control plane has no kubeconfig for it */
  readonly connection: (site: string) => SiteConnection;
  /** The sharing agreements in force: their NetworkPolicies are repaired like every other object. */
  readonly sharing: SharingIndex;
}

/**
 * Keeps what the provisioner applied as the builder says: one label-selected watch per kind per
 * site reports changes, the ones that are drift are queued as repairs (bounded concurrency,
 * retries), and a periodic resync re-applies every settled environment for drift no watch saw.
 */
export class DriftRepair {
  private readonly watchers: OwnedObjectWatcher[] = [];
  private readonly repairs: WorkQueue<RepairKey>;
  private readonly recentDesired = new Map<string, KubernetesObject[] | undefined>();
  private resyncTimer: NodeJS.Timeout | undefined;
  private running = false;
  /** site|org|name -> `version:fingerprint` of what a resync last found clean (see live-digest.ts). */
  private readonly verified = new Map<string, string>();
  /** The fingerprint a queued resync repair was queued with, recorded as verified when it finds nothing. */
  private readonly checking = new Map<string, string>();
  /** What the last resync pass did (its GETs are counted as its repairs run). */
  lastResyncStats: ResyncStats | undefined;

  constructor(private readonly options: DriftRepairOptions) {
    this.repairs = new WorkQueue<RepairKey>((key) => this.repair(key), {
      keyString: repairKeyString,
      concurrency: 32,
      baseDelayMs: 200,
      maxDelayMs: 10_000,
      shouldRetry: isRetryable,
      onFailure: (key, error, attempt, retryIn) => this.options.log.warn({ key, attempt, retryIn, err: message(error) }, "drift repair failed"),
    });
  }

  /**
   * Starts the watches on every connected site (with `watch`) and the resync timer (every
   * `resyncIntervalMs`, the first pass shortly after start; 0 disables it).
   */
  start({ watch, resyncIntervalMs }: { watch: boolean; resyncIntervalMs: number }): void {
    this.running = true;
    if (watch) {
      for (const conn of this.options.connections.values()) {
        const watcher = new OwnedObjectWatcher(
          conn,
          (e) => void this.onOwnedEvent(e).catch((err) => this.options.log.warn({ err: message(err) }, "drift check failed")),
          (kind, err) => this.options.log.info({ site: conn.site, kind, err: message(err) }, "watch restarting"),
        );
        this.watchers.push(watcher);
        // A site that is down now is watched once it answers; provisioning reports it meanwhile.
        watcher.start().catch((err) => this.options.log.warn({ site: conn.site, err: message(err) }, "watch not started"));
      }
    }
    if (resyncIntervalMs > 0) this.scheduleResync(Math.min(resyncIntervalMs, 30_000), resyncIntervalMs);
  }

  /** Stops the watches and the resync timer and takes no more repairs; resolves when the running ones are done. */
  stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.resyncTimer);
    for (const w of this.watchers.splice(0)) w.stop();
    this.repairs.stop();
    return this.repairs.idle();
  }

  /** Resolves when no drift repair is queued or running (tests, shutdown). */
  idle(): Promise<void> {
    return this.repairs.idle();
  }

  private scheduleResync(delayMs: number, everyMs: number): void {
    this.resyncTimer = setTimeout(() => {
      this.resync()
        .catch((err) => this.options.log.warn({ err: message(err) }, "resync failed"))
        .finally(() => this.running && this.scheduleResync(everyMs, everyMs));
    }, delayMs);
    this.resyncTimer.unref();
  }

  /**
   * Checks every Ready and Retained environment at every connected site for drift no watch saw.
   * What is live is read as metadata only, one paged list per owned kind per site (API calls per
   * pass: kinds × sites, not one GET per object); an environment whose objects' fingerprint (see
   * live-digest.ts) is the one last verified at its current version is left alone. The others are
   * queued as resync repairs (bounded concurrency, retries), which read each object and put back
   * what is missing or edited. The first pass after a start checks every environment.
   * @returns how many environments were queued
   */
  async resync(): Promise<number> {
    const stats = { environments: 0, queued: 0, listCalls: 0, getCalls: 0 };
    this.lastResyncStats = stats;
    const seen = new Set<string>();
    for (const [site, conn] of this.options.connections) {
      const live = new Map<string, number>();
      try {
        for (const kind of OWNED_KINDS) {
          stats.listCalls += await conn.listMetadata(kind.kind, OWNED_SELECTOR, (items) => {
            for (const m of items) {
              const envKey = `${m.labels?.[LABELS.org] ?? ""}|${m.labels?.[LABELS.environment] ?? ""}`;
              live.set(envKey, addFingerprint(live.get(envKey), objectFingerprint(kind.kind, m.namespace, m.name, objectVersion(kind.kind, m))));
            }
          });
        }
      } catch (err) {
        this.options.log.warn({ site, err: message(err) }, "resync skipped a site that did not answer");
        continue;
      }
      for (const phase of SETTLED_PHASES) {
        let after: readonly [string, string] | undefined;
        for (;;) {
          const page = await this.options.store.listAllEnvironments({ phase, limit: 200, ...(after ? { after } : {}) });
          for (const env of page) {
            if (!env.plan.placements.some((p) => p.site === site)) continue;
            stats.environments++;
            const key = `${site}|${env.org}|${env.name}`;
            seen.add(key);
            const fingerprint = `${env.version}:${live.get(`${env.org}|${env.name}`) ?? "none"}`;
            if (this.verified.get(key) === fingerprint) continue;
            this.checking.set(key, fingerprint);
            this.repairs.add({ kind: "resync", site, env: { org: env.org, name: env.name } });
            stats.queued++;
          }
          if (page.length < 200) break;
          after = [page.at(-1)!.org, page.at(-1)!.name];
          // Let drift repairs and provisioning go first: a resync is background work.
          await this.repairs.idle();
          if (!this.running) return stats.queued;
        }
      }
    }
    for (const key of this.verified.keys()) if (!seen.has(key)) this.verified.delete(key);
    return stats.queued;
  }

  /** Decides whether a watch event is drift; queues a repair when it is. */
  private async onOwnedEvent(event: OwnedObjectEvent): Promise<void> {
    // Most events during provisioning are our own applies coming back: no store read, no build.
    if (event.type !== "DELETED" && this.options.connections.get(event.site)?.isOwnWrite(event.object)) return;
    const labels = event.object.metadata.labels ?? {};
    const org = labels[LABELS.org];
    const name = labels[LABELS.environment];
    if (!org || !name) return;
    const env = await this.options.store.getEnvironment(org, name);
    if (!env || env.namespace !== event.namespace) return;
    await this.options.sharing.current(new Date());
    const desired = this.desiredFor(env, event.site)?.find((o) => objectKey(o) === objectKey(event.object));
    if (!desired) return;
    if (event.type === "DELETED" || hasDrifted(desired, event.object)) {
      this.repairs.add({ kind: "object", site: event.site, env: { org, name }, object: { kind: event.object.kind, name: event.object.metadata.name } });
      this.options.metrics.queueDepth.set(this.repairs.depth);
    }
  }

  /**
   * The builder's objects for an environment version at a site, remembered for the last few
   * environments: a watch (re)start lists every object we own, ~13 events per environment in a row.
   * Retained environments are not remembered (whether they still exist depends on the clock).
   */
  private desiredFor(env: EnvironmentRecord, site: string): KubernetesObject[] | undefined {
    const agreements = this.options.sharing.for(env, site);
    if (env.phase === "Retained") return desiredObjects(env, site, this.options.platform, new Date(), agreements);
    const key = `${site}|${env.id}|${env.version}|${this.options.sharing.revision}`;
    let objects = this.recentDesired.get(key);
    if (!objects) {
      objects = desiredObjects(env, site, this.options.platform, new Date(), agreements);
      if (this.recentDesired.size >= 64) this.recentDesired.delete(this.recentDesired.keys().next().value!);
      this.recentDesired.set(key, objects);
    }
    return objects;
  }

  /** Puts one object (or, for a resync, every object) back as the builder says it should be, and records it. */
  private async repair(key: RepairKey): Promise<void> {
    const { site } = key;
    const env = await this.options.store.getEnvironment(key.env.org, key.env.name);
    if (!env) return;
    // A sharing policy is put back only if its agreement is still in force: read the agreements afresh.
    const sharing = this.options.sharing;
    if (key.kind === "object" && key.object.name.startsWith("ndc-share-")) await sharing.refresh(new Date());
    else await sharing.current(new Date());
    const objects = desiredObjects(env, site, this.options.platform, new Date(), sharing.for(env, site));
    if (!objects) return;
    const conn = this.options.connection(site);
    if (key.kind === "resync") {
      // The whole environment, idempotently; counted only when something was missing.
      const verifiedKey = `${site}|${env.org}|${env.name}`;
      const fingerprint = this.checking.get(verifiedKey);
      this.checking.delete(verifiedKey);
      const before = await Promise.all(objects.map((o) => conn.get(o)));
      if (this.lastResyncStats) this.lastResyncStats.getCalls += objects.length;
      const missing = objects.filter((o, i) => !before[i] || hasDrifted(o, before[i]!));
      // Objects labelled as this environment's in its namespace that the builder does not list
      // (someone added a NetworkPolicy or RoleBinding with our labels): ours to remove. Sharing
      // policies are the sharing pass's, which decides from the agreements read afresh.
      const extras = (await unwantedObjects(conn, objects)).filter((o) => !o.metadata.labels?.[SHARING_AGREEMENT_LABEL]);
      if (this.lastResyncStats) this.lastResyncStats.listCalls += OWNED_KINDS.filter((k) => k.namespaced).length;
      if (missing.length === 0 && extras.length === 0) {
        // As listed when queued, and clean: the next pass skips it until something changes. (Had
        // it changed since the list, the next pass sees another fingerprint and checks again.)
        if (fingerprint && fingerprint.startsWith(`${env.version}:`)) this.verified.set(verifiedKey, fingerprint);
        return;
      }
      if (missing.length > 0) {
        for (const [i, o] of objects.entries()) if (before[i]) await removeForeignFields(conn, o, before[i]!);
        await syncEnvironment(conn, objects, { prune: false });
      }
      await Promise.all(extras.map((o) => conn.delete(o)));
      await this.recordRepair(env, site, [...missing, ...extras], {
        site,
        found: "resync",
        objects: missing.map(objectKey),
        ...(extras.length > 0 ? { pruned: extras.map(objectKey) } : {}),
      });
      return;
    }
    const { kind, name: objectName } = key.object;
    const desired = objects.find((o) => o.kind === kind && o.metadata.name === objectName);
    if (!desired) return;
    const live = await conn.get(desired);
    if (live && !hasDrifted(desired, live)) return;
    if (kind === "Namespace") {
      // The namespace itself was deleted or edited: put the whole environment back, after checking
      // the name was not taken by someone else meanwhile.
      if (live) await removeForeignFields(conn, desired, live);
      await syncEnvironment(conn, objects, { prune: false });
    } else {
      await ensureNamespaceIsOurs(conn, objects[0]!);
      await putBack(conn, desired, live);
    }
    await this.recordRepair(
      env,
      site,
      [desired],
      { site, kind, name: objectName, was: live ? "edited" : "deleted" },
      live ? summary(live) : null,
      summary(desired),
    );
  }

  /** Counts, logs and audits one repair (the metric per kind of object put back). */
  private async recordRepair(
    env: EnvironmentRecord,
    site: string,
    repaired: readonly KubernetesObject[],
    detail: Record<string, unknown>,
    before: unknown = null,
    after: unknown = null,
  ): Promise<void> {
    for (const o of repaired) this.options.metrics.driftRepairs.inc({ site, kind: o.kind });
    this.options.metrics.queueDepth.set(this.repairs.depth);
    this.options.log.info({ env: env.id, ...detail }, "drift repaired");
    await this.options.store.appendAudit({
      actor: PROVISIONER_ACTOR.subject,
      actorRole: PROVISIONER_ACTOR.role,
      action: "environment.drift-repaired",
      outcome: "allowed",
      org: env.org,
      target: `environment ${env.org}/${env.name}`,
      detail,
      before,
      after,
    });
  }
}

/**
 * Puts one object back as the builder says: what others added is removed, then our apply (forced)
 * takes back every field we set.
 * @param live the object as last read, or undefined when it was deleted
 */
export async function putBack(conn: SiteConnection, desired: KubernetesObject, live: KubernetesObject | undefined): Promise<void> {
  if (live) await removeForeignFields(conn, desired, live);
  await applyOwned(conn, desired);
}

/**
 * Removes what others added to an object we own outright (a rule in a default deny, a scope of a
 * quota, a subject of a binding): server-side apply leaves fields other managers own in place.
 */
async function removeForeignFields(conn: SiteConnection, desired: KubernetesObject, live: KubernetesObject): Promise<void> {
  const patch = removalPatch(desired, live);
  if (patch) await conn.request("PATCH", objectPath(desired), patch);
}

function summary(o: KubernetesObject): unknown {
  return { kind: o.kind, namespace: o.metadata.namespace ?? null, name: o.metadata.name, labels: o.metadata.labels ?? {} };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
