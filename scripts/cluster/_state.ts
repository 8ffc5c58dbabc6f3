import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ProcessRecord } from "./_process.ts";

/** What `up` records so `down`, `status` and a second `up` find exactly what it started. */
export interface ClusterState {
  readonly name: string;
  /** `cli`: started by `up`, stopped only by `down`; `shared`: started for test runs, stopped by the last one. */
  readonly owner: "cli" | "shared";
  /** Cluster folder (certificates, kubeconfigs, logs). */
  readonly dir: string;
  /** etcd data folder, removed by `down`. */
  readonly etcdDataDir: string;
  /** Admin kubeconfig (user ndc-admin, group system:masters). */
  readonly kubeconfig: string;
  /** API server URL. */
  readonly server: string;
  readonly ports: { readonly etcdClient: number; readonly etcdPeer: number; readonly apiserver: number };
  readonly versions: { readonly kubernetes: string; readonly etcd: string };
  readonly processes: {
    readonly etcd: ProcessRecord;
    readonly apiserver: ProcessRecord;
    readonly controllerManager: ProcessRecord;
  };
  readonly startedAt: string;
  /** Seconds from `up` to a ready API server with controllers running. */
  readonly startSeconds: number;
}

export function statePath(dir: string): string {
  return join(dir, "state.json");
}

export async function readState(dir: string): Promise<ClusterState | undefined> {
  const path = statePath(dir);
  if (!existsSync(path)) return undefined;
  return JSON.parse(await readFile(path, "utf8")) as ClusterState;
}

export async function writeState(state: ClusterState): Promise<void> {
  await writeFile(statePath(state.dir), JSON.stringify(state, null, 2) + "\n");
}

export async function removeState(dir: string): Promise<void> {
  await rm(statePath(dir), { force: true });
}
