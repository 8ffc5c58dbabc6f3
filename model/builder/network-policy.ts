import type { Policy } from "../policy.ts";
import type { KubernetesObject } from "./kubernetes-object.ts";

/** A network policy before it gets its namespace's metadata. */
export interface NamedNetworkPolicy {
  readonly name: string;
  readonly spec: Record<string, unknown>;
}

/** Names of the policies every isolated namespace starts from. A contract: renaming one orphans live objects. */
export const BASE_POLICY_NAMES = {
  defaultDeny: "ndc-default-deny",
  dns: "ndc-allow-dns",
  sameNamespace: "ndc-allow-same-namespace",
} as const;

/** A policy over every pod of its namespace (`podSelector: {}`) unless the spec narrows it. */
export function namedNetworkPolicy(name: string, spec: Record<string, unknown>): NamedNetworkPolicy {
  return { name, spec: { podSelector: {}, ...spec } };
}

/** The NetworkPolicy object of a named policy. */
export function networkPolicyObject(policy: NamedNetworkPolicy, metadata: KubernetesObject["metadata"]): KubernetesObject {
  return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata, spec: policy.spec };
}

/** Each port with each protocol, port by port. */
export function networkPorts(list: readonly number[], protocols: readonly ("TCP" | "UDP")[] = ["TCP"]): { protocol: "TCP" | "UDP"; port: number }[] {
  return list.flatMap((port) => protocols.map((protocol) => ({ protocol, port })));
}

/** Nothing in or out: every allowed flow is a policy of its own on top. */
export function defaultDenyPolicy(): NamedNetworkPolicy {
  return namedNetworkPolicy(BASE_POLICY_NAMES.defaultDeny, { policyTypes: ["Ingress", "Egress"] });
}

/** Egress to the cluster DNS (kube-dns in kube-system) on the policy's DNS ports, UDP and TCP. */
export function dnsEgressPolicy(policy: Policy): NamedNetworkPolicy {
  return namedNetworkPolicy(BASE_POLICY_NAMES.dns, {
    policyTypes: ["Egress"],
    egress: [
      {
        to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
        ports: networkPorts(policy.ports.dns, ["UDP", "TCP"]),
      },
    ],
  });
}

/** Pods of the namespace reach each other, both ways. */
export function sameNamespacePolicy(): NamedNetworkPolicy {
  return namedNetworkPolicy(BASE_POLICY_NAMES.sameNamespace, {
    policyTypes: ["Ingress", "Egress"],
    ingress: [{ from: [{ podSelector: {} }] }],
    egress: [{ to: [{ podSelector: {} }] }],
  });
}
