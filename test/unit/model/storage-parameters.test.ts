import { describe, expect, test } from "vitest";
import { parseSiteStack, storageParameterIssues, ValidationError } from "../../../model/index.ts";
import { stackValues } from "../../component/_site-program-mocks.ts";

const CEPH = {
  clusterID: "ndc1-ceph",
  pool: "ndc1-fast",
  "csi.storage.k8s.io/provisioner-secret-name": "csi-rbd-provisioner",
  "csi.storage.k8s.io/provisioner-secret-namespace": "ceph-csi-rbd",
  "csi.storage.k8s.io/controller-expand-secret-name": "csi-rbd-provisioner",
  "csi.storage.k8s.io/controller-expand-secret-namespace": "ceph-csi-rbd",
  "csi.storage.k8s.io/node-stage-secret-name": "csi-rbd-node",
  "csi.storage.k8s.io/node-stage-secret-namespace": "ceph-csi-rbd",
};
const at = "ndc:site.storageTiers[1]";
const rules = (issues: { field: string; rule: string }[]) => issues.map((i) => [i.field, i.rule]);

describe("storageParameterIssues", () => {
  test("a Ceph RBD class with its cluster, pool and secret references passes", () => {
    expect(storageParameterIssues("rbd.csi.ceph.com", CEPH, at)).toEqual([]);
  });

  test("fails when Ceph RBD lacks clusterID and its node-stage secret, naming each parameter", () => {
    const { clusterID: _c, "csi.storage.k8s.io/node-stage-secret-name": _n, ...rest } = CEPH;
    const issues = storageParameterIssues("rbd.csi.ceph.com", rest, at);
    expect(rules(issues)).toEqual([
      ["ndc:site.storageTiers[1].parameters.clusterID", "csi-parameter-required"],
      ["ndc:site.storageTiers[1].parameters.csi.storage.k8s.io/node-stage-secret-name", "csi-parameter-required"],
    ]);
    expect(issues[0]!.message).toBe("is required by rbd.csi.ceph.com: without it every volume claim of this class stays Pending");
  });

  test("fails when CephFS has no fsName, and when a parameter is blank", () => {
    expect(rules(storageParameterIssues("cephfs.csi.ceph.com", { ...CEPH, clusterID: " " }, at))).toEqual([
      ["ndc:site.storageTiers[1].parameters.clusterID", "csi-parameter-required"],
      ["ndc:site.storageTiers[1].parameters.fsName", "csi-parameter-required"],
    ]);
  });

  test("fails when a secret reference is not a valid name", () => {
    expect(rules(storageParameterIssues("rbd.csi.ceph.com", { ...CEPH, "csi.storage.k8s.io/provisioner-secret-namespace": "Ceph CSI" }, at))).toEqual([
      ["ndc:site.storageTiers[1].parameters.csi.storage.k8s.io/provisioner-secret-namespace", "csi-secret-reference"],
    ]);
  });

  test("fails when the no-provisioner class is given parameters; another driver's are its own business", () => {
    expect(rules(storageParameterIssues("kubernetes.io/no-provisioner", { pool: "x" }, at))).toEqual([
      ["ndc:site.storageTiers[1].parameters", "csi-no-parameters"],
    ]);
    expect(storageParameterIssues("csi.example.com", { anything: "goes" }, at)).toEqual([]);
  });
});

describe("storage tiers in stack files", () => {
  test("every committed stack's tiers carry their driver's parameters", () => {
    for (const stack of ["local", "ndc1-hoalac", "ndc2", "ndc3"]) expect(() => parseSiteStack(stackValues(stack), stack)).not.toThrow();
  });

  test("fails when a site's Ceph tier loses its clusterID", () => {
    const values = structuredClone(stackValues("ndc1-hoalac")) as Record<string, any>;
    delete values.site.storageTiers[1].parameters.clusterID;
    try {
      parseSiteStack(values, "stacks/Pulumi.ndc1-hoalac.yaml");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toBe(
        "stacks/Pulumi.ndc1-hoalac.yaml: ndc:site.storageTiers[1].parameters.clusterID: is required by rbd.csi.ceph.com: without it every volume claim of this class stays Pending (got nothing) [csi-parameter-required]",
      );
    }
  });
});
