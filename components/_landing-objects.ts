import {
  ANNOTATIONS,
  BASE_POLICY_NAMES,
  defaultDenyPolicy,
  entitlementAmounts,
  LABELS,
  landingNamespaceName,
  networkPolicyObject,
  TENANT_ADMIN_ROLE,
  type Entitlement,
  type KubernetesObject,
  type Organization,
  type Site,
} from "../model/index.ts";
import { baselineLabels, RESTRICTED_POD_SECURITY } from "./_labels.ts";

/** Name of the ConfigMap that records an organization's entitlements at a site (read by the policy pack). */
export const ENTITLEMENT_RECORD = "ndc-entitlements";

/** The `ndc.gov.vn/role` of landing namespaces. */
export const LANDING_ROLE = "landing";

/**
 * An organization's landing namespace `<org>-landing`: where its administrators start, holding the
 * entitlement record. It runs nothing — its quota allows no pods, services or volumes — and it carries
 * the same guard rails as an environment (Pod Security restricted, default deny), so every namespace
 * with an `ndc.gov.vn/org` label is isolated the same way.
 */
export function landingObjects(site: Site, org: Organization): KubernetesObject[] {
  const ns = landingNamespaceName(org.slug);
  const labels = baselineLabels(site.id, { [LABELS.org]: org.slug, [LABELS.role]: LANDING_ROLE });
  const meta = (name: string) => ({ name, namespace: ns, labels });
  const groups = [...org.ownerGroups].sort().map((name) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name }));
  return [
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name: ns,
        labels: { ...labels, ...RESTRICTED_POD_SECURITY },
        annotations: {
          [ANNOTATIONS.displayName]: org.name.vi.normalize("NFC"),
          [ANNOTATIONS.displayNameEn]: org.name.en,
          [ANNOTATIONS.owners]: org.ownerGroups.join(","),
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: meta("ndc-quota"),
      spec: {
        hard: {
          configmaps: "20",
          "limits.cpu": "0",
          "limits.memory": "0",
          persistentvolumeclaims: "0",
          pods: "0",
          "requests.cpu": "0",
          "requests.memory": "0",
          "requests.storage": "0",
          secrets: "20",
          services: "0",
          "services.loadbalancers": "0",
          "services.nodeports": "0",
        },
      },
    },
    networkPolicyObject(defaultDenyPolicy(), meta(BASE_POLICY_NAMES.defaultDeny)),
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: meta("ndc-org-admins"),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: TENANT_ADMIN_ROLE },
      subjects: groups,
    },
    { apiVersion: "v1", kind: "ConfigMap", metadata: meta(ENTITLEMENT_RECORD), data: entitlementRecord(site, org) },
  ];
}

/** What the organization may use at this site, as written (`organization.json`) and in canonical units (`amounts.json`). */
export function entitlementRecord(site: Site, org: Organization): Record<string, string> {
  const zones = Object.entries(org.entitlements).filter((e): e is [string, Entitlement] => e[1] !== undefined);
  const organization = {
    slug: org.slug,
    site: site.id,
    name: { vi: org.name.vi.normalize("NFC"), en: org.name.en },
    kind: org.kind,
    maxDataClass: org.maxDataClass,
    maxSecurityLevel: org.maxSecurityLevel,
    maxEnvironments: org.maxEnvironments ?? 20,
    allowLoadBalancer: org.allowLoadBalancer ?? false,
    entitlements: Object.fromEntries(zones),
  };
  const amounts = Object.fromEntries(zones.map(([zone, e]) => [zone, entitlementAmounts(e)]));
  return { "organization.json": JSON.stringify(organization, null, 2), "amounts.json": JSON.stringify(amounts, null, 2) };
}
