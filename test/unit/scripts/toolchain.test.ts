import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { requiredModuleVersion } from "../../../scripts/toolchain/_go.ts";
import { findTool, kubernetesTool, kubeRouterTool, etcdTool, tools } from "../../../scripts/toolchain/index.ts";

function goMod(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "ndc-gomod-"));
  writeFileSync(join(dir, "go.mod"), text);
  return dir;
}

describe("requiredModuleVersion", () => {
  test.each([
    ["a single-line require", "module x\n\nrequire k8s.io/kubernetes v1.37.2\n", "v1.37.2"],
    ["a require block", "module x\n\nrequire (\n\tgithub.com/a/b v0.1.0\n\tk8s.io/kubernetes v1.36.3 // indirect\n)\n", "v1.36.3"],
  ])("reads the version from %s", (_name, text, version) => {
    expect(requiredModuleVersion(goMod(text), "k8s.io/kubernetes")).toBe(version);
  });

  test("does not match a module whose path only starts the same", () => {
    const dir = goMod("module x\n\nrequire k8s.io/kubernetes-extra v9.9.9\n");
    expect(() => requiredModuleVersion(dir, "k8s.io/kubernetes")).toThrow(
      `${dir}/go.mod does not require k8s.io/kubernetes: add \`require k8s.io/kubernetes vX.Y.Z\``,
    );
  });
});

describe("tools", () => {
  test("pins the versions from the wrapper modules' go.mod", () => {
    expect(kubernetesTool.version).toBe("v1.37.2");
    expect(etcdTool.version).toBe("v3.6.16");
    expect(kubeRouterTool.version).toBe("v2.1.0");
    expect(kubeRouterTool.binaries).toEqual(["kube-router"]);
  });

  test("fails when a tool name is unknown", () => {
    expect(() => findTool("kind")).toThrow(`unknown tool "kind": expected one of ${tools.map((t) => t.name).join(", ")}`);
  });
});

describe("the image builder in the toolchain", () => {
  test("toolchain build all builds oci-image from go-containerregistry v0.22.1 (red when it leaves the registry or go.mod moves the library)", () => {
    expect(tools.map((t) => t.name)).toContain("oci-image");
    const tool = findTool("oci-image");
    expect(tool.binaries).toEqual(["oci-image"]);
    expect(tool.version).toMatch(/^v0\.22\.1\+main\.[0-9a-f]{8}$/);
  });
});
