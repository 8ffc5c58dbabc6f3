import { Type, type Static } from "@sinclair/typebox";
import { OneOf } from "./_literals.ts";
import { ClusterBindingSchema } from "./cluster-binding.ts";
import { StackStateSchema } from "./stack-state.ts";
import { EnvironmentSpecSchema } from "./environment-spec.ts";
import { SlugSchema } from "./names.ts";
import { DATA_CLASSES, ORGANIZATION_KINDS, SECURITY_LEVELS, SITE_STATUSES, TENANT_ZONES, ZONES } from "./policy.ts";

const Quantity = Type.String({ minLength: 1, maxLength: 32 });
/** A calendar date, YYYY-MM-DD. */
function DateSchema(description: string) {
  return Type.String({ pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", description, "x-rule": "date-format", "x-message": "must be a date written YYYY-MM-DD" });
}
function Price(description: string) {
  return Type.Number({ minimum: 0, maximum: 1e12, description: `${description}, in the list's currency` });
}
const DisplayName = Type.Object(
  { vi: Type.String({ minLength: 1, maxLength: 200 }), en: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

const LocationSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    latitude: Type.Number({ minimum: 8, maximum: 24, description: "inside Vietnam (residency)" }),
    longitude: Type.Number({ minimum: 102, maximum: 110, description: "inside Vietnam (residency)" }),
    disclosed: Type.Optional(Type.Boolean({ description: "false when the location is not public; default true" })),
  },
  { additionalProperties: false },
);

export const ComputePoolSchema = Type.Object(
  {
    name: SlugSchema("pool name"),
    zones: Type.Array(OneOf(ZONES), { minItems: 1, uniqueItems: true }),
    dedicated: Type.Optional(Type.Boolean({ description: "reserved for security level >= 4; default false" })),
    nodes: Type.Integer({ minimum: 0, maximum: 10_000 }),
    nodeCpu: Quantity,
    nodeMemory: Quantity,
    nodeGpu: Type.Optional(Type.Integer({ minimum: 0, maximum: 16 })),
    /** Node names to label (local cluster); production pools are discovered by label. */
    nodeNames: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 253 }))),
  },
  { additionalProperties: false },
);

export const StorageTierSchema = Type.Object(
  {
    name: SlugSchema("tier name"),
    storageClass: SlugSchema("StorageClass name", 63),
    provisioner: Type.String({ minLength: 1 }),
    capacity: Quantity,
    reclaimPolicy: Type.Optional(OneOf(["Delete", "Retain"] as const)),
    parameters: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { additionalProperties: false },
);

export const RoadmapEntrySchema = Type.Object(
  {
    phase: Type.Integer({ minimum: 1, maximum: 3 }),
    from: Type.Integer({ minimum: 2023, maximum: 2035 }),
    to: Type.Integer({ minimum: 2023, maximum: 2035 }),
    racks: Type.Integer({ minimum: 0 }),
    cpu: Quantity,
    memory: Quantity,
    onlineFrom: Type.Optional(DateSchema("the day this phase's capacity comes online; default 1 January of `from`")),
  },
  { additionalProperties: false },
);

/**
 * One version of a site's price list: monthly prices per unit held, in force from a date until the
 * next version. Usage is prorated by the time each environment held its resources.
 */
export const PriceListVersionSchema = Type.Object(
  {
    version: Type.String({ minLength: 1, maxLength: 40, description: "e.g. 2026.1; unique within the site" }),
    effectiveFrom: DateSchema("first day the prices apply, 00:00 Vietnam time (UTC+7)"),
    currency: OneOf(["VND"] as const),
    perMonth: Type.Object(
      {
        cpuCore: Price("one CPU core held for a month"),
        memoryGiB: Price("one GiB of memory held for a month"),
        gpu: Price("one GPU held for a month"),
        storageTiB: Type.Record(Type.String(), Price("one TiB of the tier held for a month"), { description: "per storage tier of the site" }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const SiteSchema = Type.Object(
  {
    id: SlugSchema("site id", 20),
    name: DisplayName,
    location: LocationSchema,
    phase: Type.Integer({ minimum: 1, maximum: 3 }),
    status: OneOf(SITE_STATUSES),
    zones: Type.Array(OneOf(ZONES), { minItems: 1, uniqueItems: true }),
    computePools: Type.Array(ComputePoolSchema),
    storageTiers: Type.Array(StorageTierSchema),
    overcommit: Type.Optional(
      Type.Object({ cpu: Type.Number({ minimum: 1, maximum: 16 }), memory: Type.Number({ minimum: 1, maximum: 2 }) }, { additionalProperties: false }),
    ),
    roadmap: Type.Optional(Type.Array(RoadmapEntrySchema)),
    prices: Type.Optional(Type.Array(PriceListVersionSchema, { description: "the site's price list, one entry per version, oldest first" })),
  },
  { additionalProperties: false },
);

/** Another site of the platform, as far as this stack needs to know it (multi-site rules). */
export const PeerSiteSchema = Type.Object(
  { id: SlugSchema("site id", 20), status: OneOf(SITE_STATUSES), location: LocationSchema },
  { additionalProperties: false },
);

export const EntitlementSchema = Type.Object(
  {
    cpu: Quantity,
    memory: Quantity,
    gpu: Type.Optional(Type.Integer({ minimum: 0 })),
    storage: Type.Optional(Type.Record(Type.String(), Quantity)),
  },
  { additionalProperties: false },
);

export const OrganizationSchema = Type.Object(
  {
    slug: SlugSchema("organization slug", 12),
    name: DisplayName,
    kind: OneOf(ORGANIZATION_KINDS),
    ownerGroups: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    maxDataClass: OneOf(DATA_CLASSES),
    maxSecurityLevel: OneOf(SECURITY_LEVELS),
    maxEnvironments: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, description: "default 20" })),
    allowLoadBalancer: Type.Optional(Type.Boolean()),
    /** Per tenant zone at this site. */
    entitlements: Type.Partial(
      Type.Object(Object.fromEntries(TENANT_ZONES.map((z) => [z, EntitlementSchema])) as Record<string, typeof EntitlementSchema>, {
        additionalProperties: false,
      }),
    ),
  },
  { additionalProperties: false },
);

export const StaticEnvironmentSchema = Type.Composite([
  Type.Object({ org: SlugSchema("organization slug", 12), nationalDatabase: Type.Optional(Type.Boolean()) }),
  EnvironmentSpecSchema,
]);

/** The site id of the developer's stack (`npm start`), the only one whose image may be a tag. */
export const LOCAL_SITE_ID = "local";

/**
 * A Pulumi secret as the stack file keeps it (`pulumi config set --secret`): `{secure: v1:…}`. The
 * program sees the decrypted text; the file never holds it.
 */
export const EncryptedValueSchema = Type.Object({ secure: Type.String({ minLength: 1 }) }, { additionalProperties: false });

export const ControlPlaneConfigSchema = Type.Object(
  {
    image: Type.String({
      minLength: 1,
      description: "by digest (<repository>@sha256:<64 hex>, a tag may precede @) everywhere but the local stack: a tag can be pushed again",
    }),
    databaseSecret: Type.Optional(
      Type.String({
        pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
        maxLength: 253,
        description:
          "Secret in the control plane's namespace whose key `url` is the PostgreSQL URL, mounted read-only as a file (DATABASE_URL_FILE); without it the service keeps SQLite on its volume (one replica only)",
      }),
    ),
    apiServers: Type.Optional(
      Type.Array(
        Type.Object(
          {
            cidr: Type.String({
              pattern: "^(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}/([0-9]|[12][0-9]|3[0-2])$",
              description: "IPv4 CIDR of the API servers, e.g. 10.10.0.10/32",
            }),
            port: Type.Integer({ minimum: 1, maximum: 65535 }),
          },
          { additionalProperties: false },
        ),
        {
          minItems: 1,
          description:
            "the Kubernetes API servers the control plane provisions (this site's and its peers'): its only egress besides DNS, its database and secops; required except on the local stack",
        },
      ),
    ),
    replicas: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
    databaseUrl: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 4096 }), EncryptedValueSchema], {
        description:
          "PostgreSQL URL of the control plane's store, a Pulumi secret (`pulumi config set --secret --path ndc:controlPlane.databaseUrl`) that the program puts into the Secret `databaseSecret` (default ndc-control-plane-database); without it or databaseSecret the service uses SQLite (one replica only)",
      }),
    ),
    waitForReady: Type.Optional(
      Type.Boolean({ description: "wait for the Deployment to become ready on apply; false where no kubelet runs pods (local cluster); default true" }),
    ),
    monitoring: Type.Optional(
      Type.Object(
        {
          runbookBaseUrl: Type.String({
            pattern: "^https?://[^\\s]+$",
            description: "where the repository's runbooks/ folder is served; each alert's runbook_url is made absolute from it",
          }),
        },
        {
          additionalProperties: false,
          description: "deploy the control plane's alerts as a PrometheusRule (the site runs prometheus-operator); absent: no alerts deployed",
        },
      ),
    ),
  },
  { additionalProperties: false },
);

/** Everything a site stack (`stacks/Pulumi.<stack>.yaml`, keys `ndc:*`) declares. */
export const SiteStackConfigSchema = Type.Object(
  {
    site: SiteSchema,
    peers: Type.Optional(Type.Array(PeerSiteSchema)),
    organizations: Type.Array(OrganizationSchema),
    environments: Type.Optional(Type.Array(Type.Object(StaticEnvironmentSchema.properties, { additionalProperties: false }))),
    controlPlane: Type.Optional(ControlPlaneConfigSchema),
    /** The cluster the stack applies to (model/cluster-binding.ts); the control plane ignores it. */
    cluster: Type.Optional(ClusterBindingSchema),
    /** Where Pulumi keeps the stack's state and how it encrypts secrets (model/stack-state.ts). */
    state: Type.Optional(StackStateSchema),
  },
  { additionalProperties: false },
);

export type Site = Static<typeof SiteSchema>;
export type PeerSite = Static<typeof PeerSiteSchema>;
export type ComputePool = Static<typeof ComputePoolSchema>;
export type RoadmapEntry = Static<typeof RoadmapEntrySchema>;
export type PriceListVersion = Static<typeof PriceListVersionSchema>;
export type StorageTier = Static<typeof StorageTierSchema>;
export type Organization = Static<typeof OrganizationSchema>;
export type Entitlement = Static<typeof EntitlementSchema>;
export type StaticEnvironment = Static<typeof StaticEnvironmentSchema>;
export type SiteStackConfig = Static<typeof SiteStackConfigSchema>;
