import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsync } from "fastify";
import { addAmounts, entitlementAmounts, formatBytes, parseBytes, poolCapacity, ZERO_AMOUNTS, type Platform, type ResourceAmounts } from "../../model/index.ts";
import { canSeeOrg } from "../auth/index.ts";
import type { Store } from "../store/index.ts";
import { principalOf, requirePermission } from "./authentication.ts";
import { NdcError } from "./errors.ts";
import { amountsView } from "./_presenters.ts";
import type { TypeBoxProvider } from "./_type-provider.ts";
import { AmountsSchema, OrgParamsSchema, problems, SiteParamsSchema } from "./schemas.ts";

const SiteSummarySchema = Type.Object({
  id: Type.String(),
  status: Type.String({ description: "planned, commissioning, active or draining" }),
  location: Type.String(),
  configured: Type.Boolean({ description: "this control plane has the site's stack and can place environments there" }),
  zones: Type.Array(Type.String()),
  storageTiers: Type.Array(Type.String()),
});

const CapacitySchema = Type.Object({
  site: Type.String(),
  status: Type.String(),
  pools: Type.Array(
    Type.Object({
      name: Type.String(),
      zones: Type.Array(Type.String()),
      dedicated: Type.Boolean(),
      capacity: AmountsSchema,
      committed: AmountsSchema,
      available: AmountsSchema,
    }),
  ),
  zones: Type.Record(Type.String(), AmountsSchema, { description: "committed per zone" }),
  storage: Type.Array(Type.Object({ tier: Type.String(), capacity: Type.String(), committed: Type.String(), available: Type.String() })),
});

const OrganizationSchema = Type.Object({
  slug: Type.String(),
  name: Type.Object({ vi: Type.String(), en: Type.String() }),
  kind: Type.String(),
  maxDataClass: Type.String(),
  maxSecurityLevel: Type.Integer(),
  maxEnvironments: Type.Integer(),
  allowLoadBalancer: Type.Boolean(),
  entitlements: Type.Record(Type.String(), Type.Record(Type.String(), AmountsSchema), { description: "site -> zone -> entitlement" }),
});

/** Committed capacity per pool, zone and storage tier of one site, from what admission committed. */
export async function siteCapacity(platform: Platform, store: Store, siteId: string) {
  const site = platform.sites.get(siteId)!;
  const commitments = await store.commitments([siteId]);
  const pools = (site.config?.computePools ?? []).map((pool) => {
    const capacity = poolCapacity(pool, site.config!);
    const committed = commitments.filter((c) => c.pool === pool.name).reduce((acc, c) => addAmounts(acc, { ...c.amounts, storageBytes: {} }), ZERO_AMOUNTS);
    const available: ResourceAmounts = {
      cpuMillis: Math.max(0, capacity.cpuMillis - committed.cpuMillis),
      memoryBytes: Math.max(0, capacity.memoryBytes - committed.memoryBytes),
      gpu: Math.max(0, capacity.gpu - committed.gpu),
      storageBytes: {},
    };
    return { pool, capacity, committed, available };
  });
  const zones = new Map<string, ResourceAmounts>();
  for (const c of commitments) zones.set(c.zone, addAmounts(zones.get(c.zone) ?? ZERO_AMOUNTS, c.amounts));
  const storageUsed = commitments.reduce((acc, c) => addAmounts(acc, c.amounts), ZERO_AMOUNTS).storageBytes;
  return { site, pools, zones, storageUsed };
}

/** Sites, their capacity, and the onboarded organizations (as far as the caller may see them). */
export const platformRoutes: FastifyPluginAsync<{ readonly platform: Platform; readonly store: Store }> = async (plain, { platform, store }) => {
  const app = plain.withTypeProvider<TypeBoxProvider>();

  app.get(
    "/v1/sites",
    {
      schema: {
        operationId: "listSites",
        tags: ["sites"],
        summary: "The data center's sites",
        response: { 200: Type.Object({ items: Type.Array(SiteSummarySchema) }), ...problems(401, 429) },
      },
    },
    async (request) => {
      requirePermission(request, "platform:read");
      const items = [...platform.sites.values()]
        .sort((a, b) => a.id.localeCompare(b.id))
        .map((s) => ({
          id: s.id,
          status: s.status,
          location: s.location.name,
          configured: s.config !== undefined,
          zones: [...(s.config?.zones ?? [])],
          storageTiers: (s.config?.storageTiers ?? []).map((t) => t.name),
        }));
      return { items };
    },
  );

  app.get(
    "/v1/sites/:site/capacity",
    {
      schema: {
        operationId: "getSiteCapacity",
        tags: ["sites"],
        summary: "Capacity committed and available per pool, zone and storage tier",
        params: SiteParamsSchema,
        response: { 200: CapacitySchema, ...problems(401, 404, 429) },
      },
    },
    async (request) => {
      requirePermission(request, "platform:read");
      const { site: siteId } = request.params;
      if (!platform.sites.has(siteId)) throw new NdcError("NDC_ERR_NOT_FOUND", `no site ${siteId}; sites: ${[...platform.sites.keys()].sort().join(", ")}`);
      const { site, pools, zones, storageUsed } = await siteCapacity(platform, store, siteId);
      return {
        site: site.id,
        status: site.status,
        pools: pools.map(({ pool, capacity, committed, available }) => ({
          name: pool.name,
          zones: [...pool.zones],
          dedicated: pool.dedicated ?? false,
          capacity: amountsView(capacity),
          committed: amountsView(committed),
          available: amountsView(available),
        })),
        zones: Object.fromEntries([...zones].map(([zone, amounts]) => [zone, amountsView(amounts)])),
        storage: (site.config?.storageTiers ?? []).map((t) => {
          const capacity = parseBytes(t.capacity) ?? 0;
          const used = storageUsed[t.name] ?? 0;
          return { tier: t.name, capacity: formatBytes(capacity), committed: formatBytes(used), available: formatBytes(Math.max(0, capacity - used)) };
        }),
      };
    },
  );

  const organizationView = (slug: string) => {
    const org = platform.organizations.get(slug)!;
    const entitlements: Record<string, Record<string, ReturnType<typeof amountsView>>> = {};
    for (const [site, perZone] of platform.entitlements.get(slug) ?? []) {
      entitlements[site] = Object.fromEntries(Object.entries(perZone).flatMap(([zone, e]) => (e ? [[zone, amountsView(entitlementAmounts(e))]] : [])));
    }
    return {
      slug,
      name: org.name,
      kind: org.kind,
      maxDataClass: org.maxDataClass,
      maxSecurityLevel: org.maxSecurityLevel,
      maxEnvironments: org.maxEnvironments ?? 20,
      allowLoadBalancer: org.allowLoadBalancer ?? false,
      entitlements,
    };
  };

  app.get(
    "/v1/organizations",
    {
      schema: {
        operationId: "listOrganizations",
        tags: ["organizations"],
        summary: "Onboarded organizations the caller may see (its own, or all for platform roles)",
        response: { 200: Type.Object({ items: Type.Array(OrganizationSchema) }), ...problems(401, 429) },
      },
    },
    async (request) => {
      requirePermission(request, "platform:read");
      const principal = principalOf(request);
      const items = [...platform.organizations.keys()]
        .sort()
        .filter((slug) => canSeeOrg(principal, slug))
        .map(organizationView);
      return { items };
    },
  );

  app.get(
    "/v1/organizations/:org",
    {
      schema: {
        operationId: "getOrganization",
        tags: ["organizations"],
        summary: "One organization and its entitlements",
        params: OrgParamsSchema,
        response: { 200: OrganizationSchema, ...problems(401, 404, 429) },
      },
    },
    async (request) => {
      const { org } = request.params;
      requirePermission(request, "platform:read", org);
      if (!platform.organizations.has(org)) throw new NdcError("NDC_ERR_NOT_FOUND", `no organization ${org} is visible to you`);
      return organizationView(org);
    },
  );
};
