#!/usr/bin/env -S npx tsx
// Builds the control plane's OCI image offline and pins the site stacks to its digest
// (docs/platform-engineers.md, "The control plane's image"). The logic lives in scripts/image/.
import { join } from "node:path";
import { buildControlPlaneImage } from "./image/build.ts";
import { pinStacks, planStackPins } from "./image/pin-stacks.ts";
import { repoRoot } from "./toolchain/index.ts";

const usage = `usage: tsx scripts/image.ts [--out <dir>] [--no-pin | --check] [--json]

Builds the control plane's image as an OCI image layout: Node.js from the npm package node@<pinned>,
the shared libraries it links from this machine, the service bundled by esbuild and the portal built
ahead, written by tools/oci-image (go-containerregistry). Non-root user, no shell, the service as
entrypoint. Then points ndc:controlPlane.image of every site stack that deploys the control plane
(not the local stack) at the digest, keeping each stack's repository.

  --out <dir>   where the layout goes (default build/image): <dir>/control-plane/ (the layout),
                <dir>/control-plane.digest, <dir>/control-plane.json (build report)
  --no-pin      build only; leave the stacks alone
  --check       build, then exit 1 when a stack does not name this digest (the stacks are not written)
  --json        print the build report as JSON`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith("--")) throw new Error(`--${name} needs a value`);
  return value;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes("--help") || args.includes("-h")) {
    console.log(usage);
    return;
  }
  const known = new Set(["--out", "--no-pin", "--check", "--json"]);
  const unknown = args.filter((a, i) => a.startsWith("--") && !known.has(a) && args[i - 1] !== "--out");
  if (unknown.length > 0) throw new Error(`unknown option ${unknown.join(" ")}\n\n${usage}`);
  const out = option(args, "out");
  const image = await buildControlPlaneImage(out ? { outDir: out } : {});
  const stacksDir = join(repoRoot, "stacks");
  const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  const total = image.layerBytes.reduce((a, b) => a + b, 0);
  if (args.includes("--json")) console.log(JSON.stringify(image, null, 2));
  else {
    console.log(`image ${image.tag}@${image.digest}`);
    console.log(`  layout  ${image.layout}`);
    console.log(`  layers  ${image.layerBytes.map(mib).join(" + ")} = ${mib(total)} compressed`);
    console.log(
      `  built   in ${image.seconds.total} s (runtime ${image.seconds.runtime} s, bundle ${image.seconds.bundle} s, layout ${image.seconds.layout} s)`,
    );
  }
  if (args.includes("--check")) {
    const stale = planStackPins(stacksDir, image.tag, image.digest).filter((p) => p.pinnedText !== p.text);
    for (const p of stale) console.error(`image: ${p.file} names ${p.from}, not this build (${p.to})`);
    if (stale.length > 0) {
      console.error("image: the stacks do not name the image this checkout builds: run `npm run image` and commit the stacks");
      process.exitCode = 1;
    }
    return;
  }
  if (args.includes("--no-pin")) return;
  for (const p of pinStacks(stacksDir, image.tag, image.digest)) {
    console.error(p.from === p.to ? `image: ${p.file} already names it` : `image: ${p.file}: ${p.from} -> ${p.to}`);
  }
}

try {
  await main();
} catch (err) {
  console.error(`image: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
