import { describe, expect, test } from "vitest";
import { hasDrifted, isSubset, prunable } from "../../../control-plane/provisioner/index.ts";
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

describe("prunable", () => {
  test("lists live objects the desired set no longer has", () => {
    expect(prunable([policy("a")], [policy("a"), policy("b")]).map((o) => o.metadata.name)).toEqual(["b"]);
  });
});
