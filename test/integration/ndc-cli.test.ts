// `ndc` as people run it: a child process against the real service (control-plane/server.ts on
// SQLite, listening on 127.0.0.1) that provisions the `local` site on the real API server.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { buildProgram } from "../../control-plane/cli/index.ts";
import { completionWords } from "../../control-plane/cli/commands/completion.ts";
import { kubeCredentialsFrom, SiteConnection } from "../../control-plane/provisioner/index.ts";
import { freeLoopbackPort } from "../../scripts/cluster/_ports.ts";
import { adminKubeConfig, uniqueNamespacePrefix, waitUntil } from "./_cluster.ts";
import { controlPlaneKubeConfig } from "./_control-plane-identity.ts";

const ROOT = join(import.meta.dirname, "../..");
const BOOTSTRAP = "bootstrap-token-for-ndc-cli-tests-0123456789";

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  json<T = any>(): T;
}

/** Runs `ndc` (the package's bin) as a child process; only the environment given reaches it. */
function ndc(args: readonly string[], env: Record<string, string> = {}, stdin?: string): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NDC_CONFIG: join(dir, "no-login.json"), ...env };
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [join(ROOT, "control-plane/cli/bin/ndc.js"), ...args],
      { cwd: ROOT, env: childEnv, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        done({
          code,
          stdout,
          stderr,
          json: () => {
            try {
              return JSON.parse(stdout);
            } catch {
              throw new Error(`ndc ${args.join(" ")} printed no JSON (exit ${code}):\nstdout: ${stdout}\nstderr: ${stderr}`);
            }
          },
        });
      },
    );
    if (stdin !== undefined) child.stdin!.end(stdin);
    else child.stdin!.end();
  });
}

let dir: string;
let service: ChildProcess;
let api: string;
let admin: SiteConnection;
/** The first platform admin, minted with the bootstrap token (which mints nothing else). */
let ADMIN = "";
const tokens: Record<"alice" | "bob" | "olga" | "oscar" | "audrey", string> = { alice: "", bob: "", olga: "", oscar: "", audrey: "" };
const as = (token: string) => ({ NDC_API: api, NDC_TOKEN: token });
const prefix = uniqueNamespacePrefix("cli");
const envName = (suffix: string) => `${prefix}${suffix}`;

async function http(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/**
 * Everything a refused command could have changed, as the API shows it (a refusal is audited as denied, which is the point).
 * Allowed audit records are counted over every page, leaving out the provisioner's own (system:) records: it may still be
 * finishing an earlier test's environment while a refusal is tried, and a created environment would show in `envs` anyway.
 */
async function state(): Promise<unknown> {
  const envs = await http(ADMIN, "GET", "/v1/environments?limit=200");
  let allowedAudit = 0;
  for (let cursor: string | undefined, first = true; first || cursor; first = false) {
    const page = await http(ADMIN, "GET", `/v1/audit?outcome=allowed&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    allowedAudit += (page.body.items as { actor: string }[]).filter((r) => !r.actor.startsWith("system:")).length;
    cursor = page.body.nextCursor;
  }
  return {
    envs: (envs.body.items as { org: string; name: string; version: number; phase: string }[]).map((e) => `${e.org}/${e.name}:${e.phase}:${e.version}`),
    allowedAudit,
  };
}

function requestFile(name: string, extra: Record<string, unknown> = {}): string {
  const file = join(dir, `${name}.yaml`);
  const request = {
    org: "byt",
    name,
    stage: "prod",
    zone: "app",
    dataClass: "other",
    personalData: "basic",
    securityLevel: 2,
    sites: ["local"],
    resources: { cpu: "1", memory: "2Gi" },
    owners: ["byt-his"],
    purpose: "Hệ thống thông tin bệnh viện",
    ...extra,
  };
  writeFileSync(file, toYaml(request));
  return file;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ndc-cli-"));
  const kc = await controlPlaneKubeConfig(adminKubeConfig(), inject("clusterName"));
  const kubeconfig = join(dir, "control-plane.kubeconfig");
  writeFileSync(kubeconfig, kc.exportConfig());
  admin = SiteConnection.open("local", kubeCredentialsFrom(adminKubeConfig()));
  const port = await freeLoopbackPort();
  service = spawn(process.execPath, ["--import", "tsx", join(ROOT, "control-plane/server.ts")], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      NDC_BOOTSTRAP_TOKEN: BOOTSTRAP,
      NDC_SITES: "local,ndc1-hoalac",
      NDC_DATA_DIR: join(dir, "data"),
      NDC_KUBECONFIG_LOCAL: kubeconfig,
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  api = `http://127.0.0.1:${port}`;
  await waitUntil("the service's /readyz", 60_000, async () => (await fetch(`${api}/readyz`)).ok);
  ADMIN = (await http(BOOTSTRAP, "POST", "/v1/tokens", { subject: "cli-test-admin", role: "platform-admin" })).body.token as string;
  expect(ADMIN).toMatch(/\S{20,}/);
  const mint = async (subject: string, role: string, org?: string) =>
    (await http(ADMIN, "POST", "/v1/tokens", { subject, role, ...(org ? { org } : {}) })).body.token as string;
  tokens.alice = await mint("alice", "requester", "byt");
  tokens.bob = await mint("bob", "requester", "bca");
  tokens.olga = await mint("olga", "operator");
  tokens.oscar = await mint("oscar", "operator");
  tokens.audrey = await mint("audrey", "auditor");
});

afterAll(async () => {
  service?.kill("SIGTERM");
  if (service && service.exitCode === null) await new Promise((r) => service.once("exit", r));
  admin?.close();
});

describe("ndc --help", () => {
  test("lists every command of the issue", async () => {
    const run = await ndc(["--help"]);
    expect(run.code).toBe(0);
    for (const cmd of [
      "env",
      "approve",
      "reject",
      "queue",
      "sites",
      "capacity",
      "orgs",
      "agreement",
      "report",
      "roadmap",
      "health",
      "audit",
      "token",
      "login",
      "completion",
    ])
      expect(run.stdout).toMatch(new RegExp(`^  ${cmd}\\b`, "m"));
    // The exit-code table, written out by hand: scripts rely on it.
    for (const line of [
      "0  done",
      "1  bad command line, file or value",
      "2  no token",
      "3  not found",
      "4  conflict",
      "5  service unreachable",
      "6  bad outcome",
    ])
      expect(run.stdout).toContain(`  ${line}`);
  });

  const leaves: string[][] = [];
  const walk = (cmd: ReturnType<typeof buildProgram>, path: string[]) => {
    if (cmd.commands.length === 0) leaves.push(path);
    for (const sub of cmd.commands) walk(sub, [...path, sub.name()]);
  };
  walk(buildProgram(), []);

  test("the tree has the subcommands of the issue", () => {
    expect(leaves.map((l) => l.join(" "))).toEqual(
      expect.arrayContaining([
        "env list",
        "env get",
        "env create",
        "env resize",
        "env decommission",
        "env retry",
        "env watch",
        "approve",
        "reject",
        "queue",
        "sites",
        "capacity",
        "orgs",
        "audit list",
        "audit verify",
        "token mint",
        "token list",
        "token revoke",
        "agreement list",
        "agreement get",
        "agreement offer",
        "agreement accept",
        "agreement decline",
        "agreement approve",
        "agreement reject",
        "agreement revoke",
        "report compliance",
        "report usage",
        "roadmap",
      ]),
    );
  });

  test.each(leaves.map((l) => [l.join(" ")]))("ndc %s --help exits 0, with --output and an example where it talks to the service", async (path) => {
    const run = await ndc([...path.split(" "), "--help"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Usage: ndc /);
    if (!["login", "logout", "completion"].includes(path)) {
      expect(run.stdout).toContain("-o, --output <format>");
      expect(run.stdout).toContain("examples:");
    }
  });

  test("an unknown flag is exit 1 naming it", async () => {
    const run = await ndc(["env", "list", "--no-such-flag"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("--no-such-flag");
  });

  test("there is no --token flag: tokens never go on the command line", async () => {
    const run = await ndc(["sites", "--token", "x"], { NDC_API: "http://127.0.0.1:9" });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("unknown option '--token'");
  });
});

describe("error paths change nothing", () => {
  test("no token: exit 2 saying how to log in", async () => {
    const before = await state();
    const run = await ndc(["env", "create", "-f", requestFile(envName("nt"))], { NDC_API: api });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("no token: run ndc login --api");
    expect(await state()).toEqual(before);
  });

  test("service down: exit 5 naming the URL", async () => {
    const run = await ndc(["env", "list"], { NDC_API: "http://127.0.0.1:9", NDC_TOKEN: tokens.alice });
    expect(run.code).toBe(5);
    expect(run.stderr).toContain("cannot reach http://127.0.0.1:9");
  });

  test("wrong organization: exit 3 with the API's refusal; no environment appears", async () => {
    const before = await state();
    const run = await ndc(["env", "create", "-f", requestFile(envName("wo")), "-o", "json"], as(tokens.bob));
    expect(run.code).toBe(3);
    // Another organization's data is not found, not forbidden: its existence is not disclosed.
    expect(run.json()).toMatchObject({ status: 404, code: "NDC_ERR_NOT_FOUND" });
    expect(run.stderr).toMatch(/answered 404/);
    expect(await state()).toEqual(before);
  });

  test("another organization's environment is not found", async () => {
    const run = await ndc(["env", "get", "byt/anything"], as(tokens.bob));
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("answered 404");
  });

  test.each([
    ["a missing file", () => join(dir, "missing.yaml"), "missing.yaml: no such file"],
    ["a file that is not YAML", () => (writeFileSync(join(dir, "bad.yaml"), "name: [unclosed\n"), join(dir, "bad.yaml")), "is neither YAML nor JSON"],
    ["a list instead of one environment", () => (writeFileSync(join(dir, "list.json"), "[1, 2]"), join(dir, "list.json")), "must hold one environment"],
    ["a folder", () => dir, "is a folder, not a file"],
  ])("bad file (%s): exit 1 naming the file, nothing sent", async (_what, file, message) => {
    const before = await state();
    const run = await ndc(["env", "create", "-f", file()], as(tokens.alice));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(message);
    expect(await state()).toEqual(before);
  });

  test("a request the model refuses: exit 1 with each field and rule", async () => {
    const before = await state();
    const run = await ndc(["env", "create", "-f", requestFile(envName("lv"), { securityLevel: 9 })], as(tokens.alice));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/securityLevel/);
    expect(await state()).toEqual(before);
  });

  test("decommission without --yes: exit 1, nothing changed", async () => {
    const before = await state();
    const run = await ndc(["env", "decommission", "byt/anything"], as(tokens.alice));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("confirm with --yes");
    expect(await state()).toEqual(before);
  });
});

describe("login", () => {
  test("stores the token from stdin in a 0600 file, and later commands use it", async () => {
    const config = join(dir, "cfg", "config.json");
    const login = await ndc(["login", "--api", api], { NDC_CONFIG: config }, `${tokens.olga}\n`);
    expect(login.code, login.stderr).toBe(0);
    expect(statSync(config).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(config, "utf8"))).toEqual({ api, token: tokens.olga });
    const queue = await ndc(["queue", "-o", "json"], { NDC_CONFIG: config });
    expect(queue.code, queue.stderr).toBe(0);
    expect(queue.json()).toHaveProperty("items");
  });

  test("refuses a login file others can read", async () => {
    const config = join(dir, "wide.json");
    writeFileSync(config, JSON.stringify({ api, token: tokens.olga }));
    chmodSync(config, 0o644);
    const run = await ndc(["queue"], { NDC_CONFIG: config });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(`${config} has mode 0644`);
    expect(run.stderr).toContain(`chmod 600 ${config}`);
  });

  test("a wrong token is refused before anything is stored", async () => {
    const config = join(dir, "wrong", "config.json");
    const run = await ndc(["login", "--api", api], { NDC_CONFIG: config }, "not-a-token\n");
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("answered 401");
    expect(() => statSync(config)).toThrow();
  });
});

describe("request -> approve -> Ready -> resize -> decommission, with --wait", () => {
  const name = envName("his");
  const ref = `byt/${name}`;
  let version = 0;

  test("env create --wait with the README's request on stdin stops at AwaitingApproval (a human must decide), exit 0", async () => {
    // The request the README walks through, under this test's own name.
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const request = /env create --wait -f - <<'END'\n([\s\S]*?)\nEND\n/.exec(readme)![1]!.replace(/^name: his$/m, `name: ${name}`);
    expect(request).toContain(`name: ${name}`);
    const run = await ndc(["env", "create", "--wait", "-f", "-", "-o", "json"], as(tokens.alice), request);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json()).toMatchObject({ org: "byt", name, phase: "AwaitingApproval", requestedBy: "alice" });
    expect(run.stderr).toMatch(new RegExp(`^\\[\\d+s\\] ${ref} AwaitingApproval$`, "m"));
    version = run.json().version;
  });

  test("queue lists it with its version, who asked and why", async () => {
    const run = await ndc(["queue"], as(tokens.olga));
    expect(run.code, run.stderr).toBe(0);
    const line = run.stdout.split("\n").find((l) => l.startsWith(`${ref} `));
    expect(line).toMatch(new RegExp(`^${ref} +${version} +request `));
    expect(line).toMatch(/alice/);
    expect(line).toMatch(/needs approval/);
  });

  test("approve without --version: exit 1, still awaiting", async () => {
    const run = await ndc(["approve", ref], as(tokens.olga));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("required option '--version <n>' not specified");
    expect((await http(ADMIN, "GET", `/v1/organizations/byt/environments/${name}`)).body.phase).toBe("AwaitingApproval");
  });

  test("approve --wait follows it to Ready with a progress line per site", async () => {
    const run = await ndc(["approve", ref, "--version", String(version), "--wait", "--timeout", "90"], as(tokens.olga));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^approved ${ref}: phase Ready, version \\d+ \\(local Ready\\)`));
    expect(run.stderr).toMatch(new RegExp(`^\\[\\d+s\\] ${ref} (Approved|Provisioning)$`, "m"));
    expect(run.stderr).toMatch(new RegExp(`^\\[\\d+s\\] ${ref} local: Ready$`, "m"));
    expect(await admin.get({ kind: "Namespace", metadata: { name: `byt-${name}` } })).toBeDefined();
  });

  test("env get -o json is exactly what the API returns", async () => {
    const run = await ndc(["env", "get", ref, "-o", "json"], as(tokens.alice));
    expect(run.code, run.stderr).toBe(0);
    expect(run.json()).toEqual((await http(tokens.alice, "GET", `/v1/organizations/byt/environments/${name}`)).body);
  });

  test("env list: the table aligns the Vietnamese purpose; yaml parses to the API's items", async () => {
    const table = await ndc(["env", "list", "--org", "byt"], as(tokens.alice));
    expect(table.code, table.stderr).toBe(0);
    const [header, row] = [table.stdout.split("\n")[0]!, table.stdout.split("\n").find((l) => l.startsWith(ref))!];
    // PURPOSE is the last column: it starts at the same column in the header and the row.
    expect([...row].indexOf("H")).toBe(header.indexOf("PURPOSE"));
    expect(row.endsWith("Hệ thống thông tin bệnh viện")).toBe(true);
    const yaml = await ndc(["env", "list", "--org", "byt", "-o", "yaml"], as(tokens.alice));
    expect(parseYaml(yaml.stdout)).toEqual({ items: (await http(tokens.alice, "GET", "/v1/organizations/byt/environments")).body.items });
  });

  test("env resize of prod waits for an operator; approve --wait builds it: Updating -> Ready with the new quota", async () => {
    const asked = await ndc(["env", "resize", ref, "--cpu", "3", "--memory", "6Gi", "--wait", "--timeout", "90"], as(tokens.alice));
    expect(asked.code, asked.stderr).toBe(0);
    const v = Number(/^resized .*version (\d+)/.exec(asked.stdout)![1]);
    expect(asked.stdout).toContain(`the change awaits an operator: ndc approve ${ref} --version ${v}`);
    // The queue shows it as a change, beside the Ready environment.
    const queue = await ndc(["queue"], as(tokens.olga));
    expect(queue.stdout.split("\n").find((l) => l.startsWith(`${ref} `))).toMatch(new RegExp(`^${ref} +${v} +change `));
    const run = await ndc(["approve", ref, "--version", String(v), "--wait", "--timeout", "90", "-o", "json"], as(tokens.olga));
    expect(run.code, run.stderr).toBe(0);
    expect(run.json()).toMatchObject({ phase: "Ready", resources: { cpu: "3", memory: "6Gi" }, pendingChange: null });
    expect(run.stderr).toMatch(new RegExp(`^\\[\\d+s\\] ${ref} Updating$`, "m"));
    const quota = (await admin.get({ kind: "ResourceQuota", metadata: { name: "ndc-quota", namespace: `byt-${name}` } })) as unknown as {
      spec: { hard: Record<string, string> };
    };
    expect(quota.spec.hard["requests.cpu"]).toBe("3");
  });

  test("env resize with a stale --version: exit 4 (412), nothing changed", async () => {
    const before = await state();
    const run = await ndc(["env", "resize", ref, "--cpu", "4", "--version", "1"], as(tokens.alice));
    expect(run.code).toBe(4);
    expect(run.stderr).toContain("answered 412");
    expect(await state()).toEqual(before);
  });

  test("health: every site Ready, exit 0", async () => {
    const run = await ndc(["health", "--site", "local", "-o", "json"], as(tokens.olga));
    expect(run.code, run.stderr).toBe(0);
    expect(run.json()).toMatchObject({ healthy: true, degraded: 0 });
  });

  test("decommissioning prod without --version: exit 4 (428) saying to pass it, nothing changed", async () => {
    const before = await state();
    const run = await ndc(["env", "decommission", ref, "--yes"], as(tokens.alice));
    expect(run.code).toBe(4);
    expect(run.stderr).toContain("answered 428");
    expect(run.stderr).toContain("pass --version <n>");
    expect(await state()).toEqual(before);
  });

  test("env decommission --version --wait stops at AwaitingDecommission; an operator's approve --wait ends Retained, access frozen", async () => {
    const current = (await http(tokens.alice, "GET", `/v1/organizations/byt/environments/${name}`)).body.version as number;
    const asked = await ndc(["env", "decommission", ref, "--yes", "--version", String(current), "--wait", "--timeout", "90", "-o", "json"], as(tokens.alice));
    expect(asked.code, asked.stderr).toBe(0);
    expect(asked.json()).toMatchObject({ phase: "AwaitingDecommission" });
    const run = await ndc(["approve", ref, "--version", String(asked.json().version), "--wait", "--timeout", "90"], as(tokens.olga));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^approved ${ref}: phase Retained`));
    expect(await admin.list("RoleBinding", `ndc.gov.vn/environment=${name}`, `byt-${name}`)).toEqual([]);
  });

  test("audit list shows the lifecycle and audit verify is ok", async () => {
    const list = await ndc(["audit", "list", "--target", `environment ${ref}`, "-o", "json"], as(tokens.audrey));
    expect(list.code, list.stderr).toBe(0);
    const actions = (list.json().items as { action: string }[]).map((r) => r.action);
    // The resize of a prod environment is a change an operator approved; its decommission too.
    for (const a of [
      "environment.submit",
      "environment.approve",
      "environment.provisioned",
      "environment.request-change",
      "environment.approve-change",
      "environment.request-decommission",
      "environment.decommissioned",
    ])
      expect(actions).toContain(a);
    const verify = await ndc(["audit", "verify"], as(tokens.audrey));
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^audit chain ok: \d+ records checked/);
  });
});

describe("approvals", () => {
  const name = envName("fe");
  let version = 0;
  beforeAll(async () => {
    const run = await ndc(["env", "create", "-f", requestFile(name), "-o", "json"], as(tokens.alice));
    expect(run.code, run.stderr).toBe(0);
    version = run.json().version;
  });

  test("the requester cannot approve their own request (four eyes): exit 2, still awaiting", async () => {
    // A platform admin may both request and approve, so it is the one that could approve its own
    // request (a token for "alice" as an operator is refused: a subject keeps its role, issue 10).
    const own = envName("fe-own");
    const created = await ndc(["env", "create", "-f", requestFile(own), "-o", "json"], as(ADMIN));
    expect(created.code, created.stderr).toBe(0);
    const run = await ndc(["approve", `byt/${own}`, "--version", String(created.json().version), "-o", "json"], as(ADMIN));
    expect(run.code).toBe(2);
    expect(run.json()).toMatchObject({ status: 403, code: "NDC_ERR_SELF_APPROVAL" });
    expect((await http(ADMIN, "GET", `/v1/organizations/byt/environments/${own}`)).body.phase).toBe("AwaitingApproval");
  });

  test("approve of a version that moved on: exit 4, still awaiting", async () => {
    const run = await ndc(["approve", `byt/${name}`, "--version", String(version + 5)], as(tokens.oscar));
    expect(run.code).toBe(4);
    expect(run.stderr).toContain("answered 412");
    expect((await http(tokens.alice, "GET", `/v1/organizations/byt/environments/${name}`)).body.phase).toBe("AwaitingApproval");
  });

  test("reject needs --reason; with one it is Rejected with that reason", async () => {
    expect((await ndc(["reject", `byt/${name}`, "--version", String(version)], as(tokens.oscar))).code).toBe(1);
    const run = await ndc(["reject", `byt/${name}`, "--version", String(version), "--reason", "dùng ndc2 cho hệ thống này", "-o", "json"], as(tokens.oscar));
    expect(run.code, run.stderr).toBe(0);
    expect(run.json()).toMatchObject({ phase: "Rejected", reason: "dùng ndc2 cho hệ thống này" });
  });
});

describe("a Failed environment", () => {
  const name = envName("fl");
  test("approve --wait exits 6 when the namespace exists and is not ours", async () => {
    await admin.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: `byt-${name}` } } as never);
    const created = await ndc(["env", "create", "-f", requestFile(name), "-o", "json"], as(tokens.alice));
    expect(created.code, created.stderr).toBe(0);
    const run = await ndc(["approve", `byt/${name}`, "--version", String(created.json().version), "--wait", "--timeout", "90"], as(tokens.olga));
    expect(run.code, run.stderr).toBe(6);
    expect(run.stderr).toMatch(new RegExp(`byt/${name} is Failed: .*not`));
    expect(run.stderr).toContain(`ndc env retry byt/${name}`);
  });

  test("env retry by a requester: exit 2, still Failed", async () => {
    const run = await ndc(["env", "retry", `byt/${name}`], as(tokens.alice));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("answered 403");
    expect((await http(ADMIN, "GET", `/v1/organizations/byt/environments/${name}`)).body.phase).toBe("Failed");
  });

  test("once the foreign namespace is gone, an operator's env retry --wait builds it: Ready, audited", async () => {
    await admin.delete({ kind: "Namespace", metadata: { name: `byt-${name}` } });
    await waitUntil(
      `namespace byt-${name} gone`,
      90_000,
      async () => (await admin.get({ kind: "Namespace", metadata: { name: `byt-${name}` } })) === undefined,
    );
    const run = await ndc(["env", "retry", `byt/${name}`, "--wait", "--timeout", "90"], as(tokens.olga));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^retrying byt/${name}: phase Ready`));
    expect(run.stderr).toMatch(new RegExp(`^\\[\\d+s\\] byt/${name} Updating$`, "m"));
    const audit = await ndc(["audit", "list", "--action", "environment.retry", "--target", `environment byt/${name}`, "-o", "json"], as(tokens.audrey));
    expect(audit.json().items).toEqual([expect.objectContaining({ actor: "olga", outcome: "allowed" })]);
  });

  test("env retry of an environment that is not Failed: exit 4, unchanged", async () => {
    const before = await state();
    const run = await ndc(["env", "retry", `byt/${name}`], as(tokens.olga));
    expect(run.code).toBe(4);
    expect(run.stderr).toContain("answered 409");
    expect(await state()).toEqual(before);
  });
});

describe("--wait that runs out", () => {
  test("env create --wait on a site the service cannot reach: exit 6 naming the Degraded site; health --site says so too", async () => {
    // The service knows ndc1 but has no kubeconfig for it: the environment is approved (dev is
    // low-risk) and then waits there, Degraded, retried with backoff.
    const name = envName("dg");
    const run = await ndc(["env", "create", "-f", requestFile(name, { stage: "dev", sites: ["ndc1"] }), "--wait", "--timeout", "4"], as(tokens.alice));
    expect(run.code, run.stderr).toBe(6);
    expect(run.stderr).toMatch(new RegExp(`byt/${name} is still (Approved|Provisioning) after 4 s with ndc1 Degraded`));
    expect(run.stderr).toMatch(new RegExp(`^\\[\\d+s\\] byt/${name} ndc1: Degraded`, "m"));
    const health = await ndc(["health", "--site", "ndc1"], as(tokens.olga));
    expect(health.code).toBe(6);
    expect(health.stdout).toMatch(new RegExp(`DEGRADED +byt/${name}`));
  });
});

describe("platform and tokens", () => {
  test.each([
    [["sites"], "/v1/sites"],
    [["orgs"], "/v1/organizations"],
    [["capacity", "local"], "/v1/sites/local/capacity"],
  ])("ndc %j -o json is the API's answer", async (args, path) => {
    const run = await ndc([...args, "-o", "json"], as(tokens.alice));
    expect(run.code, run.stderr).toBe(0);
    expect(run.json()).toEqual((await http(tokens.alice, "GET", path)).body);
  });

  test("orgs: the Vietnamese names line up in the table", async () => {
    const run = await ndc(["orgs"], as(ADMIN));
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split("\n").filter(Boolean);
    const kind = lines[0]!.indexOf("KIND");
    // Every row's kind starts in the KIND column, counted in characters as the terminal shows them.
    for (const line of lines.slice(1)) expect([...line.normalize("NFC")].slice(kind).join("")).toMatch(/^(ministry|agency|province|socio-political) /);
    expect(run.stdout).toContain("Bộ Y tế");
  });

  test("capacity of an unknown site: exit 3 naming it", async () => {
    const run = await ndc(["capacity", "nowhere"], as(tokens.alice));
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("nowhere");
  });

  test("token mint prints only the token; it works; revoke checks the subject first", async () => {
    const mint = await ndc(["token", "mint", "--subject", "ci:byt-his", "--role", "requester", "--org", "byt", "--expires-in", "1d"], as(ADMIN));
    expect(mint.code, mint.stderr).toBe(0);
    const token = mint.stdout.trim();
    expect(token.split("\n")).toHaveLength(1);
    const id = /minted token (\S+) for/.exec(mint.stderr)![1]!;
    expect((await ndc(["env", "list"], as(token))).code).toBe(0);
    const wrong = await ndc(["token", "revoke", id, "--subject", "someone-else"], as(ADMIN));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`token ${id} belongs to "ci:byt-his"`);
    expect((await ndc(["env", "list"], as(token))).code).toBe(0);
    const revoke = await ndc(["token", "revoke", id, "--subject", "ci:byt-his"], as(ADMIN));
    expect(revoke.code, revoke.stderr).toBe(0);
    const after = await ndc(["env", "list"], as(token));
    expect(after.code).toBe(2);
    expect(after.stderr).toContain("answered 401");
  });

  test("token list shows metadata, never secrets; --all shows the revoked ones", async () => {
    const mint = await ndc(["token", "mint", "--subject", "ci:listed", "--role", "auditor", "-o", "json"], as(ADMIN));
    expect(mint.code, mint.stderr).toBe(0);
    const { id, token } = mint.json() as { id: string; token: string };
    const list = await ndc(["token", "list", "--subject", "ci:listed", "-o", "json"], as(ADMIN));
    expect(list.code, list.stderr).toBe(0);
    expect(list.json().items).toEqual([
      expect.objectContaining({ id, subject: "ci:listed", role: "auditor", org: null, status: "active", createdBy: "cli-test-admin" }),
    ]);
    expect(list.stdout).not.toContain(token);
    expect((await ndc(["token", "revoke", id, "--subject", "ci:listed"], as(ADMIN))).code).toBe(0);
    expect((await ndc(["token", "list", "--subject", "ci:listed", "-o", "json"], as(ADMIN))).json().items).toEqual([]);
    const all = await ndc(["token", "list", "--subject", "ci:listed", "--all"], as(ADMIN));
    expect(all.stdout.split("\n")[1]).toMatch(new RegExp(`^${id} +ci:listed +auditor +- .* revoked +cli-test-admin$`));
  });

  test("token mint by a non-admin: exit 2 (403), no token minted", async () => {
    const before = await state();
    const run = await ndc(["token", "mint", "--subject", "x", "--role", "operator"], as(tokens.olga));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("answered 403");
    expect(await state()).toEqual(before);
  });

  test("the bootstrap token mints nothing after the first admin: exit 2", async () => {
    const run = await ndc(["token", "mint", "--subject", "late", "--role", "platform-admin"], as(BOOTSTRAP));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("answered 401");
  });
});

describe("health against a site's API server", () => {
  test("the real API server's /readyz: ready, exit 0", async () => {
    const run = await ndc(["health", "--site", "local", "--kubeconfig", inject("kubeconfig"), "-o", "json"], as(tokens.olga));
    expect(run.code, run.stderr).toBe(0);
    expect(run.json()).toMatchObject({ healthy: true, apiServer: { ready: true, status: 200, failing: [] } });
  });

  test("an API server that does not answer: exit 6 saying so", async () => {
    const file = join(dir, "unreachable.kubeconfig");
    const kc = readFileSync(inject("kubeconfig"), "utf8").replace(/server: \S+/, "server: https://127.0.0.1:9");
    writeFileSync(file, kc);
    const run = await ndc(["health", "--site", "local", "--kubeconfig", file, "-o", "json"], as(tokens.olga));
    expect(run.code, run.stderr).toBe(6);
    expect(run.json()).toMatchObject({
      healthy: false,
      apiServer: { ready: false, status: null, failing: [expect.stringMatching(/^unreachable: ECONNREFUSED/)] },
    });
  });

  test("a kubeconfig that does not exist: exit 1 naming it", async () => {
    const run = await ndc(["health", "--kubeconfig", join(dir, "missing.kubeconfig")], as(tokens.olga));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("missing.kubeconfig: no such file");
  });
});

describe("completion", () => {
  /** The script `ndc completion bash` prints (asked once: every ndc process costs a start). */
  let bashScript: string | undefined;
  /** What bash completes after `line` with the script `ndc completion bash` prints. */
  async function complete(line: string): Promise<string[]> {
    const script = (bashScript ??= (await ndc(["completion", "bash"])).stdout);
    const words = line.split(" ");
    const file = join(dir, "completion.bash");
    writeFileSync(
      file,
      `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _ndc; printf '%s\\n' "\${COMPREPLY[@]}"\n`,
    );
    return new Promise((done, fail) => execFile("bash", [file], (error, stdout) => (error ? fail(error) : done(stdout.split("\n").filter(Boolean)))));
  }

  test("bash completes commands, subcommands and flags from the command tree", async () => {
    expect(await complete("ndc ")).toEqual(expect.arrayContaining(["env", "approve", "queue", "audit", "token"]));
    expect(await complete("ndc env ")).toEqual(expect.arrayContaining(["list", "get", "create", "resize", "decommission", "retry", "watch"]));
    expect(await complete("ndc env create --w")).toEqual(["--wait"]);
    expect(await complete("ndc audit v")).toEqual(["verify"]);
  });

  test("bash completes the agreement, report and roadmap commands and their flags", async () => {
    expect(await complete("ndc ")).toEqual(expect.arrayContaining(["agreement", "report", "roadmap"]));
    expect(await complete("ndc agreement ")).toEqual(expect.arrayContaining(["list", "get", "offer", "accept", "decline", "approve", "reject", "revoke"]));
    expect(await complete("ndc report ")).toEqual(expect.arrayContaining(["compliance", "usage"]));
    expect(await complete("ndc report usage --m")).toEqual(["--month"]);
  });

  test("the zsh script carries the same table as the bash one", async () => {
    const zsh = (await ndc(["completion", "zsh"])).stdout;
    expect(zsh.startsWith("#compdef ndc")).toBe(true);
    for (const [path, words] of completionWords(buildProgram())) expect(zsh).toContain(`${JSON.stringify(path)}) echo ${JSON.stringify(words.join(" "))} ;;`);
  });
});

describe("sharing agreements, reports and the roadmap", () => {
  // byt offers kho (dev, other data) to bca's tra, and hs (prod, important data, level 3) to bca's pt.
  const kho = envName("kho");
  const tra = envName("tra");
  const hs = envName("hs");
  const pt = envName("pt");
  const a1 = `${prefix}kho-tra`;
  const a2 = `${prefix}hs-pt`;
  const a3 = `${prefix}kho-tra-2`;
  const a4 = `${prefix}hs-pt-2`;
  let hoa = ""; // requester of hanoi, party to nothing
  /** The current month in Vietnam time (what --month names). */
  const month = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Ho_Chi_Minh", year: "numeric", month: "2-digit" }).format(new Date()).slice(0, 7);

  /** An offer file from byt's `provider` to bca's `consumer`, valid from an hour ago for 180 days. */
  function offerFile(name: string, provider: string, consumer: { org: string; environment: string }): string {
    const file = join(dir, `${name}.yaml`);
    const now = Date.now();
    writeFileSync(
      file,
      toYaml({
        org: "byt",
        name,
        providerEnvironment: provider,
        consumer,
        port: 5432,
        protocol: "TCP",
        purpose: "Tra cứu hồ sơ khám chữa bệnh",
        legalBasis: "Nghị định 194/2025/NĐ-CP",
        validFrom: new Date(now - 3_600_000).toISOString(),
        validUntil: new Date(now + 180 * 86_400_000).toISOString(),
      }),
    );
    return file;
  }
  /** Every agreement with its state and version, as the API shows them. */
  async function agreements(): Promise<string[]> {
    const r = await http(ADMIN, "GET", "/v1/sharing-agreements?limit=200");
    return (r.body.items as { provider: { org: string }; name: string; state: string; version: number }[]).map(
      (a) => `${a.provider.org}/${a.name}:${a.state}:${a.version}`,
    );
  }
  async function csv(token: string, path: string): Promise<string> {
    return (await fetch(`${api}${path}`, { headers: { authorization: `Bearer ${token}`, accept: "text/csv" } })).text();
  }

  beforeAll(async () => {
    hoa = (await http(ADMIN, "POST", "/v1/tokens", { subject: "hoa", role: "requester", org: "hanoi" })).body.token as string;
    const create = async (token: string, org: string, name: string, extra: Record<string, unknown>) => {
      const res = await http(token, "POST", `/v1/organizations/${org}/environments`, {
        name,
        stage: "dev",
        zone: "app",
        dataClass: "other",
        personalData: "none",
        securityLevel: 2,
        sites: ["local"],
        resources: { cpu: "1", memory: "1Gi" },
        owners: [`${org}-${name}`.slice(0, 60)],
        purpose: "Thử nghiệm chia sẻ dữ liệu",
        ...extra,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      if (res.body.phase === "AwaitingApproval") {
        const approved = await fetch(`${api}/v1/organizations/${org}/environments/${name}/approve`, {
          method: "POST",
          headers: { authorization: `Bearer ${tokens.olga}`, "content-type": "application/json", "if-match": `"${res.body.version}"` },
          body: "{}",
        });
        expect(approved.status).toBe(200);
      }
    };
    const important = { stage: "prod", zone: "data", dataClass: "important", securityLevel: 3 };
    await create(tokens.alice, "byt", kho, {});
    await create(tokens.bob, "bca", tra, {});
    await create(tokens.alice, "byt", hs, important);
    await create(tokens.bob, "bca", pt, important);
    // Each holds resources from Ready on: the month's usage has a line for it.
    for (const [org, name] of [
      ["byt", kho],
      ["bca", tra],
      ["byt", hs],
      ["bca", pt],
    ] as const)
      await waitUntil(
        `${org}/${name} Ready`,
        90_000,
        async () => (await http(ADMIN, "GET", `/v1/organizations/${org}/environments/${name}`)).body.phase === "Ready",
      );
  });

  test("agreement offer -f FILE: the provider offers; the terms come back, waiting for the consumer", async () => {
    const run = await ndc(["agreement", "offer", "-f", offerFile(a1, kho, { org: "bca", environment: tra }), "-o", "json"], as(tokens.alice));
    expect(run.code, run.stderr).toBe(0);
    expect(run.json()).toMatchObject({
      name: a1,
      provider: { org: "byt", environment: kho },
      consumer: { org: "bca", environment: tra },
      port: 5432,
      protocol: "TCP",
      purpose: "Tra cứu hồ sơ khám chữa bệnh",
      state: "Offered",
      status: "Offered",
      operatorApprovalRequired: false,
      networkPolicy: `ndc-share-byt-${a1}`,
      offeredBy: "alice",
      version: 1,
    });
    const table = await ndc(["agreement", "offer", "-f", offerFile(a2, hs, { org: "bca", environment: pt })], as(tokens.alice));
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toBe(`offered byt/${a2}: status Offered (state Offered), version 1\nthe consumer bca accepts it: ndc agreement accept byt/${a2}\n`);
  });

  test("agreement offer fails with exit 1 for an offer the rules refuse (naming field and rule) or a missing file; nothing is recorded", async () => {
    const before = await agreements();
    const self = await ndc(["agreement", "offer", "-f", offerFile(`${prefix}self`, kho, { org: "byt", environment: hs })], as(tokens.alice));
    expect(self.code).toBe(1);
    expect(self.stderr).toContain("answered 422");
    expect(self.stderr).toContain("consumer.org (different-organizations)");
    const missing = await ndc(["agreement", "offer", "-f", join(dir, "no-offer.yaml")], as(tokens.alice));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no-offer.yaml: no such file");
    expect(await agreements()).toEqual(before);
  });

  test("agreement list and get: the consumer sees it, the purpose aligned in Vietnamese; -o json is the API's answer", async () => {
    const table = await ndc(["agreement", "list"], as(tokens.bob));
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.split("\n");
    const row = lines.find((l) => l.startsWith(`byt/${a1} `))!;
    expect(row).toMatch(new RegExp(`^byt/${a1} +byt/${kho} +bca/${tra} +5432/TCP +Offered +1 +local `));
    // PURPOSE is the last column: it starts at the same column in the header and the row.
    expect([...row.normalize("NFC")].slice(lines[0]!.indexOf("PURPOSE")).join("")).toBe("Tra cứu hồ sơ khám chữa bệnh");
    const json = await ndc(["agreement", "list", "--org", "bca", "--role", "consumer", "-o", "json"], as(tokens.bob));
    expect(json.code, json.stderr).toBe(0);
    expect(json.json()).toEqual({ items: (await http(tokens.bob, "GET", "/v1/organizations/bca/sharing-agreements?role=consumer&limit=200")).body.items });
    const get = await ndc(["agreement", "get", `byt/${a1}`, "-o", "json"], as(tokens.alice));
    expect(get.json()).toEqual((await http(tokens.alice, "GET", `/v1/organizations/byt/sharing-agreements/${a1}`)).body);
    const fields = await ndc(["agreement", "get", `byt/${a1}`], as(tokens.bob));
    expect(fields.stdout).toMatch(/^status: +Offered \(state Offered\)$/m);
    expect(fields.stdout).toMatch(/^purpose: +Tra cứu hồ sơ khám chữa bệnh$/m);
  });

  test("another organization sees none of it: an empty list, and get exits 3; --role without --org exits 1", async () => {
    const list = await ndc(["agreement", "list"], as(hoa));
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toBe("no sharing agreements\n");
    const get = await ndc(["agreement", "get", `byt/${a1}`], as(hoa));
    expect(get.code).toBe(3);
    expect(get.stderr).toContain("answered 404");
    const role = await ndc(["agreement", "list", "--role", "consumer"], as(tokens.bob));
    expect(role.code).toBe(1);
    expect(role.stderr).toContain("--role needs --org");
  });

  test("agreement accept: the provider may not (exit 2, still Offered); the consumer's acceptance puts it in force", async () => {
    const byProvider = await ndc(["agreement", "accept", `byt/${a1}`], as(tokens.alice));
    expect(byProvider.code).toBe(2);
    expect(byProvider.stderr).toContain("answered 403");
    expect(await agreements()).toContain(`byt/${a1}:Offered:1`);
    const run = await ndc(["agreement", "accept", `byt/${a1}`], as(tokens.bob));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`accepted byt/${a1}: status InForce (state Approved), version 2\n`);
  });

  test("agreement approve: important data waits for an operator; the consumer may not approve (exit 2); the queue lists it; an operator approves", async () => {
    const accepted = await ndc(["agreement", "accept", `byt/${a2}`, "-o", "json"], as(tokens.bob));
    expect(accepted.json()).toMatchObject({ state: "AwaitingApproval", operatorApprovalRequired: true, version: 2 });
    const byConsumer = await ndc(["agreement", "approve", `byt/${a2}`], as(tokens.bob));
    expect(byConsumer.code).toBe(2);
    expect(byConsumer.stderr).toContain("answered 403 NDC_ERR_FORBIDDEN: approve is taken by an operator");
    const queue = await ndc(["agreement", "list", "--state", "AwaitingApproval"], as(tokens.oscar));
    expect(queue.stdout.split("\n").find((l) => l.startsWith(`byt/${a2} `))).toMatch(/ AwaitingApproval +2 /);
    const run = await ndc(["agreement", "approve", `byt/${a2}`, "--version", "2"], as(tokens.olga));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`approved byt/${a2}: status InForce (state Approved), version 3\n`);
  });

  test("agreement decline and reject are final: declining twice exits 4; a requester may not reject (exit 2), an operator may", async () => {
    expect((await ndc(["agreement", "offer", "-f", offerFile(a3, kho, { org: "bca", environment: tra })], as(tokens.alice))).code).toBe(0);
    const declined = await ndc(["agreement", "decline", `byt/${a3}`, "--reason", "không cần nữa"], as(tokens.bob));
    expect(declined.code, declined.stderr).toBe(0);
    expect(declined.stdout).toBe(`declined byt/${a3}: status Declined (state Declined), version 2\n`);
    const again = await ndc(["agreement", "decline", `byt/${a3}`], as(tokens.bob));
    expect(again.code).toBe(4);
    expect(again.stderr).toContain("answered 409");

    expect((await ndc(["agreement", "offer", "-f", offerFile(a4, hs, { org: "bca", environment: pt })], as(tokens.alice))).code).toBe(0);
    expect((await ndc(["agreement", "accept", `byt/${a4}`], as(tokens.bob))).code).toBe(0);
    const byRequester = await ndc(["agreement", "reject", `byt/${a4}`, "--reason", "x"], as(tokens.alice));
    expect(byRequester.code).toBe(2);
    const rejected = await ndc(["agreement", "reject", `byt/${a4}`, "--reason", "chưa có đánh giá tác động", "-o", "json"], as(tokens.oscar));
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(rejected.json()).toMatchObject({ state: "Rejected", status: "Rejected", decidedBy: "oscar", reason: "chưa có đánh giá tác động" });
  });

  test("agreement revoke needs --yes (exit 1) and a current --version (exit 4); then it is Revoked", async () => {
    const before = await agreements();
    const unconfirmed = await ndc(["agreement", "revoke", `byt/${a1}`], as(tokens.bob));
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toContain("confirm with --yes");
    const stale = await ndc(["agreement", "revoke", `byt/${a1}`, "--yes", "--version", "1"], as(tokens.alice));
    expect(stale.code).toBe(4);
    expect(stale.stderr).toContain("answered 412");
    expect(await agreements()).toEqual(before);
    const run = await ndc(["agreement", "revoke", `byt/${a1}`, "--yes", "--version", "2", "--reason", "hết nhu cầu"], as(tokens.alice));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`revoked byt/${a1}: status Revoked (state Revoked), version 3\n`);
  });

  test("the consumer's auditor reads the agreement's audit trail (kept under the provider) with ndc audit list", async () => {
    const bcaAuditor = (await http(ADMIN, "POST", "/v1/tokens", { subject: "kiem.bca", role: "auditor", org: "bca" })).body.token as string;
    const run = await ndc(["audit", "list", "--target", `sharing-agreement byt/${a1}`, "--outcome", "allowed", "-o", "json"], as(bcaAuditor));
    expect(run.code, run.stderr).toBe(0);
    const items = run.json().items as { org: string; action: string; actor: string }[];
    // The provisioner's policy records come and go with the agreement; the decisions are these three.
    expect(items.filter((r) => !r.action.startsWith("sharing.policy-")).map((r) => [r.org, r.action, r.actor])).toEqual([
      ["byt", "sharing.offer", "alice"],
      ["byt", "sharing.accept", "bob"],
      ["byt", "sharing.revoke", "alice"],
    ]);
    // Nothing else of byt's: its environments' records are not listed.
    const mine = await ndc(["audit", "list", "--limit", "500", "-o", "json"], as(bcaAuditor));
    expect(
      (mine.json().items as { org: string; target: string | null }[]).filter((r) => r.org === "byt" && !(r.target ?? "").startsWith("sharing-agreement byt/")),
    ).toEqual([]);
  });

  test("report compliance --org: a row per environment against every rule; -o json is the API's report; another organization's exits 3", async () => {
    const table = await ndc(["report", "compliance", "--org", "byt"], as(tokens.alice));
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.split("\n");
    expect(lines[0]).toMatch(/^compliance of organization byt \(policy \S+\): \d+ environment\(s\): compliant \d+, exception \d+, violation \d+$/);
    expect(lines.find((l) => l.startsWith(`byt/${kho} `))).toMatch(new RegExp(`^byt/${kho} +Ready +local +app +other/2 +compliant +-$`));
    expect(lines.find((l) => l.startsWith(`byt/${hs} `))).toMatch(new RegExp(`^byt/${hs} +Ready +local +data +important/3 +compliant +-$`));
    const json = await ndc(["report", "compliance", "--org", "byt", "-o", "json"], as(tokens.alice));
    const report = (await http(tokens.alice, "GET", "/v1/organizations/byt/compliance?limit=200")).body;
    expect({ ...json.json(), generatedAt: "-" }).toEqual({ ...report, generatedAt: "-" });
    const other = await ndc(["report", "compliance", "--org", "byt"], as(tokens.bob));
    expect(other.code).toBe(3);
    expect(other.stderr).toContain("answered 404");
    const both = await ndc(["report", "compliance", "--org", "byt", "--site", "local"], as(tokens.alice));
    expect(both.code).toBe(1);
    expect(both.stderr).toContain("name one of --org <org> or --site <site>");
  });

  test("report compliance --site --csv prints the service's CSV: a row per environment and rule", async () => {
    const run = await ndc(["report", "compliance", "--site", "local", "--csv"], as(tokens.olga));
    expect(run.code, run.stderr).toBe(0);
    const rows = run.stdout.split("\r\n");
    expect(rows[0]).toBe("org,environment,namespace,phase,sites,zone,dataClass,securityLevel,rule,status,since,message,source,sourceConfirmed");
    expect(rows.filter((r) => r.startsWith(`byt,${kho},`))).toHaveLength(6);
    expect(rows.filter((r) => r.startsWith(`bca,${tra},`))).toHaveLength(6);
    expect(run.stdout.split("\r\n")[0]).toBe((await csv(tokens.olga, "/v1/sites/local/compliance")).split("\r\n")[0]);
    const withJson = await ndc(["report", "compliance", "--site", "local", "--csv", "-o", "json"], as(tokens.olga));
    expect(withJson.code).toBe(1);
    expect(withJson.stderr).toContain("--csv prints CSV; drop -o json");
  });

  test("report usage --org --month: the organization's lines at the site's prices, none of another organization's; a bad month exits 1", async () => {
    const json = await ndc(["report", "usage", "--org", "byt", "--month", month, "-o", "json"], as(tokens.alice));
    expect(json.code, json.stderr).toBe(0);
    const report = json.json() as {
      month: string;
      total: number;
      organizations: { org: string }[];
      lines: { org: string; environment: string; site: string; priceVersion: string; cost: { total: number } }[];
    };
    expect(report.month).toBe(month);
    expect(new Set(report.lines.map((l) => l.org))).toEqual(new Set(["byt"]));
    expect(report.organizations.map((o) => o.org)).toEqual(["byt"]);
    // stacks/Pulumi.local.yaml: one price list, 2026.1.
    expect(report.lines.find((l) => l.environment === kho)).toMatchObject({ site: "local", priceVersion: "2026.1" });
    expect(report.total).toBe(report.lines.reduce((sum, l) => sum + l.cost.total, 0));
    const table = await ndc(["report", "usage", "--org", "byt", "--month", month], as(tokens.alice));
    expect(table.stdout.split("\n")[0]).toMatch(new RegExp(`^usage ${month} \\(\\S+ \\.\\. \\S+\\): total [0-9.]+ VND$`));
    expect(table.stdout).toMatch(new RegExp(`^byt/${kho} +local +\\S+ +\\S+ +1 +1Gi +2026\\.1 +[0-9.]+ VND$`, "m"));
    expect(table.stdout).not.toContain(`bca/${tra}`);
    const other = await ndc(["report", "usage", "--org", "byt", "--month", month], as(tokens.bob));
    expect(other.code).toBe(3);
    const bad = await ndc(["report", "usage", "--org", "byt", "--month", "2026-13"], as(tokens.alice));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("query.month (month-format)");
  });

  test("report usage without --org: the platform's for an auditor, the own organization's only for a requester; --csv has the header", async () => {
    const platform = await ndc(["report", "usage", "--month", month, "-o", "json"], as(tokens.audrey));
    expect(platform.code, platform.stderr).toBe(0);
    const orgs = (platform.json().organizations as { org: string }[]).map((o) => o.org);
    expect(orgs).toEqual(expect.arrayContaining(["bca", "byt"]));
    const bob = await ndc(["report", "usage", "--month", month, "-o", "json"], as(tokens.bob));
    expect(new Set((bob.json().lines as { org: string }[]).map((l) => l.org))).toEqual(new Set(["bca"]));
    const csvRun = await ndc(["report", "usage", "--org", "byt", "--month", month, "--csv"], as(tokens.alice));
    expect(csvRun.code, csvRun.stderr).toBe(0);
    expect(csvRun.stdout.split("\r\n")[0]).toBe(
      "month,org,environment,site,from,to,seconds,cpuMillis,memoryBytes,gpu,priceVersion,currency,cpuCost,memoryCost,gpuCost,total",
    );
    expect(csvRun.stdout.split("\r\n").some((r) => r.startsWith(`${month},byt,${kho},local,`))).toBe(true);
  });

  test("roadmap: each configured site by phase; one site's -o json is the API's; an unknown site exits 3", async () => {
    const table = await ndc(["roadmap"], as(tokens.bob));
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^site local \(active\): committed [0-9.]+ cores, [0-9.]+Gi; /m);
    // stacks/Pulumi.ndc1-hoalac.yaml (site ndc1): phase 1 (2023–2025) 160,000 cores and 1280Ti; phase 2 (2026–2028) 240,000 cores and 2Pi.
    expect(table.stdout).toMatch(/^1 +2023–2025 +\S+ +\w+ +1300 +160000 +1280Ti /m);
    expect(table.stdout).toMatch(/^2 +2026–2028 +\S+ +\w+ +2000 +240000 +2048Ti /m);
    const json = await ndc(["roadmap", "ndc1", "-o", "json"], as(tokens.bob));
    const roadmap = (await http(tokens.bob, "GET", "/v1/capacity/roadmap")).body as { sites: { site: string }[] };
    expect({ ...json.json(), generatedAt: "-" }).toEqual({ generatedAt: "-", sites: roadmap.sites.filter((s) => s.site === "ndc1") });
    const unknown = await ndc(["roadmap", "nowhere"], as(tokens.bob));
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toBe("ndc roadmap: no configured site nowhere in the roadmap; sites: local, ndc1\n");
  });
});

// Last: it breaks the chain of this run's service.
describe("audit verify after tampering", () => {
  test("a record edited in the database: exit 6 naming its seq", async () => {
    const { DatabaseSync } = await import("node:sqlite");
    const db = new DatabaseSync(join(dir, "data", "ndc.sqlite"));
    try {
      db.prepare("UPDATE audit_records SET actor = ? WHERE seq = ?").run("mallory", 3);
    } finally {
      db.close();
    }
    const run = await ndc(["audit", "verify"], as(tokens.audrey));
    expect(run.code).toBe(6);
    expect(run.stdout).toMatch(/^audit chain BROKEN: /);
    expect(run.stdout).toMatch(/^ {2}seq 3 {2}edited/m);
    const json = await ndc(["audit", "verify", "-o", "json"], as(tokens.audrey));
    expect(json.code).toBe(6);
    expect(json.json()).toMatchObject({ ok: false, problems: [expect.objectContaining({ seq: 3, problem: "edited" })] });
  });
});
