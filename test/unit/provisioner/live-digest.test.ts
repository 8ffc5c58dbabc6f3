// The resync's fingerprint of what is live: changes with any object's resourceVersion, name or
// kind, and not with the order the list returned them in.
import { describe, expect, test } from "vitest";
import { addFingerprint, objectFingerprint } from "../../../control-plane/provisioner/live-digest.ts";

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
