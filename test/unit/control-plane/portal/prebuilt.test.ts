import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { readPortal, writePortal, type PortalAssets } from "../../../../control-plane/portal/build.ts";
import { configFromEnv } from "../../../../control-plane/config.ts";

function assets(): PortalAssets {
  const f = (text: string, contentType: string) => ({ body: Buffer.from(text), contentType, etag: '"x"' });
  return {
    index: f("<!doctype html><title>ndc</title>", "text/html; charset=utf-8"),
    files: new Map([
      ["app.js", f("console.log(1)", "text/javascript; charset=utf-8")],
      ["app.css", f("body{}", "text/css; charset=utf-8")],
    ]),
  };
}

describe("a portal built ahead (the image's NDC_PORTAL_DIR)", () => {
  test("writePortal writes exactly index.html, app.js and app.css, and readPortal serves the same bytes and types", () => {
    const dir = mkdtempSync(join(tmpdir(), "ndc-portal-"));
    writePortal(assets(), dir);
    expect(readdirSync(dir).sort()).toEqual(["app.css", "app.js", "index.html"]);
    const read = readPortal(dir);
    expect(read.index.body.toString()).toBe("<!doctype html><title>ndc</title>");
    expect(read.index.contentType).toBe("text/html; charset=utf-8");
    expect([...read.files.keys()].sort()).toEqual(["app.css", "app.js"]);
    expect(read.files.get("app.js")?.body.toString()).toBe("console.log(1)");
    expect(read.files.get("app.js")?.contentType).toBe("text/javascript; charset=utf-8");
    expect(read.files.get("app.css")?.contentType).toBe("text/css; charset=utf-8");
  });

  test("readPortal gives each file a strong ETag of its content (a changed file must not be served from a browser's cache)", () => {
    const dir = mkdtempSync(join(tmpdir(), "ndc-portal-"));
    writePortal(assets(), dir);
    const before = readPortal(dir).files.get("app.js")?.etag;
    writeFileSync(join(dir, "app.js"), "console.log(2)");
    const after = readPortal(dir).files.get("app.js")?.etag;
    expect(before).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    expect(after).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    expect(after).not.toBe(before);
  });

  test("readPortal names the folder and the missing file (a half-copied image fails at start, not on the first page)", () => {
    const dir = mkdtempSync(join(tmpdir(), "ndc-portal-"));
    writePortal(assets(), dir);
    rmSync(join(dir, "app.css"));
    expect(() => readPortal(dir)).toThrow(
      `NDC_PORTAL_DIR ${dir} has no readable app.css (ENOENT); it must hold index.html, app.js, app.css (scripts/image.ts writes them)`,
    );
  });

  test("configFromEnv takes NDC_PORTAL_DIR, and without it the service bundles the portal itself", () => {
    expect(configFromEnv({ NDC_PORTAL_DIR: "/app/portal" }).portalDir).toBe("/app/portal");
    expect(configFromEnv({}).portalDir).toBeUndefined();
  });
});
