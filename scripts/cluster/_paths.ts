import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cacheRoot } from "../toolchain/index.ts";

/** Default cluster name for `scripts/cluster.ts` and `npm start`; tests use `test`. */
export const defaultClusterName = "local";

/** Folder of one cluster's certificates, kubeconfigs, logs and state: `<cache>/cluster/<name>`. */
export function clusterDir(name: string): string {
  return join(cacheRoot(), "cluster", name);
}

/**
 * Parent of etcd's data folder: RAM-backed `/dev/shm` when the machine has it, since the data is
 * throw-away and fsync-free writes make the API server several times faster on slow disks.
 */
export function etcdDataRoot(): string {
  return existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
}

/**
 * Validates a cluster name (it becomes a folder name).
 * @throws naming the rule when `name` is not a short DNS label
 */
export function validateClusterName(name: string): string {
  if (!/^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$/.test(name)) {
    throw new Error(`cluster name "${name}" is invalid: use 1-32 lowercase letters, digits and '-' (e.g. local, test)`);
  }
  return name;
}
