// Apply check for the site program (issue 4): the resources the Pulumi mocks capture for the `local`
// stack are server-side applied — dry run, then for real — to the test cluster's kube-apiserver, in
// dependency order, without error; a second apply changes nothing.
import { ApiException, KubernetesObjectApi, PatchStrategy, type KubernetesObject as ClientObject } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createFakeNodes, deleteFakeNodes } from "../../scripts/cluster/index.ts";
import { kubernetesObjects, runSiteProgram, stackValues } from "../component/_site-program-mocks.ts";
import { adminKubeConfig, waitUntil } from "./_cluster.ts";

/** Our field manager: the apply check stands in for the Pulumi Kubernetes provider. */
const FIELD_MANAGER = "ndc-site-apply-check";

type Obj = ClientObject & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; resourceVersion?: string } };

/** Apply order: cluster-scoped objects (roles, storage classes, node patches), then Namespaces, then the rest. */
function applyTier(o: Obj): number {
  if (o.kind === "Namespace") return 1;
  return o.metadata.namespace === undefined ? 0 : 2;
}

const describeError = (o: Obj, err: unknown) => {
  const body = err instanceof ApiException ? (typeof err.body === "string" ? err.body : JSON.stringify(err.body)) : String(err);
  return new Error(`${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}: ${body}`);
};

describe("site program apply check (local stack)", () => {
  const kc = adminKubeConfig();
  const api = KubernetesObjectApi.makeApiClient(kc);
  let objects: Obj[] = [];
  let nodeNames: string[] = [];

  const apply = async (o: Obj, dryRun: boolean): Promise<Obj> => {
    try {
      // Like the Pulumi provider: force only patches that ask for it (node labels and taints).
      const force = (o.metadata as { annotations?: Record<string, string> }).annotations?.["pulumi.com/patchForce"] === "true";
      return (await api.patch(o, undefined, dryRun ? "All" : undefined, FIELD_MANAGER, force, PatchStrategy.ServerSideApply)) as Obj;
    } catch (err) {
      throw describeError(o, err);
    }
  };

  beforeAll(async () => {
    const run = await runSiteProgram("local");
    if (run.error) throw run.error;
    objects = kubernetesObjects(run.resources) as Obj[];
    // The stack patches nodes the local cluster provides: create them bare, as scripts/cluster does.
    const site = (stackValues("local") as { site: { computePools: { nodeNames?: string[] }[] } }).site;
    nodeNames = site.computePools.flatMap((p) => p.nodeNames ?? []);
    await createFakeNodes(
      kc,
      nodeNames.map((name) => ({ name })),
    );
  });

  afterAll(async () => {
    // Leave the shared test cluster as we found it (the e2e `pulumi up` of this stack may follow).
    const reversed = [...objects].filter((o) => o.kind !== "Node").sort((a, b) => applyTier(b) - applyTier(a));
    for (const o of reversed.filter((o) => o.metadata.namespace === undefined)) {
      await api.delete(o).catch(() => undefined);
    }
    await deleteFakeNodes(kc, nodeNames).catch(() => undefined);
    const namespaces = objects.filter((o) => o.kind === "Namespace");
    await waitUntil("the local stack's namespaces to be deleted", 120_000, async () => {
      const left = await Promise.all(
        namespaces.map((o) =>
          api.read(o).then(
            () => true,
            () => false,
          ),
        ),
      );
      return left.every((exists: boolean) => !exists);
    }).catch(() => undefined);
  });

  test("captures every kind the site baseline declares", () => {
    const kinds = [...new Set(objects.map((o) => o.kind))].sort();
    expect(kinds).toEqual([
      "ClusterRole",
      "ClusterRoleBinding",
      "ConfigMap",
      "Deployment",
      "LimitRange",
      "Namespace",
      "NetworkPolicy",
      "Node",
      "PodDisruptionBudget",
      "ResourceQuota",
      "RoleBinding",
      "Service",
      "ServiceAccount",
      "StorageClass",
      "ValidatingAdmissionPolicy",
      "ValidatingAdmissionPolicyBinding",
    ]);
  });

  test("applies every object, tier by tier, dry run first, without error", async () => {
    for (const tier of [0, 1, 2]) {
      const batch = objects.filter((o) => applyTier(o) === tier);
      for (const o of batch) await apply(o, true);
      for (const o of batch) await apply(o, false);
    }
    const ns = (await api.read({ apiVersion: "v1", kind: "Namespace", metadata: { name: "bca-csdlqg-dancu" } })) as Obj & {
      metadata: { labels: Record<string, string>; annotations: Record<string, string> };
    };
    expect(ns.metadata.labels["ndc.gov.vn/zone"]).toBe("restricted");
    expect(ns.metadata.annotations["ndc.gov.vn/display-name"]).toBe("Bộ Công an");
    const node = (await api.read({ apiVersion: "v1", kind: "Node", metadata: { name: "local-secure-3" } })) as Obj & {
      metadata: { labels: Record<string, string> };
      spec: { taints?: { key: string; value: string; effect: string }[] };
    };
    expect(node.metadata.labels).toMatchObject({ "ndc.gov.vn/zone": "restricted", "ndc.gov.vn/pool": "secure" });
    expect(node.spec.taints).toContainEqual({ key: "ndc.gov.vn/dedicated", value: "secure", effect: "NoSchedule" });
  });

  test("a second apply changes nothing", async () => {
    const changed: string[] = [];
    for (const o of [...objects].sort((a, b) => applyTier(a) - applyTier(b))) {
      // Read just before applying: controllers update status (quota usage, deployment status, node
      // conditions) on their own; only a change made by our apply would move the resourceVersion.
      const before = (await api.read(o)) as Obj;
      const after = await apply(o, false);
      if (after.metadata.resourceVersion !== before.metadata.resourceVersion) changed.push(`${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`);
    }
    expect(changed).toEqual([]);
  });

  test("the unchanged-apply check would see a real change", async () => {
    // Guards the previous test against passing vacuously: a changed field does move the resourceVersion.
    const record = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "ndc-entitlements")! as Obj & { data: Record<string, string> };
    const before = (await api.read(record)) as Obj;
    const changed = await apply({ ...record, data: { ...record.data, "note.txt": "changed" } } as Obj, false);
    expect(changed.metadata.resourceVersion).not.toBe(before.metadata.resourceVersion);
    await apply(record, false);
  });
});
