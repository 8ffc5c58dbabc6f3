/**
 * The rules that come from law or platform policy, as versioned data with their source. Code reads
 * these tables; it never hard-codes a threshold. Figures DOMAIN.md marks as unconfirmed are flagged
 * `confirmed: false` so reports can say which rules rest on secondary sources.
 */

export const ZONES = ["dmz", "app", "data", "restricted", "mgmt", "secops", "backup"] as const;
export type Zone = (typeof ZONES)[number];

/** Zones an organization may place an environment in; `mgmt` and `secops` belong to the platform. */
export const TENANT_ZONES: readonly Zone[] = ["dmz", "app", "data", "restricted", "backup"];

export const DATA_CLASSES = ["other", "important", "core"] as const;
export type DataClass = (typeof DATA_CLASSES)[number];

export const PERSONAL_DATA = ["none", "basic", "sensitive"] as const;
export type PersonalData = (typeof PERSONAL_DATA)[number];

export const SECURITY_LEVELS = [1, 2, 3, 4, 5] as const;
export type SecurityLevel = (typeof SECURITY_LEVELS)[number];

export const STAGES = ["dev", "test", "staging", "prod"] as const;
export type Stage = (typeof STAGES)[number];

export const SITE_STATUSES = ["planned", "commissioning", "active", "draining"] as const;
export type SiteStatus = (typeof SITE_STATUSES)[number];

export const ORGANIZATION_KINDS = ["ministry", "agency", "province", "socio-political", "platform"] as const;
export type OrganizationKind = (typeof ORGANIZATION_KINDS)[number];

export interface Source {
  readonly law: string;
  readonly confirmed: boolean;
}

/** A directed flow between zones, with an optional condition. */
export interface ZoneFlow {
  readonly from: Zone;
  readonly to: Zone;
  /** Minimum security level of the source environment, when the flow is conditional. */
  readonly minSourceLevel?: SecurityLevel;
  /** Only admin ports (mgmt) or log ports (secops) are opened. */
  readonly ports?: "admin" | "logs";
}

/** The versioned policy the model enforces. Bump `version` on every change; it is stamped on objects. */
export interface Policy {
  readonly version: string;
  /** Personal data of more than N subjects raises the data class [Data Law 60/2024/QH15; Decision 20/2025/QĐ-TTg]. */
  readonly personalDataVolume: {
    readonly source: Source;
    readonly rules: readonly { readonly personalData: PersonalData; readonly atLeast: number; readonly raisesTo: DataClass }[];
  };
  /** Minimum security level by data class and personal data. */
  readonly minimumLevel: {
    readonly source: Source;
    readonly byDataClass: Readonly<Record<DataClass, SecurityLevel>>;
    readonly byPersonalData: Readonly<Record<PersonalData, SecurityLevel>>;
    readonly nationalDatabase: SecurityLevel;
  };
  /** Zones each data class may live in. */
  readonly zonesByDataClass: { readonly source: Source; readonly allowed: Readonly<Record<DataClass, readonly Zone[]>> };
  /** Allowed flows; everything else is denied. */
  readonly flows: { readonly source: Source; readonly allowed: readonly ZoneFlow[] };
  readonly ports: {
    readonly admin: readonly number[];
    readonly logs: readonly number[];
    readonly gateway: readonly number[];
    readonly dns: readonly number[];
  };
  /** Level from which an environment needs a dedicated node pool. */
  readonly dedicatedPoolFromLevel: { readonly source: Source; readonly level: SecurityLevel };
  /** Core data and level-5 systems need replicas on several active sites this far apart. */
  readonly multiSite: {
    readonly source: Source;
    readonly minActiveSites: number;
    readonly minDistanceKm: number;
    readonly appliesToDataClasses: readonly DataClass[];
    readonly appliesFromLevel: SecurityLevel;
  };
  /** Which site statuses accept new environments, and which stages. */
  readonly siteAdmission: Readonly<Record<SiteStatus, readonly Stage[]>>;
  /** Days a decommissioned environment stays `Retained` before deletion. */
  readonly retentionDays: { readonly source: Source; readonly days: number };
  /** Audit records kept at least this long [Decree 53/2022]. */
  readonly auditRetentionMonths: { readonly source: Source; readonly months: number };
  /** Object-count quota per environment (nothing unbounded). */
  readonly objectCounts: Readonly<Record<string, number>>;
  /** Ephemeral storage granted per requested CPU core, and the floor. */
  readonly ephemeralStorage: { readonly perCoreBytes: number; readonly minimumBytes: number };
  /** LimitRange container defaults. */
  readonly containerDefaults: {
    readonly requestCpuMillis: number;
    readonly limitCpuMillis: number;
    readonly requestMemoryBytes: number;
    readonly limitMemoryBytes: number;
  };
  /**
   * Which identity-provider groups an environment may name as owners or viewers: the organization's
   * catalog `ownerGroups`, or groups named `<org><separator>…`; names with a refused prefix never.
   */
  readonly tenantGroups: {
    readonly source: Source;
    /** Groups `<org slug><separator>…` belong to that organization (the longest matching slug wins). */
    readonly orgPrefixSeparator: string;
    /** Prefixes no tenant group may have, compared case-insensitively (Kubernetes' own groups). */
    readonly refusedPrefixes: readonly string[];
  };
  /** Environments whose decommission waits for an operator (and names the version, If-Match). */
  readonly decommissionApproval: { readonly source: Source; readonly stages: readonly Stage[]; readonly dataClasses: readonly DataClass[] };
  /**
   * A change that lowers an environment's stage, security level or (effective) data class waits for
   * an operator when the live environment is of these stages or data classes, or when its live spec
   * needed an operator to approve it (`whenLiveNeedsOperator`): policy may not undo a human decision.
   */
  readonly downgradeApproval: {
    readonly source: Source;
    readonly stages: readonly Stage[];
    readonly dataClasses: readonly DataClass[];
    readonly whenLiveNeedsOperator: boolean;
  };
  /** How long an API token lives: without `expiresIn` the default, and never more than the maximum. */
  readonly apiTokenLifetime: { readonly source: Source; readonly defaultSeconds: number; readonly maxSeconds: number };
  /**
   * Whom an API token may be minted for: a subject names one identity. Subjects with a reserved
   * prefix are the service's own or another authority's; a subject's first token binds it, and a
   * later token for it must carry the same of each `bound` attribute (renewal, never another person,
   * role or organization under a name already in use).
   */
  readonly apiTokenSubjects: {
    readonly source: Source;
    /** Compared case-insensitively. OIDC callers are `<issuer>#<sub>`, which the subject format already refuses (`#`). */
    readonly reservedPrefixes: readonly string[];
    /** Whole subjects no token may carry, compared case-insensitively (`anonymous`: what unauthenticated attempts are recorded as). */
    readonly reservedNames: readonly string[];
    /** root: the person accountable for the token (its lineage's root); role; org: the organization it is confined to. */
    readonly bound: readonly ("root" | "role" | "org")[];
  };
  /** Where data may be kept: every site, replica, log sink and key store inside Vietnam. */
  readonly residency: {
    readonly source: Source;
    /** Latitude and longitude bounds of Vietnam's territory on land (a coarse check of site coordinates). */
    readonly latitude: readonly [number, number];
    readonly longitude: readonly [number, number];
  };
  /** Data-sharing agreements between organizations (DOMAIN.md, "between organizations"). */
  readonly sharing: {
    /** Sharing data of these classes, or from a system at or above this level, needs an operator's approval. */
    readonly operatorApproval: { readonly source: Source; readonly dataClasses: readonly DataClass[]; readonly fromLevel: SecurityLevel };
    /** The consumer's system must be at least at the level the provider's data requires. */
    readonly consumerLevel: { readonly source: Source };
    /** Policies exist only on sites that hold both environments (no traffic between sites is opened). */
    readonly sitesInCommon: { readonly source: Source };
    /** Every agreement names its purpose and legal basis; a refusal names its reason. */
    readonly legalBasis: { readonly source: Source };
    /** Longest validity of one agreement; longer sharing is a new agreement. */
    readonly maxValidityDays: { readonly source: Source; readonly days: number };
  };
  /** Requests the workflow may approve without a human. */
  readonly autoApproval: {
    readonly maxSecurityLevel: SecurityLevel;
    readonly dataClasses: readonly DataClass[];
    readonly stages: readonly Stage[];
    readonly maxCpuMillis: number;
    readonly maxMemoryBytes: number;
    /** GPUs are scarce and costly: above this a human decides. */
    readonly maxGpu: number;
    /** Storage summed over every tier, in bytes. */
    readonly maxStorageBytes: number;
  };
}

const GI = 2 ** 30;
const MI = 2 ** 20;

export const POLICY: Policy = {
  version: "2026.12.1",
  personalDataVolume: {
    source: { law: "Data Law 60/2024/QH15; Decision 20/2025/QĐ-TTg (criteria for important and core data)", confirmed: true },
    rules: [
      { personalData: "basic", atLeast: 1_000_000, raisesTo: "core" },
      { personalData: "basic", atLeast: 100_000, raisesTo: "important" },
      { personalData: "sensitive", atLeast: 100_000, raisesTo: "core" },
      { personalData: "sensitive", atLeast: 10_000, raisesTo: "important" },
    ],
  },
  minimumLevel: {
    source: { law: "Decree 85/2016/NĐ-CP; Circular 12/2022/TT-BTTTT; platform policy (DOMAIN.md)", confirmed: false },
    byDataClass: { other: 1, important: 3, core: 4 },
    byPersonalData: { none: 1, basic: 2, sensitive: 3 },
    nationalDatabase: 5,
  },
  zonesByDataClass: {
    source: { law: "Data Law 60/2024/QH15 Art. 30; Decree 165/2025/NĐ-CP (functional zones)", confirmed: false },
    allowed: {
      core: ["restricted"],
      important: ["data", "restricted"],
      other: ["dmz", "app", "data", "restricted", "backup"],
    },
  },
  flows: {
    source: { law: "TCVN 11930:2017 (zones, egress control); platform policy (DOMAIN.md)", confirmed: false },
    allowed: [
      { from: "dmz", to: "app" },
      { from: "app", to: "data" },
      { from: "app", to: "restricted", minSourceLevel: 4 },
      { from: "app", to: "backup" },
      { from: "data", to: "backup" },
      { from: "restricted", to: "backup" },
      ...(["dmz", "app", "data", "restricted", "secops", "backup"] as const).map((to) => ({ from: "mgmt" as const, to, ports: "admin" as const })),
      ...(["dmz", "app", "data", "restricted", "mgmt", "backup"] as const).map((from) => ({ from, to: "secops" as const, ports: "logs" as const })),
    ],
  },
  ports: { admin: [22, 443, 9100], logs: [514, 6514, 24224], gateway: [8080, 8443], dns: [53] },
  dedicatedPoolFromLevel: { source: { law: "TCVN 11930:2017 level 4 (micro-segmentation)", confirmed: false }, level: 4 },
  multiSite: {
    source: { law: "Data Law 60/2024/QH15 Art. 30 (high availability); Decree 85/2016 level 5 (standby site)", confirmed: false },
    minActiveSites: 2,
    minDistanceKm: 30,
    appliesToDataClasses: ["core"],
    appliesFromLevel: 5,
  },
  siteAdmission: {
    planned: [],
    commissioning: ["dev", "test"],
    active: ["dev", "test", "staging", "prod"],
    draining: [],
  },
  retentionDays: { source: { law: "platform policy (DOMAIN.md retention)", confirmed: false }, days: 30 },
  auditRetentionMonths: { source: { law: "Decree 53/2022/NĐ-CP Art. 26 (logs kept at least 12 months)", confirmed: true }, months: 12 },
  objectCounts: {
    pods: 500,
    services: 50,
    configmaps: 200,
    secrets: 200,
    persistentvolumeclaims: 100,
    replicationcontrollers: 0,
    "count/jobs.batch": 200,
    "count/cronjobs.batch": 50,
    "count/deployments.apps": 100,
    "count/statefulsets.apps": 50,
    "count/ingresses.networking.k8s.io": 20,
  },
  ephemeralStorage: { perCoreBytes: 4 * GI, minimumBytes: 4 * GI },
  containerDefaults: { requestCpuMillis: 100, limitCpuMillis: 500, requestMemoryBytes: 128 * MI, limitMemoryBytes: 512 * MI },
  tenantGroups: {
    // Owners become tenant-admin and viewers get view in the namespace: a group that is not the
    // organization's own (system:authenticated, another ministry's team) would hand its namespace out.
    source: { law: "platform policy: an organization grants access to its environments only to its own people", confirmed: false },
    orgPrefixSeparator: "-",
    refusedPrefixes: ["system:"],
  },
  decommissionApproval: {
    // Taking a production service or core data offline is as weighty as putting it online.
    source: { law: "platform policy: four eyes on taking production services and core data offline", confirmed: false },
    stages: ["prod"],
    dataClasses: ["core"],
  },
  downgradeApproval: {
    // Lowering the stage, level or class of a production service or core data is the first step
    // of taking it offline unseen (a prod environment patched to dev would be approved by policy,
    // then decommissioned without the operator prod needs), and it lowers the controls on data an
    // operator approved as classified. Only an operator undoes an operator's decision.
    source: { law: "platform policy: four eyes on lowering the protection of production services and core data (as decommissionApproval)", confirmed: false },
    stages: ["prod"],
    dataClasses: ["core"],
    whenLiveNeedsOperator: true,
  },
  apiTokenLifetime: {
    // A token that never expires outlives the person or system it was given to; a year at most
    // means every token is reviewed at least yearly.
    source: { law: "platform policy: credentials are reviewed at least yearly", confirmed: false },
    defaultSeconds: 30 * 86_400,
    maxSeconds: 365 * 86_400,
  },
  apiTokenSubjects: {
    // Every action is audited under its subject and four eyes compare subjects: a token minted for
    // a name someone already acts under (alice of byt as a bct requester or an operator; pam minting
    // "alice") would act as that person, and "policy:auto-approval" or "system:provisioner" as the
    // service itself. A name is one identity; renewing its token is the only reason to mint it again.
    source: { law: "platform policy: every action is attributable to one identity (no impersonation through minted tokens)", confirmed: false },
    reservedPrefixes: ["bootstrap:", "system:", "oidc:", "policy:"],
    // Denied attempts without a token are recorded as "anonymous": a token of that name would make
    // a person's acts read as nobody's.
    reservedNames: ["anonymous"],
    bound: ["root", "role", "org"],
  },
  residency: {
    source: {
      law: "Data Law 60/2024/QH15 (core and important data stored in Vietnam); Decree 53/2022/NĐ-CP Art. 26 (user data stored in Vietnam)",
      confirmed: true,
    },
    latitude: [8, 24],
    longitude: [102, 110],
  },
  sharing: {
    operatorApproval: {
      source: {
        law: "Data Law 60/2024/QH15 (core and important data); Decree 194/2025/NĐ-CP (data sharing between agencies); platform policy",
        confirmed: false,
      },
      dataClasses: ["important", "core"],
      fromLevel: 3,
    },
    consumerLevel: { source: { law: "Decree 85/2016/NĐ-CP (level of the receiving system); platform policy (DOMAIN.md)", confirmed: false } },
    sitesInCommon: { source: { law: "platform policy (DOMAIN.md: residency and flows between sites)", confirmed: false } },
    legalBasis: { source: { law: "Decree 194/2025/NĐ-CP (a share and a refusal state their legal basis)", confirmed: false } },
    maxValidityDays: { source: { law: "platform policy", confirmed: false }, days: 730 },
  },
  autoApproval: {
    maxSecurityLevel: 2,
    dataClasses: ["other"],
    stages: ["dev", "test"],
    maxCpuMillis: 16_000,
    maxMemoryBytes: 64 * GI,
    maxGpu: 0,
    maxStorageBytes: 500 * GI,
  },
};
