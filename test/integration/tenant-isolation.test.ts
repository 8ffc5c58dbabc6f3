// Tenant isolation proven on the real API server with the builder's objects: they apply and read
// back equal; the RBAC matrix across organizations; quota, limits, Pod Security, zone pinning and
// namespace deletion.
import { CoreV1Api, NetworkingV1Api, RbacAuthorizationV1Api, type KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { admitEnvironment, assemblePlatform, buildEnvironmentObjects, type KubernetesObject } from "../../model/index.ts";
import { testOrganization, testSiteStack, testSpec } from "../../model/testing.ts";
import { kubeCredentialsFrom, SiteConnection } from "../../control-plane/provisioner/index.ts";
import { liveForm, withServerDefaults } from "./_live-form.ts";
import { createFakeNodes } from "../../scripts/cluster/index.ts";
import { adminKubeConfig, apiError, uniqueNamespacePrefix, userKubeConfig, waitUntil } from "./_cluster.ts";
import { installPlatformClusterRoles } from "./_control-plane-identity.ts";

const ORG_COUNT = 10;
const run = uniqueNamespacePrefix("ti").replace(/-$/, "").slice(-10).replace(/^-/, "");
// Organization slugs are at most 12 characters: t<run>x<i>.
const orgs = Array.from({ length: ORG_COUNT }, (_, i) =>
  testOrganization({
    slug: `t${run.replace(/-/g, "")}`.slice(0, 9) + `o${i}`,
    name: { vi: `Tổ chức thử nghiệm ${i}`, en: `Test organization ${i}` },
    ownerGroups: [`owners-${i}`],
  }),
);
const platform = assemblePlatform([testSiteStack({}, orgs)]);
const site = platform.sites.get("ndc1")!.config!;

interface Tenant {
  readonly org: string;
  readonly group: string;
  readonly namespace: string;
  readonly objects: KubernetesObject[];
  kc?: KubeConfig;
}
const tenants: Tenant[] = orgs.map((org, i) => {
  const spec = testSpec({ name: "app", owners: [`owners-${i}`], resources: { cpu: "1", memory: "1Gi", storage: { standard: "1Gi" } } });
  const plan = admitEnvironment({ org: org.slug, spec }, platform);
  return { org: org.slug, group: `owners-${i}`, namespace: plan.namespace, objects: buildEnvironmentObjects({ plan, site, organization: org }) };
});

let admin: SiteConnection;

beforeAll(async () => {
  admin = SiteConnection.open("ndc1", kubeCredentialsFrom(adminKubeConfig()));
  // ClusterRoles are the site program's, not a kind the provisioner owns: install them as it would.
  await installPlatformClusterRoles(adminKubeConfig());
  for (const t of tenants) {
    // A dry run of namespaced objects needs their namespace: namespace first, then the rest.
    const [ns, ...rest] = t.objects;
    await admin.apply(ns!, { dryRun: true });
    await admin.apply(ns!);
    for (const o of rest) await admin.apply(o, { dryRun: true });
    for (const o of rest) await admin.apply(o);
    t.kc = await userKubeConfig(`owner-${t.org}`, [t.group]);
  }
  await waitUntil("default ServiceAccounts", 60_000, async () => {
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    for (const t of tenants) await core.readNamespacedServiceAccount({ name: "default", namespace: t.namespace });
    return true;
  });
}, 300_000);

afterAll(() => admin?.close());

describe("the builder's objects", () => {
  test("apply by server-side apply and read back equal", async () => {
    for (const t of tenants) {
      for (const o of t.objects) {
        const live = await admin.get(o);
        expect(live, o.metadata.name).toBeDefined();
        expect(liveForm(live!), `${o.kind}/${o.metadata.name}`).toEqual(withServerDefaults(o));
      }
    }
  });

  test("a second apply changes nothing", async () => {
    const t = tenants[0]!;
    const before = await Promise.all(t.objects.map((o) => admin.get(o)));
    for (const o of t.objects) await admin.apply(o);
    const after = await Promise.all(t.objects.map((o) => admin.get(o)));
    expect(after.map((o) => o!.metadata.resourceVersion)).toEqual(before.map((o) => o!.metadata.resourceVersion));
  });
});

describe("RBAC matrix", () => {
  test(`each of ${ORG_COUNT} organizations manages its own namespace and is denied every other`, async () => {
    let checks = 0;
    const unexpected: string[] = [];
    const expectOutcome = async (label: string, allowed: boolean, call: () => Promise<unknown>) => {
      checks++;
      try {
        await call();
        if (!allowed) unexpected.push(`${label}: allowed, expected 403`);
      } catch (error) {
        const code = (error as { code?: number }).code;
        if (allowed) unexpected.push(`${label}: ${code ?? String(error)}, expected success`);
        else if (code !== 403) unexpected.push(`${label}: ${code ?? String(error)}, expected 403`);
      }
    };
    for (const actor of tenants) {
      const core = actor.kc!.makeApiClient(CoreV1Api);
      for (const target of tenants) {
        const own = actor === target;
        const ns = target.namespace;
        const who = `${actor.org} in ${ns}`;
        for (const [resource, create, get, list, del] of [
          [
            "configmap",
            () => core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `cm-${actor.org}` }, data: { a: "1" } } }),
            () => core.readNamespacedConfigMap({ namespace: ns, name: `cm-${actor.org}` }),
            () => core.listNamespacedConfigMap({ namespace: ns }),
            () => core.deleteNamespacedConfigMap({ namespace: ns, name: `cm-${actor.org}` }),
          ],
          [
            "secret",
            () => core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: `s-${actor.org}` }, stringData: { a: "1" } } }),
            () => core.readNamespacedSecret({ namespace: ns, name: `s-${actor.org}` }),
            () => core.listNamespacedSecret({ namespace: ns }),
            () => core.deleteNamespacedSecret({ namespace: ns, name: `s-${actor.org}` }),
          ],
          [
            "service",
            () => core.createNamespacedService({ namespace: ns, body: { metadata: { name: `svc-${actor.org}` }, spec: { ports: [{ port: 80 }] } } }),
            () => core.readNamespacedService({ namespace: ns, name: `svc-${actor.org}` }),
            () => core.listNamespacedService({ namespace: ns }),
            () => core.deleteNamespacedService({ namespace: ns, name: `svc-${actor.org}` }),
          ],
        ] as const) {
          await expectOutcome(`create ${resource} ${who}`, own, create);
          await expectOutcome(`get ${resource} ${who}`, own, get);
          await expectOutcome(`list ${resource} ${who}`, own, list);
          await expectOutcome(`delete ${resource} ${who}`, own, del);
        }
      }
    }
    console.log(`RBAC matrix: ${checks.toLocaleString("en-US")} checks, ${unexpected.length} unexpected`);
    expect(unexpected).toEqual([]);
    expect(checks).toBe(ORG_COUNT * ORG_COUNT * 12);
  });

  test.each([
    [
      "change its own ResourceQuota",
      (kc: KubeConfig, ns: string) =>
        kc
          .makeApiClient(CoreV1Api)
          .patchNamespacedResourceQuota({ namespace: ns, name: "ndc-quota", body: [{ op: "replace", path: "/spec/hard/requests.cpu", value: "999" }] }),
    ],
    [
      "delete its own LimitRange",
      (kc: KubeConfig, ns: string) => kc.makeApiClient(CoreV1Api).deleteNamespacedLimitRange({ namespace: ns, name: "ndc-limits" }),
    ],
    [
      "delete its default-deny NetworkPolicy",
      (kc: KubeConfig, ns: string) => kc.makeApiClient(NetworkingV1Api).deleteNamespacedNetworkPolicy({ namespace: ns, name: "ndc-default-deny" }),
    ],
    [
      "create a NetworkPolicy that opens ingress",
      (kc: KubeConfig, ns: string) =>
        kc
          .makeApiClient(NetworkingV1Api)
          .createNamespacedNetworkPolicy({ namespace: ns, body: { metadata: { name: "allow-all" }, spec: { podSelector: {}, ingress: [{}] } } }),
    ],
    [
      "lower its Pod Security label",
      (kc: KubeConfig, ns: string) =>
        kc
          .makeApiClient(CoreV1Api)
          .patchNamespace({ name: ns, body: [{ op: "replace", path: "/metadata/labels/pod-security.kubernetes.io~1enforce", value: "privileged" }] }),
    ],
    [
      "bind itself to cluster-admin",
      (kc: KubeConfig, ns: string) =>
        kc.makeApiClient(RbacAuthorizationV1Api).createNamespacedRoleBinding({
          namespace: ns,
          body: {
            metadata: { name: "escalate" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
            subjects: [{ kind: "Group", name: "x", apiGroup: "rbac.authorization.k8s.io" }],
          },
        }),
    ],
  ])("fails with 403 when an owner tries to %s", async (_what, call) => {
    const t = tenants[0]!;
    expect((await apiError(() => call(t.kc!, t.namespace))).code).toBe(403);
  });
});

describe("admission in a tenant namespace", () => {
  const pod = (name: string, resources?: object, securityContext: object = {}) => ({
    metadata: { name },
    spec: {
      containers: [
        {
          name: "app",
          image: "registry.ndc.gov.vn/app:1",
          ...(resources ? { resources } : {}),
          securityContext: {
            allowPrivilegeEscalation: false,
            runAsNonRoot: true,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
            ...securityContext,
          },
        },
      ],
    },
  });

  test("fails when a pod asks for more cpu than the quota has left", async () => {
    const t = tenants[1]!;
    const core = t.kc!.makeApiClient(CoreV1Api);
    const sized = { requests: { cpu: "800m", memory: "64Mi" }, limits: { cpu: "800m", memory: "64Mi" } };
    await core.createNamespacedPod({ namespace: t.namespace, body: pod("first", sized) });
    const error = await apiError(() => core.createNamespacedPod({ namespace: t.namespace, body: pod("second", sized) }));
    expect(error.code).toBe(403);
    expect(error.message).toContain("exceeded quota: ndc-quota");
  });

  test("fails when a container asks for more than the LimitRange maximum", async () => {
    const t = tenants[1]!;
    const error = await apiError(() =>
      t
        .kc!.makeApiClient(CoreV1Api)
        .createNamespacedPod({ namespace: t.namespace, body: pod("big", { requests: { cpu: "2", memory: "64Mi" }, limits: { cpu: "2", memory: "64Mi" } }) }),
    );
    expect(error.code).toBe(403);
    expect(error.message).toContain("maximum cpu usage per Container is 1");
  });

  test("fails when a PVC asks for more storage than the quota has", async () => {
    const t = tenants[1]!;
    const error = await apiError(() =>
      t.kc!.makeApiClient(CoreV1Api).createNamespacedPersistentVolumeClaim({
        namespace: t.namespace,
        body: {
          metadata: { name: "big" },
          spec: { storageClassName: "ndc-standard", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "5Gi" } } },
        },
      }),
    );
    expect(error.code).toBe(403);
    expect(error.message).toMatch(/exceeded quota|maximum storage usage/);
  });

  test("fails when a PVC uses a storage tier the environment did not ask for", async () => {
    const t = tenants[1]!;
    const error = await apiError(() =>
      t.kc!.makeApiClient(CoreV1Api).createNamespacedPersistentVolumeClaim({
        namespace: t.namespace,
        body: {
          metadata: { name: "fast" },
          spec: { storageClassName: "ndc-fast", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "100Mi" } } },
        },
      }),
    );
    expect(error.code).toBe(403);
    expect(error.message).toMatch(/exceeded quota: ndc-quota/);
  });

  test("fills container defaults from the LimitRange", async () => {
    const t = tenants[2]!;
    const created = await t.kc!.makeApiClient(CoreV1Api).createNamespacedPod({ namespace: t.namespace, body: pod("defaults") });
    expect(created.spec!.containers[0]!.resources).toEqual({ requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } });
  });

  test("fails when a privileged pod is created (Pod Security restricted)", async () => {
    const t = tenants[2]!;
    const error = await apiError(() =>
      t
        .kc!.makeApiClient(CoreV1Api)
        .createNamespacedPod({ namespace: t.namespace, body: pod("priv", undefined, { privileged: true, allowPrivilegeEscalation: true }) }),
    );
    expect(error.code).toBe(403);
    expect(error.message).toContain('violates PodSecurity "restricted:latest"');
  });

  test("pins pods to the zone's nodes (PodNodeSelector)", async () => {
    await createFakeNodes(adminKubeConfig(), [
      { name: `${run}-app-1`, labels: { "ndc.gov.vn/zone": "app", "ndc.gov.vn/pool": "general" } },
      { name: `${run}-data-1`, labels: { "ndc.gov.vn/zone": "data", "ndc.gov.vn/pool": "general" } },
    ]);
    const t = tenants[3]!;
    const created = await t.kc!.makeApiClient(CoreV1Api).createNamespacedPod({ namespace: t.namespace, body: pod("pinned") });
    expect(created.spec!.nodeSelector).toEqual({ "ndc.gov.vn/zone": "app" });
    const nodes = await adminKubeConfig().makeApiClient(CoreV1Api).listNode({ labelSelector: "ndc.gov.vn/zone=app" });
    expect(nodes.items.map((n) => n.metadata!.name)).toContain(`${run}-app-1`);
    expect(nodes.items.map((n) => n.metadata!.name)).not.toContain(`${run}-data-1`);
    const conflict = await apiError(() =>
      t.kc!.makeApiClient(CoreV1Api).createNamespacedPod({
        namespace: t.namespace,
        body: { ...pod("escape"), spec: { ...pod("escape").spec, nodeSelector: { "ndc.gov.vn/zone": "restricted" } } },
      }),
    );
    expect(conflict.code).toBe(403);
  });

  test("pins a level-4 environment's pods to its dedicated pool and tolerates that pool's taint", async () => {
    const org = orgs[4]!;
    const spec = testSpec({
      name: "secure",
      zone: "data",
      dataClass: "important",
      securityLevel: 4,
      owners: [tenants[4]!.group],
      resources: { cpu: "1", memory: "1Gi" },
    });
    const plan = admitEnvironment({ org: org.slug, spec }, platform);
    const [ns, ...rest] = buildEnvironmentObjects({ plan, site, organization: org });
    await admin.apply(ns!);
    for (const o of rest) await admin.apply(o);
    await waitUntil("default ServiceAccount", 30_000, async () => {
      await adminKubeConfig().makeApiClient(CoreV1Api).readNamespacedServiceAccount({ name: "default", namespace: plan.namespace });
      return true;
    });
    const created = await tenants[4]!.kc!.makeApiClient(CoreV1Api).createNamespacedPod({ namespace: plan.namespace, body: pod("dedicated") });
    expect(created.spec!.nodeSelector).toEqual({ "ndc.gov.vn/zone": "data", "ndc.gov.vn/pool": "secure" });
    expect(created.spec!.tolerations).toContainEqual({ key: "ndc.gov.vn/dedicated", operator: "Equal", value: "secure", effect: "NoSchedule" });
  });

  test("deleting a tenant namespace completes", async () => {
    const t = tenants[ORG_COUNT - 1]!;
    await admin.delete({ kind: "Namespace", metadata: { name: t.namespace } });
    await waitUntil(
      `namespace ${t.namespace} gone`,
      120_000,
      async () => (await admin.get({ kind: "Namespace", metadata: { name: t.namespace } })) === undefined,
    );
  });
});
