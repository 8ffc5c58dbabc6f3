import { capacityNotYetOnline } from "./capacity-roadmap.ts";
import { checkSchema } from "./schema-check.ts";
import { dataClassRank, effectiveDataClass, minimumSecurityLevel } from "./data-classification.ts";
import { EnvironmentSpecSchema, type Environment } from "./environment-spec.ts";
import { namespaceName } from "./names.ts";
import { distanceKm, entitlementOf, type Platform, type PlatformSite } from "./platform.ts";
import { POLICY, TENANT_ZONES, type DataClass, type Policy, type SecurityLevel, type Zone } from "./policy.ts";
import { addAmounts, formatBytes, formatCpu, parseBytes, parseCpuMillis, ZERO_AMOUNTS, type ResourceAmounts } from "./quantity.ts";
import type { ComputePool, Organization, Site } from "./site-config.ts";
import { refuseTenantGroup } from "./tenant-groups.ts";
import { IssueCollector } from "./validation-error.ts";

/** A rule the platform cannot meet yet, admitted and reported until it can (DOMAIN.md placement). */
export interface ComplianceException {
  readonly rule: string;
  readonly message: string;
}

/** Where one site's part of an environment lands. */
export interface Placement {
  readonly site: string;
  readonly zone: Zone;
  readonly pool: string;
  readonly dedicatedPool: boolean;
}

/** Resources an admitted environment holds at one site (what capacity admission counts). */
export interface Commitment {
  readonly org: string;
  readonly environment: string;
  readonly site: string;
  readonly zone: Zone;
  readonly pool: string;
  readonly amounts: ResourceAmounts;
}

/** An environment that passed every rule: what to build, where, and what it holds. */
export interface EnvironmentPlan {
  readonly environment: Environment;
  readonly namespace: string;
  readonly dataClass: DataClass;
  readonly minimumLevel: SecurityLevel;
  readonly placements: readonly Placement[];
  readonly amounts: ResourceAmounts;
  readonly complianceExceptions: readonly ComplianceException[];
  readonly policyVersion: string;
}

export interface AdmissionContext {
  /** What other environments already hold; this environment's own entries are ignored (resize). */
  readonly committed?: readonly Commitment[];
  /** Environments the organization already has, excluding this one. @default 0 */
  readonly existingEnvironmentCount?: number;
  /** Namespaces that belong to someone else (Pulumi-declared environments, other requests). */
  readonly reservedNamespaces?: ReadonlySet<string>;
  /**
   * Namespaces another requested environment already holds. `<org>-<name>` is not one-to-one: org
   * `a` with `b-x` and org `a-b` with `x` make one namespace, and the second would squat the first's.
   */
  readonly takenNamespaces?: ReadonlySet<string>;
  readonly policy?: Policy;
  /** The time of the request: a site whose roadmap brings capacity online later refuses it. @default no roadmap check */
  readonly now?: Date;
}

/** What every admission step reads: the request, the platform, the context and the policy in force. */
interface AdmissionInput {
  readonly env: Environment;
  readonly platform: Platform;
  readonly ctx: AdmissionContext;
  readonly policy: Policy;
}

/**
 * Checks an environment against every rule — shape, organization limits, data class and level,
 * zone, site status, dedicated pools, multi-site, site capacity and entitlement — and returns the
 * plan. The rules run as ordered named steps, each adding to one issue collector; all problems of
 * the steps before a stop are reported at once (the shape and the organization must hold before
 * anything else is checked, and capacity is counted only for a placement that holds).
 * @throws ValidationError naming each field, value and rule; nothing is admitted
 */
export function admitEnvironment(env: Environment, platform: Platform, ctx: AdmissionContext = {}): EnvironmentPlan {
  const input: AdmissionInput = { env, platform, ctx, policy: ctx.policy ?? POLICY };
  const issues = new IssueCollector();
  checkShape(input, issues);
  issues.throwIfAny();
  const { org, namespace } = checkOrganization(input, issues);
  const { dataClass, minimumLevel } = checkClassAndLevel(input, org, issues);
  checkAccess(input, org, issues);
  checkZone(input, dataClass, issues);
  const { placements, amounts, complianceExceptions } = checkPlacement(input, dataClass, issues);
  issues.throwIfAny();
  checkCapacityOf(input, placements, amounts, issues);
  issues.throwIfAny();

  return {
    environment: env,
    namespace,
    dataClass,
    minimumLevel,
    placements,
    amounts,
    complianceExceptions,
    policyVersion: input.policy.version,
  };
}

/** Step: the request has the API's shape (types, names, formats). */
function checkShape({ env }: AdmissionInput, issues: IssueCollector): void {
  for (const i of checkSchema(EnvironmentSpecSchema, env.spec)) issues.add(i.field, i.value, i.rule, i.message);
}

/** Step: the organization is onboarded (stops here otherwise), the name is free, the organization under its limit. */
function checkOrganization({ env, platform, ctx }: AdmissionInput, issues: IssueCollector): { org: Organization; namespace: string } {
  const { spec } = env;
  const org = platform.organizations.get(env.org);
  if (!org) {
    issues.add("org", env.org, "organization-known", `is not an onboarded organization; known: ${[...platform.organizations.keys()].sort().join(", ")}`);
    issues.throwIfAny();
  }
  const namespace = namespaceName(env.org, spec.name);
  if (ctx.reservedNamespaces?.has(namespace)) {
    issues.add("name", spec.name, "name-unique", `namespace "${namespace}" already exists or is declared by the site stack; choose another name`);
  } else if (ctx.takenNamespaces?.has(namespace)) {
    issues.add(
      "name",
      spec.name,
      "namespace-unique",
      `makes the namespace "${namespace}" (<organization>-<name>), which another environment already uses; each environment needs a namespace of its own: choose another name`,
    );
  }
  const maxEnvironments = org!.maxEnvironments ?? 20;
  if ((ctx.existingEnvironmentCount ?? 0) >= maxEnvironments) {
    issues.add("org", env.org, "environment-limit", `already has ${ctx.existingEnvironmentCount} environments, the limit is ${maxEnvironments}`);
  }
  return { org: org!, namespace };
}

/** Step: the effective data class and the minimum security level, within what the organization may host. */
function checkClassAndLevel({ env, policy }: AdmissionInput, org: Organization, issues: IssueCollector): { dataClass: DataClass; minimumLevel: SecurityLevel } {
  const { spec } = env;
  const dataClass = effectiveDataClass(spec.dataClass, spec.personalData, spec.personalDataSubjects, policy);
  if (dataClass !== spec.dataClass) {
    issues.add(
      "dataClass",
      spec.dataClass,
      "personal-data-volume",
      `must be at least ${dataClass}: ${spec.personalDataSubjects} subjects of ${spec.personalData} personal data raise the class (${policy.personalDataVolume.source.law})`,
    );
  }
  const minimumLevel = minimumSecurityLevel(dataClass, spec.personalData, env.nationalDatabase ?? false, policy);
  if (spec.securityLevel < minimumLevel) {
    issues.add(
      "securityLevel",
      spec.securityLevel,
      "minimum-security-level",
      `must be at least ${minimumLevel} for ${dataClass} data with ${spec.personalData} personal data${env.nationalDatabase ? " in a national database" : ""} (${policy.minimumLevel.source.law})`,
    );
  }
  if (dataClassRank(dataClass) > dataClassRank(org.maxDataClass)) {
    issues.add(
      "dataClass",
      spec.dataClass,
      "organization-max-data-class",
      `${env.org} may host data up to ${org.maxDataClass}; ask the platform team to raise its entitlement`,
    );
  }
  if (spec.securityLevel > org.maxSecurityLevel) {
    issues.add("securityLevel", spec.securityLevel, "organization-max-security-level", `${env.org} may host systems up to level ${org.maxSecurityLevel}`);
  }
  return { dataClass, minimumLevel };
}

/** Step: what the organization may open (load balancers) and who may act (its own groups only: they are bound to roles in the namespace). */
function checkAccess({ env, platform, policy }: AdmissionInput, org: Organization, issues: IssueCollector): void {
  const { spec } = env;
  if (spec.allowLoadBalancer && !org.allowLoadBalancer) {
    issues.add("allowLoadBalancer", true, "load-balancer-entitlement", `${env.org} is not entitled to LoadBalancer or NodePort services`);
  }
  for (const key of ["owners", "viewers"] as const) {
    (spec[key] ?? []).forEach((group, index) => {
      const refusal = refuseTenantGroup(group, env.org, platform, policy);
      if (refusal) issues.add(`${key}[${index}]`, group, refusal.rule, refusal.message);
    });
  }
}

/** Step: a tenant zone that the data class may be placed in. */
function checkZone({ env, policy }: AdmissionInput, dataClass: DataClass, issues: IssueCollector): void {
  const { spec } = env;
  if (!TENANT_ZONES.includes(spec.zone)) {
    issues.add("zone", spec.zone, "tenant-zone", `belongs to the platform; tenant zones are ${TENANT_ZONES.join(", ")}`);
  }
  const allowedZones = policy.zonesByDataClass.allowed[dataClass];
  if (!allowedZones.includes(spec.zone)) {
    issues.add("zone", spec.zone, "zone-for-data-class", `${dataClass} data may only be placed in ${allowedZones.join(" or ")}`);
  }
}

/**
 * Step: the quantities parse, and each site is known, online, accepts the stage, offers the zone,
 * the storage tiers and a pool of the right kind (dedicated from the policy's level); then the
 * multi-site rule over the sites chosen.
 */
function checkPlacement(
  { env, platform, ctx, policy }: AdmissionInput,
  dataClass: DataClass,
  issues: IssueCollector,
): { placements: Placement[]; amounts: ResourceAmounts; complianceExceptions: ComplianceException[] } {
  const { spec } = env;
  const amounts = requestedAmounts(env, issues);
  const needsDedicated = spec.securityLevel >= policy.dedicatedPoolFromLevel.level;
  const placements: Placement[] = [];
  spec.sites.forEach((siteId, index) => {
    const field = `sites[${index}]`;
    const site = platform.sites.get(siteId);
    if (!site) {
      issues.add(field, siteId, "site-known", `is not a site of this platform; known: ${[...platform.sites.keys()].sort().join(", ")}`);
      return;
    }
    const notOnline = ctx.now && site.config ? capacityNotYetOnline(site.config, ctx.now) : undefined;
    if (notOnline) {
      issues.add(
        field,
        siteId,
        "capacity-online",
        `${siteId}'s capacity comes online with phase ${notOnline.phase} on ${notOnline.onlineFrom}; request this site from that date`,
      );
      return;
    }
    const stages = policy.siteAdmission[site.status];
    if (stages.length === 0) {
      issues.add(field, siteId, "site-accepts", `is ${site.status} and accepts no environments`);
      return;
    }
    if (!stages.includes(spec.stage)) {
      issues.add(field, siteId, "site-accepts", `is ${site.status} and accepts only ${stages.join(", ")} environments, not ${spec.stage}`);
      return;
    }
    if (!site.config) {
      issues.add(field, siteId, "site-configured", `has no stack loaded here; the control plane cannot place environments on it`);
      return;
    }
    if (!site.config.zones.includes(spec.zone)) {
      issues.add("zone", spec.zone, "zone-at-site", `is not offered at ${siteId}; it offers ${site.config.zones.join(", ")}`);
      return;
    }
    for (const tier of Object.keys(spec.resources.storage ?? {})) {
      if (!site.config.storageTiers.some((t) => t.name === tier)) {
        issues.add(
          `resources.storage.${tier}`,
          tier,
          "storage-tier-known",
          `is not a storage tier at ${siteId}; tiers: ${site.config.storageTiers.map((t) => t.name).join(", ")}`,
        );
      }
    }
    const pools = site.config.computePools.filter((p) => p.zones.includes(spec.zone) && (p.dedicated ?? false) === needsDedicated);
    if (pools.length === 0) {
      issues.add(
        field,
        siteId,
        needsDedicated ? "dedicated-pool" : "pool-for-zone",
        needsDedicated
          ? `has no dedicated node pool in zone ${spec.zone}; level ${spec.securityLevel} needs one (from level ${policy.dedicatedPoolFromLevel.level})`
          : `has no shared node pool in zone ${spec.zone}`,
      );
      return;
    }
    const pool = choosePool(pools, site.config, spec.zone, ctx.committed ?? [], env, amounts);
    placements.push({ site: siteId, zone: spec.zone, pool: pool.name, dedicatedPool: needsDedicated });
  });
  const complianceExceptions = multiSiteRule(env, dataClass, platform, policy, issues);
  return { placements, amounts, complianceExceptions };
}

/** Step (once the placement holds): each placement fits its pool's and tier's capacity and the organization's entitlement. */
function checkCapacityOf({ env, platform, ctx }: AdmissionInput, placements: readonly Placement[], amounts: ResourceAmounts, issues: IssueCollector): void {
  for (const placement of placements) {
    checkCapacity(env, placement, platform.sites.get(placement.site)!, platform, amounts, ctx.committed ?? [], issues);
  }
}

/** What an admitted environment holds, one entry per site (feeds later admissions). */
export function commitmentsOf(plan: EnvironmentPlan): Commitment[] {
  return plan.placements.map((p) => ({
    org: plan.environment.org,
    environment: plan.environment.spec.name,
    site: p.site,
    zone: p.zone,
    pool: p.pool,
    amounts: plan.amounts,
  }));
}

/** What a spec asks for, in canonical units (problems reported to `issues`; invalid parts count 0). */
export function requestedAmounts(env: Environment, issues: IssueCollector = new IssueCollector()): ResourceAmounts {
  const { resources } = env.spec;
  const cpuMillis = parseCpuMillis(resources.cpu);
  if (cpuMillis === undefined || cpuMillis <= 0) {
    issues.add("resources.cpu", resources.cpu, "quantity-format", 'must be a positive CPU quantity such as "2", "0.5" or "500m"');
  }
  const memoryBytes = parseBytes(resources.memory);
  if (memoryBytes === undefined || memoryBytes <= 0) {
    issues.add("resources.memory", resources.memory, "quantity-format", 'must be a positive quantity of bytes such as "32Gi" or "512Mi"');
  }
  const storageBytes: Record<string, number> = {};
  for (const [tier, q] of Object.entries(resources.storage ?? {})) {
    const bytes = parseBytes(q);
    if (bytes === undefined || bytes <= 0) {
      issues.add(`resources.storage.${tier}`, q, "quantity-format", 'must be a positive quantity of bytes such as "500Gi"');
    } else storageBytes[tier] = bytes;
  }
  return { cpuMillis: cpuMillis ?? 0, memoryBytes: memoryBytes ?? 0, gpu: resources.gpu ?? 0, storageBytes };
}

function multiSiteRule(env: Environment, dataClass: DataClass, platform: Platform, policy: Policy, issues: IssueCollector): ComplianceException[] {
  const rule = policy.multiSite;
  const applies = rule.appliesToDataClasses.includes(dataClass) || env.spec.securityLevel >= rule.appliesFromLevel;
  if (!applies) return [];
  const active = (s: PlatformSite | undefined) => s?.status === "active";
  const chosen = env.spec.sites.map((id) => platform.sites.get(id)).filter(active) as PlatformSite[];
  const farApart = chosen.some((a) => chosen.some((b) => a !== b && distanceKm(a.location, b.location) >= rule.minDistanceKm));
  if (chosen.length >= rule.minActiveSites && farApart) return [];
  const activeSites = [...platform.sites.values()].filter(active);
  const why = `${dataClass === "core" ? "core data" : `level ${env.spec.securityLevel}`} needs replicas on ${rule.minActiveSites} active sites at least ${rule.minDistanceKm} km apart (${rule.source.law})`;
  if (activeSites.length >= rule.minActiveSites) {
    issues.add("sites", env.spec.sites, "multi-site", `${why}; active sites: ${activeSites.map((s) => s.id).join(", ")}`);
    return [];
  }
  return [
    { rule: "multi-site", message: `${why}; only ${activeSites.length} site is active, admitted with an exception until a second site can take the replica` },
  ];
}

/**
 * What a pool can hold: nodes x node size x the site's overcommit ratio (cpu 2, memory 1 when the site
 * sets none). Capacity admission and the site's capacity summary both use it.
 */
export function poolCapacity(pool: ComputePool, site: Site): ResourceAmounts {
  const over = site.overcommit ?? { cpu: 2, memory: 1 };
  return {
    cpuMillis: Math.floor(pool.nodes * (parseCpuMillis(pool.nodeCpu) ?? 0) * over.cpu),
    memoryBytes: Math.floor(pool.nodes * (parseBytes(pool.nodeMemory) ?? 0) * over.memory),
    gpu: pool.nodes * (pool.nodeGpu ?? 0),
    storageBytes: {},
  };
}

function sumCommitted(committed: readonly Commitment[], env: Environment, match: (c: Commitment) => boolean): ResourceAmounts {
  return committed
    .filter((c) => !(c.org === env.org && c.environment === env.spec.name) && match(c))
    .reduce((acc, c) => addAmounts(acc, c.amounts), ZERO_AMOUNTS);
}

function choosePool(pools: ComputePool[], site: Site, zone: Zone, committed: readonly Commitment[], env: Environment, want: ResourceAmounts): ComputePool {
  const sorted = [...pools].sort((a, b) => a.name.localeCompare(b.name));
  const fits = sorted.find((pool) => {
    const cap = poolCapacity(pool, site);
    const used = sumCommitted(committed, env, (c) => c.site === site.id && c.pool === pool.name && c.zone === zone);
    return used.cpuMillis + want.cpuMillis <= cap.cpuMillis && used.memoryBytes + want.memoryBytes <= cap.memoryBytes && used.gpu + want.gpu <= cap.gpu;
  });
  return fits ?? sorted[0]!;
}

function checkCapacity(
  env: Environment,
  placement: Placement,
  site: PlatformSite,
  platform: Platform,
  want: ResourceAmounts,
  committed: readonly Commitment[],
  issues: IssueCollector,
): void {
  const config = site.config!;
  const pool = config.computePools.find((p) => p.name === placement.pool)!;
  const cap = poolCapacity(pool, config);
  const usedInPool = sumCommitted(committed, env, (c) => c.site === site.id && c.pool === pool.name);
  const where = `pool ${pool.name} at ${site.id}`;
  compare(
    "resources.cpu",
    env.spec.resources.cpu,
    want.cpuMillis,
    usedInPool.cpuMillis,
    cap.cpuMillis,
    formatCpu,
    "site-capacity",
    `the capacity of ${where}`,
    issues,
  );
  compare(
    "resources.memory",
    env.spec.resources.memory,
    want.memoryBytes,
    usedInPool.memoryBytes,
    cap.memoryBytes,
    formatBytes,
    "site-capacity",
    `the capacity of ${where}`,
    issues,
  );
  compare("resources.gpu", env.spec.resources.gpu ?? 0, want.gpu, usedInPool.gpu, cap.gpu, String, "site-capacity", `the GPUs of ${where}`, issues);
  for (const [tierName, bytes] of Object.entries(want.storageBytes)) {
    const tier = config.storageTiers.find((t) => t.name === tierName);
    if (!tier) continue;
    const used = sumCommitted(committed, env, (c) => c.site === site.id).storageBytes[tierName] ?? 0;
    compare(
      `resources.storage.${tierName}`,
      env.spec.resources.storage?.[tierName],
      bytes,
      used,
      parseBytes(tier.capacity) ?? 0,
      formatBytes,
      "site-capacity",
      `the capacity of storage tier ${tierName} at ${site.id}`,
      issues,
    );
  }

  const entitled = entitlementOf(platform, env.org, site.id, placement.zone);
  const usedByOrg = sumCommitted(committed, env, (c) => c.org === env.org && c.site === site.id && c.zone === placement.zone);
  const ent = `${env.org}'s entitlement in zone ${placement.zone} at ${site.id}`;
  compare("resources.cpu", env.spec.resources.cpu, want.cpuMillis, usedByOrg.cpuMillis, entitled.cpuMillis, formatCpu, "entitlement", ent, issues);
  compare(
    "resources.memory",
    env.spec.resources.memory,
    want.memoryBytes,
    usedByOrg.memoryBytes,
    entitled.memoryBytes,
    formatBytes,
    "entitlement",
    ent,
    issues,
  );
  compare("resources.gpu", env.spec.resources.gpu ?? 0, want.gpu, usedByOrg.gpu, entitled.gpu, String, "entitlement", ent, issues);
  for (const [tierName, bytes] of Object.entries(want.storageBytes)) {
    compare(
      `resources.storage.${tierName}`,
      env.spec.resources.storage?.[tierName],
      bytes,
      usedByOrg.storageBytes[tierName] ?? 0,
      entitled.storageBytes[tierName] ?? 0,
      formatBytes,
      "entitlement",
      ent,
      issues,
    );
  }
}

function compare(
  field: string,
  value: unknown,
  want: number,
  used: number,
  limit: number,
  format: (n: number) => string,
  rule: string,
  what: string,
  issues: IssueCollector,
): void {
  if (want === 0 || used + want <= limit) return;
  const free = Math.max(0, limit - used);
  issues.add(field, value, rule, `exceeds ${what}: ${format(want)} requested, ${format(free)} of ${format(limit)} free`);
}
