import { readFileSync } from "node:fs";
import { join } from "node:path";
import { $ } from "zx";
import { goBuild, requireGo } from "./_go.ts";
import { repoRoot, wrapperModuleDir } from "./_paths.ts";
import type { ToolBuild } from "./_tool.ts";

const moduleDir = wrapperModuleDir("pulumi-kubernetes");

/**
 * The provider version, equal to the npm @pulumi/kubernetes pin: the SDK asks the engine for the
 * `kubernetes` plugin at its own version. tools/pulumi-kubernetes/go.mod holds a pseudo-version
 * (the repository tags no provider/ module), so the release number lives here.
 */
export const pulumiKubernetesVersion = "4.25.0";

/** @throws when package.json pins another @pulumi/kubernetes than the provider being built */
function checkNpmPin(): void {
  const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
  const pin = pkg.dependencies?.["@pulumi/kubernetes"];
  if (pin !== pulumiKubernetesVersion) {
    throw new Error(
      `package.json pins @pulumi/kubernetes ${pin ?? "(none)"} but the provider built from tools/pulumi-kubernetes is ${pulumiKubernetesVersion}: ` +
        `pin npm to ${pulumiKubernetesVersion} (npm install --save-exact @pulumi/kubernetes@${pulumiKubernetesVersion}) or move both together (docs/pulumi-engine.md)`,
    );
  }
}

/**
 * The Pulumi Kubernetes resource provider `pulumi-resource-kubernetes` from `tools/pulumi-kubernetes`:
 * first `go run ./gen` writes the module's schema (version set) and terraform mapping next to our
 * main.go, which embeds them, then `go build`.
 */
export const pulumiKubernetesTool: ToolBuild = {
  name: "pulumi-kubernetes",
  version: `v${pulumiKubernetesVersion}`,
  binaries: ["pulumi-resource-kubernetes"],
  async build(outDir: string): Promise<void> {
    checkNpmPin();
    await requireGo(moduleDir);
    const env = { ...process.env, GOTOOLCHAIN: "local", CGO_ENABLED: "0", GOFLAGS: "-mod=readonly -buildvcs=false" };
    console.error(`pulumi-kubernetes v${pulumiKubernetesVersion}: generating schema-embed.json and terraform-mapping-embed.json`);
    await $({ cwd: moduleDir, env, quiet: true })`go run ./gen -version ${pulumiKubernetesVersion} -out .`;
    await goBuild({
      label: `pulumi-kubernetes v${pulumiKubernetesVersion}`,
      moduleDir,
      packages: ["."],
      outDir,
      binaryName: "pulumi-resource-kubernetes",
      ldflags: ["-s", "-w", "-X", `github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=${pulumiKubernetesVersion}`],
    });
  },
};
