import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { repoRoot } from "../../scripts/toolchain/index.ts";

// The guides a user follows: what they say must run as written, and stay inside the repository.
const guides = [
  "README.md",
  "control-plane/README.md",
  ...readdirSync(join(repoRoot, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];
const text = (file: string) => readFileSync(join(repoRoot, file), "utf8");
const scripts = (JSON.parse(text("package.json")) as { scripts: Record<string, string> }).scripts;

/** Every `[label](target)` in a markdown file. */
function links(file: string): string[] {
  return [...text(file).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
}

/** Every source file's text, to look names up in. */
function sourceText(): string {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(repoRoot, dir), { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts")) out.push(readFileSync(join(repoRoot, path), "utf8"));
    }
  };
  for (const dir of ["model", "control-plane", "components", "scripts", "policy"]) walk(dir);
  return out.join("\n");
}

describe("the guides (README.md, control-plane/README.md, docs/)", () => {
  test.each(guides)("%s links only to files in the repository that exist", (file) => {
    const broken = links(file)
      .filter((target) => !target.startsWith("#"))
      .filter((target) => {
        if (/^[a-z]+:/i.test(target)) return true; // http(s), mailto, file: all leave the repository
        const path = resolve(dirname(join(repoRoot, file)), target.split("#")[0]!);
        return relative(repoRoot, path).startsWith("..") || !existsSync(path);
      });
    expect(broken).toEqual([]);
  });

  test.each(guides)("%s does not send the reader to the brief outside the repository", (file) => {
    expect(text(file)).not.toMatch(/\.\.\/shared\//);
  });

  test.each(guides)("%s runs scripts through npm run, so they get the bootstrapped Node 24", (file) => {
    // `npx tsx` and `npx vitest` run on whatever node is first on PATH (Node 20 on a fresh machine).
    const bare = text(file)
      .split("\n")
      .filter((line) => /(^|[\s`$(])(npx (tsx|vitest)|tsx scripts\/)/.test(line));
    expect(bare).toEqual([]);
  });

  test.each(guides)("%s names only npm scripts that bootstrap Node 24", (file) => {
    const named = [...text(file).matchAll(/npm run (?:-s )?([a-z][\w:-]*)/g)].map((m) => m[1]!);
    const wrong = named.filter((name) => !(scripts[name] ?? "").startsWith("sh scripts/node24.sh "));
    expect(wrong).toEqual([]);
  });

  test("docs name only error classes and codes the code defines", () => {
    const source = sourceText();
    const named = guides.flatMap((file) => [...text(file).matchAll(/`([A-Z][A-Za-z]*Error|NDC_ERR_[A-Z_]+)`/g)].map((m) => `${file}: ${m[1]}`));
    const unknown = named.filter((entry) => !new RegExp(`\\b(class|interface|type) ${entry.split(": ")[1]}\\b|\\b${entry.split(": ")[1]}: \\{`).test(source));
    expect(unknown).toEqual([]);
  });
});

describe("README.md: what is proven, and on what", () => {
  const readme = text("README.md");
  const section = readme.slice(readme.indexOf("## What is proven, and on what"), readme.indexOf("\n## ", readme.indexOf("## What is proven, and on what") + 1));

  test("every test file the README names exists (a renamed or deleted test turns it red)", () => {
    // Full paths (`test/integration/x.test.ts`) and bare file names (`cluster-binding.test.ts`).
    const paths = [...new Set([...readme.matchAll(/\btest\/[\w./-]+\.ts\b/g)].map((m) => m[0]))];
    expect(paths.length).toBeGreaterThan(30);
    expect(paths.filter((p) => !existsSync(join(repoRoot, p)))).toEqual([]);
    const testFiles = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(join(repoRoot, dir), { withFileTypes: true }))
        if (entry.isDirectory()) walk(`${dir}/${entry.name}`);
        else testFiles.add(entry.name);
    };
    walk("test");
    const bare = [...new Set([...readme.matchAll(/[`(\s]([\w-]+\.test\.ts)\b/g)].map((m) => m[1]!))];
    expect(bare.filter((name) => !testFiles.has(name))).toEqual([]);
  });

  test("names the real component of every claim, and says what is not proven", () => {
    const rows = section.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| claim") && !l.startsWith("|---"));
    expect(rows.length).toBeGreaterThan(20);
    for (const row of rows) {
      const [claim, tests, component] = row.split(" | ");
      expect(claim!.length, row).toBeGreaterThan(10);
      expect(tests, row).toMatch(/`test\/[\w./-]+\.test\.ts`/);
      expect(component!.replace(/ \|$/, "").length, row).toBeGreaterThan(3);
    }
    for (const component of ["kube-apiserver", "etcd", "kube-router", "SQLite", "PostgreSQL", "Pulumi engine", "Chromium", "Schemathesis", "promtool"])
      expect(section, component).toContain(component);
    expect(section).toContain("**What is not proven:**");
  });
});

describe("docs/pulumi-engine.md", () => {
  test("shows the local stack's encryption salt exactly as the stack file has it", () => {
    const salt = (file: string) => [...text(file).matchAll(/^encryptionsalt: (\S+)$/gm)].map((m) => m[1]);
    expect(salt("docs/pulumi-engine.md")).toEqual(salt("stacks/Pulumi.local.yaml"));
    expect(salt("stacks/Pulumi.local.yaml")).toHaveLength(1);
  });
});

describe("docs/architecture.md", () => {
  test("names only problem types of the error catalogue after an HTTP status", () => {
    const catalogue = readFileSync(join(repoRoot, "control-plane/domain/errors.ts"), "utf8");
    const types = new Set([...catalogue.matchAll(/type: "([a-z-]+)"/g)].map((m) => m[1]));
    const named = [...text("docs/architecture.md").matchAll(/\b[1-5]\d\d `([a-z][a-z-]+)`/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(2);
    expect(named.filter((t) => !types.has(t))).toEqual([]);
  });
});

describe("npm scripts", () => {
  test.each(Object.entries(scripts))("%s runs on the bootstrapped Node 24 (scripts/node24.sh)", (_name, command) => {
    expect(command).toMatch(/^sh scripts\/node24\.sh /);
  });
});
