export type { ToolBuild } from "./_tool.ts";
export { cacheRoot, repoRoot } from "./_paths.ts";
export { ensureTool, isToolBuilt, toolBinDir } from "./ensure-tool.ts";
export { findTool, tools } from "./registry.ts";
export { etcdTool } from "./etcd.ts";
export { kubernetesTool } from "./kubernetes.ts";
export { pulumiTool, pulumiVersion } from "./pulumi.ts";
export { pulumiKubernetesTool, pulumiKubernetesVersion } from "./pulumi-kubernetes.ts";
