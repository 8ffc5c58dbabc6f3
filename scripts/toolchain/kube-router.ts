import { goBuild, requiredModuleVersion } from "./_go.ts";
import { wrapperModuleDir } from "./_paths.ts";
import type { ToolBuild } from "./_tool.ts";

const moduleDir = wrapperModuleDir("kube-router");
const version = requiredModuleVersion(moduleDir, "github.com/cloudnativelabs/kube-router/v2");

/**
 * kube-router from `tools/kube-router` (version from its go.mod). The packet tests run only its
 * network-policy firewall (`--run-firewall`) to enforce NetworkPolicies with iptables and ipset; it is
 * a test harness, never part of a site.
 */
export const kubeRouterTool: ToolBuild = {
  name: "kube-router",
  version,
  binaries: ["kube-router"],
  async build(outDir: string): Promise<void> {
    await goBuild({
      label: `kube-router ${version}`,
      moduleDir,
      packages: ["github.com/cloudnativelabs/kube-router/v2/cmd/kube-router"],
      outDir,
      // Upstream's Makefile stamps the version the same way (its build date is fixed here so the link
      // step stays cacheable).
      ldflags: [
        "-s",
        "-w",
        "-X",
        `github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=${version}`,
        "-X",
        "github.com/cloudnativelabs/kube-router/v2/pkg/version.BuildDate=2026-01-01T00:00:00Z",
      ],
      // Built on machines that run tests at the same time: stay out of their way.
      nice: 10,
    });
  },
};
