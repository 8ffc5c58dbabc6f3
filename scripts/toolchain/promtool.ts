import { goBuild, requiredModuleVersion } from "./_go.ts";
import { wrapperModuleDir } from "./_paths.ts";
import type { ToolBuild } from "./_tool.ts";

const moduleDir = wrapperModuleDir("promtool");
/** Prometheus tags its Go module v0.MMM.P for release v3.MMM/100…; the module version keys the cache. */
const version = requiredModuleVersion(moduleDir, "github.com/prometheus/prometheus");

/**
 * Prometheus's `promtool` from `tools/promtool`, for `promtool check rules` and `promtool test rules`
 * on monitoring/. Built without service discovery (`remove_all_sd`): the rule commands never use it,
 * and leaving the cloud SDKs out shortens a cold build.
 */
export const promtoolTool: ToolBuild = {
  name: "promtool",
  version,
  binaries: ["promtool"],
  async build(outDir: string): Promise<void> {
    await goBuild({
      label: `promtool ${version}`,
      moduleDir,
      packages: ["github.com/prometheus/prometheus/cmd/promtool"],
      outDir,
      tags: ["remove_all_sd"],
      ldflags: ["-s", "-w", "-X", `github.com/prometheus/common/version.Version=${version}`],
    });
  },
};
