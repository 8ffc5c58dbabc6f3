import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { goBuild, requiredModuleVersion } from "./_go.ts";
import { repoRoot, wrapperModuleDir } from "./_paths.ts";
import type { ToolBuild } from "./_tool.ts";

const moduleDir = wrapperModuleDir("pulumi");
const hostDir = join(moduleDir, "cmd", "pulumi-language-nodejs");

/** The Pulumi tag tools/pulumi/go.mod requires, e.g. `v3.276.0`; the CLI reports it as its version. */
export const pulumiVersion = requiredModuleVersion(moduleDir, "github.com/pulumi/pulumi/pkg/v3");

/**
 * Cache key: the Pulumi tag plus a hash of our language host's sources, so editing the host
 * rebuilds it (go's build cache makes that a relink of the CLI, seconds).
 */
function cacheVersion(): string {
  const hash = createHash("sha256");
  for (const file of readdirSync(hostDir)
    .filter((f) => f.endsWith(".go") && !f.endsWith("_test.go"))
    .sort()) {
    hash.update(file).update(readFileSync(join(hostDir, file)));
  }
  return `${pulumiVersion}+host.${hash.digest("hex").slice(0, 8)}`;
}

/**
 * Warns when npm's @pulumi/pulumi differs from the CLI: the SDK and the engine speak one protocol
 * version, and TOOLCHAIN.md asks to keep them equal.
 */
function checkNpmPin(): void {
  const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
  const pin = pkg.dependencies?.["@pulumi/pulumi"];
  if (pin && `v${pin}` !== pulumiVersion) {
    console.error(`pulumi: warning: package.json pins @pulumi/pulumi ${pin} but tools/pulumi/go.mod builds ${pulumiVersion}; pin both to one version`);
  }
}

/**
 * The Pulumi CLI and the Node.js language host from `tools/pulumi` (see docs/pulumi-engine.md):
 * `pulumi` from github.com/pulumi/pulumi/pkg/v3, `pulumi-language-nodejs` from our own
 * cmd/pulumi-language-nodejs, both against sdk/v3 at the same tag.
 */
export const pulumiTool: ToolBuild = {
  name: "pulumi",
  version: cacheVersion(),
  binaries: ["pulumi", "pulumi-language-nodejs"],
  async build(outDir: string): Promise<void> {
    checkNpmPin();
    await goBuild({
      label: `pulumi ${pulumiVersion}`,
      moduleDir,
      packages: ["github.com/pulumi/pulumi/pkg/v3/cmd/pulumi", "./cmd/pulumi-language-nodejs"],
      outDir,
      // The tags upstream's release build uses: pure-Go user lookup, no gRPC tracing endpoints.
      tags: ["osusergo", "grpcnotrace"],
      ldflags: ["-s", "-w", "-X", `github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${pulumiVersion}`],
    });
  },
};
