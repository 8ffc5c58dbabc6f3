// Helpers for integration tests against the cluster that setup-cluster.ts provides.
import { randomBytes } from "node:crypto";
import { ApiException, CoreV1Api, KubeConfig, type V1Namespace } from "@kubernetes/client-node";
import { inject } from "vitest";
import { issueUserKubeconfig } from "../../scripts/cluster/index.ts";

function kubeconfigPath(): string {
  const path = inject("kubeconfig") || process.env.NDC_TEST_KUBECONFIG;
  if (!path) throw new Error("no test cluster: run integration tests through vitest (globalSetup test/integration/setup-cluster.ts)");
  return path;
}

/** A KubeConfig for the test cluster's admin (group system:masters). */
export function adminKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath());
  return kc;
}

/**
 * A KubeConfig for `user` in `groups`, by a client certificate signed by the test cluster's CA.
 * @throws when the cluster was not started by scripts/cluster.ts (no CA key to sign with)
 */
export async function userKubeConfig(user: string, groups: readonly string[] = []): Promise<KubeConfig> {
  const cluster = inject("clusterName") || process.env.NDC_TEST_CLUSTER;
  if (!cluster) {
    throw new Error("userKubeConfig needs a cluster started by scripts/cluster.ts: unset KUBECONFIG_NDC_TEST, or set NDC_TEST_CLUSTER=<its name>");
  }
  const kc = new KubeConfig();
  kc.loadFromFile(await issueUserKubeconfig({ cluster, user, groups }));
  return kc;
}

/**
 * A prefix unique to this test file run, e.g. `it-m3k9x2-a1b2-`: prefix every namespace (and other
 * cluster-wide name) a test creates with it, so runs and files never collide.
 */
export function uniqueNamespacePrefix(tag = "it"): string {
  return `${tag}-${Date.now().toString(36)}-${randomBytes(2).toString("hex")}-`;
}

/**
 * Creates a namespace and waits until its default ServiceAccount exists (pods are refused before
 * that), so a test can create pods right away.
 */
export async function createNamespace(
  kc: KubeConfig,
  name: string,
  meta: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
  timeoutMs = 30_000,
): Promise<V1Namespace> {
  const api = kc.makeApiClient(CoreV1Api);
  const ns = await api.createNamespace({ body: { metadata: { name, ...meta } } });
  await waitUntil(`default ServiceAccount in ${name}`, timeoutMs, async () => {
    await api.readNamespacedServiceAccount({ name: "default", namespace: name });
    return true;
  });
  return ns;
}

/**
 * Polls `probe` every 200 ms until it returns true; errors count as "not yet".
 * @throws naming `what` and the last error when `timeoutMs` passes
 */
export async function waitUntil(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last instanceof Error ? last.message : String(last)}` : ""}`);
}

/**
 * Runs a call expected to fail with an API error and returns that error's HTTP status and message
 * (from the Status body), so tests can assert both.
 * @throws when the call succeeds or fails without an API status
 */
export async function apiError(call: () => Promise<unknown>): Promise<{ code: number; message: string; reason: string }> {
  try {
    await call();
  } catch (err) {
    if (err instanceof ApiException) {
      const body = typeof err.body === "string" ? safeJson(err.body) : err.body;
      return { code: err.code, message: String(body?.message ?? err.message), reason: String(body?.reason ?? "") };
    }
    throw err;
  }
  throw new Error("expected the API call to fail, but it succeeded");
}

function safeJson(text: string): { message?: unknown; reason?: unknown } | undefined {
  try {
    return JSON.parse(text) as { message?: unknown; reason?: unknown };
  } catch {
    return { message: text };
  }
}
