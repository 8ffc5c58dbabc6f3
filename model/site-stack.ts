import { parse as parseYaml } from "yaml";
import { admitEnvironment, commitmentsOf, type Commitment, type EnvironmentPlan } from "./admission.ts";
import { roadmapIssues } from "./capacity-roadmap.ts";
import { checkSchema } from "./schema-check.ts";
import { priceListIssues } from "./usage.ts";
import { assemblePlatform } from "./platform.ts";
import { parseBytes, parseCpuMillis } from "./quantity.ts";
import { LOCAL_SITE_ID, SiteStackConfigSchema, type SiteStackConfig } from "./site-config.ts";
import { storageParameterIssues } from "./storage-parameters.ts";
import { namespaceName } from "./names.ts";
import { IssueCollector, ValidationError } from "./validation-error.ts";

/** The Pulumi project name: stack config keys are `ndc:<key>`. */
export const CONFIG_NAMESPACE = "ndc";

/**
 * Parses the text of `stacks/Pulumi.<stack>.yaml` into a validated site stack config.
 * @throws ValidationError naming the file, the key path (e.g. `ndc:site.computePools[0].nodeCpu`) and the rule
 */
export function parseStackFile(text: string, fileName: string): SiteStackConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new ValidationError(
      [{ field: "(file)", value: fileName, rule: "yaml-syntax", message: `is not valid YAML: ${(error as Error).message.split("\n")[0]}` }],
      fileName,
    );
  }
  const config = (doc as { config?: Record<string, unknown> } | null)?.config ?? {};
  return parseSiteStack(configValues(config), fileName);
}

/** Picks the `ndc:*` keys of a Pulumi config map, without the prefix. */
export function configValues(config: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (key.startsWith(`${CONFIG_NAMESPACE}:`)) values[key.slice(CONFIG_NAMESPACE.length + 1)] = value;
  }
  return values;
}

/**
 * Validates a site stack's `ndc:*` values: shape, references between sections, quantities, and the
 * statically declared environments against every admission rule.
 * @throws ValidationError with every problem found; `source` names the file in the message
 */
export function parseSiteStack(values: Record<string, unknown>, source: string): SiteStackConfig {
  const issues = new IssueCollector();
  for (const i of checkSchema(SiteStackConfigSchema, values)) issues.add(`${CONFIG_NAMESPACE}:${i.field}`, i.value, i.rule, i.message);
  issues.throwIfAny(source);
  const config = values as SiteStackConfig;
  checkReferences(config, issues);
  issues.throwIfAny(source);
  planStaticEnvironments(config, source);
  return config;
}

/** Admits the stack's static environments in order, each counting what the previous ones hold. */
export function planStaticEnvironments(config: SiteStackConfig, source = "stack"): EnvironmentPlan[] {
  const platform = assemblePlatform([config]);
  const committed: Commitment[] = [];
  const plans: EnvironmentPlan[] = [];
  const issues = new IssueCollector();
  const perOrg = new Map<string, number>();
  (config.environments ?? []).forEach((declared, index) => {
    const { org, nationalDatabase, ...spec } = declared;
    try {
      const plan = admitEnvironment({ org, spec, nationalDatabase: nationalDatabase ?? false }, platform, {
        committed,
        existingEnvironmentCount: perOrg.get(org) ?? 0,
      });
      plans.push(plan);
      committed.push(...commitmentsOf(plan));
      perOrg.set(org, (perOrg.get(org) ?? 0) + 1);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      for (const i of error.issues) issues.add(`${CONFIG_NAMESPACE}:environments[${index}].${i.field}`, i.value, i.rule, i.message);
    }
  });
  issues.throwIfAny(source);
  return plans;
}

function checkReferences(config: SiteStackConfig, issues: IssueCollector): void {
  const { site } = config;
  const at = (path: string) => `${CONFIG_NAMESPACE}:${path}`;
  checkControlPlane(config, issues);
  unique(
    site.computePools.map((p) => p.name),
    "site.computePools",
    "name",
    issues,
  );
  unique(
    site.storageTiers.map((t) => t.name),
    "site.storageTiers",
    "name",
    issues,
  );
  unique(
    site.storageTiers.map((t) => t.storageClass),
    "site.storageTiers",
    "storageClass",
    issues,
  );
  unique(
    config.organizations.map((o) => o.slug),
    "organizations",
    "slug",
    issues,
  );
  unique(
    (config.environments ?? []).map((e) => namespaceName(e.org, e.name)),
    "environments",
    "name",
    issues,
  );
  site.computePools.forEach((pool, i) => {
    pool.zones.forEach((zone, j) => {
      if (!site.zones.includes(zone))
        issues.add(at(`site.computePools[${i}].zones[${j}]`), zone, "zone-at-site", `is not one of the site's zones (${site.zones.join(", ")})`);
    });
    if (!positive(parseCpuMillis(pool.nodeCpu)))
      issues.add(at(`site.computePools[${i}].nodeCpu`), pool.nodeCpu, "quantity-format", 'must be a positive CPU quantity such as "64"');
    if (!positive(parseBytes(pool.nodeMemory)))
      issues.add(at(`site.computePools[${i}].nodeMemory`), pool.nodeMemory, "quantity-format", 'must be a positive quantity of bytes such as "512Gi"');
  });
  site.storageTiers.forEach((tier, i) => {
    if (!positive(parseBytes(tier.capacity)))
      issues.add(at(`site.storageTiers[${i}].capacity`), tier.capacity, "quantity-format", 'must be a positive quantity of bytes such as "2Pi"');
    for (const p of storageParameterIssues(tier.provisioner, tier.parameters, at(`site.storageTiers[${i}]`))) issues.add(p.field, p.value, p.rule, p.message);
  });
  for (const i of roadmapIssues(site, at("site.roadmap"))) issues.add(i.field, i.value, i.rule, i.message);
  for (const i of priceListIssues(site, at("site.prices"))) issues.add(i.field, i.value, i.rule, i.message);
  (config.peers ?? []).forEach((peer, i) => {
    if (peer.id === site.id) issues.add(at(`peers[${i}].id`), peer.id, "peer-not-self", "names this stack's own site");
  });
  config.organizations.forEach((org, i) => {
    for (const [zone, ent] of Object.entries(org.entitlements)) {
      if (!ent) continue;
      const base = `organizations[${i}].entitlements.${zone}`;
      if (parseCpuMillis(ent.cpu) === undefined) issues.add(at(`${base}.cpu`), ent.cpu, "quantity-format", 'must be a CPU quantity such as "64"');
      if (parseBytes(ent.memory) === undefined) issues.add(at(`${base}.memory`), ent.memory, "quantity-format", 'must be a quantity of bytes such as "256Gi"');
      for (const [tier, q] of Object.entries(ent.storage ?? {})) {
        if (!site.storageTiers.some((t) => t.name === tier))
          issues.add(
            at(`${base}.storage.${tier}`),
            tier,
            "storage-tier-known",
            `is not a storage tier of ${site.id}; tiers: ${site.storageTiers.map((t) => t.name).join(", ")}`,
          );
        else if (parseBytes(q) === undefined) issues.add(at(`${base}.storage.${tier}`), q, "quantity-format", 'must be a quantity of bytes such as "10Ti"');
      }
    }
  });
  (config.environments ?? []).forEach((env, i) => {
    if (!config.organizations.some((o) => o.slug === env.org)) {
      issues.add(at(`environments[${i}].org`), env.org, "organization-known", "is not an organization of this stack");
    }
  });
}

function unique(values: string[], path: string, key: string, issues: IssueCollector): void {
  const seen = new Set<string>();
  values.forEach((v, i) => {
    if (seen.has(v)) issues.add(`${CONFIG_NAMESPACE}:${path}[${i}].${key}`, v, "duplicate-name", `is declared twice; names must be unique`);
    seen.add(v);
  });
}

function positive(n: number | undefined): boolean {
  return n !== undefined && n > 0;
}

/** The control plane's image is pinned, its database shared by every replica, its egress bounded. */
function checkControlPlane(config: SiteStackConfig, issues: IssueCollector): void {
  const cp = config.controlPlane;
  if (!cp) return;
  const at = (path: string) => `${CONFIG_NAMESPACE}:controlPlane.${path}`;
  const local = config.site.id === LOCAL_SITE_ID;
  if (!local && !/@sha256:[0-9a-f]{64}$/.test(cp.image)) {
    issues.add(
      at("image"),
      cp.image,
      "image-digest",
      "must name the image by digest (<repository>@sha256:<64 hex>): a tag can be pushed again with other contents",
    );
  }
  if ((cp.replicas ?? 2) > 1 && !cp.databaseSecret && cp.databaseUrl === undefined) {
    issues.add(
      at("databaseSecret"),
      undefined,
      "shared-database",
      `is required with ${cp.replicas ?? 2} replicas: they must share one PostgreSQL database (SQLite is per pod); name the Secret that holds its URL, or set the URL as a Pulumi secret with \`npm run pulumi -- config set --secret --path ndc:controlPlane.databaseUrl postgresql://… --stack <stack>\``,
    );
  }
  if (!local && !cp.apiServers) {
    issues.add(
      at("apiServers"),
      undefined,
      "api-server-egress",
      "is required: the control plane may send only to its API servers (cidr and port of each), its database, DNS and secops",
    );
  }
}
