import { spawn } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { build } from "esbuild";
import { buildPortal, writePortal } from "../../control-plane/portal/index.ts";
import { CONTROL_PLANE_USER } from "../../model/index.ts";
import { ensureTool, ociImageTool, repoRoot } from "../toolchain/index.ts";
import { nodeRuntime, type NodeRuntime } from "./runtime.ts";

/** Where things are in the image. The Deployment (components/_control-plane-objects.ts) mounts the writable ones. */
export const IMAGE_PATHS = {
  node: "/usr/local/bin/node",
  /** The control plane, bundled into one ES module. */
  server: "/app/server.mjs",
  workingDir: "/app",
  /** The portal built ahead (NDC_PORTAL_DIR). */
  portal: "/app/portal",
  /** Mount point of the stack file (NDC_STACKS_DIR); the image holds no stack. */
  stacks: "/etc/ndc/stacks",
  /** SQLite's folder (NDC_DATA_DIR), a volume in the Deployment. */
  data: "/var/lib/ndc",
} as const;

/** The image's name inside its layout (`org.opencontainers.image.ref.name`) and the tag the stacks carry: package.json's version. */
export function imageTag(): string {
  return (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version;
}

/** What `oci-image` prints when it has written the layout. */
interface OciImageOutput {
  readonly digest: string;
  readonly mediaType: string;
  readonly config: string;
  readonly layers: readonly { readonly digest: string; readonly diffID: string; readonly size: number }[];
}

/** One built image. */
export interface ImageBuild {
  /** The manifest digest, `sha256:<64 hex>`: what the stacks reference. */
  readonly digest: string;
  readonly tag: string;
  /** The OCI image layout folder (oci-layout, index.json, blobs/). */
  readonly layout: string;
  /** File holding the digest (one line). */
  readonly digestFile: string;
  readonly node: string;
  /** Debian packages of the shared libraries shipped, with versions. */
  readonly libraries: readonly string[];
  /** Compressed size of each layer in bytes: the runtime, then the control plane. */
  readonly layerBytes: readonly number[];
  /** Seconds per step and in all. */
  readonly seconds: { readonly runtime: number; readonly bundle: number; readonly layout: number; readonly total: number };
}

export interface BuildImageOptions {
  /** Folder that receives `control-plane/` (the layout), `control-plane.digest` and `control-plane.json`. @default build/image */
  readonly outDir?: string;
  readonly log?: (line: string) => void;
}

/**
 * The fixed creation time of the image and of every file in it (the Unix epoch, as other
 * reproducible image builders use), so the digest depends only on the content.
 */
export const IMAGE_CREATED = "1970-01-01T00:00:00Z";

const ARCHITECTURES: Record<string, string> = { x64: "amd64", arm64: "arm64" };

/**
 * The runtime layer's root: Node.js, the shared libraries it links, and the few files a process
 * needs from /etc (its user and group by number, name lookups from files); the writable mount
 * points exist, empty. No shell, no package manager, no other program.
 */
function stageRuntime(root: string, runtime: NodeRuntime): void {
  const put = (path: string, from: string) => {
    mkdirSync(join(root, dirname(path)), { recursive: true });
    copyFileSync(from, join(root, path));
    chmodSync(join(root, path), statSync(from).mode & 0o777);
  };
  const write = (path: string, text: string) => {
    mkdirSync(join(root, dirname(path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  put(IMAGE_PATHS.node, runtime.binary);
  for (const lib of runtime.libraries) put(lib.path, lib.path);
  const { uid, gid } = CONTROL_PLANE_USER;
  write("/etc/passwd", `root:x:0:0:root:/root:/sbin/nologin\nndc:x:${uid}:${gid}:ndc control plane:/nonexistent:/sbin/nologin\n`);
  write("/etc/group", `root:x:0:\nndc:x:${gid}:\n`);
  write("/etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files dns\n");
  for (const dir of ["/tmp", IMAGE_PATHS.data, IMAGE_PATHS.stacks]) mkdirSync(join(root, dir), { recursive: true });
}

/**
 * The control plane's layer: the service bundled by esbuild into one ES module (dependencies
 * included, no node_modules, no TypeScript at run time) and the portal built ahead.
 */
async function stageApp(root: string): Promise<void> {
  const server = join(root, IMAGE_PATHS.server);
  await build({
    absWorkingDir: repoRoot,
    entryPoints: [join(repoRoot, "control-plane", "server.ts")],
    outfile: server,
    bundle: true,
    // Source paths in the bundle's comments stay relative to the checkout even where node_modules is
    // a symbolic link (a worktree sharing another's), so the digest does not depend on where it lives.
    preserveSymlinks: true,
    platform: "node",
    format: "esm",
    target: "node24",
    // Readable stack traces from production: names kept, nothing minified (the bundle is ~3 MB
    // beside a 120 MB runtime).
    keepNames: true,
    legalComments: "eof",
    // buildPortal() loads esbuild only when no portal was built ahead (the image always has one);
    // pg loads pg-native only when asked for it (never).
    external: ["esbuild", "pg-native"],
    // CommonJS dependencies call require() for Node's own modules.
    banner: { js: 'import { createRequire as __ndcCreateRequire } from "node:module";\nconst require = __ndcCreateRequire(import.meta.url);' },
    logLevel: "warning",
  });
  writePortal(await buildPortal(), join(root, IMAGE_PATHS.portal));
}

function run(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${command} ${args.join(" ")} failed (exit ${code}):\n${stderr.trim()}`))));
  });
}

/**
 * Builds the control plane's OCI image offline: Node.js from the npm package, the machine's shared
 * libraries it links, the service bundled from this checkout and the portal built ahead; then
 * `oci-image` (go-containerregistry, tools/oci-image) writes the layout and the digest. Runs as the
 * non-root user of the Deployment, with the service as entrypoint; the stacks are mounted, not baked
 * in, so pinning a stack to this digest does not change the image.
 */
export async function buildControlPlaneImage(opts: BuildImageOptions = {}): Promise<ImageBuild> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const outDir = opts.outDir ?? join(repoRoot, "build", "image");
  const layoutDir = join(outDir, "control-plane");
  const digestFile = join(outDir, "control-plane.digest");
  const started = Date.now();
  const since = (t: number) => Math.round((Date.now() - t) / 100) / 10;
  const architecture = ARCHITECTURES[process.arch];
  if (!architecture) throw new Error(`the image is built for amd64 or arm64; this machine is ${process.arch}`);

  const tool = await ensureTool(ociImageTool);
  const stage = mkdtempSync(join(tmpdir(), "ndc-image-"));
  try {
    let t = Date.now();
    const runtime = nodeRuntime(log);
    stageRuntime(join(stage, "runtime"), runtime);
    const runtimeSeconds = since(t);
    log(`image: runtime staged: node v${runtime.version}, ${runtime.libraries.length} shared libraries (${runtime.packages.join(", ")})`);

    t = Date.now();
    await stageApp(join(stage, "app"));
    const bundleSeconds = since(t);
    log(`image: control plane bundled and portal built in ${bundleSeconds} s`);

    const tag = imageTag();
    const { uid, gid } = CONTROL_PLANE_USER;
    const spec = {
      architecture,
      os: "linux",
      created: IMAGE_CREATED,
      refName: tag,
      config: {
        User: `${uid}:${gid}`,
        Entrypoint: [IMAGE_PATHS.node, IMAGE_PATHS.server],
        WorkingDir: IMAGE_PATHS.workingDir,
        Env: ["NODE_ENV=production", `NDC_PORTAL_DIR=${IMAGE_PATHS.portal}`, `NDC_STACKS_DIR=${IMAGE_PATHS.stacks}`, `NDC_DATA_DIR=${IMAGE_PATHS.data}`],
        ExposedPorts: { "8080/tcp": {} },
        Labels: {
          "org.opencontainers.image.title": "ndc-control-plane",
          "org.opencontainers.image.description": "The ndc-platform control plane: HTTP API, portal and provisioner",
          "org.opencontainers.image.version": tag,
          "vn.gov.ndc.image.runtime": `node v${runtime.version} (npm node@${runtime.version}); ${runtime.packages.join(" ")}`,
        },
      },
      layers: [
        {
          dir: join(stage, "runtime"),
          createdBy: `scripts/image.ts: node v${runtime.version}, its shared libraries (${runtime.packages.join(" ")}), /etc/passwd and /etc/group`,
          owners: { [IMAGE_PATHS.data.slice(1)]: { uid, gid } },
          modes: { tmp: 0o1777, [IMAGE_PATHS.data.slice(1)]: 0o700 },
        },
        { dir: join(stage, "app"), createdBy: "scripts/image.ts: the control plane bundled by esbuild, the portal built ahead" },
      ],
    };
    const specFile = join(stage, "spec.json");
    writeFileSync(specFile, JSON.stringify(spec, null, 2));

    t = Date.now();
    rmSync(layoutDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    const output = JSON.parse(await run(join(tool, "oci-image"), ["-spec", specFile, "-out", layoutDir, "-digest-file", digestFile])) as OciImageOutput;
    const layoutSeconds = since(t);

    const result: ImageBuild = {
      digest: output.digest,
      tag,
      layout: layoutDir,
      digestFile,
      node: runtime.version,
      libraries: runtime.packages,
      layerBytes: output.layers.map((l) => l.size),
      seconds: { runtime: runtimeSeconds, bundle: bundleSeconds, layout: layoutSeconds, total: since(started) },
    };
    writeFileSync(join(outDir, "control-plane.json"), JSON.stringify(result, null, 2) + "\n");
    return result;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
