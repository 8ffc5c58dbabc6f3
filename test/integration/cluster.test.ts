// The raw platform features the tenant model relies on, proven with hand-written objects against the
// real kube-apiserver + kube-controller-manager started by setup-cluster.ts.
import { CoreV1Api, type KubeConfig, RbacAuthorizationV1Api, type V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createFakeNodes, deleteFakeNodes } from "../../scripts/cluster/index.ts";
import { adminKubeConfig, apiError, createNamespace, uniqueNamespacePrefix, userKubeConfig, waitUntil } from "./_cluster.ts";

const prefix = uniqueNamespacePrefix("cp");
const run = prefix.slice(0, -1);
let kc: KubeConfig;
let core: CoreV1Api;
const namespaces: string[] = [];

async function namespace(suffix: string, meta: { labels?: Record<string, string>; annotations?: Record<string, string> } = {}): Promise<string> {
  const name = `${prefix}${suffix}`;
  await createNamespace(kc, name, meta);
  namespaces.push(name);
  return name;
}

function pod(name: string, spec: Partial<V1Pod["spec"]> & { resources?: Record<string, Record<string, string>> } = {}): V1Pod {
  const { resources, ...rest } = spec;
  return {
    metadata: { name },
    spec: { containers: [{ name: "app", image: "registry.invalid/app:1", ...(resources ? { resources } : {}) }], ...rest },
  };
}

beforeAll(() => {
  kc = adminKubeConfig();
  core = kc.makeApiClient(CoreV1Api);
});

afterAll(async () => {
  // Not awaited to completion: the namespace controller finishes in the background.
  await Promise.all(namespaces.map((name) => core.deleteNamespace({ name }).catch(() => undefined)));
});

describe("ResourceQuota admission", () => {
  let ns: string;
  beforeAll(async () => {
    ns = await namespace("quota");
    await core.createNamespacedResourceQuota({
      namespace: ns,
      body: {
        metadata: { name: "compute" },
        spec: {
          hard: {
            pods: "2",
            "requests.cpu": "500m",
            "requests.memory": "512Mi",
            "limits.cpu": "1",
            "limits.memory": "1Gi",
            "requests.storage": "1Gi",
            persistentvolumeclaims: "2",
          },
        },
      },
    });
    // Admission refuses everything a quota covers until the resourcequota controller fills status.
    await waitUntil("quota status", 30_000, async () => {
      const q = await core.readNamespacedResourceQuota({ name: "compute", namespace: ns });
      return Object.keys(q.status?.hard ?? {}).length > 0;
    });
  });

  test("admits a pod within quota", async () => {
    const created = await core.createNamespacedPod({
      namespace: ns,
      body: pod("small", { resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "200m", memory: "256Mi" } } }),
    });
    expect(created.metadata?.name).toBe("small");
  });

  test("fails when a pod requests more cpu than the quota has left", async () => {
    const err = await apiError(() =>
      core.createNamespacedPod({
        namespace: ns,
        body: pod("big", { resources: { requests: { cpu: "1", memory: "128Mi" }, limits: { cpu: "1", memory: "256Mi" } } }),
      }),
    );
    expect(err.code).toBe(403);
    // Exact: the tests in this describe run in order, so "used" is the pod admitted above.
    expect(err.message).toBe(
      'pods "big" is forbidden: exceeded quota: compute, requested: limits.cpu=1,requests.cpu=1, used: limits.cpu=200m,requests.cpu=100m, limited: limits.cpu=1,requests.cpu=500m',
    );
  });

  test("fails when a PVC requests more storage than the quota has", async () => {
    const err = await apiError(() =>
      core.createNamespacedPersistentVolumeClaim({
        namespace: ns,
        body: { metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "2Gi" } } } },
      }),
    );
    expect(err.code).toBe(403);
    expect(err.message).toBe(
      'persistentvolumeclaims "data" is forbidden: exceeded quota: compute, requested: requests.storage=2Gi, used: requests.storage=0, limited: requests.storage=1Gi',
    );
  });
});

describe("LimitRange defaults", () => {
  test("fills container requests and limits the pod leaves out", async () => {
    const ns = await namespace("limits");
    await core.createNamespacedLimitRange({
      namespace: ns,
      body: {
        metadata: { name: "defaults" },
        spec: { limits: [{ type: "Container", _default: { cpu: "500m", memory: "256Mi" }, defaultRequest: { cpu: "100m", memory: "128Mi" } }] },
      },
    });
    const created = await core.createNamespacedPod({ namespace: ns, body: pod("plain") });
    expect(created.spec?.containers[0]?.resources).toEqual({
      limits: { cpu: "500m", memory: "256Mi" },
      requests: { cpu: "100m", memory: "128Mi" },
    });
  });
});

describe("Pod Security admission", () => {
  let ns: string;
  beforeAll(async () => {
    ns = await namespace("restricted", {
      labels: { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest" },
    });
  });

  test("fails when a privileged pod enters a restricted namespace", async () => {
    const body = pod("root");
    body.spec!.containers[0]!.securityContext = { privileged: true };
    const err = await apiError(() => core.createNamespacedPod({ namespace: ns, body }));
    expect(err.code).toBe(403);
    expect(err.message).toContain(
      'pods "root" is forbidden: violates PodSecurity "restricted:latest": privileged (container "app" must not set securityContext.privileged=true)',
    );
  });

  test("admits a pod that meets the restricted profile", async () => {
    const body = pod("compliant", { securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } } });
    body.spec!.containers[0]!.securityContext = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };
    const created = await core.createNamespacedPod({ namespace: ns, body });
    expect(created.metadata?.name).toBe("compliant");
  });
});

describe("PodNodeSelector zone pinning", () => {
  // Zone values unique to this run: fake nodes are cluster-wide and the cluster may be reused.
  const zone = (z: string) => `${run}-${z}`;
  const nodes = [
    { name: `${prefix}app-1`, labels: { "ndc.gov.vn/zone": zone("app"), "ndc.gov.vn/pool": "general" } },
    { name: `${prefix}app-2`, labels: { "ndc.gov.vn/zone": zone("app"), "ndc.gov.vn/pool": "general" } },
    { name: `${prefix}data-1`, labels: { "ndc.gov.vn/zone": zone("data"), "ndc.gov.vn/pool": "general" } },
  ];
  let ns: string;
  beforeAll(async () => {
    await createFakeNodes(kc, nodes);
    ns = await namespace("pinned", {
      annotations: { "scheduler.alpha.kubernetes.io/node-selector": `ndc.gov.vn/zone=${zone("app")},ndc.gov.vn/pool=general` },
    });
  });
  afterAll(async () => {
    await deleteFakeNodes(
      kc,
      nodes.map((n) => n.name),
    );
  });

  test("fake nodes exist and are Ready", async () => {
    const node = await core.readNode({ name: nodes[0]!.name });
    expect(node.metadata?.labels?.["ndc.gov.vn/zone"]).toBe(zone("app"));
    expect(node.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
  });

  test("pins a pod's nodeSelector to the namespace's zone, which selects exactly that zone's nodes", async () => {
    const created = await core.createNamespacedPod({ namespace: ns, body: pod("web") });
    expect(created.spec?.nodeSelector).toEqual({ "ndc.gov.vn/zone": zone("app"), "ndc.gov.vn/pool": "general" });
    const selector = Object.entries(created.spec?.nodeSelector ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    const selected = await core.listNode({ labelSelector: selector });
    expect(selected.items.map((n) => n.metadata?.name).sort()).toEqual([`${prefix}app-1`, `${prefix}app-2`]);
  });

  test("fails when a pod asks for another zone", async () => {
    const err = await apiError(() => core.createNamespacedPod({ namespace: ns, body: pod("escape", { nodeSelector: { "ndc.gov.vn/zone": zone("data") } }) }));
    expect(err.code).toBe(403);
    expect(err.message).toContain("pod node label selector conflicts with its namespace node label selector");
  });
});

describe("namespace deletion", () => {
  test("completes, with the namespace's objects removed by kube-controller-manager", async () => {
    const name = await namespace("doomed");
    await core.createNamespacedConfigMap({ namespace: name, body: { metadata: { name: "settings" }, data: { a: "1" } } });
    await core.createNamespacedPod({ namespace: name, body: pod("worker") });
    await core.deleteNamespace({ name });
    await waitUntil(`namespace ${name} to be gone`, 60_000, async () => {
      const err = await apiError(() => core.readNamespace({ name }));
      return err.code === 404;
    });
  });
});

describe("RBAC with client certificates", () => {
  let own: string;
  let other: string;
  let alice: KubeConfig;
  const group = `${run}-team`;
  beforeAll(async () => {
    own = await namespace("own");
    other = await namespace("other");
    await kc.makeApiClient(RbacAuthorizationV1Api).createNamespacedRoleBinding({
      namespace: own,
      body: {
        metadata: { name: "team-edit" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: group }],
      },
    });
    alice = await userKubeConfig("alice", [group]);
  });

  test("a group member manages workloads in the namespace bound to the group", async () => {
    const api = alice.makeApiClient(CoreV1Api);
    await api.createNamespacedConfigMap({ namespace: own, body: { metadata: { name: "mine" } } });
    const list = await api.listNamespacedConfigMap({ namespace: own });
    expect(list.items.map((c) => c.metadata?.name)).toContain("mine");
  });

  test("fails with 403 when the group member lists pods in another namespace", async () => {
    const err = await apiError(() => alice.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: other }));
    expect(err.code).toBe(403);
    expect(err.message).toBe(`pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "${other}"`);
  });

  test("fails with 403 when the group member changes its own ResourceQuota", async () => {
    const err = await apiError(() =>
      alice.makeApiClient(CoreV1Api).createNamespacedResourceQuota({ namespace: own, body: { metadata: { name: "more" }, spec: { hard: { pods: "1000" } } } }),
    );
    expect(err.code).toBe(403);
    expect(err.message).toBe(`resourcequotas is forbidden: User "alice" cannot create resource "resourcequotas" in API group "" in the namespace "${own}"`);
  });

  test("fails with 403 for a user without the group", async () => {
    const bob = await userKubeConfig("bob", ["someone-else"]);
    const err = await apiError(() => bob.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace: own }));
    expect(err.code).toBe(403);
    expect(err.message).toBe(`configmaps is forbidden: User "bob" cannot list resource "configmaps" in API group "" in the namespace "${own}"`);
  });
});
