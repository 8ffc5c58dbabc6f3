import { describe, expect, test } from "vitest";
import { foreignFields, hasDrifted, isSubset, prunable, removalPatch, roleRefChanged } from "../../../control-plane/provisioner/index.ts";
import type { KubernetesObject } from "../../../model/index.ts";

const policy = (name: string, spec: unknown = { podSelector: {}, policyTypes: ["Ingress", "Egress"] }): KubernetesObject => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name, namespace: "byt-his", labels: { "app.kubernetes.io/managed-by": "ndc-control-plane" } },
  spec,
});

describe("isSubset", () => {
  test.each([
    [{ a: 1 }, { a: 1, b: 2 }, true],
    [{ a: 1 }, { a: 2 }, false],
    [{ a: [1, 2] }, { a: [1, 2] }, true],
    [{ a: [1] }, { a: [1, 2] }, false],
    [{ a: { b: "x" } }, { a: { b: "x", c: 1 } }, true],
    [{ a: { b: "x" } }, { a: null }, false],
    [{}, {}, true],
  ])("%j within %j is %s", (desired, actual, expected) => expect(isSubset(desired, actual)).toBe(expected));
});

describe("hasDrifted", () => {
  test("server-added fields are not drift", () => {
    const live = { ...policy("ndc-default-deny"), metadata: { ...policy("x").metadata, name: "ndc-default-deny", resourceVersion: "5", uid: "u" }, status: {} };
    expect(hasDrifted(policy("ndc-default-deny"), live as KubernetesObject)).toBe(false);
  });

  test("a removed label is drift", () => {
    const live = { ...policy("p"), metadata: { name: "p", namespace: "byt-his", labels: {} } };
    expect(hasDrifted(policy("p"), live)).toBe(true);
  });

  test("an opened policy is drift", () => {
    expect(hasDrifted(policy("p"), policy("p", { podSelector: {}, policyTypes: ["Ingress"] }))).toBe(true);
  });
});

describe("what others added", () => {
  // Live objects as the API server returns them: our apply owns what we set; another manager's
  // update owns what it added (fieldsV1 written by hand, as `kubectl get -o yaml --show-managed-fields` shows).
  const ours = {
    manager: "ndc-control-plane",
    operation: "Apply",
    fieldsV1: { "f:metadata": { "f:labels": { "f:app.kubernetes.io/managed-by": {} } }, "f:spec": { "f:podSelector": {}, "f:policyTypes": {} } },
  };
  const opened = {
    ...policy("ndc-default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{}], egress: [{}] }),
    metadata: {
      ...policy("x").metadata,
      name: "ndc-default-deny",
      managedFields: [ours, { manager: "kubectl-edit", operation: "Update", fieldsV1: { "f:spec": { "f:ingress": {}, "f:egress": {} } } }],
    },
  } as KubernetesObject;

  test("rules added to a default deny by another manager are drift, though every field we set is there", () => {
    expect(isSubset(policy("ndc-default-deny").spec, opened.spec)).toBe(true);
    expect(foreignFields(policy("ndc-default-deny"), opened)).toEqual([
      ["f:spec", "f:ingress"],
      ["f:spec", "f:egress"],
    ]);
    expect(hasDrifted(policy("ndc-default-deny"), opened)).toBe(true);
    expect(removalPatch(policy("ndc-default-deny"), opened)).toEqual({ spec: { ingress: null, egress: null } });
  });

  test("our own manager writing by update counts as someone else", () => {
    const spoofed = {
      ...opened,
      metadata: {
        ...opened.metadata,
        managedFields: [ours, { manager: "ndc-control-plane", operation: "Update", fieldsV1: { "f:spec": { "f:ingress": {} } } }],
      },
    } as KubernetesObject;
    expect(removalPatch(policy("ndc-default-deny"), spoofed)).toEqual({ spec: { ingress: null } });
  });

  test("status, defaults and other managers' own labels are not drift; platform labels are", () => {
    const live = {
      ...policy("p"),
      metadata: {
        ...policy("p").metadata,
        labels: { "app.kubernetes.io/managed-by": "ndc-control-plane", team: "x", "ndc.gov.vn/role": "ingress-gateway" },
        managedFields: [
          ours,
          { manager: "kube-controller-manager", operation: "Update", subresource: "status", fieldsV1: { "f:status": { "f:used": {} } } },
          { manager: "kubectl-label", operation: "Update", fieldsV1: { "f:metadata": { "f:labels": { "f:team": {}, "f:ndc.gov.vn/role": {} } } } },
        ],
      },
    } as KubernetesObject;
    expect(foreignFields(policy("p"), live)).toEqual([["f:metadata", "f:labels", "f:ndc.gov.vn/role"]]);
    expect(removalPatch(policy("p"), live)).toEqual({ metadata: { labels: { "ndc.gov.vn/role": null } } });
  });

  test("a subject added to an atomic list we set is drift by value; a field we set, co-owned at the same value, is not", () => {
    const binding = (subjects: unknown[], managedFields: unknown[]) =>
      ({
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "ndc-owners", namespace: "byt-his", managedFields },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "ndc-tenant-admin" },
        subjects,
      }) as unknown as KubernetesObject;
    const team = { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "byt-his-team" };
    const desired = binding([team], []);
    const other = { manager: "kubectl", operation: "Update", fieldsV1: { "f:subjects": {} } };
    expect(hasDrifted(desired, binding([team, { ...team, name: "attacker" }], [other]))).toBe(true);
    expect(hasDrifted(desired, binding([team], [other]))).toBe(false);
  });

  test("nothing to remove from an object only we wrote", () => {
    const live = { ...policy("p"), metadata: { ...policy("p").metadata, managedFields: [ours] } } as KubernetesObject;
    expect(removalPatch(policy("p"), live)).toBeUndefined();
    expect(hasDrifted(policy("p"), live)).toBe(false);
  });
});

describe("prunable", () => {
  test("lists live objects the desired set no longer has", () => {
    expect(prunable([policy("a")], [policy("a"), policy("b")]).map((o) => o.metadata.name)).toEqual(["b"]);
  });
});

describe("roleRefChanged", () => {
  const binding = (role: string): KubernetesObject => ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "ndc-owners", namespace: "byt-his" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "byt-his-team" }],
  });

  test("a binding to another role must be recreated (roleRef is immutable); ours, or another kind, need not", () => {
    expect(roleRefChanged(binding("ndc-tenant-admin"), binding("admin"))).toBe(true);
    expect(roleRefChanged(binding("ndc-tenant-admin"), { ...binding("ndc-tenant-admin"), roleRef: { kind: "Role", name: "ndc-tenant-admin" } })).toBe(true);
    expect(roleRefChanged(binding("ndc-tenant-admin"), { ...binding("ndc-tenant-admin"), metadata: { ...binding("x").metadata, uid: "u" } })).toBe(false);
    expect(roleRefChanged(policy("ndc-default-deny"), policy("ndc-default-deny", { podSelector: {} }))).toBe(false);
  });
});
