import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { goBuild, requiredModuleVersion } from "./_go.ts";
import { wrapperModuleDir } from "./_paths.ts";
import type { ToolBuild } from "./_tool.ts";

const moduleDir = wrapperModuleDir("oci-image");

/** The go-containerregistry tag tools/oci-image/go.mod requires, e.g. `v0.22.1`. */
export const goContainerregistryVersion = requiredModuleVersion(moduleDir, "github.com/google/go-containerregistry");

/**
 * Cache key: the library's tag plus a hash of our main.go, so editing the program rebuilds it (a
 * relink, seconds, with go's build cache warm).
 */
function cacheVersion(): string {
  const hash = createHash("sha256")
    .update(readFileSync(join(moduleDir, "main.go")))
    .digest("hex");
  return `${goContainerregistryVersion}+main.${hash.slice(0, 8)}`;
}

/**
 * `oci-image` from `tools/oci-image`: writes an OCI image layout from staged folders (one layer per
 * folder) with go-containerregistry; `scripts/image.ts` builds the control plane's image with it.
 */
export const ociImageTool: ToolBuild = {
  name: "oci-image",
  version: cacheVersion(),
  binaries: ["oci-image"],
  async build(outDir: string): Promise<void> {
    await goBuild({
      label: `oci-image (go-containerregistry ${goContainerregistryVersion})`,
      moduleDir,
      packages: ["."],
      outDir,
      binaryName: "oci-image",
    });
  },
};
