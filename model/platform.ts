import { parseBytes, parseCpuMillis, type ResourceAmounts } from "./quantity.ts";
import type { Entitlement, Organization, PeerSite, Site, SiteStackConfig, StaticEnvironment } from "./site-config.ts";
import type { SiteStatus, Zone } from "./policy.ts";

/** A site as the platform knows it: fully configured (own stack) or only a peer reference. */
export interface PlatformSite {
  readonly id: string;
  readonly status: SiteStatus;
  readonly location: Site["location"];
  /** Present when this site's stack is loaded; placement needs pools and tiers. */
  readonly config?: Site;
}

/**
 * All sites, organizations and entitlements the control plane (or one stack) works with, assembled
 * from one or more site stacks. Organizations are merged by slug; entitlements stay per site.
 */
export interface Platform {
  readonly sites: ReadonlyMap<string, PlatformSite>;
  readonly organizations: ReadonlyMap<string, Organization>;
  /** `entitlements.get(org)?.get(site)?.[zone]` */
  readonly entitlements: ReadonlyMap<string, ReadonlyMap<string, Organization["entitlements"]>>;
  /** Environments declared in the stacks (owned by Pulumi); their names are reserved. */
  readonly staticEnvironments: readonly (StaticEnvironment & { readonly site: string })[];
}

/** Builds the platform view from parsed site stacks (see `parseSiteStack`). */
export function assemblePlatform(stacks: readonly SiteStackConfig[]): Platform {
  const sites = new Map<string, PlatformSite>();
  const organizations = new Map<string, Organization>();
  const entitlements = new Map<string, Map<string, Organization["entitlements"]>>();
  const staticEnvironments: (StaticEnvironment & { site: string })[] = [];
  for (const stack of stacks) {
    const { site } = stack;
    sites.set(site.id, { id: site.id, status: site.status, location: site.location, config: site });
    for (const org of stack.organizations) {
      if (!organizations.has(org.slug)) organizations.set(org.slug, org);
      let perSite = entitlements.get(org.slug);
      if (!perSite) entitlements.set(org.slug, (perSite = new Map()));
      perSite.set(site.id, org.entitlements);
    }
    for (const env of stack.environments ?? []) staticEnvironments.push({ ...env, site: site.id });
  }
  // Peers fill in sites whose stacks are not loaded, never override a loaded one.
  for (const stack of stacks) {
    for (const peer of stack.peers ?? []) if (!sites.has(peer.id)) sites.set(peer.id, peerSite(peer));
  }
  return { sites, organizations, entitlements, staticEnvironments };
}

function peerSite(peer: PeerSite): PlatformSite {
  return { id: peer.id, status: peer.status, location: peer.location };
}

/** The organization's entitlement at one site and zone, in canonical units (zero when none). */
export function entitlementOf(platform: Platform, org: string, site: string, zone: Zone): ResourceAmounts {
  const entry = platform.entitlements.get(org)?.get(site)?.[zone as keyof Organization["entitlements"]];
  return entry ? entitlementAmounts(entry) : { cpuMillis: 0, memoryBytes: 0, gpu: 0, storageBytes: {} };
}

/** Converts a validated entitlement to canonical units. */
export function entitlementAmounts(entry: Entitlement): ResourceAmounts {
  const storageBytes: Record<string, number> = {};
  for (const [tier, q] of Object.entries(entry.storage ?? {})) storageBytes[tier] = parseBytes(q) ?? 0;
  return {
    cpuMillis: parseCpuMillis(entry.cpu) ?? 0,
    memoryBytes: parseBytes(entry.memory) ?? 0,
    gpu: entry.gpu ?? 0,
    storageBytes,
  };
}

/** Great-circle distance in km between two sites (haversine). */
export function distanceKm(a: Site["location"], b: Site["location"]): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}
