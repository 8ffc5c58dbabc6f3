import { readFileSync } from "node:fs";
import { join } from "node:path";
import { $, which } from "zx";

/** What one `go build` in a wrapper module needs. */
export interface GoBuildOptions {
  /** Wrapper module folder (holds go.mod and go.sum), e.g. `tools/kubernetes`. */
  readonly moduleDir: string;
  /** Import paths of the main packages to build, e.g. `k8s.io/kubernetes/cmd/kubectl`. */
  readonly packages: readonly string[];
  /** Folder that receives one executable per package, named after the package's last element. */
  readonly outDir: string;
  /**
   * Executable name when building one package whose name go would get wrong (a module root such as
   * `go.etcd.io/etcd/server/v3`). @default the package's last path element
   */
  readonly binaryName?: string;
  /** Build tags. @default none */
  readonly tags?: readonly string[];
  /** Linker flags, one array element per word (`["-s", "-w", "-X", "pkg.var=value"]`). @default `["-s", "-w"]` */
  readonly ldflags?: readonly string[];
  /** Label printed before progress lines. */
  readonly label: string;
  /**
   * Niceness of the compiler processes (`nice -n`), for tools built while tests run on a shared
   * machine. @default none (normal priority)
   */
  readonly nice?: number;
}

/**
 * Reads the version a wrapper module's go.mod requires for `modulePath`, so go.mod is the one place a
 * version is pinned.
 * @throws when go.mod does not require the module
 */
export function requiredModuleVersion(moduleDir: string, modulePath: string): string {
  const goMod = readFileSync(join(moduleDir, "go.mod"), "utf8");
  const escaped = modulePath.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, "m").exec(goMod);
  if (!match?.[1]) {
    throw new Error(`${moduleDir}/go.mod does not require ${modulePath}: add \`require ${modulePath} vX.Y.Z\``);
  }
  return match[1];
}

/** The `go` directive of a module, e.g. `1.26.0`. */
function goDirective(moduleDir: string): string {
  const match = /^go\s+(\S+)/m.exec(readFileSync(join(moduleDir, "go.mod"), "utf8"));
  return match?.[1] ?? "1.0";
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Checks that `go` is on PATH and new enough for the wrapper module (GOTOOLCHAIN=local: we never let
 * go download a toolchain).
 * @throws with how to install Go when it is missing or too old
 */
export async function requireGo(moduleDir: string): Promise<void> {
  const need = goDirective(moduleDir);
  const go = await which("go", { nothrow: true });
  if (!go) {
    throw new Error(
      `go is not on PATH: install Go ${need} or newer (https://go.dev/doc/install, or \`apt-get install golang-go\` when Debian's is new enough)`,
    );
  }
  const out = await $({ quiet: true, env: { ...process.env, GOTOOLCHAIN: "local" } })`go env GOVERSION`;
  const have = out.stdout.trim().replace(/^go/, "");
  if (compareVersions(have, need) < 0) {
    throw new Error(`${moduleDir}/go.mod needs Go ${need} but ${go} is go${have}: install Go ${need} or newer and put it first on PATH`);
  }
}

/**
 * Runs `go build` in a wrapper module the way upstream release builds do (CGO off, -trimpath, local
 * toolchain only), printing a progress line per 20 compiled packages and a heartbeat every 30 s,
 * because a cold Kubernetes build takes many minutes.
 * @throws with the tail of go's output when the build fails
 */
export async function goBuild(opts: GoBuildOptions): Promise<void> {
  await requireGo(opts.moduleDir);
  // -buildvcs=false: the wrapper module sits in this git checkout; stamping its commit would relink
  // on every commit for nothing.
  const env = { ...process.env, GOTOOLCHAIN: "local", CGO_ENABLED: "0", GOFLAGS: "-mod=readonly -buildvcs=false" };
  const tags = opts.tags && opts.tags.length > 0 ? ["-tags", opts.tags.join(",")] : [];
  const ldflags = ["-ldflags", (opts.ldflags ?? ["-s", "-w"]).join(" ")];

  // The dependency count gives the progress lines a scale; packages already in go's build cache are
  // not printed by -v, so a warm build finishes early.
  const deps = await $({ cwd: opts.moduleDir, env, quiet: true, nothrow: true })`go list -deps ${tags} ${opts.packages}`;
  if (deps.exitCode !== 0) {
    throw new Error(
      `${opts.label}: go cannot resolve ${opts.packages.join(" ")} in ${opts.moduleDir}:\n${deps.stderr.trim()}\nfix the wrapper module (run \`GOTOOLCHAIN=local go mod tidy\` there and commit go.mod and go.sum)`,
    );
  }
  const total = deps.stdout.split("\n").filter(Boolean).length;

  const output = opts.binaryName ? join(opts.outDir, opts.binaryName) : opts.outDir + "/";
  const started = Date.now();
  const elapsed = () => `${Math.round((Date.now() - started) / 1000)} s`;
  let compiled = 0;
  let tail: string[] = [];
  console.error(`${opts.label}: go build of ${opts.packages.length} command(s), up to ${total} packages (cold builds take minutes)`);
  const heartbeat = setInterval(() => {
    console.error(`${opts.label}: still building… ${elapsed()}, ${compiled}/${total} packages compiled`);
  }, 30_000);
  try {
    const nice = opts.nice === undefined ? [] : ["nice", "-n", String(opts.nice)];
    const proc = $({ cwd: opts.moduleDir, env, quiet: true, nothrow: true })`${nice} go build -v -trimpath ${tags} ${ldflags} -o ${output} ${opts.packages}`;
    proc.stderr.on("data", (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n").filter(Boolean)) {
        tail = [...tail.slice(-40), line];
        // Package lines are bare import paths; anything with a space is a diagnostic.
        if (!line.includes(" ")) {
          compiled++;
          if (compiled % 20 === 0) console.error(`${opts.label}: ${compiled}/${total} packages compiled, ${elapsed()}`);
        }
      }
    });
    const result = await proc;
    if (result.exitCode !== 0) {
      throw new Error(
        `${opts.label}: go build failed (exit ${result.exitCode}) in ${opts.moduleDir}:\n${tail.join("\n")}\nfix the wrapper module (go.mod replace list, Go version) or pick another version`,
      );
    }
  } finally {
    clearInterval(heartbeat);
  }
  console.error(`${opts.label}: built in ${elapsed()} (${compiled} packages compiled)`);
}
