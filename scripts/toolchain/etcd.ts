import { goBuild, requiredModuleVersion } from "./_go.ts";
import { wrapperModuleDir } from "./_paths.ts";
import type { ToolBuild } from "./_tool.ts";

const moduleDir = wrapperModuleDir("etcd");
const version = requiredModuleVersion(moduleDir, "go.etcd.io/etcd/server/v3");

/** The etcd server from `tools/etcd` (version from its go.mod); Debian's 3.4 is too old for Kubernetes. */
export const etcdTool: ToolBuild = {
  name: "etcd",
  version,
  binaries: ["etcd"],
  async build(outDir: string): Promise<void> {
    await goBuild({
      label: `etcd ${version}`,
      moduleDir,
      packages: ["go.etcd.io/etcd/server/v3"],
      outDir,
      // The main package is the module root; name the executable ourselves.
      binaryName: "etcd",
    });
  },
};
