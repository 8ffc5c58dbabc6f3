// Helpers for the portal's browser tests: the real service as a process (control-plane/server.ts,
// which bundles the portal at start), tokens minted through the API, Debian's Chromium driven by
// playwright-core, and axe-core run inside the page.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { inject } from "vitest";
import { freeLoopbackPort } from "../../scripts/cluster/_ports.ts";
import { chromiumBinary } from "../../scripts/prerequisites/test-prerequisites.ts";
import { adminKubeConfig, waitUntil } from "../integration/_cluster.ts";
import { controlPlaneKubeConfig } from "../integration/_control-plane-identity.ts";

export const BOOTSTRAP = "bootstrap-token-for-portal-tests-0123456789";
const repo = join(import.meta.dirname, "../..");

export interface Service {
  readonly url: string;
  readonly process: ChildProcess;
  readonly admin: string;
  /** The SQLite folder (NDC_DATA_DIR). */
  readonly dataDir: string;
  stop(): Promise<void>;
}

/** control-plane/server.ts on a fresh SQLite file, site `local` (or NDC_SITES); `env` adds e.g. NDC_KUBECONFIG_LOCAL (or a PORT chosen beforehand). */
export async function startService(env: Record<string, string> = {}): Promise<Service> {
  const port = env.PORT ? Number(env.PORT) : await freeLoopbackPort();
  const dataDir = env.NDC_DATA_DIR ?? mkdtempSync(join(tmpdir(), "ndc-portal-"));
  const child = spawn(process.execPath, ["--import", "tsx", join(repo, "control-plane/server.ts")], {
    cwd: repo,
    env: {
      ...process.env,
      ...env,
      NDC_DATA_DIR: dataDir,
      PORT: String(port),
      HOST: "127.0.0.1",
      NDC_BOOTSTRAP_TOKEN: BOOTSTRAP,
      NDC_SITES: env.NDC_SITES ?? "local",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil("the service's /readyz", 90_000, async () => (await fetch(`${url}/readyz`)).ok);
  const first = await api(url, BOOTSTRAP, "POST", "/v1/tokens", { subject: "portal-admin", role: "platform-admin" });
  if (first.status !== 201) throw new Error(`minting the first admin: ${first.status} ${JSON.stringify(first.body)}`);
  return {
    url,
    process: child,
    admin: first.body.token,
    dataDir,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
}

/**
 * {@link startService} provisioning site `local` on the test run's kube-apiserver as the control
 * plane's own user (its ClusterRole's kubeconfig, written to a temporary file); `env` adds e.g. NDC_SITES.
 */
export async function startServiceOnTestCluster(env: Record<string, string> = {}): Promise<Service> {
  const kc = await controlPlaneKubeConfig(adminKubeConfig(), inject("clusterName"));
  const kubeconfig = join(mkdtempSync(join(tmpdir(), "ndc-portal-kc-")), "control-plane.kubeconfig");
  writeFileSync(kubeconfig, kc.exportConfig());
  return startService({ NDC_KUBECONFIG_LOCAL: kubeconfig, ...env });
}

/** A dev environment on `local` with the least of everything: the body a portal test asks for. */
export function devEnvironment(name: string, purpose: string, owners: readonly string[] = []) {
  return {
    name,
    stage: "dev",
    zone: "app",
    dataClass: "other",
    personalData: "none",
    securityLevel: 1,
    sites: ["local"],
    resources: { cpu: "1", memory: "1Gi" },
    owners: [...owners],
    purpose,
  };
}

/** A fresh browser tab in a context of its own (own sessionStorage), in Vietnamese, 1280×900; `contexts` keeps it for {@link closePortalRun}. */
export async function openTab(browser: Browser, contexts: BrowserContext[]): Promise<Page> {
  const context = await browser.newContext({ locale: "vi-VN", viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  return context.newPage();
}

/** After a portal test file: its tabs' contexts, the browser, then the service (each may be missing when setup failed). */
export async function closePortalRun(contexts: readonly BrowserContext[], browser: Browser | undefined, service: Service | undefined): Promise<void> {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await service?.stop();
}

export async function api(
  url: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** A token minted by the service's platform admin. */
export async function mint(service: Service, subject: string, role: string, org?: string): Promise<string> {
  const res = await api(service.url, service.admin, "POST", "/v1/tokens", { subject, role, ...(org ? { org } : {}) });
  if (res.status !== 201) throw new Error(`minting ${subject}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token as string;
}

/** Debian's chromium package (apt-get install chromium); .ci/run installs it. */
export function chromiumPath(): string {
  const found = chromiumBinary({ exists: existsSync, env: process.env });
  if (!found) throw new Error("no Chromium at /usr/lib/chromium/chromium or /usr/bin/chromium: apt-get install -y chromium (or set NDC_CHROMIUM)");
  return found;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
}

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly string[];
}

/** axe-core's serious and critical violations on the page as it is now (WCAG 2.1 A and AA rules). */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol: the page's CSP (no inline script) does not apply to it.
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run: (ctx: Document, opts: object) => Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] }>;
        };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
      resultTypes: ["violations"],
    });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")) }));
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** Signs in on the sign-in page by typing the token, as a person would. */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByLabel(/Mã truy cập|Access token/).fill(token);
  await page.getByRole("button", { name: /^(Đăng nhập|Sign in)$/ }).click();
  await page.getByRole("navigation").waitFor();
}
