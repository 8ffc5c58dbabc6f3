export { acquireCluster, clusterStatus, findRunningCluster, startCluster, stopCluster } from "./_control-plane.ts";
export type { ClusterHandle, ClusterLease, ClusterStatus, StartClusterOptions } from "./_control-plane.ts";
export type { ClusterState } from "./_state.ts";
export { clusterDir, defaultClusterName } from "./_paths.ts";
export { freeLoopbackPort } from "./_ports.ts";
export { createFakeNodes, deleteFakeNodes, fakeNodeLabel } from "./fake-nodes.ts";
export type { FakeNode } from "./fake-nodes.ts";
export { issueUserKubeconfig } from "./user-kubeconfig.ts";
export type { UserKubeconfigOptions } from "./user-kubeconfig.ts";
