// kube-router's network-policy firewall in a PacketLab's node namespace, against the test cluster's
// real kube-apiserver: a Node object for the lab's node, and Pod objects bound to it with the lab
// pods' addresses set through the status subresource (no kubelet runs them).
import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions, type V1Pod } from "@kubernetes/client-node";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureTool } from "../../../scripts/toolchain/index.ts";
import { waitUntil } from "../_cluster.ts";
import type { LabPod, PacketLab } from "./_lab.ts";

const fieldManager = "ndc-packet-tests";
const apply = () => setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply);
/** Port of the API server relay inside the node namespace. */
const relayPort = 16443;

/** The Node object of a lab: named after it, with the bridge address as InternalIP. */
export async function registerNode(kc: KubeConfig, lab: PacketLab): Promise<string> {
  const api = kc.makeApiClient(CoreV1Api);
  const name = lab.nodeNetns;
  await api.patchNode(
    {
      name,
      fieldManager,
      force: true,
      body: { apiVersion: "v1", kind: "Node", metadata: { name, labels: { "kubernetes.io/hostname": name, "ndc.gov.vn/packet-lab": lab.tag } } },
    },
    apply(),
  );
  await api.patchNodeStatus(
    {
      name,
      fieldManager,
      force: true,
      body: {
        apiVersion: "v1",
        kind: "Node",
        metadata: { name },
        status: {
          addresses: [
            { type: "InternalIP", address: lab.nodeIp },
            { type: "Hostname", address: name },
          ],
          conditions: [{ type: "Ready", status: "True", reason: "PacketLab", message: "network namespace, no kubelet" }],
        },
      },
    },
    apply(),
  );
  return name;
}

/**
 * A Pod object for a lab pod, bound to the lab's node and Running at the pod's address. Restricted
 * Pod Security and the environment's quota apply as to any pod, so it asks for small fixed resources.
 */
export async function registerPod(kc: KubeConfig, lab: PacketLab, pod: LabPod, namespace: string, labels: Record<string, string> = {}): Promise<void> {
  const api = kc.makeApiClient(CoreV1Api);
  const size = { cpu: "10m", memory: "16Mi", "ephemeral-storage": "16Mi" };
  const body: V1Pod = {
    metadata: { name: pod.name, namespace, labels: { ...labels, "ndc.gov.vn/packet-lab": lab.tag } },
    spec: {
      nodeName: lab.nodeNetns,
      containers: [
        {
          name: "agent",
          image: "registry.invalid/packet-agent:1",
          resources: { requests: size, limits: size },
          securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } },
        },
      ],
    },
  };
  await api.createNamespacedPod({ namespace, body });
  await api.patchNamespacedPodStatus(
    {
      name: pod.name,
      namespace,
      fieldManager,
      force: true,
      body: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: pod.name, namespace },
        status: { phase: "Running", hostIP: lab.nodeIp, hostIPs: [{ ip: lab.nodeIp }], podIP: pod.ip, podIPs: [{ ip: pod.ip }] },
      },
    },
    apply(),
  );
}

/** Deletes the lab's Node object. */
export async function unregisterNode(kc: KubeConfig, lab: PacketLab): Promise<void> {
  await kc
    .makeApiClient(CoreV1Api)
    .deleteNode({ name: lab.nodeNetns })
    .catch(() => undefined);
}

/** A running kube-router firewall. */
export interface KubeRouterHandle {
  /** Its output so far (for failure messages). */
  log(): string;
  /** Seconds from start until its first full sync had installed the top-level chains. */
  readonly startSeconds: number;
}

/**
 * Starts kube-router (`--run-firewall` only) in the lab's node namespace, talking to the cluster of
 * `kc` through the lab's API relay, and waits until its chains are in the node's filter table.
 * @throws with kube-router's output when it exits or does not sync within `timeoutMs`
 */
export async function startKubeRouter(kc: KubeConfig, lab: PacketLab, timeoutMs = 60_000): Promise<KubeRouterHandle> {
  const dir = await ensureTool("kube-router");
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("the admin kubeconfig names no current cluster");
  const server = new URL(cluster.server);
  await lab.relayApiServer(server.hostname, Number(server.port), relayPort);
  // The same credentials, through the relay; 127.0.0.1 is in the serving certificate.
  const inner = new KubeConfig();
  inner.loadFromOptions({
    clusters: [{ ...cluster, name: "test", server: `https://127.0.0.1:${relayPort}` }],
    users: [{ ...kc.getCurrentUser()!, name: "admin" }],
    contexts: [{ name: "test", cluster: "test", user: "admin" }],
    currentContext: "test",
  });
  const kubeconfig = join(tmpdir(), `ndc-pk-${lab.tag}.kubeconfig`);
  lab.removeOnDestroy(kubeconfig);
  await writeFile(kubeconfig, inner.exportConfig(), { mode: 0o600 });

  let output = "";
  const started = Date.now();
  const child = lab.startInNode(
    join(dir, "kube-router"),
    [
      `--kubeconfig=${kubeconfig}`,
      `--hostname-override=${lab.nodeNetns}`,
      "--run-firewall=true",
      "--run-router=false",
      "--run-service-proxy=false",
      "--run-loadbalancer=false",
      "--enable-cni=false",
      "--enable-ipv4=true",
      "--enable-ipv6=false",
      // The test cluster's service range (scripts/cluster); kube-router lets node ports and cluster IPs
      // through its own chains, which no test here relies on.
      "--service-cluster-ip-range=10.0.0.0/24",
      "--health-port=0",
      "--metrics-port=0",
      // Policy changes are enforced on their watch events; the periodic resync is only a safety net.
      "--iptables-sync-period=1m",
      "--v=1",
    ],
    (chunk) => {
      output = (output + chunk).slice(-200_000);
    },
  );
  let exited: string | undefined;
  child.once("exit", (code, signal) => {
    exited = `kube-router exited (${code ?? signal})`;
  });
  await waitUntil("kube-router's chains in the node namespace", timeoutMs, async () => {
    if (exited) throw new Error(`${exited}:\n${output.slice(-4000)}`);
    return (await lab.iptablesSave()).includes(":KUBE-ROUTER-FORWARD");
  }).catch((err: Error) => {
    throw new Error(`${err.message}\nkube-router output:\n${output.slice(-4000)}`);
  });
  return { log: () => output, startSeconds: (Date.now() - started) / 1000 };
}
