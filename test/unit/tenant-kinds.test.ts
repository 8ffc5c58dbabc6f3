// The tenant kinds as the design lists them (DESIGN.md: the objects an environment is made of), written
// out by hand: the control plane's owned kinds, the Pulumi resource map and the control plane's
// ClusterRole must all agree with this list, and the builder must produce nothing else.
import { describe, expect, test } from "vitest";
import { SUPPORTED_KINDS } from "../../components/index.ts";
import { OWNED_KINDS } from "../../control-plane/provisioner/index.ts";
import { admitEnvironment, buildEnvironmentObjects, controlPlaneClusterRole, TENANT_KINDS } from "../../model/index.ts";
import { testPlatform, testSpec } from "../../model/testing.ts";

const MANAGE = ["get", "list", "watch", "create", "update", "patch", "delete"];

/** apiVersion, kind, collection path (the Kubernetes API's, not computed), namespaced — in apply order. */
const EXPECTED = [
  ["v1", "Namespace", "/api/v1/namespaces", false],
  ["v1", "ServiceAccount", "/api/v1/namespaces/{ns}/serviceaccounts", true],
  ["v1", "ResourceQuota", "/api/v1/namespaces/{ns}/resourcequotas", true],
  ["v1", "LimitRange", "/api/v1/namespaces/{ns}/limitranges", true],
  ["networking.k8s.io/v1", "NetworkPolicy", "/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies", true],
  ["rbac.authorization.k8s.io/v1", "RoleBinding", "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings", true],
] as const;

describe("tenant kinds", () => {
  test("the model's table lists the design's kinds in apply order", () => {
    expect(TENANT_KINDS.map((k) => [k.apiVersion, k.kind])).toEqual(EXPECTED.map(([v, k]) => [v, k]));
  });

  test("the control plane owns exactly those kinds, at the Kubernetes API's paths", () => {
    expect(OWNED_KINDS.map((k) => [k.apiVersion, k.kind, k.collection, k.namespaced])).toEqual(EXPECTED.map((e) => [...e]));
  });

  test("the Pulumi resource map has a class for each of them", () => {
    for (const key of [
      "v1/Namespace",
      "v1/ServiceAccount",
      "v1/ResourceQuota",
      "v1/LimitRange",
      "networking.k8s.io/v1/NetworkPolicy",
      "rbac.authorization.k8s.io/v1/RoleBinding",
    ]) {
      expect(SUPPORTED_KINDS).toContain(key);
    }
  });

  test("the control plane's ClusterRole may apply, read, watch and prune each of them", () => {
    const rules = controlPlaneClusterRole().rules as { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[];
    const allowed = (group: string, resource: string) =>
      [...new Set(rules.filter((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && !r.resourceNames).flatMap((r) => r.verbs))].sort();
    expect(allowed("", "namespaces")).toEqual([...MANAGE].sort());
    expect(allowed("", "serviceaccounts")).toEqual([...MANAGE].sort());
    expect(allowed("", "resourcequotas")).toEqual([...MANAGE].sort());
    expect(allowed("", "limitranges")).toEqual([...MANAGE].sort());
    expect(allowed("networking.k8s.io", "networkpolicies")).toEqual([...MANAGE].sort());
    expect(allowed("rbac.authorization.k8s.io", "rolebindings")).toEqual([...MANAGE].sort());
    // Never more than that on the tenant kinds: no deletecollection, no escalate, no wildcard.
    expect(rules.flatMap((r) => r.verbs)).not.toContain("*");
    expect(allowed("", "namespaces")).not.toContain("deletecollection");
  });

  test("the builder produces only those kinds", () => {
    const platform = testPlatform();
    const plan = admitEnvironment({ org: "byt", spec: testSpec({ viewers: ["byt-auditors"] }) }, platform);
    const kinds = new Set(
      buildEnvironmentObjects({ plan, site: platform.sites.get("ndc1")!.config!, organization: platform.organizations.get("byt")! }).map(
        (o) => `${o.apiVersion}/${o.kind}`,
      ),
    );
    expect([...kinds].sort()).toEqual([
      "networking.k8s.io/v1/NetworkPolicy",
      "rbac.authorization.k8s.io/v1/RoleBinding",
      "v1/LimitRange",
      "v1/Namespace",
      "v1/ResourceQuota",
      "v1/ServiceAccount",
    ]);
  });
});
