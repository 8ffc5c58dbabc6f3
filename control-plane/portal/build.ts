import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";

/** One file the portal serves, built once and kept in memory. */
export interface PortalFile {
  readonly body: Buffer;
  readonly contentType: string;
  /** Strong validator of the content, so a reload costs a 304. */
  readonly etag: string;
}

/** The built portal: `index.html` and the files it loads, by name under `/portal/`. */
export interface PortalAssets {
  readonly index: PortalFile;
  readonly files: ReadonlyMap<string, PortalFile>;
}

const APP_DIR = join(import.meta.dirname, "app");

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".html": "text/html; charset=utf-8",
};

function file(body: Buffer | string, name: string): PortalFile {
  const buffer = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  const extension = name.slice(name.lastIndexOf("."));
  return {
    body: buffer,
    contentType: TYPES[extension] ?? "application/octet-stream",
    etag: `"${createHash("sha256").update(buffer).digest("base64url").slice(0, 22)}"`,
  };
}

/**
 * Bundles the portal's source (control-plane/portal/app, Preact + the model's pure placement rules)
 * with esbuild into one script and one stylesheet, in memory: the service builds it at start, so
 * there is no build step to forget and no CDN. Takes well under a second. esbuild is loaded here, not
 * at start, so the control plane's image (which serves the portal built ahead, {@link readPortal})
 * needs neither esbuild nor the portal's source.
 * @throws Error with esbuild's messages when the source does not compile
 */
export async function buildPortal(): Promise<PortalAssets> {
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: { app: join(APP_DIR, "main.tsx") },
    bundle: true,
    write: false,
    outdir: "/portal",
    format: "esm",
    target: "es2022",
    platform: "browser",
    minify: true,
    legalComments: "none",
    jsx: "automatic",
    jsxImportSource: "preact",
    charset: "utf8",
    logLevel: "silent",
    define: { "process.env.NODE_ENV": '"production"' },
  });
  const files = new Map<string, PortalFile>();
  for (const out of result.outputFiles) {
    const name = basename(out.path);
    files.set(name, file(Buffer.from(out.contents), name));
  }
  if (!files.has("app.js") || !files.has("app.css")) throw new Error(`the portal build produced ${[...files.keys()].join(", ")}; expected app.js and app.css`);
  return { index: file(readFileSync(join(APP_DIR, "index.html"), "utf8"), "index.html"), files };
}

/** The files a built portal is made of, as {@link writePortal} writes them and {@link readPortal} reads them. */
export const PORTAL_FILES = ["index.html", "app.js", "app.css"] as const;

/** Writes a built portal into `dir` (created when missing): `index.html`, `app.js`, `app.css`. */
export function writePortal(assets: PortalAssets, dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "index.html"), assets.index.body);
  for (const name of PORTAL_FILES.slice(1)) {
    const built = assets.files.get(name);
    if (!built) throw new Error(`the built portal has no ${name}`);
    writeFileSync(join(dir, name), built.body);
  }
}

/**
 * Reads a portal built ahead by {@link writePortal} (NDC_PORTAL_DIR; the control plane's image ships
 * one), instead of bundling the source at start.
 * @throws Error naming the folder and the file it lacks
 */
export function readPortal(dir: string): PortalAssets {
  const read = (name: string): Buffer => {
    try {
      return readFileSync(join(dir, name));
    } catch (error) {
      throw new Error(
        `NDC_PORTAL_DIR ${dir} has no readable ${name} (${(error as NodeJS.ErrnoException).code ?? "error"}); it must hold ${PORTAL_FILES.join(", ")} (scripts/image.ts writes them)`,
        { cause: error },
      );
    }
  };
  const files = new Map<string, PortalFile>(PORTAL_FILES.slice(1).map((name) => [name, file(read(name), name)]));
  return { index: file(read("index.html"), "index.html"), files };
}
