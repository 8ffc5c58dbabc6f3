// Problem+json `errors[]` from the API, placed next to the field they name and said in the
// user's language. The rule id is stable; the server's English message is only the fallback.
import { effectiveDataClass, minimumSecurityLevel, POLICY, type DataClass, type PersonalData } from "../../../model/index.ts";
import { translate, translateValue, type Lang } from "./i18n.ts";

/** One entry of a problem's `errors[]`. */
export interface ProblemIssue {
  readonly field: string;
  readonly rule: string;
  readonly message: string;
  readonly value?: unknown;
}

/** An RFC 9457 problem as the API sends it. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly errors: readonly ProblemIssue[];
}

/** Where in a form an API field path belongs: `resources.storage.fast` -> `storage`, `sites[1]` -> `sites`. */
export function formFieldOf(field: string): string {
  const path = field.replace(/^body\./, "").replace(/\[\d+\]/g, "");
  if (path.startsWith("resources.storage")) return "storage";
  if (path.startsWith("resources.")) return path.slice("resources.".length);
  const known = [
    "name",
    "stage",
    "zone",
    "dataClass",
    "personalData",
    "personalDataSubjects",
    "securityLevel",
    "sites",
    "owners",
    "viewers",
    "purpose",
    "allowLoadBalancer",
  ];
  return known.includes(path) ? path : "(form)";
}

/** What was submitted, as far as the messages need it. */
export interface SubmittedSpec {
  readonly dataClass?: DataClass;
  readonly personalData?: PersonalData;
  readonly personalDataSubjects?: number | undefined;
}

const number = (message: string) => /(\d+)/.exec(message)?.[1] ?? "?";

/** One issue, said in `lang`. */
export function explainIssue(lang: Lang, issue: ProblemIssue, spec: SubmittedSpec = {}): string {
  const cls = spec.dataClass && spec.personalData ? effectiveDataClass(spec.dataClass, spec.personalData, spec.personalDataSubjects, POLICY) : undefined;
  const clsText = (c: DataClass | undefined) => (c ? translateValue(lang, "dataClass", c) : "?");
  const empty = issue.value === "" || (Array.isArray(issue.value) && issue.value.length === 0);
  // An empty text or list breaks "min-length 1"/"min-items 1": for a person, the field is required.
  if (empty && (issue.rule === "min-length" || issue.rule === "min-items")) return translate(lang, "error.required");
  switch (issue.rule) {
    case "required":
      return translate(lang, "error.required");
    case "slug-format":
      return translate(lang, "error.slug");
    case "min-length":
      return translate(lang, "error.minLength", { n: number(issue.message) });
    case "max-length":
      return translate(lang, "error.maxLength", { n: number(issue.message) });
    case "min-items":
      return translate(lang, "error.minItems", { n: number(issue.message) });
    case "max-items":
      return translate(lang, "error.maxItems", { n: number(issue.message) });
    case "unique-items":
      return translate(lang, "error.unique");
    case "allowed-values":
      return translate(lang, "error.allowedValues");
    case "type":
      return translate(lang, "error.type");
    case "range":
      return translate(lang, "error.range");
    case "quantity-format":
      return translate(lang, "error.quantity");
    case "personal-data-volume":
      return translate(lang, "error.personalDataVolume", { dataClass: clsText(cls).toLowerCase() });
    case "minimum-security-level": {
      const level = cls && spec.personalData ? minimumSecurityLevel(cls, spec.personalData, false, POLICY) : number(issue.message);
      return translate(lang, "error.minimumSecurityLevel", {
        level,
        dataClass: clsText(cls).toLowerCase(),
        personalData: spec.personalData ? translateValue(lang, "pdPhrase", spec.personalData) : "?",
      });
    }
    case "organization-max-data-class":
      return translate(lang, "error.orgMaxDataClass");
    case "organization-max-security-level":
      return translate(lang, "error.orgMaxSecurityLevel");
    case "zone-for-data-class": {
      const zones = cls ? POLICY.zonesByDataClass.allowed[cls] : [];
      return translate(lang, "error.zoneForDataClass", {
        dataClass: clsText(cls),
        zones: zones.map((z) => translateValue(lang, "zone", z)).join(lang === "vi" ? " hoặc " : " or "),
      });
    }
    case "tenant-zone":
      return translate(lang, "error.tenantZone");
    case "zone-at-site":
      return translate(lang, "error.zoneAtSite");
    case "site-known":
      return translate(lang, "error.siteKnown");
    case "site-accepts":
      return translate(lang, "error.siteAccepts");
    case "site-configured":
      return translate(lang, "error.siteConfigured");
    case "capacity-online":
      return translate(lang, "error.capacityOnline");
    case "dedicated-pool":
      return translate(lang, "error.dedicatedPool");
    case "pool-for-zone":
      return translate(lang, "error.poolForZone");
    case "storage-tier-known":
      return translate(lang, "error.storageTier");
    case "multi-site":
      return translate(lang, "error.multiSite", { count: POLICY.multiSite.minActiveSites, km: POLICY.multiSite.minDistanceKm });
    case "site-capacity":
      return translate(lang, "error.siteCapacity");
    case "name-unique":
      return translate(lang, "error.nameUnique");
    case "environment-limit":
      return translate(lang, "error.environmentLimit");
    case "group-of-organization":
      return translate(lang, "error.groupOfOrganization");
    case "group-reserved":
      return translate(lang, "error.groupReserved");
    case "load-balancer-entitlement":
      return translate(lang, "error.loadBalancer");
    default:
      return `${translate(lang, "error.generic", { rule: issue.rule })} ${issue.message}`;
  }
}

/** The problem's issues grouped by form field, each said in `lang`; `(form)` holds the rest. */
export function fieldErrors(lang: Lang, problem: Problem, spec: SubmittedSpec = {}): Map<string, string[]> {
  const out = new Map<string, string[]>();
  // Someone (or the provisioner) changed it since it was read: say so, not the header's name.
  if (problem.status === 412) return new Map([["(form)", [translate(lang, "error.conflict")]]]);
  for (const issue of problem.errors) {
    const field = formFieldOf(issue.field);
    out.set(field, [...(out.get(field) ?? []), explainIssue(lang, issue, spec)]);
  }
  if (out.size === 0) out.set("(form)", [translate(lang, "error.status", { status: problem.status, detail: problem.detail })]);
  return out;
}
