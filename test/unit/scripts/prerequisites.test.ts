import { describe, expect, test } from "vitest";
import { prerequisitesReport, testPrerequisites, type MachineProbe } from "../../../scripts/prerequisites/test-prerequisites.ts";
import { coldCacheEnv } from "../../../scripts/toolchain/check-cold.ts";

const everything: MachineProbe = {
  which: (c) => `/usr/bin/${c}`,
  initdb: () => "/usr/lib/postgresql/15/bin/initdb",
  exists: (p) => p === "/usr/lib/chromium/chromium",
  env: {},
  unbuiltTools: [],
  pythonVenv: (python) => (python === "/usr/bin/python3" ? "ensurepip pip 23.0.1" : undefined),
};

describe("testPrerequisites", () => {
  test("finds everything on a machine that has it", () => {
    const report = prerequisitesReport(testPrerequisites(everything));
    expect(report.ok).toBe(true);
    expect(report.text).not.toContain("MISSING");
  });

  test("fails when PostgreSQL, openssl and git are missing, saying how to install each", () => {
    const bare: MachineProbe = {
      ...everything,
      which: (c) => ({ go: "/usr/local/go/bin/go", python3: "/usr/bin/python3" })[c],
      initdb: () => undefined,
    };
    const report = prerequisitesReport(testPrerequisites(bare));
    expect(report.ok).toBe(false);
    expect(report.text).toContain("npm test cannot run: PostgreSQL (initdb), openssl, git are missing. Install:");
    expect(report.text).toContain(
      "  PostgreSQL (initdb): apt-get install -y postgresql (Debian), or set DATABASE_URL_NDC_TEST to a server where you may CREATE DATABASE",
    );
    expect(report.text).toContain("  openssl: apt-get install -y openssl");
    expect(report.text).toContain("  git: apt-get install -y git");
  });

  test("accepts DATABASE_URL_NDC_TEST instead of a local PostgreSQL", () => {
    const items = testPrerequisites({ ...everything, initdb: () => undefined, env: { DATABASE_URL_NDC_TEST: "postgres://x" } });
    expect(items.find((i) => i.name === "PostgreSQL (initdb)")?.found).toBe("DATABASE_URL_NDC_TEST");
  });

  test("fails without Chromium, saying how to install it; NDC_CHROMIUM names another binary", () => {
    const report = prerequisitesReport(testPrerequisites({ ...everything, exists: () => false }));
    expect(report.ok).toBe(false);
    expect(report.text).toContain(
      "npm test cannot run: Chromium is missing. Install:\n  Chromium: apt-get install -y chromium (Debian), or set NDC_CHROMIUM to a Chromium binary",
    );
    const items = testPrerequisites({ ...everything, exists: (p) => p === "/opt/chrome/chrome", env: { NDC_CHROMIUM: "/opt/chrome/chrome" } });
    expect(items.find((i) => i.name === "Chromium")?.found).toBe("/opt/chrome/chrome");
    expect(testPrerequisites(everything).find((i) => i.name === "Chromium")?.found).toBe("/usr/lib/chromium/chromium");
  });

  test("fails without python3 (Schemathesis), saying to install python3 and python3-venv", () => {
    const report = prerequisitesReport(testPrerequisites({ ...everything, which: (c) => (c === "python3" ? undefined : `/usr/bin/${c}`) }));
    expect(report.ok).toBe(false);
    expect(report.text).toContain("npm test cannot run: python3, python3 -m venv are missing. Install:");
    expect(report.text).toContain("  python3: apt-get install -y python3 python3-venv (Debian)");
    expect(report.text).toContain(
      "MISSING python3              needed by the OpenAPI contract test (Schemathesis runs from a venv that scripts/schemathesis/venv.sh makes)",
    );
  });

  test("fails when python3 cannot make a venv (Debian's python3 without python3-venv: no ensurepip), naming the package", () => {
    const report = prerequisitesReport(testPrerequisites({ ...everything, pythonVenv: () => undefined }));
    expect(report.ok).toBe(false);
    expect(report.text).toContain("  ok      python3              /usr/bin/python3");
    expect(report.text).toContain(
      "npm test cannot run: python3 -m venv is missing. Install:\n  python3 -m venv: apt-get install -y python3-venv (Debian ships venv and ensurepip apart from python3)",
    );
  });

  test("asks the python3 found on PATH whether it can make a venv, and shows what it answered", () => {
    const asked: string[] = [];
    const items = testPrerequisites({
      ...everything,
      which: (c) => (c === "python3" ? "/opt/py/bin/python3" : `/usr/bin/${c}`),
      pythonVenv: (python) => (asked.push(python), "ensurepip pip 24.0"),
    });
    expect(asked).toEqual(["/opt/py/bin/python3"]);
    expect(items.find((i) => i.name === "python3 -m venv")?.found).toBe("ensurepip pip 24.0");
  });

  test("needs Go only while a Go-built tool is missing from the cache", () => {
    const noGo: MachineProbe = { ...everything, which: (c) => (c === "go" ? undefined : `/usr/bin/${c}`) };
    expect(prerequisitesReport(testPrerequisites(noGo)).ok).toBe(true);
    const report = prerequisitesReport(testPrerequisites({ ...noGo, unbuiltTools: ["etcd v3.6.16"] }));
    expect(report.ok).toBe(false);
    expect(report.text).toContain("MISSING Go >= 1.26           needed by building etcd v3.6.16 (kube-apiserver, etcd, Pulumi engine)");
  });
});

describe("coldCacheEnv", () => {
  test("puts the module, build and tool caches under the given folder, each apart", () => {
    expect(coldCacheEnv("/tmp/x")).toEqual({ GOMODCACHE: "/tmp/x/gomodcache", GOCACHE: "/tmp/x/gocache", NDC_CACHE_DIR: "/tmp/x/ndc-cache" });
  });
});
