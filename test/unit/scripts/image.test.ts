import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { imageRepository, pinnedReference, pinStacks, pinStackText } from "../../../scripts/image/pin-stacks.ts";
import { parseLdd } from "../../../scripts/image/runtime.ts";
import { repoRoot } from "../../../scripts/toolchain/index.ts";

const DIGEST = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const PLACEHOLDER = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

describe("parseLdd", () => {
  test("keeps each library's path and the loader, not the vDSO (a lost library makes the image's node fail to start)", () => {
    const output = `\tlinux-vdso.so.1 (0x00007ffd5c3f5000)
\tlibdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007f3197de2000)
\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f3197a00000)
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f319781e000)
\t/lib64/ld-linux-x86-64.so.2 (0x00007f3197dfa000)
`;
    expect(parseLdd(output)).toEqual([
      { path: "/lib/x86_64-linux-gnu/libdl.so.2" },
      { path: "/lib/x86_64-linux-gnu/libstdc++.so.6" },
      { path: "/lib/x86_64-linux-gnu/libc.so.6" },
      { path: "/lib64/ld-linux-x86-64.so.2" },
    ]);
  });

  test("refuses a library ldd cannot find (an image without it would not start)", () => {
    expect(() => parseLdd("\tlibstdc++.so.6 => not found\n")).toThrow("ldd: the runtime needs libstdc++.so.6, which this machine lacks");
  });

  test("refuses a line it does not understand rather than skipping a library", () => {
    expect(() => parseLdd("\tstatically linked\n")).toThrow('ldd: cannot read the line "statically linked"');
  });
});

describe("image references", () => {
  test.each([
    ["registry.ndc1.ndc.gov.vn/ndc/control-plane:0.1.0@" + PLACEHOLDER, "registry.ndc1.ndc.gov.vn/ndc/control-plane"],
    ["registry.local.ndc.gov.vn/ndc/control-plane:dev", "registry.local.ndc.gov.vn/ndc/control-plane"],
    ["registry.example:5000/ndc/control-plane", "registry.example:5000/ndc/control-plane"],
    ["registry.example:5000/ndc/control-plane@" + PLACEHOLDER, "registry.example:5000/ndc/control-plane"],
  ])("the repository of %s is %s (a registry port is not a tag)", (reference, repository) => {
    expect(imageRepository(reference)).toBe(repository);
  });

  test("a pinned reference has the tag and the digest", () => {
    expect(pinnedReference("registry.ndc2.ndc.gov.vn/ndc/control-plane", "0.1.0", DIGEST)).toBe(`registry.ndc2.ndc.gov.vn/ndc/control-plane:0.1.0@${DIGEST}`);
  });

  test("refuses something that is not a sha256 digest (a stack would name an image no registry has)", () => {
    expect(() => pinnedReference("r/ndc/control-plane", "0.1.0", "sha256:abc")).toThrow('not an image digest: "sha256:abc" (expected sha256:<64 hex>)');
  });
});

const SITE_STACK = `# the site's stack
encryptionsalt: v1:abc
config:
  ndc:site:
    id: ndc2
    name: {vi: Hai, en: Two}
  # the image the build wrote
  ndc:controlPlane:
    image: registry.ndc2.ndc.gov.vn/ndc/control-plane:0.0.9@${PLACEHOLDER}
    replicas: 3
`;

describe("pinStackText", () => {
  test("changes only the image's value: comments, layout and other values stay byte for byte", () => {
    const pinned = pinStackText(SITE_STACK, "0.1.0", DIGEST);
    expect(pinned?.text).toBe(SITE_STACK.replace(`control-plane:0.0.9@${PLACEHOLDER}`, `control-plane:0.1.0@${DIGEST}`));
    expect(pinned?.from).toBe(`registry.ndc2.ndc.gov.vn/ndc/control-plane:0.0.9@${PLACEHOLDER}`);
    expect(pinned?.to).toBe(`registry.ndc2.ndc.gov.vn/ndc/control-plane:0.1.0@${DIGEST}`);
  });

  test("keeps a quoted value quoted", () => {
    const text = SITE_STACK.replace(/image: (\S+)/, 'image: "$1"');
    expect(pinStackText(text, "0.1.0", DIGEST)?.text).toContain(`    image: "registry.ndc2.ndc.gov.vn/ndc/control-plane:0.1.0@${DIGEST}"\n`);
  });

  test("leaves the local stack alone (its cluster runs no pods; its image may stay a tag)", () => {
    const local = SITE_STACK.replace("id: ndc2", "id: local");
    expect(pinStackText(local, "0.1.0", DIGEST)).toBeUndefined();
  });

  test("leaves a stack without a control plane alone", () => {
    expect(pinStackText("config:\n  ndc:site:\n    id: ndc3\n", "0.1.0", DIGEST)).toBeUndefined();
  });

  test("refuses a file that is not a stack", () => {
    expect(() => pinStackText("name: ndc-platform\n", "0.1.0", DIGEST)).toThrow("not a stack file: no `config:` map");
  });
});

describe("pinStacks", () => {
  test("writes the site stacks that deploy the control plane and no other file", () => {
    const dir = mkdtempSync(join(tmpdir(), "ndc-pin-"));
    const local = SITE_STACK.replace("id: ndc2", "id: local").replace(/image: \S+/, "image: registry.local.ndc.gov.vn/ndc/control-plane:dev");
    writeFileSync(join(dir, "Pulumi.ndc2.yaml"), SITE_STACK);
    writeFileSync(join(dir, "Pulumi.local.yaml"), local);
    writeFileSync(join(dir, "Pulumi.ndc3.yaml"), "config:\n  ndc:site:\n    id: ndc3\n");
    writeFileSync(join(dir, "notes.yaml"), "config: {}\n");
    expect(pinStacks(dir, "0.1.0", DIGEST)).toEqual([
      {
        file: join(dir, "Pulumi.ndc2.yaml"),
        from: `registry.ndc2.ndc.gov.vn/ndc/control-plane:0.0.9@${PLACEHOLDER}`,
        to: `registry.ndc2.ndc.gov.vn/ndc/control-plane:0.1.0@${DIGEST}`,
      },
    ]);
    expect(readFileSync(join(dir, "Pulumi.ndc2.yaml"), "utf8")).toContain(`image: registry.ndc2.ndc.gov.vn/ndc/control-plane:0.1.0@${DIGEST}\n`);
    expect(readFileSync(join(dir, "Pulumi.local.yaml"), "utf8")).toBe(local);
    expect(readFileSync(join(dir, "Pulumi.ndc3.yaml"), "utf8")).toBe("config:\n  ndc:site:\n    id: ndc3\n");
  });
});

describe("the committed site stacks", () => {
  test("ndc1-hoalac and ndc2 run one image, tagged 0.1.0 and named by a real digest (red when a stack keeps the placeholder or the sites run different builds)", () => {
    const imageOf = (name: string) => /^ {4}image: (\S+)$/m.exec(readFileSync(join(repoRoot, "stacks", `Pulumi.${name}.yaml`), "utf8"))?.[1];
    const ndc1 = imageOf("ndc1-hoalac");
    const ndc2 = imageOf("ndc2");
    expect(ndc1).toMatch(/^registry\.ndc1\.ndc\.gov\.vn\/ndc\/control-plane:0\.1\.0@sha256:[0-9a-f]{64}$/);
    expect(ndc2).toMatch(/^registry\.ndc2\.ndc\.gov\.vn\/ndc\/control-plane:0\.1\.0@sha256:[0-9a-f]{64}$/);
    expect(ndc1?.split("@")[1]).toBe(ndc2?.split("@")[1]);
    expect(ndc1).not.toContain(PLACEHOLDER);
    expect(imageOf("local")).toBe("registry.local.ndc.gov.vn/ndc/control-plane:dev");
  });
});
