import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions, type V1Taint } from "@kubernetes/client-node";

/** A Node object without a kubelet, as kwok makes them: enough for placement rules to select. */
export interface FakeNode {
  readonly name: string;
  /** e.g. `{ "ndc.gov.vn/zone": "app", "ndc.gov.vn/pool": "general" }`. @default none */
  readonly labels?: Readonly<Record<string, string>>;
  /** @default none */
  readonly taints?: readonly V1Taint[];
  /** Reported capacity and allocatable. @default `{ cpu: "32", memory: "128Gi", pods: "110" }` */
  readonly capacity?: Readonly<Record<string, string>>;
}

/** Label on every fake node, so they can be listed and removed together. */
export const fakeNodeLabel = "ndc.gov.vn/fake-node";

const fieldManager = "ndc-fake-nodes";
const applyHeader = () => setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply);

function toKubeConfig(kubeconfig: KubeConfig | string): KubeConfig {
  if (typeof kubeconfig !== "string") return kubeconfig;
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return kc;
}

/**
 * Creates or updates Node objects through the API (server-side apply, idempotent) and marks them
 * Ready. No kubelet runs them: pods are never started, but node selectors, affinities and taints can
 * be checked against real objects.
 * @param kubeconfig a KubeConfig or a kubeconfig path with rights on nodes and nodes/status
 */
export async function createFakeNodes(kubeconfig: KubeConfig | string, nodes: readonly FakeNode[]): Promise<void> {
  const api = toKubeConfig(kubeconfig).makeApiClient(CoreV1Api);
  const now = new Date().toISOString();
  for (const node of nodes) {
    await api.patchNode(
      {
        name: node.name,
        fieldManager,
        force: true,
        body: {
          apiVersion: "v1",
          kind: "Node",
          metadata: { name: node.name, labels: { ...node.labels, [fakeNodeLabel]: "true", "kubernetes.io/hostname": node.name } },
          spec: { taints: node.taints ?? [] },
        },
      },
      applyHeader(),
    );
    const capacity = node.capacity ?? { cpu: "32", memory: "128Gi", pods: "110" };
    await api.patchNodeStatus(
      {
        name: node.name,
        fieldManager,
        force: true,
        body: {
          apiVersion: "v1",
          kind: "Node",
          metadata: { name: node.name },
          status: {
            capacity,
            allocatable: capacity,
            conditions: [
              { type: "Ready", status: "True", reason: "FakeNodeReady", message: "fake node (no kubelet)", lastHeartbeatTime: now, lastTransitionTime: now },
            ],
            nodeInfo: {
              kubeletVersion: "fake",
              architecture: "amd64",
              operatingSystem: "linux",
              bootID: "",
              containerRuntimeVersion: "fake",
              kernelVersion: "",
              kubeProxyVersion: "",
              machineID: "",
              osImage: "fake",
              systemUUID: "",
            },
          },
        },
      },
      applyHeader(),
    );
  }
}

/**
 * Deletes fake nodes: the named ones, or every node carrying {@link fakeNodeLabel}.
 */
export async function deleteFakeNodes(kubeconfig: KubeConfig | string, names?: readonly string[]): Promise<void> {
  const api = toKubeConfig(kubeconfig).makeApiClient(CoreV1Api);
  const targets = names ?? (await api.listNode({ labelSelector: `${fakeNodeLabel}=true` })).items.map((n) => n.metadata?.name ?? "");
  for (const name of targets.filter(Boolean)) {
    await api.deleteNode({ name }).catch((err: { code?: number }) => {
      if (err.code !== 404) throw err;
    });
  }
}
