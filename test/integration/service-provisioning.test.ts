// The whole service as operators run it: `control-plane/server.ts` in its own process, on SQLite
// and on PostgreSQL, provisioning the `local` stack's site on the real API server as the
// control plane's own identity. Everything goes through HTTP.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { kubeCredentialsFrom, SiteConnection } from "../../control-plane/provisioner/index.ts";
import { freeLoopbackPort } from "../../scripts/cluster/_ports.ts";
import { adminKubeConfig, uniqueNamespacePrefix, waitUntil } from "./_cluster.ts";
import { controlPlaneKubeConfig } from "./_control-plane-identity.ts";

const BOOTSTRAP = "bootstrap-token-for-tests-0123456789";
const repo = join(import.meta.dirname, "../..");

interface Service {
  readonly url: string;
  readonly process: ChildProcess;
}

async function startService(env: Record<string, string>): Promise<Service> {
  const port = await freeLoopbackPort();
  const child = spawn(process.execPath, ["--import", "tsx", join(repo, "control-plane/server.ts")], {
    cwd: repo,
    env: { ...process.env, ...env, PORT: String(port), HOST: "127.0.0.1", NDC_BOOTSTRAP_TOKEN: BOOTSTRAP, NDC_SITES: "local", LOG_LEVEL: "warn" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil("the service's /readyz", 60_000, async () => (await fetch(`${url}/readyz`)).ok);
  return { url, process: child };
}

async function call(
  service: Service,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${service.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** Admin tokens per service: the bootstrap token mints the first platform admin only, which mints the rest. */
const admins = new WeakMap<Service, string>();

async function token(service: Service, subject: string, role: string, org?: string): Promise<string> {
  let admin = admins.get(service);
  if (!admin) {
    const first = await call(service, BOOTSTRAP, "POST", "/v1/tokens", { subject: "test-admin", role: "platform-admin" });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    admins.set(service, (admin = first.body.token as string));
  }
  const res = await call(service, admin, "POST", "/v1/tokens", { subject, role, ...(org ? { org } : {}) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.token as string;
}

async function waitForPhase(service: Service, tok: string, path: string, phase: string, timeoutMs = 60_000): Promise<any> {
  let last: any;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    last = (await call(service, tok, "GET", path)).body;
    if (last?.phase === phase) return last;
    await sleep(100);
  }
  throw new Error(`${path} did not reach ${phase}; last: ${JSON.stringify(last)}`);
}

let kubeconfigFile: string;
let admin: SiteConnection;

beforeAll(async () => {
  const kc = await controlPlaneKubeConfig(adminKubeConfig(), inject("clusterName"));
  kubeconfigFile = join(mkdtempSync(join(tmpdir(), "ndc-svc-")), "control-plane.kubeconfig");
  writeFileSync(kubeconfigFile, kc.exportConfig());
  admin = SiteConnection.open("local", kubeCredentialsFrom(adminKubeConfig()));
});
afterAll(() => admin?.close());

const backends = [
  ["SQLite", () => ({ NDC_DATA_DIR: mkdtempSync(join(tmpdir(), "ndc-svc-data-")) })],
  ["PostgreSQL", () => ({ DATABASE_URL: inject("databaseUrl") })],
] as const;

describe.each(backends)("the service on %s", (backend, storeEnv) => {
  let service: Service;
  const name = `${uniqueNamespacePrefix(backend === "SQLite" ? "sl" : "pg").replace(/-$/, "")}`;
  const path = `/v1/organizations/bca/environments/${name}`;

  beforeAll(async () => {
    service = await startService({ ...storeEnv(), NDC_KUBECONFIG_LOCAL: kubeconfigFile });
  });
  afterAll(async () => {
    service?.process.kill("SIGTERM");
    if (service) await new Promise((r) => service.process.once("exit", r));
  });

  test("request -> approval -> Ready -> resize -> drift repaired -> decommission to Retained, audited", async () => {
    const requester = await token(service, `req-${backend}`, "requester", "bca");
    const operator = await token(service, `ops-${backend}`, "operator");
    const auditor = await token(service, `aud-${backend}`, "auditor");

    const submitted = await call(
      service,
      requester,
      "POST",
      "/v1/organizations/bca/environments",
      {
        name,
        stage: "prod",
        zone: "data",
        dataClass: "important",
        personalData: "basic",
        securityLevel: 3,
        sites: ["local"],
        resources: { cpu: "1", memory: "2Gi", storage: { standard: "10Gi" } },
        owners: ["bca-cccd-team"],
        purpose: "Cơ sở dữ liệu căn cước (thử nghiệm)",
      },
      { "idempotency-key": `${name}-1` },
    );
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
    expect(submitted.body.phase).toBe("AwaitingApproval");

    const approved = await call(service, operator, "POST", `${path}/approve`, undefined, { "if-match": `"${submitted.body.version}"` });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    const ready = await waitForPhase(service, requester, path, "Ready");
    expect(ready.sites.local.phase).toBe("Ready");
    const ns = await admin.get({ kind: "Namespace", metadata: { name: `bca-${name}` } });
    expect(ns?.metadata.annotations?.["ndc.gov.vn/purpose"]).toBe("Cơ sở dữ liệu căn cước (thử nghiệm)");

    const resized = await call(
      service,
      requester,
      "PATCH",
      path,
      { resources: { cpu: "2", memory: "4Gi", storage: { standard: "10Gi" } } },
      { "if-match": String(ready.version) },
    );
    expect(resized.status, JSON.stringify(resized.body)).toBe(200);
    // A change to a prod environment waits for an operator; the quota stays as approved until then.
    expect(resized.body.pendingChange.spec.resources.cpu).toBe("2");
    expect(resized.body.resources.cpu).toBe("1");
    expect(resized.body.phase).toBe("Ready");
    const quotaBefore = (await admin.get({ kind: "ResourceQuota", metadata: { name: "ndc-quota", namespace: `bca-${name}` } })) as
      { spec: { hard: Record<string, string> } } | undefined;
    expect(quotaBefore?.spec.hard["requests.cpu"]).toBe("1");
    const changeApproved = await call(service, operator, "POST", `${path}/approve`, undefined, { "if-match": `"${resized.body.version}"` });
    expect(changeApproved.status, JSON.stringify(changeApproved.body)).toBe(200);
    await waitUntil("quota resized", 60_000, async () => {
      const quota = (await admin.get({ kind: "ResourceQuota", metadata: { name: "ndc-quota", namespace: `bca-${name}` } })) as
        { spec: { hard: Record<string, string> } } | undefined;
      return quota?.spec.hard["requests.cpu"] === "2";
    });
    await waitForPhase(service, requester, path, "Ready");

    await admin.delete({ kind: "NetworkPolicy", metadata: { name: "ndc-default-deny", namespace: `bca-${name}` } });
    await waitUntil(
      "default deny repaired",
      30_000,
      async () => (await admin.get({ kind: "NetworkPolicy", metadata: { name: "ndc-default-deny", namespace: `bca-${name}` } })) !== undefined,
    );

    // A prod environment: the decommission names the version and waits for an operator.
    const current = (await call(service, requester, "GET", path)).body;
    const decommission = await call(service, requester, "DELETE", path, undefined, { "if-match": `"${current.version}"` });
    expect(decommission.status, JSON.stringify(decommission.body)).toBe(202);
    expect(decommission.body.phase).toBe("AwaitingDecommission");
    const decided = await call(service, operator, "POST", `${path}/approve`, undefined, { "if-match": `"${decommission.body.version}"` });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    await waitForPhase(service, requester, path, "Retained");
    const bindings = await admin.list("RoleBinding", `ndc.gov.vn/environment=${name}`, `bca-${name}`);
    expect(bindings).toEqual([]);
    const quota = (await admin.get({ kind: "ResourceQuota", metadata: { name: "ndc-quota", namespace: `bca-${name}` } })) as unknown as {
      spec: { hard: Record<string, string> };
    };
    expect(Object.values(quota.spec.hard).every((v) => v === "0")).toBe(true);

    const trail = await call(service, auditor, "GET", `/v1/audit?target=${encodeURIComponent(`environment bca/${name}`)}&limit=100`);
    const actions = (trail.body.items as { action: string }[]).map((r) => r.action);
    for (const action of [
      "environment.submit",
      "environment.approve",
      "environment.start-provisioning",
      "environment.provisioned",
      "environment.request-change",
      "environment.approve-change",
      "environment.drift-repaired",
      "environment.request-decommission",
      "environment.decommissioned",
    ]) {
      expect(actions, action).toContain(action);
    }
    const verify = await call(service, auditor, "GET", "/v1/audit/verify");
    expect(verify.body.ok).toBe(true);
  });
});

describe("the service behind a proxy (NDC_TRUST_PROXY)", () => {
  let service: Service;
  beforeAll(async () => {
    service = await startService({
      NDC_DATA_DIR: mkdtempSync(join(tmpdir(), "ndc-svc-proxy-")),
      NDC_KUBECONFIG_LOCAL: kubeconfigFile,
      NDC_TRUST_PROXY: "127.0.0.1",
      NDC_AUTH_FAILURES_PER_MINUTE: "2",
    });
  });
  afterAll(async () => {
    service?.process.kill("SIGTERM");
    if (service) await new Promise((r) => service.process.once("exit", r));
  });

  test("failed sign-ins are limited per client named by X-Forwarded-For, not per proxy (bug: server.ts read NDC_TRUST_PROXY but never passed it, so one client locked out everyone behind the ingress)", async () => {
    const badLogin = (client: string) => call(service, "not-a-token-0123456789abcdef", "GET", "/v1/environments", undefined, { "x-forwarded-for": client });
    expect((await badLogin("10.1.0.1")).status).toBe(401);
    expect((await badLogin("10.1.0.1")).status).toBe(401);
    expect((await badLogin("10.1.0.1")).status).toBe(429);
    // Another client behind the same proxy is not locked out by the first one's failures.
    expect((await badLogin("10.1.0.2")).status).toBe(401);
  });
});
