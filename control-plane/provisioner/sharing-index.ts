import { builderAgreement, enforcementSites, nextValidityChange, type SharingAgreement } from "../../model/index.ts";
import type { AgreementRecord, EnvironmentRecord, Store } from "../store/index.ts";

/** One environment at one site that must carry sharing NetworkPolicies now. */
export interface EnforcedPlacement {
  readonly site: string;
  readonly environment: EnvironmentRecord;
  readonly agreements: readonly SharingAgreement[];
}

/**
 * The data-sharing agreements in force, read from the store and decided by the model
 * (`enforcementSites`): for each environment and site, the agreements whose NetworkPolicies it must
 * carry. The provisioner builds from it (provisioning, drift repair, the sharing pass), so every path
 * agrees on what should exist. `revision` changes whenever what is enforced changes.
 */
export class SharingIndex {
  private enforced = new Map<string, EnforcedPlacement>();
  private fingerprint = "";
  /** Bumped whenever the enforced set changes (part of the provisioner's cache keys). */
  revision = 0;
  /** When time alone next changes an agreement (validFrom, validUntil); the provisioner looks again then. */
  nextChange: Date | undefined;
  private loadedAt = 0;
  private stale = true;

  constructor(private readonly store: Store) {}

  /** Marks the index out of date (an agreement or an environment changed). */
  invalidate(): void {
    this.stale = true;
  }

  /** Reads it again when marked stale, older than `maxAgeMs`, or past a validity boundary. */
  async current(now: Date, maxAgeMs = 2_000): Promise<this> {
    const boundaryPassed = this.nextChange !== undefined && this.nextChange.getTime() <= now.getTime();
    if (this.stale || boundaryPassed || now.getTime() - this.loadedAt > maxAgeMs) await this.refresh(now);
    return this;
  }

  /** Reads every approved agreement and both of its environments, and works out where each is enforced. */
  async refresh(now: Date): Promise<void> {
    this.stale = false;
    const agreements: AgreementRecord[] = [];
    for (let after: readonly [string, string] | undefined; ;) {
      const page = await this.store.listAgreements({ states: ["Approved"], limit: 500, ...(after ? { after } : {}) });
      agreements.push(...page);
      if (page.length < 500) break;
      after = [page.at(-1)!.providerOrg, page.at(-1)!.name];
    }
    const environments = new Map<string, EnvironmentRecord | undefined>();
    const environment = async (org: string, name: string) => {
      const key = `${org}/${name}`;
      if (!environments.has(key)) environments.set(key, await this.store.getEnvironment(org, name));
      return environments.get(key);
    };
    const placement = (e: EnvironmentRecord | undefined) =>
      e
        ? {
            phase: e.phase,
            sites: e.plan.placements.map((p) => p.site),
            dataClass: e.plan.dataClass,
            personalData: e.spec.personalData,
            securityLevel: e.spec.securityLevel,
          }
        : undefined;
    const enforced = new Map<string, EnforcedPlacement>();
    let next: number | undefined;
    for (const a of agreements) {
      const provider = await environment(a.providerOrg, a.offer.providerEnvironment);
      const consumer = await environment(a.consumerOrg, a.offer.consumer.environment);
      const change = nextValidityChange(a, now)?.getTime();
      if (change !== undefined) next = next === undefined ? change : Math.min(next, change);
      for (const site of enforcementSites(a, placement(provider), placement(consumer), now)) {
        for (const env of [provider!, consumer!]) {
          const key = `${site}|${env.org}/${env.name}`;
          const entry = enforced.get(key) ?? { site, environment: env, agreements: [] };
          enforced.set(key, { ...entry, agreements: [...entry.agreements, builderAgreement(a)] });
        }
      }
    }
    const fingerprint = JSON.stringify(
      [...enforced.keys()].sort().map((k) => [
        k,
        enforced
          .get(k)!
          .agreements.map((a) => a.id)
          .sort(),
      ]),
    );
    if (fingerprint !== this.fingerprint) this.revision++;
    this.fingerprint = fingerprint;
    this.enforced = enforced;
    this.nextChange = next === undefined ? undefined : new Date(next);
    this.loadedAt = now.getTime();
  }

  /** The agreements whose policies `env` must carry at `site` (none when it carries none). */
  for(env: Pick<EnvironmentRecord, "org" | "name">, site: string): readonly SharingAgreement[] {
    return this.enforced.get(`${site}|${env.org}/${env.name}`)?.agreements ?? [];
  }

  /** Every environment and site that must carry sharing policies now. */
  placements(): readonly EnforcedPlacement[] {
    return [...this.enforced.values()];
  }
}
