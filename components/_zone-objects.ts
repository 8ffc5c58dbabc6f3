import {
  defaultDenyPolicy,
  dnsEgressPolicy,
  LABELS,
  namedNetworkPolicy,
  networkPolicyObject,
  networkPorts as ports,
  POLICY,
  type KubernetesObject,
  type NamedNetworkPolicy,
  type Policy,
  type Site,
  type Zone,
} from "../model/index.ts";
import { baselineLabels, RESTRICTED_POD_SECURITY } from "./_labels.ts";

/** The platform namespace of a zone: `ndc-zone-<zone>`. */
export function zoneNamespaceName(zone: Zone): string {
  return `ndc-zone-${zone}`;
}

/** The `ndc.gov.vn/role` of a zone's platform namespace: the dmz one hosts the ingress gateway. */
export function zoneRole(zone: Zone): string {
  // Tenant dmz namespaces admit gateway traffic from namespaces with this role (model builder).
  return zone === "dmz" ? "ingress-gateway" : "zone-platform";
}

/**
 * A zone's platform namespace and its zone-wide policies: default deny both ways, DNS, and the
 * platform flows of DOMAIN.md — every zone ships logs to `secops`, `mgmt` reaches every zone on admin
 * ports, the `dmz` gateway takes internet traffic on gateway ports and forwards it to dmz tenants.
 * Tenant policies select these namespaces by their `ndc.gov.vn/zone` label (mgmt admin ingress, secops
 * log egress, gateway ingress).
 */
export function zoneObjects(site: Site, zone: Zone, policy: Policy = POLICY): KubernetesObject[] {
  const ns = zoneNamespaceName(zone);
  const labels = baselineLabels(site.id, { [LABELS.zone]: zone, [LABELS.role]: zoneRole(zone) });
  const placed = (p: NamedNetworkPolicy): KubernetesObject => networkPolicyObject(p, { name: p.name, namespace: ns, labels });
  const netpol = (name: string, spec: Record<string, unknown>): KubernetesObject => placed(namedNetworkPolicy(name, spec));
  const objects: KubernetesObject[] = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: { ...labels, ...RESTRICTED_POD_SECURITY } } },
    placed(defaultDenyPolicy()),
    placed(dnsEgressPolicy(policy)),
  ];
  const allowed = (from: Zone, to: Zone) => policy.flows.allowed.some((f) => f.from === from && f.to === to);
  if (zone === "secops") {
    const senders = policy.flows.allowed.filter((f) => f.to === "secops").map((f) => f.from);
    objects.push(
      netpol("ndc-allow-log-ingress", {
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [{ namespaceSelector: { matchExpressions: [{ key: LABELS.zone, operator: "In", values: [...new Set(senders)].sort() }] } }],
            ports: ports(policy.ports.logs, ["TCP", "UDP"]),
          },
        ],
      }),
    );
  } else if (allowed(zone, "secops")) {
    objects.push(
      netpol("ndc-allow-log-egress", {
        policyTypes: ["Egress"],
        egress: [{ to: [{ namespaceSelector: { matchLabels: { [LABELS.zone]: "secops" } } }], ports: ports(policy.ports.logs, ["TCP", "UDP"]) }],
      }),
    );
  }
  if (zone === "mgmt") {
    const targets = policy.flows.allowed.filter((f) => f.from === "mgmt").map((f) => f.to);
    objects.push(
      netpol("ndc-allow-admin-egress", {
        policyTypes: ["Egress"],
        egress: [
          {
            to: [{ namespaceSelector: { matchExpressions: [{ key: LABELS.zone, operator: "In", values: [...new Set(targets)].sort() }] } }],
            ports: ports(policy.ports.admin),
          },
        ],
      }),
    );
  }
  if (zone === "dmz") {
    objects.push(
      netpol("ndc-allow-gateway", {
        policyTypes: ["Ingress", "Egress"],
        ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: ports(policy.ports.gateway) }],
        egress: [{ to: [{ namespaceSelector: { matchLabels: { [LABELS.zone]: "dmz" } } }], ports: ports(policy.ports.gateway) }],
      }),
    );
  }
  return objects;
}
