import type { EnvironmentPlan } from "../admission.ts";
import { ANNOTATIONS, SHARING_AGREEMENT_LABEL, DEDICATED_TAINT_KEY, LABELS, namespaceName, RESTRICTED_POD_SECURITY } from "../names.ts";
import { POLICY, type Policy, type Zone } from "../policy.ts";
import { formatBytes, formatCpu } from "../quantity.ts";
import type { Organization, Site } from "../site-config.ts";
import { egressFlows, ingressFlows } from "../zone-flows.ts";
import type { KubernetesObject, ManagedBy } from "./kubernetes-object.ts";
import {
  BASE_POLICY_NAMES,
  defaultDenyPolicy,
  dnsEgressPolicy,
  namedNetworkPolicy as netpol,
  networkPolicyObject,
  networkPorts as ports,
  sameNamespacePolicy,
  type NamedNetworkPolicy as NamedPolicy,
} from "./network-policy.ts";
import { TENANT_ADMIN_ROLE, VIEWER_ROLE } from "./platform-rbac.ts";
import { isAgreementInForce, type SharingAgreement } from "./sharing-agreement.ts";

/** Input of the builder: an admitted plan, the site it is built for, and its context. */
export interface EnvironmentBuildInput {
  readonly plan: EnvironmentPlan;
  /** The site whose objects are built; must be one of the plan's placements. */
  readonly site: Site;
  readonly organization: Organization;
  /** Agreements naming this environment; only those in force become policies. @default none */
  readonly agreements?: readonly SharingAgreement[];
  /** @default "ndc-control-plane" */
  readonly managedBy?: ManagedBy;
  readonly policy?: Policy;
}

/** Names of the objects every environment gets. A contract: renaming one orphans live objects. */
export const OBJECT_NAMES = {
  quota: "ndc-quota",
  limits: "ndc-limits",
  defaultDeny: BASE_POLICY_NAMES.defaultDeny,
  dns: BASE_POLICY_NAMES.dns,
  sameNamespace: BASE_POLICY_NAMES.sameNamespace,
  zoneEgress: "ndc-zone-egress",
  zoneIngress: "ndc-zone-ingress",
  mgmtAdmin: "ndc-allow-mgmt-admin",
  logEgress: "ndc-allow-log-egress",
  gatewayIngress: "ndc-allow-gateway-ingress",
  owners: "ndc-owners",
  viewers: "ndc-viewers",
  deployer: "ndc-deployer",
} as const;

/**
 * Turns an admitted environment into the exact Kubernetes objects that isolate it at one site:
 * Namespace, ServiceAccount, ResourceQuota, LimitRange, NetworkPolicies, RoleBindings — in apply
 * order, with stable names. Pure and deterministic; the Pulumi `TenantEnvironment` component and
 * the control plane's provisioner both call it.
 * @throws Error when the site is not one of the plan's placements (a programming error)
 */
export function buildEnvironmentObjects(input: EnvironmentBuildInput): KubernetesObject[] {
  const { plan, site, organization } = input;
  const policy = input.policy ?? POLICY;
  const managedBy = input.managedBy ?? "ndc-control-plane";
  const placement = plan.placements.find((p) => p.site === site.id);
  if (!placement) throw new Error(`environment ${plan.namespace} is not placed on site ${site.id}; placed on ${plan.placements.map((p) => p.site).join(", ")}`);
  const { spec, org } = plan.environment;
  const ns = plan.namespace;
  const common = {
    [LABELS.managedBy]: managedBy,
    [LABELS.org]: org,
    [LABELS.environment]: spec.name,
  };
  const meta = (name: string) => ({ name, namespace: ns, labels: common });

  const namespace: KubernetesObject = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: ns,
      labels: {
        ...common,
        [LABELS.zone]: spec.zone,
        [LABELS.dataClass]: plan.dataClass,
        [LABELS.securityLevel]: String(spec.securityLevel),
        [LABELS.site]: site.id,
        [LABELS.stage]: spec.stage,
        [LABELS.pool]: placement.pool,
        [LABELS.policyVersion]: plan.policyVersion,
        ...RESTRICTED_POD_SECURITY,
      },
      annotations: {
        [ANNOTATIONS.displayName]: organization.name.vi.normalize("NFC"),
        [ANNOTATIONS.displayNameEn]: organization.name.en,
        [ANNOTATIONS.purpose]: spec.purpose.normalize("NFC"),
        [ANNOTATIONS.owners]: spec.owners.join(","),
        [ANNOTATIONS.nodeSelector]: nodeSelector(spec.zone, placement.pool, placement.dedicatedPool),
        // Dedicated pools are tainted: the namespace's pods tolerate their own pool's taint only.
        ...(placement.dedicatedPool ? { [ANNOTATIONS.defaultTolerations]: dedicatedTolerations(placement.pool) } : {}),
      },
    },
  };

  const serviceAccount: KubernetesObject = {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: meta(OBJECT_NAMES.deployer),
    automountServiceAccountToken: false,
  };

  const objects: KubernetesObject[] = [
    namespace,
    serviceAccount,
    { apiVersion: "v1", kind: "ResourceQuota", metadata: meta(OBJECT_NAMES.quota), spec: { hard: quotaHard(plan, site, policy) } },
    { apiVersion: "v1", kind: "LimitRange", metadata: meta(OBJECT_NAMES.limits), spec: { limits: limitRanges(plan, policy) } },
    ...networkPolicies(plan, input.agreements ?? [], policy).map((p) =>
      networkPolicyObject(p, p.agreement ? { ...meta(p.name), labels: { ...common, [SHARING_AGREEMENT_LABEL]: p.agreement } } : meta(p.name)),
    ),
    ...roleBindings(plan).map(({ name, roleRef, subjects }) => ({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: meta(name),
      roleRef,
      subjects,
    })),
  ];
  return objects;
}

/** The NetworkPolicy of a sharing agreement, in the provider's and in the consumer's namespace. A contract like OBJECT_NAMES. */
export function sharingPolicyName(agreementId: string): string {
  return `ndc-share-${agreementId}`;
}

/** The PodNodeSelector annotation: pods land on their zone's nodes, and on the pool when dedicated. */
export function nodeSelector(zone: Zone, pool: string, dedicated: boolean): string {
  return dedicated ? `${LABELS.zone}=${zone},${LABELS.pool}=${pool}` : `${LABELS.zone}=${zone}`;
}

/** The PodTolerationRestriction annotation value: tolerate the dedicated pool's taint (JSON list). */
export function dedicatedTolerations(pool: string): string {
  return JSON.stringify([{ key: DEDICATED_TAINT_KEY, operator: "Equal", value: pool, effect: "NoSchedule" }]);
}

/** The quota: every requested resource, every storage class of the site (zero when not asked for), object counts. */
function quotaHard(plan: EnvironmentPlan, site: Site, policy: Policy): Record<string, string> {
  const { amounts } = plan;
  const allowLb = plan.environment.spec.allowLoadBalancer === true;
  const totalStorage = Object.values(amounts.storageBytes).reduce((a, b) => a + b, 0);
  const cores = Math.ceil(amounts.cpuMillis / 1000);
  const ephemeral = Math.max(policy.ephemeralStorage.minimumBytes, cores * policy.ephemeralStorage.perCoreBytes);
  const hard: Record<string, string> = {
    "requests.cpu": formatCpu(amounts.cpuMillis),
    "limits.cpu": formatCpu(amounts.cpuMillis),
    "requests.memory": formatBytes(amounts.memoryBytes),
    "limits.memory": formatBytes(amounts.memoryBytes),
    "requests.nvidia.com/gpu": String(amounts.gpu),
    "requests.storage": formatBytes(totalStorage),
    "requests.ephemeral-storage": formatBytes(ephemeral),
    "limits.ephemeral-storage": formatBytes(ephemeral),
    "services.loadbalancers": allowLb ? "2" : "0",
    "services.nodeports": allowLb ? "2" : "0",
  };
  for (const tier of site.storageTiers) {
    const bytes = amounts.storageBytes[tier.name] ?? 0;
    hard[`${tier.storageClass}.storageclass.storage.k8s.io/requests.storage`] = formatBytes(bytes);
    if (bytes === 0) hard[`${tier.storageClass}.storageclass.storage.k8s.io/persistentvolumeclaims`] = "0";
  }
  for (const [key, count] of Object.entries(policy.objectCounts)) hard[key] = String(count);
  return Object.fromEntries(Object.entries(hard).sort(([a], [b]) => a.localeCompare(b)));
}

function limitRanges(plan: EnvironmentPlan, policy: Policy): unknown[] {
  const d = policy.containerDefaults;
  const { amounts } = plan;
  const maxStorage = Math.max(0, ...Object.values(amounts.storageBytes));
  const ranges: unknown[] = [
    {
      type: "Container",
      default: { cpu: formatCpu(Math.min(d.limitCpuMillis, amounts.cpuMillis)), memory: formatBytes(Math.min(d.limitMemoryBytes, amounts.memoryBytes)) },
      defaultRequest: {
        cpu: formatCpu(Math.min(d.requestCpuMillis, amounts.cpuMillis)),
        memory: formatBytes(Math.min(d.requestMemoryBytes, amounts.memoryBytes)),
      },
      max: { cpu: formatCpu(amounts.cpuMillis), memory: formatBytes(amounts.memoryBytes) },
    },
  ];
  if (maxStorage > 0) ranges.push({ type: "PersistentVolumeClaim", max: { storage: formatBytes(maxStorage) } });
  return ranges;
}

/** Default deny both ways, then each allowed flow as its own named policy. */
function networkPolicies(plan: EnvironmentPlan, agreements: readonly SharingAgreement[], policy: Policy): (NamedPolicy & { agreement?: string })[] {
  const { spec, org } = plan.environment;
  const zone = spec.zone;
  const policies: (NamedPolicy & { agreement?: string })[] = [defaultDenyPolicy(), dnsEgressPolicy(policy), sameNamespacePolicy()];

  // The zone matrix, within the organization. mgmt and secops flows have their own policies below.
  const levelsFrom = (min: number) => [1, 2, 3, 4, 5].filter((l) => l >= min).map(String);
  const egress = egressFlows(zone, policy).filter((f) => !f.ports && spec.securityLevel >= (f.minSourceLevel ?? 1));
  if (egress.length > 0) {
    policies.push(
      netpol(OBJECT_NAMES.zoneEgress, {
        policyTypes: ["Egress"],
        egress: [{ to: egress.map((f) => ({ namespaceSelector: { matchLabels: { [LABELS.org]: org, [LABELS.zone]: f.to } } })) }],
      }),
    );
  }
  const ingress = ingressFlows(zone, policy).filter((f) => !f.ports);
  if (ingress.length > 0) {
    policies.push(
      netpol(OBJECT_NAMES.zoneIngress, {
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: ingress.map((f) => ({
              namespaceSelector: f.minSourceLevel
                ? {
                    matchLabels: { [LABELS.org]: org, [LABELS.zone]: f.from },
                    matchExpressions: [{ key: LABELS.securityLevel, operator: "In", values: levelsFrom(f.minSourceLevel) }],
                  }
                : { matchLabels: { [LABELS.org]: org, [LABELS.zone]: f.from } },
            })),
          },
        ],
      }),
    );
  }
  if (policy.flows.allowed.some((f) => f.from === "mgmt" && f.to === zone)) {
    policies.push(
      netpol(OBJECT_NAMES.mgmtAdmin, {
        policyTypes: ["Ingress"],
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { [LABELS.zone]: "mgmt" } } }], ports: ports(policy.ports.admin) }],
      }),
    );
  }
  if (policy.flows.allowed.some((f) => f.from === zone && f.to === "secops")) {
    policies.push(
      netpol(OBJECT_NAMES.logEgress, {
        policyTypes: ["Egress"],
        egress: [{ to: [{ namespaceSelector: { matchLabels: { [LABELS.zone]: "secops" } } }], ports: ports(policy.ports.logs, ["TCP", "UDP"]) }],
      }),
    );
  }
  if (zone === "dmz") {
    policies.push(
      netpol(OBJECT_NAMES.gatewayIngress, {
        policyTypes: ["Ingress"],
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { [LABELS.role]: "ingress-gateway" } } }], ports: ports(policy.ports.gateway) }],
      }),
    );
  }

  const self = { org, environment: spec.name };
  const same = (a: { org: string; environment: string }) => a.org === self.org && a.environment === self.environment;
  for (const a of [...agreements].filter(isAgreementInForce).sort((x, y) => x.id.localeCompare(y.id))) {
    const peerPorts = [{ protocol: a.protocol, port: a.port }];
    if (same(a.provider)) {
      const peer = namespaceName(a.consumer.org, a.consumer.environment);
      policies.push({
        ...netpol(sharingPolicyName(a.id), {
          policyTypes: ["Ingress"],
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": peer } } }], ports: peerPorts }],
        }),
        agreement: a.id,
      });
    } else if (same(a.consumer)) {
      const peer = namespaceName(a.provider.org, a.provider.environment);
      policies.push({
        ...netpol(sharingPolicyName(a.id), {
          policyTypes: ["Egress"],
          egress: [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": peer } } }], ports: peerPorts }],
        }),
        agreement: a.id,
      });
    }
  }
  return policies;
}

/** A binding before it gets the environment's metadata. */
type NamedBinding = { readonly name: string; readonly roleRef: unknown; readonly subjects: unknown[] };

function roleBindings(plan: EnvironmentPlan): NamedBinding[] {
  const { spec } = plan.environment;
  const binding = (name: string, role: string, subjects: unknown[]): NamedBinding => ({
    name,
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects,
  });
  const groups = (names: readonly string[]) => [...names].sort().map((name) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name }));
  const bindings = [
    binding(OBJECT_NAMES.owners, TENANT_ADMIN_ROLE, groups(spec.owners)),
    binding(OBJECT_NAMES.deployer, TENANT_ADMIN_ROLE, [{ kind: "ServiceAccount", name: OBJECT_NAMES.deployer, namespace: plan.namespace }]),
  ];
  if (spec.viewers && spec.viewers.length > 0) bindings.push(binding(OBJECT_NAMES.viewers, VIEWER_ROLE, groups(spec.viewers)));
  return bindings.sort((a, b) => a.name.localeCompare(b.name));
}
