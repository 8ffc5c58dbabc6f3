// The layering of the code, checked from its import lines (docs/architecture.md, "Layers"):
// - control-plane/store/ persists and reads: it imports nothing from workflow/, api/ or provisioner/;
// - model/ is pure: it imports only model/ files and the few npm packages listed below;
// - a folder's `_` files are its own: no file outside the folder (or its subfolders) imports them;
// - a folder with an index.ts is entered through it (or through testing.ts, its fixtures), never
//   through another of its files.
// Tests are exempt from the last two rules: they test a folder's parts, private ones included.
import { readdirSync, readFileSync } from "node:fs";
import { basename, join, posix, relative } from "node:path";
import { describe, expect, test } from "vitest";

/** npm packages model/ may import: schemas and YAML parsing, both pure. */
const MODEL_PACKAGES = ["@sinclair/typebox", "yaml"];
/** Files a folder may be entered through besides index.ts. */
const ENTRY_POINTS = ["index.ts", "testing.ts"];
const STORE_MAY_NOT_IMPORT = ["control-plane/workflow/", "control-plane/api/", "control-plane/provisioner/"];

const ROOT = join(import.meta.dirname, "../..");
const SOURCE_ROOTS = ["index.ts", "model", "components", "control-plane", "scripts", "policy", "test"];

/** Every module specifier of a file: `import … from`, `export … from`, bare `import "…"` and `import("…")`. */
function importSpecifiers(source: string): string[] {
  const re = /^\s*(?:import|export)\s(?:[^;'"])*?\bfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/gm;
  return [...source.matchAll(re)].map((m) => (m[1] ?? m[2] ?? m[3])!);
}

/**
 * The rules broken by the files given (path relative to the repository, with `/`, -> source).
 * `folders` are the folders that have an index.ts.
 */
function importViolations(files: ReadonlyMap<string, string>, folders: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const [file, source] of files) {
    const from = posix.dirname(file);
    const isTest = file.startsWith("test/");
    for (const spec of importSpecifiers(source)) {
      const relativeSpec = spec.startsWith(".");
      const target = relativeSpec ? posix.normalize(posix.join(from, spec)) : undefined;
      if (file.startsWith("model/")) {
        if (target !== undefined && !target.startsWith("model/")) out.push(`${file}: model/ imports ${target}, outside model/`);
        if (target === undefined && !MODEL_PACKAGES.some((p) => spec === p || spec.startsWith(`${p}/`))) {
          out.push(`${file}: model/ imports ${spec}; model/ may import only ${MODEL_PACKAGES.join(", ")}`);
        }
      }
      if (target === undefined) continue;
      if (file.startsWith("control-plane/store/")) {
        const bad = STORE_MAY_NOT_IMPORT.find((d) => target.startsWith(d));
        if (bad) out.push(`${file}: store/ imports ${target}; the store may not import ${bad}`);
      }
      if (isTest) continue;
      const folder = posix.dirname(target);
      // Inside the folder itself, or from one of its subfolders: its own business.
      if (folder === from || folder === "." || from.startsWith(`${folder}/`)) continue;
      const name = posix.basename(target);
      if (name.startsWith("_")) out.push(`${file}: imports ${target}, a file private to ${folder}/`);
      else if (folders.has(folder) && !ENTRY_POINTS.includes(name)) out.push(`${file}: imports ${target} around ${folder}/index.ts`);
    }
  }
  return out;
}

function repositoryFiles(): { files: Map<string, string>; folders: Set<string> } {
  const files = new Map<string, string>();
  const folders = new Set<string>();
  const walk = (path: string) => {
    const rel = relative(ROOT, path).split("\\").join("/");
    if (basename(path) === "node_modules") return;
    let entries;
    try {
      entries = readdirSync(path, { withFileTypes: true });
    } catch {
      if (/\.(ts|mts|cts)$/.test(path)) files.set(rel, readFileSync(path, "utf8"));
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) walk(join(path, e.name));
      else if (/\.(ts|mts|cts)$/.test(e.name)) {
        files.set(posix.join(rel, e.name), readFileSync(join(path, e.name), "utf8"));
        if (e.name === "index.ts" && rel !== "") folders.add(rel);
      }
    }
  };
  for (const r of SOURCE_ROOTS) walk(join(ROOT, r));
  return { files, folders };
}

describe("import rules", () => {
  test("each rule catches what it is about", () => {
    const files = new Map([
      ["control-plane/store/sql-store.ts", 'import { applyTransition } from "../workflow/index.ts";\nimport type { AuditEntry } from "../audit/index.ts";'],
      ["control-plane/store/store.ts", 'import {\n  problem,\n} from "../api/errors.ts";\nexport { Provisioner } from "../provisioner/index.ts";'],
      [
        "model/admission.ts",
        'import { Type } from "@sinclair/typebox";\nimport { Value } from "@sinclair/typebox/value";\nimport { parse } from "yaml";\nimport { names } from "./names.ts";',
      ],
      ["model/policy.ts", 'import { readFileSync } from "node:fs";\nimport { Store } from "../control-plane/store/index.ts";'],
      ["model/builder/environment-objects.ts", 'import { OneOf } from "../_literals.ts";\nimport { LABELS } from "../names.ts";'],
      [
        "components/site.ts",
        'import { thing } from "../model/_literals.ts";\nimport { buildEnvironmentObjects } from "../model/builder/environment-objects.ts";\nimport { testSpec } from "../model/testing.ts";\nimport { LABELS } from "../model/index.ts";\nimport { labels } from "./_labels.ts";',
      ],
      ["control-plane/api/schemas.ts", 'const lazy = await import("../workflow/lifecycle.ts");\nimport "../domain/phases.ts";'],
      ["scripts/tool.ts", 'import { x } from "./cluster/index.ts";\nimport { y } from "./untracked/helper.ts";'],
      ["test/unit/x.test.ts", 'import { p } from "../../control-plane/api/_presenters.ts";\nimport { s } from "../../control-plane/workflow/lifecycle.ts";'],
    ]);
    const folders = new Set([
      "model",
      "model/builder",
      "control-plane/store",
      "control-plane/api",
      "control-plane/workflow",
      "control-plane/domain",
      "control-plane/provisioner",
      "scripts/cluster",
    ]);
    expect(importViolations(files, folders)).toEqual([
      "control-plane/store/sql-store.ts: store/ imports control-plane/workflow/index.ts; the store may not import control-plane/workflow/",
      "control-plane/store/store.ts: store/ imports control-plane/api/errors.ts; the store may not import control-plane/api/",
      "control-plane/store/store.ts: imports control-plane/api/errors.ts around control-plane/api/index.ts",
      "control-plane/store/store.ts: store/ imports control-plane/provisioner/index.ts; the store may not import control-plane/provisioner/",
      "model/policy.ts: model/ imports node:fs; model/ may import only @sinclair/typebox, yaml",
      "model/policy.ts: model/ imports control-plane/store/index.ts, outside model/",
      "components/site.ts: imports model/_literals.ts, a file private to model/",
      "components/site.ts: imports model/builder/environment-objects.ts around model/builder/index.ts",
      "control-plane/api/schemas.ts: imports control-plane/workflow/lifecycle.ts around control-plane/workflow/index.ts",
      "control-plane/api/schemas.ts: imports control-plane/domain/phases.ts around control-plane/domain/index.ts",
    ]);
  });

  test("the repository keeps them", () => {
    const { files, folders } = repositoryFiles();
    // The walk found the tree (a broken walk would pass vacuously).
    expect(files.has("control-plane/store/sql-store.ts")).toBe(true);
    expect(folders.has("control-plane/workflow")).toBe(true);
    expect(importViolations(files, folders)).toEqual([]);
  });
});
