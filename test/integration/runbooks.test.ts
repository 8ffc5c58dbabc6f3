// The operator scripts the runbooks name, run as operators run them: child processes against the
// real service listening on 127.0.0.1 (SQLite), asserting exit codes and --json output.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ensurePki, type Pki } from "../../scripts/cluster/_certs.ts";
import { prodSpec, startTestApp, type TestApp } from "./control-plane/_harness.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const RUNBOOKS = join(ROOT, "runbooks");

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON (the scripts' --json output). */
  json<T = Record<string, unknown>>(): T;
}

/** Runs `scripts/ops/<script>.ts` as a child process; never blocks the event loop the service runs on. */
function runOps(script: string, args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  // Only what the test passes: a developer's NDC_URL/NDC_TOKEN must not leak in.
  if (!("NDC_URL" in env)) delete childEnv.NDC_URL;
  if (!("NDC_TOKEN" in env)) delete childEnv.NDC_TOKEN;
  return new Promise((done) => {
    execFile(process.execPath, ["--import", "tsx", join("scripts/ops", script), ...args], { cwd: ROOT, env: childEnv, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      done({
        code,
        stdout,
        stderr,
        json: <T,>() => {
          try {
            return JSON.parse(stdout) as T;
          } catch {
            throw new Error(`${script} ${args.join(" ")} printed no JSON (exit ${code}):\nstdout: ${stdout}\nstderr: ${stderr}`);
          }
        },
      });
    });
  });
}

/** `scripts/ops/…` paths a runbook names. */
function scriptsNamedIn(markdown: string): string[] {
  return [...new Set([...markdown.matchAll(/scripts\/ops\/[a-z0-9-]+\.ts/g)].map((m) => m[0]))];
}

const runbookFiles = readdirSync(RUNBOOKS).filter((f) => f.endsWith(".md") && f !== "README.md").sort();
const opsScripts = readdirSync(join(ROOT, "scripts/ops")).filter((f) => f.endsWith(".ts") && !f.startsWith("_")).sort();

describe("runbooks", () => {
  test("the four procedures exist and every runbook is indexed in runbooks/README.md", () => {
    expect(runbookFiles).toEqual(expect.arrayContaining(["approval-queue.md", "audit-chain-verify.md", "mint-tokens.md", "site-degraded.md"]));
    const index = readFileSync(join(RUNBOOKS, "README.md"), "utf8");
    for (const f of runbookFiles) expect(index, `runbooks/README.md links ${f}`).toContain(`(${f})`);
  });

  test.each(runbookFiles)("%s names a script that exists and has its fixed sections", (file) => {
    const text = readFileSync(join(RUNBOOKS, file), "utf8");
    const named = scriptsNamedIn(text);
    expect(named.length, `${file} names a scripts/ops/ script`).toBeGreaterThan(0);
    for (const s of named) expect(existsSync(join(ROOT, s)), `${file} names ${s}`).toBe(true);
    const headings = [...text.matchAll(/^## (.+)$/gm)].map((m) => m[1]!.trim());
    const alert = ["Meaning", "Impact", "Diagnosis", "Mitigation"];
    const task = ["Purpose", "Preconditions", "Steps", "Verify", "Roll back"];
    const sections = headings.includes("Meaning") ? alert : task;
    expect(headings.filter((h) => sections.includes(h)), `${file}: sections in order`).toEqual(sections);
  });

  test("every ops script is named by a runbook", () => {
    const named = new Set(runbookFiles.flatMap((f) => scriptsNamedIn(readFileSync(join(RUNBOOKS, f), "utf8"))));
    expect(opsScripts.map((s) => `scripts/ops/${s}`).filter((s) => !named.has(s))).toEqual([]);
  });

  test.each(runbookFiles)("%s uses only flags its scripts accept", async (file) => {
    const uses = new Map<string, Set<string>>();
    for (const line of readFileSync(join(RUNBOOKS, file), "utf8").split("\n")) {
      const m = /scripts\/ops\/([a-z0-9-]+\.ts)(.*)$/.exec(line);
      if (!m) continue;
      const flags = uses.get(m[1]!) ?? new Set<string>();
      for (const f of m[2]!.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)) flags.add(f[0]);
      uses.set(m[1]!, flags);
    }
    for (const [script, flags] of uses) {
      const help = (await runOps(script, ["--help"])).stdout;
      for (const flag of flags) expect(help, `${file}: ${script} ${flag}`).toMatch(new RegExp(`^\\s+${flag}\\b`, "m"));
    }
  });

  test.each(opsScripts)("scripts/ops/%s answers --help with exit 0", async (script) => {
    const run = await runOps(script, ["--help"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^usage: npx tsx scripts\/ops\//);
    expect(run.stdout).toContain("exit codes");
  });

  test.each(opsScripts)("scripts/ops/%s fails with exit 2 naming the flag on an unknown flag", async (script) => {
    const run = await runOps(script, ["--no-such-flag"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--no-such-flag");
  });
});

describe("ops scripts against the running service", () => {
  let t: TestApp;
  let url: string;
  const as = (token: string) => ({ NDC_URL: url, NDC_TOKEN: token });

  beforeAll(async () => {
    t = await startTestApp("sqlite");
    await t.app.listen({ host: "127.0.0.1", port: 0 });
    url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  describe("verify-audit.ts", () => {
    test("an intact chain: exit 0, ok", async () => {
      const run = await runOps("verify-audit.ts", ["--url", url, "--token", t.tokens.audrey, "--json"]);
      expect(run.code, run.stderr).toBe(0);
      const out = run.json<{ ok: boolean; status: string; checked: number; problems: unknown[] }>();
      expect(out).toMatchObject({ ok: true, status: "ok", problems: [] });
      expect(out.checked).toBe(await t.store.countAudit());
    });

    test("fails with exit 4 and the API's message when the auditor is confined to one organization", async () => {
      const minted = await t.call("POST", "/v1/tokens", t.tokens.admin, { subject: "bya-auditor", role: "auditor", org: "byt" });
      const run = await runOps("verify-audit.ts", ["--json"], as((minted.json() as { token: string }).token));
      expect(run.code).toBe(4);
      expect(run.json()).toMatchObject({ ok: false, error: { status: 403, code: "NDC_ERR_FORBIDDEN" } });
      expect(run.stderr).toContain("needs a platform-wide auditor");
    });

    test("fails with exit 2 naming NDC_TOKEN when no token is given", async () => {
      const run = await runOps("verify-audit.ts", ["--url", url]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("NDC_TOKEN");
    });

    test("fails with exit 1 naming the URL when the service is unreachable", async () => {
      const run = await runOps("verify-audit.ts", ["--url", "http://127.0.0.1:9", "--timeout", "5"], { NDC_TOKEN: t.tokens.audrey });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("cannot reach http://127.0.0.1:9");
    });
  });

  describe("approval-queue.ts", () => {
    beforeAll(async () => {
      const res = await t.call("POST", "/v1/organizations/byt/environments", t.tokens.alice, prodSpec({ name: "queue-prod" }));
      expect(res.statusCode).toBe(201);
    });

    test("lists the pending prod request with who asked and why", async () => {
      const run = await runOps("approval-queue.ts", ["--json"], as(t.tokens.oscar));
      expect(run.code, run.stderr).toBe(0);
      const out = run.json<{ count: number; items: { ref: string; requestedBy: string; stage: string; reason: string; version: number }[] }>();
      const item = out.items.find((i) => i.ref === "byt/queue-prod");
      expect(item).toMatchObject({ requestedBy: "alice", stage: "prod" });
      expect(item!.reason).toMatch(/^needs approval/);
    });

    test("fails with exit 4 and the API's four-eyes message when the approver is the requester", async () => {
      // An operator token for the requester's own subject.
      const minted = await t.call("POST", "/v1/tokens", t.tokens.admin, { subject: "alice", role: "operator" });
      const current = (await t.call("GET", "/v1/organizations/byt/environments/queue-prod", t.tokens.alice)).json() as { version: number };
      const run = await runOps("approval-queue.ts", ["--approve", "byt/queue-prod", "--version", String(current.version), "--json"], as((minted.json() as { token: string }).token));
      expect(run.code).toBe(4);
      expect(run.json()).toMatchObject({
        ok: false,
        error: { status: 403, code: "NDC_ERR_SELF_APPROVAL", detail: "alice requested byt/queue-prod and cannot also decide on it; another operator must" },
      });
      expect(run.stderr).toContain("alice requested byt/queue-prod and cannot also decide on it");
      expect((await t.call("GET", "/v1/organizations/byt/environments/queue-prod", t.tokens.alice)).json()).toMatchObject({ phase: "AwaitingApproval" });
    });

    test("fails with exit 4 (412) when the request changed since the version reviewed", async () => {
      const current = (await t.call("GET", "/v1/organizations/byt/environments/queue-prod", t.tokens.alice)).json() as { version: number };
      const run = await runOps("approval-queue.ts", ["--approve", "byt/queue-prod", "--version", String(current.version + 1), "--json"], as(t.tokens.oscar));
      expect(run.code).toBe(4);
      expect(run.json()).toMatchObject({ error: { status: 412, code: "NDC_ERR_PRECONDITION_FAILED" } });
    });

    test("fails with exit 2 when --reject has no --reason", async () => {
      const run = await runOps("approval-queue.ts", ["--reject", "byt/queue-prod"], as(t.tokens.oscar));
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("--reject needs --reason");
    });

    test("fails with exit 2 when --approve has no --version (a decision names the version reviewed)", async () => {
      const run = await runOps("approval-queue.ts", ["--approve", "byt/queue-prod"], as(t.tokens.oscar));
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("--approve and --reject need --version <n>");
    });

    test("--approve moves it to Approved and off the queue", async () => {
      const current = (await t.call("GET", "/v1/organizations/byt/environments/queue-prod", t.tokens.alice)).json() as { version: number };
      const run = await runOps("approval-queue.ts", ["--approve", "byt/queue-prod", "--version", String(current.version), "--comment", "reviewed; capacity ok", "--json"], as(t.tokens.oscar));
      expect(run.code, run.stderr).toBe(0);
      expect(run.json()).toMatchObject({ ok: true, action: "approve", ref: "byt/queue-prod", phase: "Approved", approvedBy: "oscar" });
      expect((await t.call("GET", "/v1/organizations/byt/environments/queue-prod", t.tokens.alice)).json()).toMatchObject({ phase: "Approved", approvedBy: "oscar" });
      const queue = (await runOps("approval-queue.ts", ["--json"], as(t.tokens.oscar))).json<{ items: { ref: string }[] }>();
      expect(queue.items.map((i) => i.ref)).not.toContain("byt/queue-prod");
    });

    test("--reject with a reason moves a request to Rejected with that reason", async () => {
      expect((await t.call("POST", "/v1/organizations/byt/environments", t.tokens.alice, prodSpec({ name: "queue-reject" }))).statusCode).toBe(201);
      const run = await runOps("approval-queue.ts", ["--reject", "byt/queue-reject", "--reason", "use ndc2 for this workload", "--version", "2", "--json"], as(t.tokens.olga));
      expect(run.code, run.stderr).toBe(0);
      expect(run.json()).toMatchObject({ action: "reject", phase: "Rejected", reason: "use ndc2 for this workload" });
    });
  });

  describe("mint-token.ts", () => {
    test("mints a token that works, then revokes it after confirming the subject", async () => {
      const run = await runOps("mint-token.ts", ["--subject", "ops:nightly-verify", "--role", "auditor", "--expires-in", "1d", "--json"], as(t.tokens.admin));
      expect(run.code, run.stderr).toBe(0);
      const minted = run.json<{ token: string; id: string; subject: string; role: string; org: null; expiresAt: string }>();
      expect(minted).toMatchObject({ ok: true, action: "mint", subject: "ops:nightly-verify", role: "auditor", org: null });
      expect(Date.parse(minted.expiresAt) - Date.now()).toBeGreaterThan(23 * 3600_000);

      // The new token works with another script.
      const verify = await runOps("verify-audit.ts", ["--json"], as(minted.token));
      expect(verify.code, verify.stderr).toBe(0);

      const wrong = await runOps("mint-token.ts", ["--revoke", minted.id, "--subject", "someone-else", "--json"], as(t.tokens.admin));
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toContain(`token ${minted.id} belongs to "ops:nightly-verify"`);
      expect((await runOps("verify-audit.ts", [], as(minted.token))).code).toBe(0);

      const revoke = await runOps("mint-token.ts", ["--revoke", minted.id, "--subject", "ops:nightly-verify", "--json"], as(t.tokens.admin));
      expect(revoke.code, revoke.stderr).toBe(0);
      expect(revoke.json()).toMatchObject({ ok: true, action: "revoke", id: minted.id, subject: "ops:nightly-verify" });
      const after = await runOps("verify-audit.ts", ["--json"], as(minted.token));
      expect(after.code).toBe(4);
      expect(after.json()).toMatchObject({ error: { status: 401 } });
    });

    test("without --json prints only the token on stdout, so $(…) captures it", async () => {
      const run = await runOps("mint-token.ts", ["--subject", "ci:byt-his", "--role", "requester", "--org", "byt"], as(t.tokens.admin));
      expect(run.code, run.stderr).toBe(0);
      const token = run.stdout.trim();
      expect(token.split("\n")).toHaveLength(1);
      expect(run.stderr).toContain("minted token");
      expect((await t.call("GET", "/v1/organizations/byt/environments", token)).statusCode).toBe(200);
    });

    test("fails with exit 2 before calling the API when a requester has no --org", async () => {
      const run = await runOps("mint-token.ts", ["--subject", "x", "--role", "requester"], as(t.tokens.admin));
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("--role requester needs --org <org>");
    });

    test("fails with exit 4 and the API's message for an unknown organization", async () => {
      const run = await runOps("mint-token.ts", ["--subject", "x", "--role", "requester", "--org", "nope", "--json"], as(t.tokens.admin));
      expect(run.code).toBe(4);
      expect(run.json()).toMatchObject({ error: { status: 422, code: "NDC_ERR_RULE", errors: [expect.objectContaining({ field: "org", rule: "organization-known" })] } });
    });

    test("fails with exit 4 when the caller is not a platform-admin", async () => {
      const run = await runOps("mint-token.ts", ["--subject", "x", "--role", "operator", "--json"], as(t.tokens.oscar));
      expect(run.code).toBe(4);
      expect(run.json()).toMatchObject({ error: { status: 403 } });
    });
  });

  describe("site-health.ts", () => {
    let fakeApiServer: Server;
    let apiServerReady = true;
    let dir: string;
    let pki: Pki;
    /** A kubeconfig as a site's would be: the server's CA and a client certificate. */
    const kubeconfig = (server: string) => {
      const file = join(dir, `${Buffer.from(server).toString("hex")}.kubeconfig`);
      writeFileSync(
        file,
        JSON.stringify({
          apiVersion: "v1",
          kind: "Config",
          clusters: [{ name: "ndc1", cluster: { server, "certificate-authority": pki.caCert } }],
          users: [{ name: "ops", user: { "client-certificate": pki.adminCert, "client-key": pki.adminKey } }],
          contexts: [{ name: "ndc1", context: { cluster: "ndc1", user: "ops" } }],
          "current-context": "ndc1",
        }),
      );
      return file;
    };
    let envId: string;
    let namespace: string;
    const setSite = (phase: string, message: string | null) =>
      t.store.transaction([], (tx) => tx.setSiteStatus(envId, { site: "ndc1", namespace, phase, message, observedGeneration: 0 }, new Date().toISOString()));

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "ndc-ops-"));
      pki = await ensurePki(join(dir, "pki"));
      // A stand-in for a site's kube-apiserver: TLS with the site CA, client certificates required,
      // and /readyz?verbose worded as kube-apiserver words it.
      fakeApiServer = createServer(
        { cert: readFileSync(pki.servingCert), key: readFileSync(pki.servingKey), ca: readFileSync(pki.caCert), requestCert: true, rejectUnauthorized: true },
        (req, res) => {
          if (!req.url?.startsWith("/readyz")) return void res.writeHead(404).end();
          if (apiServerReady) return void res.writeHead(200).end("[+]ping ok\n[+]etcd ok\nreadyz check passed\n");
          res.writeHead(500).end("[+]ping ok\n[-]etcd failed: reason withheld\n[+]informer-sync ok\nreadyz check failed\n");
        },
      );
      await new Promise<void>((r) => fakeApiServer.listen(0, "127.0.0.1", r));
      const res = await t.call("POST", "/v1/organizations/bct/environments", t.tokens.bob, prodSpec({ name: "site-prod", securityLevel: 2, dataClass: "other", owners: ["bct-admins"] }));
      expect(res.statusCode, res.body).toBe(201);
      expect((await t.decide("approve", "/v1/organizations/bct/environments/site-prod", t.tokens.olga)).statusCode).toBe(200);
      ({ id: envId, namespace } = res.json() as { id: string; namespace: string });
    });
    afterAll(async () => {
      await new Promise((r) => fakeApiServer?.close(r));
      rmSync(dir, { recursive: true, force: true });
    });

    test("healthy: every site Ready and the API server ready, exit 0", async () => {
      // The earlier approved request byt/queue-prod is Ready too, so nothing is left over.
      const queued = (await t.call("GET", "/v1/organizations/byt/environments/queue-prod", t.tokens.alice)).json() as { id: string; namespace: string };
      await t.store.transaction([], (tx) => tx.setSiteStatus(queued.id, { site: "ndc1", namespace: queued.namespace, phase: "Ready", message: null, observedGeneration: 1 }, new Date().toISOString()));
      await setSite("Ready", "13 objects applied, 0 pruned");
      const port = (fakeApiServer.address() as AddressInfo).port;
      const run = await runOps("site-health.ts", ["--kubeconfig", kubeconfig(`https://127.0.0.1:${port}`), "--json"], as(t.tokens.oscar));
      expect(run.code, run.stderr).toBe(0);
      expect(run.json()).toMatchObject({ healthy: true, status: "healthy", degraded: 0, sites: {}, apiServer: { ready: true, status: 200, failing: [] } });
    });

    test("an environment Degraded at a site: exit 3, grouped by site with the message", async () => {
      await setSite("Degraded", "connect ECONNREFUSED 10.20.0.1:6443");
      const run = await runOps("site-health.ts", ["--json"], as(t.tokens.oscar));
      expect(run.code, run.stderr).toBe(3);
      const out = run.json<{ healthy: boolean; degraded: number; sites: Record<string, unknown[]>; apiServer: null }>();
      expect(out).toMatchObject({ healthy: false, status: "degraded", degraded: 1, apiServer: null });
      expect(out.sites).toEqual({
        ndc1: [{ ref: "bct/site-prod", phase: "Approved", sitePhase: "Degraded", namespace, message: "connect ECONNREFUSED 10.20.0.1:6443", severity: "degraded" }],
      });
      // Another site's view is clean.
      const other = await runOps("site-health.ts", ["--site", "ndc2", "--json"], as(t.tokens.oscar));
      expect(other.code, other.stderr).toBe(0);
    });

    test("a site still applying is listed as progressing but is not degraded", async () => {
      await setSite("Applying", null);
      const run = await runOps("site-health.ts", ["--json"], as(t.tokens.oscar));
      expect(run.code, run.stderr).toBe(0);
      expect(run.json()).toMatchObject({ healthy: true, degraded: 0, sites: { ndc1: [expect.objectContaining({ ref: "bct/site-prod", severity: "progressing" })] } });
      await setSite("Ready", null);
    });

    test("the API server not ready: exit 3 with the failing checks", async () => {
      apiServerReady = false;
      try {
        const port = (fakeApiServer.address() as AddressInfo).port;
        const run = await runOps("site-health.ts", ["--kubeconfig", kubeconfig(`https://127.0.0.1:${port}`), "--json"], as(t.tokens.oscar));
        expect(run.code, run.stderr).toBe(3);
        expect(run.json()).toMatchObject({ healthy: false, degraded: 0, apiServer: { ready: false, status: 500, failing: ["[-]etcd failed: reason withheld"] } });
      } finally {
        apiServerReady = true;
      }
    });

    test("the API server unreachable: exit 3 saying so", async () => {
      const run = await runOps("site-health.ts", ["--kubeconfig", kubeconfig("https://127.0.0.1:9"), "--timeout", "5", "--json"], as(t.tokens.oscar));
      expect(run.code, run.stderr).toBe(3);
      expect(run.json()).toMatchObject({ healthy: false, apiServer: { ready: false, status: null, failing: [expect.stringMatching(/^unreachable: ECONNREFUSED/)] } });
    });

    test("fails with exit 2 naming the file when the kubeconfig does not exist", async () => {
      const run = await runOps("site-health.ts", ["--kubeconfig", join(dir, "missing.kubeconfig")], as(t.tokens.oscar));
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("missing.kubeconfig: no such file");
    });
  });

  describe("verify-audit.ts after tampering", () => {
    test("a record edited in the database: exit 3 naming its seq", async () => {
      const seq = 5;
      const id = String((await t.raw.get("SELECT id FROM audit_records WHERE seq = ?", [seq]))!.id);
      await t.raw.run("UPDATE audit_records SET actor = ? WHERE seq = ?", ["mallory", seq]);
      const run = await runOps("verify-audit.ts", ["--json"], as(t.tokens.audrey));
      expect(run.code, run.stderr).toBe(3);
      const out = run.json<{ ok: boolean; status: string; problems: { seq: number; id: string; problem: string }[] }>();
      expect(out).toMatchObject({ ok: false, status: "broken" });
      expect(out.problems[0]).toMatchObject({ seq, id, problem: "edited" });
      const text = await runOps("verify-audit.ts", [], as(t.tokens.audrey));
      expect(text.code).toBe(3);
      expect(text.stdout).toContain(`seq ${seq}  edited`);
    });
  });
});
