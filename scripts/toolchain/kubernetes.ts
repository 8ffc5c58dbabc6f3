import { goBuild, requiredModuleVersion } from "./_go.ts";
import { wrapperModuleDir } from "./_paths.ts";
import type { ToolBuild } from "./_tool.ts";

const moduleDir = wrapperModuleDir("kubernetes");
const version = requiredModuleVersion(moduleDir, "k8s.io/kubernetes");

// Stamp the version like upstream's hack/lib/version.sh, so `kubectl version` and /version tell the
// truth. A fixed build date keeps the link step cacheable.
function versionLdflags(): string[] {
  const [major = "1", minor = "0"] = version.replace(/^v/, "").split(".");
  const flags: string[] = ["-s", "-w"];
  for (const pkg of ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"]) {
    for (const [key, value] of [
      ["gitVersion", version],
      ["gitMajor", major],
      ["gitMinor", minor],
      ["gitTreeState", "clean"],
      ["buildDate", "2026-01-01T00:00:00Z"],
    ]) {
      flags.push("-X", `${pkg}.${key}=${value}`);
    }
  }
  return flags;
}

/** kube-apiserver, kube-controller-manager and kubectl from `tools/kubernetes` (version from its go.mod). */
export const kubernetesTool: ToolBuild = {
  name: "kubernetes",
  version,
  binaries: ["kube-apiserver", "kube-controller-manager", "kubectl"],
  async build(outDir: string): Promise<void> {
    await goBuild({
      label: `kubernetes ${version}`,
      moduleDir,
      packages: ["k8s.io/kubernetes/cmd/kube-apiserver", "k8s.io/kubernetes/cmd/kube-controller-manager", "k8s.io/kubernetes/cmd/kubectl"],
      outDir,
      // Upstream's release tags: selinux support, and test-only code left out.
      tags: ["selinux", "notest"],
      ldflags: versionLdflags(),
    });
  },
};
