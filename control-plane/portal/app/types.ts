// The API's resources as the portal reads them (the OpenAPI document is the reference).

export interface Condition {
  readonly type: string;
  readonly status: "True" | "False" | "Unknown";
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
}

export interface SiteState {
  readonly phase: string;
  readonly namespace: string;
  readonly pool?: string;
  readonly message: string | null;
}

export interface EnvironmentSpec {
  readonly name: string;
  readonly stage: string;
  readonly zone: string;
  readonly dataClass: string;
  readonly personalData: string;
  readonly personalDataSubjects?: number;
  readonly securityLevel: number;
  readonly sites: readonly string[];
  readonly resources: { readonly cpu: string; readonly memory: string; readonly storage?: Readonly<Record<string, string>>; readonly gpu?: number };
  readonly owners: readonly string[];
  readonly purpose: string;
}

export interface Environment {
  readonly org: string;
  readonly name: string;
  readonly namespace: string;
  readonly stage: string;
  readonly zone: string;
  readonly dataClass: string;
  readonly personalData: string;
  readonly securityLevel: number;
  readonly resources: EnvironmentSpec["resources"];
  readonly owners: readonly string[];
  readonly purpose: string;
  readonly spec: EnvironmentSpec;
  readonly phase: string;
  readonly conditions: readonly Condition[];
  readonly sites: Readonly<Record<string, SiteState>>;
  readonly complianceExceptions: readonly { rule: string; message: string }[];
  readonly requestedBy: string;
  readonly pendingChange: { spec: EnvironmentSpec } | null;
  readonly approvedBy: string | null;
  readonly reason: string | null;
  readonly retainUntil: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor?: string;
}

export interface SiteSummary {
  readonly id: string;
  readonly status: "planned" | "commissioning" | "active" | "draining";
  readonly location: string;
  readonly configured: boolean;
  readonly zones: readonly string[];
  readonly storageTiers: readonly string[];
}

export interface Organization {
  readonly slug: string;
  readonly name: { readonly vi: string; readonly en: string };
  readonly maxDataClass: "other" | "important" | "core";
  readonly maxSecurityLevel: number;
  readonly ownerGroups?: readonly string[];
}
