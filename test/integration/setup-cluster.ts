// vitest global setup: one real control plane per test run, shared by every integration test file
// (each isolates itself by namespace). See scripts/cluster/ and docs/local-cluster.md.
import type { TestProject } from "vitest/node";
import { acquireCluster } from "../../scripts/cluster/index.ts";

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

/**
 * Uses the cluster named by `KUBECONFIG_NDC_TEST` when set; otherwise starts (or reuses) the cluster
 * `test`, building it first when needed. Provides `kubeconfig` and `clusterName` to tests and sets
 * `NDC_TEST_KUBECONFIG`. The teardown stops the cluster only when a test run started it and no other
 * live process (another project, another engineer's run) still uses it; `NDC_TEST_KEEP_CLUSTER=1`
 * leaves it running for the next run.
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.KUBECONFIG_NDC_TEST;
  if (external) {
    project.provide("kubeconfig", external);
    project.provide("clusterName", process.env.NDC_TEST_CLUSTER ?? "");
    process.env.NDC_TEST_KUBECONFIG = external;
    return async () => {};
  }
  const cluster = await acquireCluster({ name: testClusterName });
  project.provide("kubeconfig", cluster.kubeconfig);
  project.provide("clusterName", testClusterName);
  process.env.NDC_TEST_KUBECONFIG = cluster.kubeconfig;
  return async () => {
    if (process.env.NDC_TEST_KEEP_CLUSTER) return;
    await cluster.release();
  };
}
