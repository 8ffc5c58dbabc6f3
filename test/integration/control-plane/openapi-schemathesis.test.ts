// Schemathesis (property-based tests generated from GET /openapi.json) against the real service
// process on SQLite, once per role, every check on, with a fixed seed and a bounded number of
// cases per operation: any finding fails the test. Then every status the service answered (from
// its own /metrics) must be documented for that operation.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const ROOT = join(import.meta.dirname, "../../..");
const SEED = 20261202;
/** Cases per operation and phase; four roles take about three minutes on two cores. */
const MAX_EXAMPLES = 10;
const BOOTSTRAP = "bootstrap-token-for-schemathesis-0123456789";

/**
 * Statuses a schema-valid request may get. Schemathesis' default is 2xx, 401, 403, 404, 409, 429;
 * this API also answers a well-formed request 412 (stale If-Match), 422 (a placement, capacity,
 * policy or token rule: "well-formed but breaks a rule", as the document says) and 428 (If-Match
 * required for this decision). 400 stays out: a request the document allows must not be malformed.
 * Error feedback (Schemathesis learning fields from 400 answers) is off: it reads our issue field
 * `header.if-match` as a body property `header` and then sends bodies the document never allowed.
 */
const CONFIG = `[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "409", "412", "422", "428"]

[phases.fuzzing.error-feedback]
enabled = false
`;

interface Service {
  readonly url: string;
  readonly child: ChildProcess;
  readonly dir: string;
}

async function startService(): Promise<Service> {
  const dir = mkdtempSync(join(tmpdir(), "ndc-schemathesis-"));
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "control-plane/server.ts")], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: "0",
      HOST: "127.0.0.1",
      NDC_DATA_DIR: dir,
      NDC_STACKS_DIR: join(ROOT, "stacks"),
      NDC_BOOTSTRAP_TOKEN: BOOTSTRAP,
      // Thousands of requests a minute from one token and one address are the test, not an attack.
      NDC_RATE_LIMIT_PER_MINUTE: "1000000",
      NDC_AUTH_FAILURES_PER_MINUTE: "1000000",
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`the service did not listen within 60 s:\n${seen.slice(-2000)}`)), 60_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once("exit", (code) => reject(new Error(`the service exited (${code}):\n${seen.slice(-2000)}`)));
  });
  child.stdout!.resume();
  return { url, child, dir };
}

async function mint(url: string, by: string, body: Record<string, string>): Promise<string> {
  const res = await fetch(`${url}/v1/tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${by}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

interface RunResult {
  readonly code: number;
  readonly output: string;
  readonly generated: number;
}

function runSchemathesis(st: string, cwd: string, configFile: string, url: string, token: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // One worker: CPython 3.11 can fail with "AST constructor recursion depth mismatch" when Hypothesis parses lambdas in threads.
    const args = [
      "--config-file",
      configFile,
      "run",
      `${url}/openapi.json`,
      "--checks",
      "all",
      "--seed",
      String(SEED),
      "--max-examples",
      String(MAX_EXAMPLES),
      "--workers",
      "1",
      "--no-color",
      "--generation-database",
      "none",
      "-H",
      `Authorization: Bearer ${token}`,
    ];
    // No example database: a fixed seed alone decides the cases (a database replays old schemas' examples).
    const child = spawn(st, args, { cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, SCHEMATHESIS_HOOKS: "" } });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    child.once("error", reject);
    child.once("exit", (code) => {
      const generated = Number(/(\d+) generated/.exec(output)?.[1] ?? 0);
      resolve({ code: code ?? -1, output, generated });
    });
  });
}

interface OpenApi {
  paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
}

describe("Schemathesis against the service process (SQLite)", () => {
  let service: Service;
  let st: string;
  let configFile: string;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    // The venv is made once per Schemathesis version (scripts/schemathesis/venv.sh), then reused.
    st = execFileSync("sh", [join(ROOT, "scripts/schemathesis/venv.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 600_000 })
      .trim()
      .split("\n")
      .pop()!;
    service = await startService();
    configFile = join(service.dir, "schemathesis.toml");
    writeFileSync(configFile, CONFIG);
    const admin = await mint(service.url, BOOTSTRAP, { subject: "st-admin", role: "platform-admin" });
    tokens["platform-admin"] = admin;
    tokens.requester = await mint(service.url, admin, { subject: "st-requester", role: "requester", org: "byt" });
    tokens.operator = await mint(service.url, admin, { subject: "st-operator", role: "operator" });
    tokens.auditor = await mint(service.url, admin, { subject: "st-auditor", role: "auditor" });
  }, 900_000);

  afterAll(async () => {
    if (service) {
      service.child.kill("SIGTERM");
      await new Promise((r) => (service.child.exitCode !== null ? r(null) : service.child.once("exit", r)));
      rmSync(service.dir, { recursive: true, force: true });
    }
  });

  const results = new Map<string, RunResult>();
  for (const role of ["requester", "operator", "auditor", "platform-admin"]) {
    test(`as ${role}: no failure, no error`, async () => {
      const result = await runSchemathesis(st, service.dir, configFile, service.url, tokens[role]!);
      results.set(role, result);
      const summary = result.output.split("\n").slice(-40).join("\n");
      console.log(
        `schemathesis as ${role}: ${result.generated} test cases\n${result.output
          .split("\n")
          .filter((l) => /generated|passed|failures?|errors?|warnings?/.test(l))
          .slice(-6)
          .join("\n")}`,
      );
      expect(result.output, "the run did not finish").toMatch(/=+ .* in [0-9.]+s =+/);
      expect(result.code, result.code === 0 ? summary : result.output.slice(-20_000)).toBe(0);
      expect(result.output).not.toMatch(/\d+ failures?[, ]/);
      expect(result.output).not.toMatch(/\d+ errors?[, ]/);
      // A bounded run still exercises every operation: 20 operations, a few dozen cases each.
      expect(result.generated).toBeGreaterThan(1000);
    }, 900_000);
  }

  test("every status the service answered is documented for that operation (from its /metrics)", async () => {
    const doc = (await (await fetch(`${service.url}/openapi.json`)).json()) as OpenApi;
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    const answered = [...metrics.matchAll(/^ndc_http_requests_total\{([^}]*)\} (\d+)/gm)].map((m) =>
      Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!])),
    );
    expect(answered.length).toBeGreaterThan(50);
    const undocumented: string[] = [];
    const seen = new Set<string>();
    for (const { method, route, status } of answered) {
      if (!method || !route || !status) continue;
      if (route === "unmatched") {
        // Unknown paths are 404, a known path with another method 405 (with Allow).
        if (status !== "404" && status !== "405") undocumented.push(`${method} (no route) ${status}`);
        continue;
      }
      const path = route.replace(/:([A-Za-z]+)/g, "{$1}");
      const op = doc.paths[path]?.[(method === "HEAD" ? "GET" : method).toLowerCase()];
      seen.add(`${method} ${path} ${status}`);
      if (!op?.responses?.[status]) undocumented.push(`${method} ${path} ${status}`);
    }
    expect(undocumented).toEqual([]);
    const never = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).flatMap(([m, op]) =>
        Object.keys(op.responses ?? {})
          .filter((s) => !seen.has(`${m.toUpperCase()} ${path} ${s}`))
          .map((s) => `${m.toUpperCase()} ${path} ${s}`),
      ),
    );
    console.log(
      `statuses answered: ${seen.size}; documented but not answered in this run (proven by hand in openapi-contract.test.ts where reachable): ${never.length}`,
    );
    const total = [...results.values()].reduce((n, r) => n + r.generated, 0);
    const requests = [...metrics.matchAll(/^ndc_http_requests_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
    console.log(`schemathesis: ${total} test cases, ${requests} requests answered by the service, over ${results.size} roles`);
  }, 60_000);
});
