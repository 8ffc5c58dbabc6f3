/** One thing `npm test` needs from the machine, and whether it is there. */
export interface Prerequisite {
  /** What is needed, e.g. `PostgreSQL (initdb)`. */
  readonly name: string;
  /** Which tests need it and why. */
  readonly neededBy: string;
  /** Where it was found, or undefined when it is missing. */
  readonly found: string | undefined;
  /** How to get it, shown when it is missing. */
  readonly howTo: string;
}

/** What the machine has, as the probe in `check-prerequisites.ts` reads it (injectable for tests). */
export interface MachineProbe {
  /** Absolute path of an executable on PATH, or undefined. */
  which(command: string): string | undefined;
  /** The newest Debian PostgreSQL `initdb`, or undefined. */
  initdb(): string | undefined;
  /** Whether a file exists (the Chromium binary). */
  exists(path: string): boolean;
  /** Environment variables. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Go-built tools missing from the cache, by name (`kubernetes v1.37.2`). */
  readonly unbuiltTools: readonly string[];
  /**
   * Whether `python3` (at this path) can make a venv with pip: `venv` and `ensurepip` import and
   * ensurepip has its pip wheel (Debian ships them in python3-venv, apart from python3). What it
   * found, e.g. `ensurepip pip 23.2.1`, or undefined.
   */
  pythonVenv(python: string): string | undefined;
}

/**
 * Everything `npm test` needs beyond Node and node_modules, checked before the first test so a
 * missing package is reported at the start with how to install it, not as a failure 10 minutes in.
 * Go is needed only while some Go-built tool is missing from the cache.
 */
export function testPrerequisites(probe: MachineProbe): Prerequisite[] {
  const database = probe.env.DATABASE_URL_NDC_TEST;
  const go = probe.which("go");
  const python = probe.which("python3");
  return [
    {
      name: "PostgreSQL (initdb)",
      neededBy: "store and API tests on PostgreSQL (a throw-away server per run)",
      found: database ? "DATABASE_URL_NDC_TEST" : probe.initdb(),
      howTo: "apt-get install -y postgresql (Debian), or set DATABASE_URL_NDC_TEST to a server where you may CREATE DATABASE",
    },
    {
      name: "openssl",
      neededBy: "the test clusters' certificates",
      found: probe.which("openssl"),
      howTo: "apt-get install -y openssl",
    },
    {
      name: "git",
      neededBy: "the e2e test that checks pulumi leaves stacks/ untouched",
      found: probe.which("git"),
      howTo: "apt-get install -y git",
    },
    {
      name: "Chromium",
      neededBy: "the portal's browser tests (playwright-core drives Debian's chromium)",
      found: chromiumBinary(probe),
      howTo: "apt-get install -y chromium (Debian), or set NDC_CHROMIUM to a Chromium binary",
    },
    {
      name: "python3",
      neededBy: "the OpenAPI contract test (Schemathesis runs from a venv that scripts/schemathesis/venv.sh makes)",
      found: python,
      howTo: "apt-get install -y python3 python3-venv (Debian)",
    },
    {
      name: "python3 -m venv",
      neededBy: "making Schemathesis' venv (python3 -m venv needs the venv and ensurepip modules)",
      found: python === undefined ? undefined : probe.pythonVenv(python),
      howTo: "apt-get install -y python3-venv (Debian ships venv and ensurepip apart from python3)",
    },
    {
      name: "Go >= 1.26",
      neededBy: `building ${probe.unbuiltTools.length > 0 ? probe.unbuiltTools.join(", ") : "the Go tools"} (kube-apiserver, etcd, Pulumi engine)`,
      found: probe.unbuiltTools.length === 0 ? "every Go tool is already built" : go,
      howTo: "install Go 1.26 or newer and put it first on PATH (https://go.dev/doc/install), or build the tools once elsewhere into $NDC_CACHE_DIR",
    },
  ];
}

/** Where the portal tests find Chromium: NDC_CHROMIUM, else Debian's chromium package. */
export function chromiumBinary(probe: Pick<MachineProbe, "exists" | "env">): string | undefined {
  return [probe.env.NDC_CHROMIUM, "/usr/lib/chromium/chromium", "/usr/bin/chromium"].find((p): p is string => p !== undefined && p !== "" && probe.exists(p));
}

/** The report printed at the start of `npm test`: one line per prerequisite, then what to do. */
export function prerequisitesReport(items: readonly Prerequisite[]): { ok: boolean; text: string } {
  const missing = items.filter((i) => i.found === undefined);
  const lines = items.map((i) => `  ${i.found === undefined ? "MISSING" : "ok     "} ${i.name.padEnd(20)} ${i.found ?? `needed by ${i.neededBy}`}`);
  const fixes = missing.map((i) => `  ${i.name}: ${i.howTo}`);
  const text =
    missing.length === 0
      ? `npm test needs:\n${lines.join("\n")}`
      : `npm test needs:\n${lines.join("\n")}\n\nnpm test cannot run: ${missing.map((i) => i.name).join(", ")} ${missing.length === 1 ? "is" : "are"} missing. Install:\n${fixes.join("\n")}`;
  return { ok: missing.length === 0, text };
}
