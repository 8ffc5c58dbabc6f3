import { stringify } from "yaml";
import {
  ANNOTATIONS,
  CONFIG_NAMESPACE,
  CONTROL_PLANE_NAME,
  CONTROL_PLANE_NAMESPACE,
  CONTROL_PLANE_ROLE,
  CONTROL_PLANE_USER,
  DEFAULT_CONTROL_PLANE_REPLICAS,
  defaultDenyPolicy,
  dnsEgressPolicy,
  LABELS,
  namedNetworkPolicy,
  networkPolicyObject,
  POLICY,
  type KubernetesObject,
  type NamedNetworkPolicy,
  type Policy,
  type SiteStackConfig,
} from "../model/index.ts";
import { alertRuleObject } from "./_alert-rules.ts";
import { baselineLabels, RESTRICTED_POD_SECURITY } from "./_labels.ts";

// The control plane's names are the model's: local tooling needs them without loading Pulumi.
export { CONTROL_PLANE_NAME, CONTROL_PLANE_NAMESPACE };
/**
 * Tells the Pulumi Kubernetes provider not to wait for readiness.
 * @see https://www.pulumi.com/registry/packages/kubernetes/installation-configuration/#await-behavior
 */
export const SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait";

/** Where the database Secret is mounted (the file `url` in it is DATABASE_URL_FILE). */
const DATABASE_MOUNT = "/etc/ndc/database";

/** The Secret the stack's `databaseUrl` goes into when `databaseSecret` names none. */
export const DATABASE_SECRET_NAME = "ndc-control-plane-database";

/**
 * The Secret the pods read the database URL from: the one `databaseSecret` names (created by the
 * operators, or by the ControlPlane component from `databaseUrl`), else, with `databaseUrl`, the
 * default one; undefined on SQLite.
 */
export function databaseSecretName(cp: NonNullable<SiteStackConfig["controlPlane"]>): string | undefined {
  return cp.databaseSecret ?? (cp.databaseUrl !== undefined ? DATABASE_SECRET_NAME : undefined);
}

/** Port the service listens on (its `PORT`). */
export const CONTROL_PLANE_PORT = 8080;

/** Inputs of the control-plane deployment. */
export interface ControlPlaneObjectsInput {
  readonly config: SiteStackConfig;
  /** The stack name: the stack file mounted for the service is `Pulumi.<stack>.yaml`. */
  readonly stack: string;
  readonly policy?: Policy;
}

/**
 * The control plane as the site runs it: its namespace in `mgmt`, a ServiceAccount bound to the
 * model's least-privilege `ndc-control-plane` ClusterRole (never cluster-admin), the stack file it
 * admits against, a Deployment that passes Pod Security `restricted`, a Service, network policies
 * (default deny; API ingress from the gateway and mgmt; egress to DNS, the stack's API servers, the
 * database and secops), a PodDisruptionBudget, and with `monitoring` a PrometheusRule of its alerts.
 * The database URL comes from a mounted Secret file.
 */
export function controlPlaneObjects(input: ControlPlaneObjectsInput): KubernetesObject[] {
  const { config, stack } = input;
  const policy = input.policy ?? POLICY;
  const cp = config.controlPlane;
  if (!cp) return [];
  const ns = CONTROL_PLANE_NAMESPACE;
  const labels = baselineLabels(config.site.id, { [LABELS.zone]: "mgmt", [LABELS.role]: "control-plane" });
  const selector = { "app.kubernetes.io/name": CONTROL_PLANE_NAME };
  const meta = (name: string) => ({ name, namespace: ns, labels: { ...labels, ...selector } });
  const stackFile = `Pulumi.${stack}.yaml`;
  const replicas = cp.replicas ?? DEFAULT_CONTROL_PLANE_REPLICAS;
  const databaseSecret = databaseSecretName(cp);
  const tcp = (port: number) => ({ protocol: "TCP", port });
  const placed = (p: NamedNetworkPolicy): KubernetesObject => networkPolicyObject(p, meta(p.name));
  const netpol = (name: string, spec: Record<string, unknown>): KubernetesObject => placed(namedNetworkPolicy(name, spec));
  return [
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name: ns,
        labels: { ...labels, ...RESTRICTED_POD_SECURITY },
        annotations: { [ANNOTATIONS.nodeSelector]: `${LABELS.zone}=mgmt` },
      },
    },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(CONTROL_PLANE_NAME), automountServiceAccountToken: true },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: CONTROL_PLANE_NAME, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: CONTROL_PLANE_ROLE },
      subjects: [{ kind: "ServiceAccount", name: CONTROL_PLANE_NAME, namespace: ns }],
    },
    { apiVersion: "v1", kind: "ConfigMap", metadata: meta("ndc-stack"), data: { [stackFile]: stackFileText(config) } },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        ...meta(CONTROL_PLANE_NAME),
        // Where no kubelet runs pods (the local cluster) the Deployment never becomes ready; the
        // provider would wait 10 minutes and fail the update.
        ...(cp.waitForReady === false ? { annotations: { [SKIP_AWAIT_ANNOTATION]: "true" } } : {}),
      },
      spec: {
        replicas,
        selector: { matchLabels: selector },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: { labels: { ...selector, [LABELS.zone]: "mgmt" } },
          spec: {
            serviceAccountName: CONTROL_PLANE_NAME,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: CONTROL_PLANE_USER.uid,
              runAsGroup: CONTROL_PLANE_USER.gid,
              fsGroup: CONTROL_PLANE_USER.gid,
              seccompProfile: { type: "RuntimeDefault" },
            },
            // Spread replicas over nodes so a drained node never takes the whole service down.
            topologySpreadConstraints: [
              { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
            ],
            containers: [
              {
                name: "control-plane",
                image: cp.image,
                ports: [{ name: "http", containerPort: CONTROL_PLANE_PORT, protocol: "TCP" }],
                env: [
                  { name: "PORT", value: String(CONTROL_PLANE_PORT) },
                  { name: "NDC_STACKS_DIR", value: "/etc/ndc/stacks" },
                  { name: "NDC_DATA_DIR", value: "/var/lib/ndc" },
                  { name: "NDC_SITES", value: stack },
                  // Provision this site through the pod's own ServiceAccount (bound to ndc-control-plane).
                  { name: "NDC_IN_CLUSTER_SITE", value: config.site.id },
                  // Several replicas share PostgreSQL (DESIGN.md 5): its URL is read from the mounted
                  // Secret at start, never put in the environment (/proc/<pid>/environ, reports).
                  ...(databaseSecret ? [{ name: "DATABASE_URL_FILE", value: `${DATABASE_MOUNT}/url` }] : []),
                ],
                readinessProbe: { httpGet: { path: "/readyz", port: "http" }, periodSeconds: 5 },
                livenessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 10, failureThreshold: 6 },
                resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "2", memory: "1Gi" } },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                volumeMounts: [
                  { name: "stacks", mountPath: "/etc/ndc/stacks", readOnly: true },
                  { name: "data", mountPath: "/var/lib/ndc" },
                  { name: "tmp", mountPath: "/tmp" },
                  ...(databaseSecret ? [{ name: "database", mountPath: DATABASE_MOUNT, readOnly: true }] : []),
                ],
              },
            ],
            volumes: [
              { name: "stacks", configMap: { name: "ndc-stack" } },
              { name: "data", emptyDir: {} },
              { name: "tmp", emptyDir: {} },
              // Readable by the service's group only (fsGroup), and only the key it needs.
              ...(databaseSecret
                ? [{ name: "database", secret: { secretName: databaseSecret, items: [{ key: "url", path: "url" }], defaultMode: 0o440 } }]
                : []),
            ],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      // Without pods (no kubelet) the Service never gets endpoints; the provider would wait for them.
      metadata: { ...meta(CONTROL_PLANE_NAME), ...(cp.waitForReady === false ? { annotations: { [SKIP_AWAIT_ANNOTATION]: "true" } } : {}) },
      spec: { type: "ClusterIP", selector, ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }] },
    },
    placed(defaultDenyPolicy()),
    placed(dnsEgressPolicy(policy)),
    netpol("ndc-allow-api-ingress", {
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            { namespaceSelector: { matchLabels: { [LABELS.role]: "ingress-gateway" } } },
            { namespaceSelector: { matchLabels: { [LABELS.zone]: "mgmt" } } },
          ],
          ports: [tcp(CONTROL_PLANE_PORT)],
        },
      ],
    }),
    // Only the API servers the stack names (this site's and its peers'), each on its own port.
    ...(cp.apiServers
      ? [
          netpol("ndc-allow-apiserver-egress", {
            policyTypes: ["Egress"],
            egress: cp.apiServers.map((a) => ({ to: [{ ipBlock: { cidr: a.cidr } }], ports: [tcp(a.port)] })),
          }),
        ]
      : []),
    netpol("ndc-allow-database-egress", {
      policyTypes: ["Egress"],
      egress: [{ to: [{ namespaceSelector: { matchLabels: { [LABELS.zone]: "mgmt" } } }], ports: [tcp(5432)] }],
    }),
    netpol("ndc-allow-log-egress", {
      policyTypes: ["Egress"],
      egress: [
        {
          to: [{ namespaceSelector: { matchLabels: { [LABELS.zone]: "secops" } } }],
          ports: policy.ports.logs.flatMap((port) => [tcp(port), { protocol: "UDP", port }]),
        },
      ],
    }),
    {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: meta(CONTROL_PLANE_NAME),
      // One replica may go at a time; with a single replica a drain still proceeds.
      spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
    },
    // The alerts, each pointing at its runbook, where the site runs prometheus-operator.
    ...(cp.monitoring ? [alertRuleObject(ns, { ...labels, ...selector }, cp.monitoring.runbookBaseUrl)] : []),
  ];
}

/** The stack file as the service reads it from `NDC_STACKS_DIR` (parsed by model `parseStackFile`). */
export function stackFileText(config: SiteStackConfig): string {
  // The cluster binding and state settings are how Pulumi applies the stack, not what the service admits by;
  // the database URL is a secret and reaches the pod only through its Secret.
  const { cluster: _cluster, state: _state, controlPlane, ...rest } = config;
  const cp = controlPlane ? (({ databaseUrl: _url, ...kept }) => kept)(controlPlane) : undefined;
  const values = Object.fromEntries(
    Object.entries({ ...rest, controlPlane: cp })
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [`${CONFIG_NAMESPACE}:${k}`, v]),
  );
  return stringify({ config: values }, { lineWidth: 0 });
}
