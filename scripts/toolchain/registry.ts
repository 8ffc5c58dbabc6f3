import { etcdTool } from "./etcd.ts";
import { kubeRouterTool } from "./kube-router.ts";
import { kubernetesTool } from "./kubernetes.ts";
import { ociImageTool } from "./oci-image.ts";
import { pulumiKubernetesTool } from "./pulumi-kubernetes.ts";
import { promtoolTool } from "./promtool.ts";
import { pulumiTool } from "./pulumi.ts";
import type { ToolBuild } from "./_tool.ts";

/**
 * Every Go-built tool, in build order for `toolchain build all`. Add a tool here (one line) after
 * writing its `scripts/toolchain/<name>.ts`.
 */
export const tools: readonly ToolBuild[] = [kubernetesTool, etcdTool, pulumiTool, pulumiKubernetesTool, kubeRouterTool, promtoolTool, ociImageTool];

/**
 * Looks a tool up by name.
 * @throws naming the known tools when `name` is not one of them
 */
export function findTool(name: string): ToolBuild {
  const tool = tools.find((t) => t.name === name);
  if (!tool) {
    throw new Error(`unknown tool "${name}": expected one of ${tools.map((t) => t.name).join(", ")}`);
  }
  return tool;
}
