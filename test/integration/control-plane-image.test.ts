// The control plane's OCI image, built by scripts/image.ts (tools/oci-image: go-containerregistry),
// taken apart the way a container runtime would: the layout's index, manifest and config are read
// and checked against their digests, the layers are unpacked in order into an empty folder, and the
// entrypoint runs from that root — mounted read-only, as the image's user, with only the image's
// environment, in a mount namespace of its own (unshare; needs root). Nothing from the host is
// visible to the process but the kernel. Every expected value is written here by hand from the
// design (docs/platform-engineers.md, "The control plane's image").
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { controlPlaneObjects } from "../../components/_control-plane-objects.ts";
import { parseStackFile } from "../../model/index.ts";
import { buildControlPlaneImage, type ImageBuild } from "../../scripts/image/build.ts";
import { pinStacks } from "../../scripts/image/pin-stacks.ts";
import { repoRoot } from "../../scripts/toolchain/index.ts";

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}
interface ImageConfig {
  architecture: string;
  os: string;
  config: { User?: string; Entrypoint?: string[]; Cmd?: string[]; Env?: string[]; WorkingDir?: string; Labels?: Record<string, string> };
  rootfs: { type: string; diff_ids: string[] };
}

let work: string;
let image: ImageBuild;
let index: { manifests: Descriptor[] };
let manifest: { mediaType: string; config: Descriptor; layers: Descriptor[] };
let config: ImageConfig;
/** The layers unpacked in order, as a runtime's root file system. */
let root: string;

const blob = (digest: string) => join(image.layout, "blobs", "sha256", digest.replace(/^sha256:/, ""));
const sha256 = (file: string) => `sha256:${createHash("sha256").update(readFileSync(file)).digest("hex")}`;
const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/** Unpacks the given layers, in order, into a new folder (as root, so owners and modes are the layers'). */
function unpack(layers: readonly Descriptor[]): string {
  const dir = mkdtempSync(join(work, "root-"));
  // A runtime's root folder is 0755 (the layers do not carry /); mkdtemp makes it 0700.
  chmodSync(dir, 0o755);
  for (const layer of layers) {
    const tar = spawnSync("tar", ["--extract", "--gzip", "--numeric-owner", "--same-permissions", "--file", blob(layer.digest), "--directory", dir], {
      encoding: "utf8",
    });
    if (tar.status !== 0) throw new Error(`tar could not unpack ${layer.digest}: ${tar.stderr}`);
  }
  return dir;
}

interface RunOptions {
  readonly argv: readonly string[];
  readonly env: readonly string[];
  readonly workingDir: string;
  /** `uid:gid`, numbers. */
  readonly user: string;
  /** Extra mounts inside the root before it is made read-only: shell lines with $R for the root. */
  readonly mounts?: readonly string[];
}

/**
 * The command line that runs `argv` with `rootDir` as its root file system, mounted read-only, as
 * `user`, with exactly `env` (`env -i`), from `workingDir`, in a private mount namespace: the host's
 * shell and tools set it up, then exec hands over to the image's program (no shell inside).
 */
function inRoot(rootDir: string, opts: RunOptions): [string, string[]] {
  const [uid, gid] = opts.user.split(":");
  if (!uid || !gid || !/^\d+$/.test(uid) || !/^\d+$/.test(gid))
    throw new Error(`the image's User must be uid:gid in numbers, got ${JSON.stringify(opts.user)}`);
  const script = [
    "set -e",
    `R=${quote(rootDir)}`,
    'mount --bind "$R" "$R"',
    ...(opts.mounts ?? []),
    'mount -o remount,bind,ro "$R"',
    `exec /usr/bin/env -i ${opts.env.map(quote).join(" ")} /usr/bin/unshare --root="$R" --wd=${quote(opts.workingDir)} --setgid=${gid} --setuid=${uid} -- ${opts.argv.map(quote).join(" ")}`,
  ].join("\n");
  return ["unshare", ["--mount", "--propagation", "private", "--", "/bin/sh", "-c", script]];
}

function runInRoot(rootDir: string, opts: RunOptions): { status: number | null; stdout: string; stderr: string } {
  const [command, args] = inRoot(rootDir, opts);
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The image's own way to run: its entrypoint, environment, working folder and user. */
function asTheImage(extraArgs: readonly string[], more: Partial<RunOptions> = {}): RunOptions {
  return {
    argv: [...(config.config.Entrypoint ?? []), ...extraArgs],
    env: config.config.Env ?? [],
    workingDir: config.config.WorkingDir ?? "/",
    user: config.config.User ?? "",
    ...more,
  };
}

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error("the image test unpacks layers with their owners and runs them in a mount namespace: it needs root");
  work = mkdtempSync(join(tmpdir(), "ndc-image-test-"));
  image = await buildControlPlaneImage({ outDir: join(work, "out"), log: () => {} });
  index = JSON.parse(readFileSync(join(image.layout, "index.json"), "utf8")) as typeof index;
  const only = index.manifests[0];
  if (!only) throw new Error("the layout's index.json names no image");
  manifest = JSON.parse(readFileSync(blob(only.digest), "utf8")) as typeof manifest;
  config = JSON.parse(readFileSync(blob(manifest.config.digest), "utf8")) as ImageConfig;
  root = unpack(manifest.layers);
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the layout the build writes", () => {
  test("names one OCI image whose manifest digest is the one the build writes to its digest file (a stack pinned to that file gets these bytes)", () => {
    expect(index.manifests).toHaveLength(1);
    const [only] = index.manifests;
    expect(only?.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(only?.annotations?.["org.opencontainers.image.ref.name"]).toBe("0.1.0");
    expect(readFileSync(image.digestFile, "utf8")).toBe(`${only?.digest}\n`);
    expect(image.digest).toBe(only?.digest);
    expect(sha256(blob(only!.digest))).toBe(only?.digest);
    expect(readFileSync(join(image.layout, "oci-layout"), "utf8")).toContain('"imageLayoutVersion": "1.0.0"');
  });

  test("every blob is what its descriptor says: the config and each gzip layer match their digests and sizes", () => {
    expect(manifest.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(manifest.config.mediaType).toBe("application/vnd.oci.image.config.v1+json");
    expect(manifest.layers.map((l) => l.mediaType)).toEqual(["application/vnd.oci.image.layer.v1.tar+gzip", "application/vnd.oci.image.layer.v1.tar+gzip"]);
    for (const d of [manifest.config, ...manifest.layers]) {
      expect(sha256(blob(d.digest))).toBe(d.digest);
      expect(statSync(blob(d.digest)).size).toBe(d.size);
    }
    expect(config.rootfs.diff_ids).toHaveLength(2);
  });

  test("the config runs the service as 10001:10001 from /app with the portal built ahead, on linux, with no shell command", () => {
    expect(config.os).toBe("linux");
    expect(config.architecture).toBe(process.arch === "arm64" ? "arm64" : "amd64");
    expect(config.config.User).toBe("10001:10001");
    expect(config.config.Entrypoint).toEqual(["/usr/local/bin/node", "/app/server.mjs"]);
    expect(config.config.Cmd).toBeUndefined();
    expect(config.config.WorkingDir).toBe("/app");
    expect(config.config.Env).toEqual(["NODE_ENV=production", "NDC_PORTAL_DIR=/app/portal", "NDC_STACKS_DIR=/etc/ndc/stacks", "NDC_DATA_DIR=/var/lib/ndc"]);
    expect(config.config.Labels?.["org.opencontainers.image.version"]).toBe("0.1.0");
    expect(config.config.Labels?.["vn.gov.ndc.image.runtime"]).toMatch(/^node v24\.21\.0 \(npm node@24\.21\.0\); .*libc6=/);
  });
});

describe("the unpacked root", () => {
  test("has no shell, no package manager and no other program than node (nothing for an intruder to run)", () => {
    for (const path of ["bin/sh", "usr/bin/sh", "bin/bash", "bin/busybox", "usr/bin/apt", "usr/bin/dpkg", "usr/bin/env"])
      expect(existsSync(join(root, path)), path).toBe(false);
    const executables: string[] = [];
    const walk = (dir: string, rel: string) => {
      for (const name of readdirSync(dir)) {
        const st = lstatSync(join(dir, name));
        const path = rel ? `${rel}/${name}` : name;
        if (st.isDirectory()) walk(join(dir, name), path);
        else if (st.isFile() && st.mode & 0o111 && !/\.so(\.\d+)*$/.test(name)) executables.push(path);
      }
    };
    walk(root, "");
    expect(executables.sort()).toEqual(["usr/local/bin/node"]);
  });

  test("holds no stack file (the stacks pin the image's digest; baking them in would change the digest they pin)", () => {
    const found = spawnSync("find", [root, "-name", "Pulumi.*.yaml"], { encoding: "utf8" }).stdout.trim();
    expect(found).toBe("");
    expect(readdirSync(join(root, "etc", "ndc", "stacks"))).toEqual([]);
  });

  test("gives the service user only its data folder; everything else is root's and not writable by others (/tmp excepted, sticky)", () => {
    const notRoots: string[] = [];
    const writable: string[] = [];
    const walk = (dir: string, rel: string) => {
      for (const name of readdirSync(dir)) {
        const st = lstatSync(join(dir, name));
        const path = rel ? `${rel}/${name}` : name;
        if (st.uid !== 0 || st.gid !== 0) notRoots.push(`${path} ${st.uid}:${st.gid}`);
        if (!st.isSymbolicLink() && st.mode & 0o022) writable.push(`${path} ${(st.mode & 0o7777).toString(8)}`);
        if (st.isDirectory()) walk(join(dir, name), path);
      }
    };
    walk(root, "");
    expect(notRoots).toEqual(["var/lib/ndc 10001:10001"]);
    expect(writable).toEqual(["tmp 1777"]);
    expect(statSync(join(root, "var/lib/ndc")).mode & 0o7777).toBe(0o700);
  });

  test("the service's bundle names its sources relative to the checkout (red when the digest depends on the checkout's folder or a linked node_modules)", () => {
    const bundle = readFileSync(join(root, "app/server.mjs"), "utf8");
    expect(bundle).toContain("\n// control-plane/server.ts\n");
    expect(bundle).toContain("\n// node_modules/fastify/fastify.js\n");
    expect(bundle.match(/^\/\/ (\.\.\/|\/).*$/gm) ?? []).toEqual([]);
    expect(bundle).not.toContain(repoRoot);
  });

  test("names the service user in /etc/passwd and /etc/group, so the process has a name and a group", () => {
    expect(readFileSync(join(root, "etc/passwd"), "utf8")).toContain("\nndc:x:10001:10001:");
    expect(readFileSync(join(root, "etc/group"), "utf8")).toContain("\nndc:x:10001:\n");
  });
});

describe("running the image from its unpacked root", () => {
  test("the harness itself: a process there runs as 10001:10001 without root's groups and cannot write the root (else the runs below would prove less)", () => {
    const probe = runInRoot(root, {
      ...asTheImage([]),
      argv: [
        "/usr/local/bin/node",
        "-e",
        'const fs = require("node:fs"); let w; try { fs.writeFileSync("/app/x", ""); w = "written" } catch (e) { w = e.code } console.log(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), groups: process.getgroups(), write: w, sh: fs.existsSync("/bin/sh"), host: fs.existsSync("' +
          repoRoot +
          '") }))',
      ],
    });
    expect(probe.stderr).toBe("");
    expect(JSON.parse(probe.stdout)).toEqual({ uid: 10001, gid: 10001, groups: [10001], write: "EROFS", sh: false, host: false });
  });

  test("its entrypoint prints the service's --help from the read-only root as 10001, with only the image's environment", () => {
    const help = runInRoot(root, asTheImage(["--help"]));
    expect(help.stderr).toBe("");
    expect(help.status).toBe(0);
    expect(help.stdout.startsWith("usage: npm run serve")).toBe(true);
    expect(help.stdout).toContain("NDC_PORTAL_DIR");
    expect(help.stdout).toContain("DATABASE_URL");
  });

  test("with libstdc++ emptied the same run fails (red when the run uses the host's libraries instead of the unpacked root's)", () => {
    const lib = ["lib/x86_64-linux-gnu/libstdc++.so.6", "lib/aarch64-linux-gnu/libstdc++.so.6"].find((p) => existsSync(join(root, p)));
    expect(lib).toBeDefined();
    // An empty file over it, in this run's mount namespace only: the unpacked root stays as it is.
    const help = runInRoot(root, asTheImage(["--help"], { mounts: [`mount --bind /dev/null "$R/${lib}"`] }));
    expect(help.status).not.toBe(0);
    expect(help.stderr).toContain("libstdc++.so.6");
    expect(help.stdout).toBe("");
  });

  test("the service starts from the read-only root on SQLite in its data volume, serves the portal built ahead and stops on SIGTERM", async () => {
    const stacks = mkdtempSync(join(work, "stacks-"));
    chmodSync(stacks, 0o755); // as a ConfigMap volume is: readable by the pod's user
    copyFileSync(join(repoRoot, "stacks", "Pulumi.local.yaml"), join(stacks, "Pulumi.local.yaml"));
    chmodSync(join(stacks, "Pulumi.local.yaml"), 0o644);
    const port = await freePort();
    // What the Deployment mounts: an emptyDir for the data (owned through fsGroup), one for /tmp, the stack file read-only.
    const mounts = [
      'mount -t tmpfs -o mode=0700,uid=10001,gid=10001,size=64m tmpfs "$R/var/lib/ndc"',
      'mount -t tmpfs -o mode=1777,size=16m tmpfs "$R/tmp"',
      `mount --bind ${quote(stacks)} "$R/etc/ndc/stacks"`,
      'mount -o remount,bind,ro "$R/etc/ndc/stacks"',
    ];
    const opts = asTheImage([], { mounts });
    const [command, args] = inRoot(root, { ...opts, env: [...opts.env, `PORT=${port}`, "HOST=127.0.0.1", "NDC_SITES=local"] });
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    child.stdout.on("data", (c: Buffer) => (log += c.toString()));
    child.stderr.on("data", (c: Buffer) => (log += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const base = `http://127.0.0.1:${port}`;
      let ready: Response | undefined;
      for (let i = 0; i < 240 && child.exitCode === null; i++) {
        ready = await fetch(`${base}/readyz`).catch(() => undefined);
        if (ready?.status === 200) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(ready?.status, `the service never became ready; its output:\n${log}`).toBe(200);
      const page = await fetch(`${base}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(await page.text()).toContain('<script type="module" src="/portal/app.js"></script>');
      const script = await fetch(`${base}/portal/app.js`);
      expect(script.status).toBe(200);
      expect(Buffer.from(await script.arrayBuffer()).equals(readFileSync(join(root, "app/portal/app.js")))).toBe(true);
      expect(log).toContain('"store":"sqlite"');
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  }, 120_000);
});

describe("the site program and the stacks", () => {
  test("the Deployment runs the image's user, read-only and non-root, and mounts every folder the image leaves writable", () => {
    const stack = parseStackFile(readFileSync(join(repoRoot, "stacks", "Pulumi.ndc1-hoalac.yaml"), "utf8"), "Pulumi.ndc1-hoalac.yaml");
    const deployment = controlPlaneObjects({ config: stack, stack: "ndc1-hoalac" }).find((o) => o.kind === "Deployment") as Record<string, any>;
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(`${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`).toBe(config.config.User);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(container.command).toBeUndefined();
    expect(container.args).toBeUndefined();
    const mounted = container.volumeMounts.map((m: { mountPath: string }) => m.mountPath);
    for (const path of ["/tmp", "/var/lib/ndc", "/etc/ndc/stacks"]) expect(mounted).toContain(path);
  });

  test("pinning a copy of the stacks to the build makes each site's Deployment run exactly the built digest, from its own registry", () => {
    const stacks = mkdtempSync(join(work, "pinned-"));
    for (const name of readdirSync(join(repoRoot, "stacks"))) copyFileSync(join(repoRoot, "stacks", name), join(stacks, name));
    pinStacks(stacks, image.tag, image.digest);
    const imageOf = (name: string) => {
      const cfg = parseStackFile(readFileSync(join(stacks, `Pulumi.${name}.yaml`), "utf8"), `Pulumi.${name}.yaml`);
      const d = controlPlaneObjects({ config: cfg, stack: name }).find((o) => o.kind === "Deployment") as Record<string, any> | undefined;
      return d?.spec.template.spec.containers[0].image as string | undefined;
    };
    expect(imageOf("ndc1-hoalac")).toBe(`registry.ndc1.ndc.gov.vn/ndc/control-plane:0.1.0@${image.digest}`);
    expect(imageOf("ndc2")).toBe(`registry.ndc2.ndc.gov.vn/ndc/control-plane:0.1.0@${image.digest}`);
    expect(imageOf("local")).toBe("registry.local.ndc.gov.vn/ndc/control-plane:dev");
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
