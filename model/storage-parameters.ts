import type { ValidationIssue } from "./validation-error.ts";

/** The Secret references a Ceph CSI StorageClass needs: provisioning, expansion and node staging. */
const CEPH_SECRET_PARAMETERS = [
  "csi.storage.k8s.io/provisioner-secret-name",
  "csi.storage.k8s.io/provisioner-secret-namespace",
  "csi.storage.k8s.io/controller-expand-secret-name",
  "csi.storage.k8s.io/controller-expand-secret-namespace",
  "csi.storage.k8s.io/node-stage-secret-name",
  "csi.storage.k8s.io/node-stage-secret-namespace",
] as const;

/**
 * What each CSI driver's StorageClass must carry in `parameters`, per provisioner. Without them the
 * class is accepted by the API server and every volume claim then stays Pending.
 * @see https://github.com/ceph/ceph-csi/blob/devel/examples/rbd/storageclass.yaml
 * @see https://github.com/ceph/ceph-csi/blob/devel/examples/cephfs/storageclass.yaml
 */
export const CSI_REQUIRED_PARAMETERS: Readonly<Record<string, readonly string[]>> = {
  "rbd.csi.ceph.com": ["clusterID", "pool", ...CEPH_SECRET_PARAMETERS],
  "cephfs.csi.ceph.com": ["clusterID", "fsName", ...CEPH_SECRET_PARAMETERS],
};

/** Provisioners that take no parameters (statically provisioned volumes). */
const NO_PARAMETERS = new Set(["kubernetes.io/no-provisioner"]);

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/**
 * Checks a storage tier's StorageClass parameters against its CSI driver: every required parameter is
 * there and not empty (`csi-parameter-required`), Secret references are valid names
 * (`csi-secret-reference`), and a provisioner without parameters gets none (`csi-no-parameters`).
 * @param path key path of the tier, e.g. `ndc:site.storageTiers[0]`
 */
export function storageParameterIssues(provisioner: string, parameters: Readonly<Record<string, string>> | undefined, path: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const given = parameters ?? {};
  if (NO_PARAMETERS.has(provisioner)) {
    if (Object.keys(given).length > 0)
      issues.push({ field: `${path}.parameters`, value: given, rule: "csi-no-parameters", message: `${provisioner} takes no parameters; remove them` });
    return issues;
  }
  for (const key of CSI_REQUIRED_PARAMETERS[provisioner] ?? []) {
    if (!given[key]?.trim()) {
      issues.push({
        field: `${path}.parameters.${key}`,
        value: given[key],
        rule: "csi-parameter-required",
        message: `is required by ${provisioner}: without it every volume claim of this class stays Pending`,
      });
    }
  }
  for (const [key, value] of Object.entries(given)) {
    if (!key.startsWith("csi.storage.k8s.io/") || (!key.endsWith("-secret-name") && !key.endsWith("-secret-namespace"))) continue;
    const ok = key.endsWith("-namespace") ? DNS_LABEL.test(value) : DNS_SUBDOMAIN.test(value);
    if (!ok)
      issues.push({
        field: `${path}.parameters.${key}`,
        value,
        rule: "csi-secret-reference",
        message: `must name a Secret's ${key.endsWith("-namespace") ? "namespace (a DNS label)" : "name (a DNS subdomain)"}`,
      });
  }
  return issues;
}
