import { Type } from "@sinclair/typebox";

/** DNS-1123 label: what Kubernetes accepts as a namespace name. */
export const SLUG_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
const SLUG = new RegExp(SLUG_PATTERN);

/** Kubernetes limits namespace names to 63 characters. */
export const NAMESPACE_MAX_LENGTH = 63;

/** A slug field: lowercase ASCII letters, digits and inner hyphens. */
export function SlugSchema(description: string, maxLength = 40) {
  return Type.String({
    minLength: 1,
    maxLength,
    pattern: SLUG_PATTERN,
    description,
    "x-rule": "slug-format",
    "x-message": "must be a DNS-safe slug: lowercase ASCII letters, digits and inner hyphens (no diacritics, no spaces)",
  });
}

/** Why a slug is rejected, in the user's terms; undefined when it is valid. */
export function explainSlug(value: string): string | undefined {
  if (SLUG.test(value)) return undefined;
  const nonAscii = [...new Set([...value].filter((ch) => ch.charCodeAt(0) > 127))];
  if (nonAscii.length > 0) {
    return `must be ASCII: remove the diacritics ${nonAscii.map((c) => `'${c}'`).join(", ")} (display names keep them, slugs do not)`;
  }
  return "must be a DNS-safe slug: lowercase ASCII letters, digits and inner hyphens";
}

/** The namespace of an environment: `<org>-<name>`. */
export function namespaceName(org: string, environment: string): string {
  return `${org}-${environment}`;
}

/**
 * The environment name the site stack uses for an organization's landing namespace (`<org>-landing`:
 * its entitlement record and admin bindings). No requested environment may take it.
 */
export const LANDING_ENVIRONMENT_NAME = "landing";

/** The landing namespace of an onboarded organization, owned by the site stack. */
export function landingNamespaceName(org: string): string {
  return namespaceName(org, LANDING_ENVIRONMENT_NAME);
}

/**
 * Pod Security Admission labels for `restricted`, the level every namespace enforces — tenant
 * environments (the builder) and the site baseline (components) alike.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-admission/
 */
export const RESTRICTED_POD_SECURITY: Readonly<Record<string, string>> = {
  "pod-security.kubernetes.io/enforce": "restricted",
  "pod-security.kubernetes.io/enforce-version": "latest",
  "pod-security.kubernetes.io/audit": "restricted",
  "pod-security.kubernetes.io/warn": "restricted",
};

/** Label keys written on every object we build. */
export const LABELS = {
  org: "ndc.gov.vn/org",
  environment: "ndc.gov.vn/environment",
  zone: "ndc.gov.vn/zone",
  dataClass: "ndc.gov.vn/data-class",
  securityLevel: "ndc.gov.vn/security-level",
  site: "ndc.gov.vn/site",
  stage: "ndc.gov.vn/stage",
  pool: "ndc.gov.vn/pool",
  role: "ndc.gov.vn/role",
  policyVersion: "ndc.gov.vn/policy-version",
  managedBy: "app.kubernetes.io/managed-by",
} as const;

/** On a data-sharing NetworkPolicy only: the agreement's id (so the provisioner finds every one of them). */
export const SHARING_AGREEMENT_LABEL = "ndc.gov.vn/sharing-agreement";

/** Annotation keys. */
export const ANNOTATIONS = {
  displayName: "ndc.gov.vn/display-name",
  displayNameEn: "ndc.gov.vn/display-name-en",
  purpose: "ndc.gov.vn/purpose",
  owners: "ndc.gov.vn/owners",
  nodeSelector: "scheduler.alpha.kubernetes.io/node-selector",
  /** PodTolerationRestriction admission: tolerations added to every pod of the namespace. */
  defaultTolerations: "scheduler.alpha.kubernetes.io/defaultTolerations",
  /** On a tenant's workload while Retained: its replica count before (restore scales it back). */
  replicasBeforeRetention: "ndc.gov.vn/replicas-before-retention",
  /** On a tenant's cron job or job while Retained: it was running before (restore resumes it). */
  suspendedBeforeRetention: "ndc.gov.vn/suspended-before-retention",
} as const;

/**
 * Taint on the nodes of dedicated pools (`<key>=<pool>:NoSchedule`): only environments placed on the
 * pool, whose namespaces tolerate it by default, land there.
 */
export const DEDICATED_TAINT_KEY = "ndc.gov.vn/dedicated";

/** Namespace of the control plane, in the `mgmt` zone (the site baseline creates it; local tooling reads its token). */
export const CONTROL_PLANE_NAMESPACE = "ndc-control-plane";
/** Name of the control plane's Deployment, Service, ServiceAccount and bindings. */
export const CONTROL_PLANE_NAME = "ndc-control-plane";
