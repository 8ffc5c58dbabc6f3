// The resync's fingerprint of what is live: changes with any object's resourceVersion, name or
// kind, and not with the order the list returned them in.
import { describe, expect, test } from "vitest";
import { addFingerprint, objectFingerprint, objectVersion } from "../../../control-plane/provisioner/live-digest.ts";

const digest = (objects: [string, string | undefined, string, string][]) =>
  objects.reduce<number | undefined>((d, o) => addFingerprint(d, objectFingerprint(...o)), undefined);
const quota: [string, string, string, string] = ["ResourceQuota", "byt-his", "ndc-quota", "101"];
const deny: [string, string, string, string] = ["NetworkPolicy", "byt-his", "ndc-default-deny", "102"];
const ns: [string, undefined, string, string] = ["Namespace", undefined, "byt-his", "100"];

describe("live fingerprint", () => {
  test("the same objects in another order give the same fingerprint", () => {
    expect(digest([ns, quota, deny])).toBe(digest([deny, ns, quota]));
  });
  test("an edit (new resourceVersion), a deletion or an added object changes it", () => {
    const clean = digest([ns, quota, deny]);
    expect(digest([ns, ["ResourceQuota", "byt-his", "ndc-quota", "205"], deny])).not.toBe(clean);
    expect(digest([ns, quota])).not.toBe(clean);
    expect(digest([ns, quota, deny, ["RoleBinding", "byt-his", "extra", "300"]])).not.toBe(clean);
  });
  test("kind, namespace and name are part of an object's identity", () => {
    expect(objectFingerprint("Role", "a", "b", "1")).not.toBe(objectFingerprint("RoleBinding", "a", "b", "1"));
    expect(objectFingerprint("Role", "a", "b", "1")).not.toBe(objectFingerprint("Role", "ab", "", "1"));
    expect(objectFingerprint("Role", "a", "b", "1")).toBe(objectFingerprint("Role", "a", "b", "1"));
  });
  test("a fingerprint is an unsigned 32-bit number", () => {
    const d = digest([ns, quota, deny])!;
    expect(Number.isInteger(d) && d >= 0 && d < 2 ** 32).toBe(true);
  });
});

describe("the version a resync compares (objectVersion)", () => {
  const ours = { manager: "ndc-control-plane", operation: "Apply", time: "2026-12-02T16:08:34Z", fieldsV1: { "f:spec": { "f:hard": { "f:pods": {} } } } };
  const quotaStatus = {
    manager: "kube-controller-manager",
    operation: "Update",
    subresource: "status",
    time: "2026-12-02T16:08:35Z",
    fieldsV1: { "f:status": {} },
  };
  const quotaMeta = {
    name: "ndc-quota",
    namespace: "byt-his",
    uid: "u1",
    resourceVersion: "101",
    labels: { a: "1", b: "2" },
    managedFields: [ours, quotaStatus],
  };

  test("a ResourceQuota whose status alone was written (new resourceVersion, new status entry) keeps its version", () => {
    const after = { ...quotaMeta, resourceVersion: "250", managedFields: [ours, { ...quotaStatus, time: "2026-12-02T17:00:00Z" }] };
    expect(objectVersion("ResourceQuota", after)).toBe(objectVersion("ResourceQuota", quotaMeta));
  });
  test("a ResourceQuota edited by another manager, relabelled, or deleted and recreated gets another version", () => {
    const v = objectVersion("ResourceQuota", quotaMeta);
    const kubectl = { manager: "kubectl-edit", operation: "Update", time: "2026-12-02T17:00:00Z", fieldsV1: { "f:spec": { "f:hard": { "f:pods": {} } } } };
    expect(objectVersion("ResourceQuota", { ...quotaMeta, managedFields: [ours, kubectl, quotaStatus] })).not.toBe(v);
    expect(objectVersion("ResourceQuota", { ...quotaMeta, labels: { a: "1", b: "2", intruder: "yes" } })).not.toBe(v);
    expect(objectVersion("ResourceQuota", { ...quotaMeta, uid: "u2" })).not.toBe(v);
  });
  test("our own manager changing a value it owns (new time) gets another version", () => {
    const later = { ...ours, time: "2026-12-02T18:00:00Z" };
    expect(objectVersion("ResourceQuota", { ...quotaMeta, managedFields: [later, quotaStatus] })).not.toBe(objectVersion("ResourceQuota", quotaMeta));
  });
  test("the order of labels or managedFields entries does not matter", () => {
    const reordered = { ...quotaMeta, labels: { b: "2", a: "1" }, managedFields: [quotaStatus, ours] };
    expect(objectVersion("ResourceQuota", reordered)).toBe(objectVersion("ResourceQuota", quotaMeta));
  });
  test("every other kind is compared by resourceVersion, whatever wrote it", () => {
    const deny = { name: "ndc-default-deny", namespace: "byt-his", resourceVersion: "102", managedFields: [ours] };
    expect(objectVersion("NetworkPolicy", deny)).toBe("102");
    expect(objectVersion("NetworkPolicy", { ...deny, resourceVersion: "103" })).toBe("103");
  });
});
