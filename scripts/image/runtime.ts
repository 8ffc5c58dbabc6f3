import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { cacheRoot } from "../toolchain/index.ts";

/**
 * The Node.js release the image runs, exactly (the development bootstrap takes any `node@24`; an
 * image must not change because npm published a patch release). Move it with `npm view node
 * versions` and rebuild the image.
 */
export const IMAGE_NODE_VERSION = "24.21.0";

/** One shared object the runtime needs: where the loader looks for it, and the file that holds it. */
export interface SharedLibrary {
  /** Path the dynamic loader resolves, e.g. `/lib/x86_64-linux-gnu/libc.so.6` (the image keeps it). */
  readonly path: string;
}

/**
 * Reads `ldd`'s output: every `name => /path (0x…)` line and the loader's own `/path (0x…)` line.
 * The kernel's vDSO (no file) is left out.
 * @throws naming the library when ldd says `not found`, or when a line is not understood
 */
export function parseLdd(output: string): SharedLibrary[] {
  const libraries: SharedLibrary[] = [];
  for (const raw of output.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("linux-vdso.so") || line.startsWith("linux-gate.so")) continue;
    const missing = /^(\S+) => not found$/.exec(line);
    if (missing) throw new Error(`ldd: the runtime needs ${missing[1]}, which this machine lacks`);
    const linked = /^\S+ => (\/\S+) \(0x[0-9a-f]+\)$/.exec(line) ?? /^(\/\S+) \(0x[0-9a-f]+\)$/.exec(line);
    if (!linked?.[1]) throw new Error(`ldd: cannot read the line ${JSON.stringify(line)}`);
    libraries.push({ path: linked[1] });
  }
  return libraries;
}

/** The Node.js executable the image ships and what it needs from the machine. */
export interface NodeRuntime {
  readonly version: string;
  /** The executable from the npm package `node@<version>` (its `node-linux-<arch>` build). */
  readonly binary: string;
  readonly libraries: readonly SharedLibrary[];
  /** Debian packages of those libraries with versions (`libc6=2.36-9+deb12u14`), or `unknown` where dpkg cannot tell. */
  readonly packages: readonly string[];
}

function installedVersion(prefix: string): string | undefined {
  const manifest = join(prefix, "node_modules", "node", "package.json");
  if (!existsSync(manifest)) return undefined;
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version?: string }).version;
}

/**
 * Finds Node.js {@link IMAGE_NODE_VERSION} from the npm registry's `node` package: the development
 * bootstrap's copy (`<cache>/node`) when it is that version, else `<cache>/image-node/<version>`,
 * installed there with npm when missing. Checks that the executable says it is that version.
 * @throws when npm cannot install it or the executable is another version
 */
export function ensureImageNode(log: (line: string) => void = (line) => console.error(line)): string {
  const bootstrap = join(cacheRoot(), "node");
  let prefix = installedVersion(bootstrap) === IMAGE_NODE_VERSION ? bootstrap : join(cacheRoot(), "image-node", IMAGE_NODE_VERSION);
  if (installedVersion(prefix) !== IMAGE_NODE_VERSION) {
    prefix = join(cacheRoot(), "image-node", IMAGE_NODE_VERSION);
    log(`image: installing node@${IMAGE_NODE_VERSION} from the npm registry into ${prefix}`);
    const npm = spawnSync("npm", ["install", "--prefix", prefix, "--no-audit", "--no-fund", "--loglevel=error", `node@${IMAGE_NODE_VERSION}`], {
      stdio: ["ignore", "inherit", "inherit"],
    });
    if (npm.status !== 0) throw new Error(`npm install node@${IMAGE_NODE_VERSION} failed (exit ${npm.status}); the image needs that exact Node.js`);
  }
  const binary = realpathSync(join(prefix, "node_modules", "node", "bin", "node"));
  const reported = spawnSync(binary, ["--version"], { encoding: "utf8" }).stdout?.trim();
  if (reported !== `v${IMAGE_NODE_VERSION}`) throw new Error(`${binary} says it is ${reported ?? "nothing"}, not v${IMAGE_NODE_VERSION}`);
  return binary;
}

/** The Debian package and version that installed `path`, e.g. `libc6=2.36-9+deb12u14`. */
function debianPackage(path: string): string {
  for (const candidate of [path, realpathSync(path)]) {
    // `libc6:amd64: /lib/x86_64-linux-gnu/libc.so.6`
    const owner = /^([a-z0-9][a-z0-9+.-]*)(:[a-z0-9-]+)?: /m.exec(spawnSync("dpkg", ["-S", candidate], { encoding: "utf8" }).stdout ?? "");
    if (!owner?.[1]) continue;
    const version = spawnSync("dpkg-query", ["-W", "-f", "${Version}", `${owner[1]}${owner[2] ?? ""}`], { encoding: "utf8" });
    if (version.status === 0 && version.stdout) return `${owner[1]}=${version.stdout.trim()}`;
  }
  return `unknown(${path})`;
}

/**
 * The runtime the image ships: Node.js {@link IMAGE_NODE_VERSION} and the machine's shared
 * libraries it links (ldd), with the Debian packages they come from.
 */
export function nodeRuntime(log?: (line: string) => void): NodeRuntime {
  const binary = ensureImageNode(log);
  const ldd = spawnSync("ldd", [binary], { encoding: "utf8" });
  if (ldd.status !== 0) throw new Error(`ldd ${binary} failed: ${ldd.stderr.trim() || `exit ${ldd.status}`}`);
  const libraries = parseLdd(ldd.stdout);
  const packages = [...new Set(libraries.map((l) => debianPackage(l.path)))].sort();
  return { version: IMAGE_NODE_VERSION, binary, libraries, packages };
}
