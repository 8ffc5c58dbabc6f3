// vitest global setup: one real control plane per test run, shared by every integration test file
// (each isolates itself by namespace). See scripts/cluster/ and ../shared/TOOLCHAIN.md.
import type { TestProject } from "vitest/node";
import { startCluster, stopCluster } from "../../scripts/cluster/index.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Admin kubeconfig path of the test cluster. */
    kubeconfig: string;
    /** Name of the cluster scripts/cluster.ts manages, or "" when KUBECONFIG_NDC_TEST names another. */
    clusterName: string;
  }
}

/** Cluster name the tests start (kept apart from the developer's `local`). */
export const testClusterName = "test";

// Both the integration and the e2e project load this file; count users so the last one out stops
// the cluster, and only when this run started it.
interface Shared { users: number; started: boolean; pending?: Promise<{ kubeconfig: string; started: boolean }> }
const shared: Shared = ((globalThis as { __ndcTestCluster?: Shared }).__ndcTestCluster ??= { users: 0, started: false });

/**
 * Uses the cluster named by `KUBECONFIG_NDC_TEST` when set; otherwise starts (or reuses) the cluster
 * `test`, builds it first when needed. Provides `kubeconfig` and `clusterName` to tests and sets
 * `NDC_TEST_KUBECONFIG`. Set `NDC_TEST_KEEP_CLUSTER=1` to leave a started cluster running for the next run.
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.KUBECONFIG_NDC_TEST;
  if (external) {
    project.provide("kubeconfig", external);
    project.provide("clusterName", process.env.NDC_TEST_CLUSTER ?? "");
    process.env.NDC_TEST_KUBECONFIG = external;
    return async () => {};
  }
  shared.users++;
  shared.pending ??= startCluster({ name: testClusterName }).then((c) => ({ kubeconfig: c.kubeconfig, started: !c.reused }));
  const cluster = await shared.pending;
  shared.started = cluster.started;
  project.provide("kubeconfig", cluster.kubeconfig);
  project.provide("clusterName", testClusterName);
  process.env.NDC_TEST_KUBECONFIG = cluster.kubeconfig;
  return async () => {
    shared.users--;
    if (shared.users > 0 || !shared.started || process.env.NDC_TEST_KEEP_CLUSTER) return;
    shared.pending = undefined;
    await stopCluster(testClusterName);
  };
}
