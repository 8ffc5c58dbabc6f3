#!/usr/bin/env -S npx tsx
// Site health as the control plane sees it (per-site phase of every environment) and, given a
// kubeconfig, whether the site's Kubernetes API server is ready. Runbook: runbooks/site-degraded.md
import { existsSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { KubeConfig } from "@kubernetes/client-node";
import type { EnvironmentResource } from "../../control-plane/api/index.ts";
import { CONNECTION_OPTIONS, CONNECTION_USAGE, connectionFrom, EXIT, listAll, parseFlags, printJson, runScript, UsageError } from "./_ops.ts";

const usage = `usage: npx tsx scripts/ops/site-health.ts [--site <site>] [--kubeconfig <file> [--context <name>]] [--json]

1. Lists every environment whose phase at a site is not Ready (GET /v1/environments, all
   organizations), grouped by site, with the provisioner's message:
     degraded     site phase Degraded (retrying: site unreachable, 5xx, RBAC) or Failed (gave up)
     progressing  Pending, Applying, Deleting, … on an environment the provisioner is working on
   Requests still awaiting approval (nothing built yet) and retained environments are left out.
2. With --kubeconfig: asks the site's API server GET /readyz?verbose (the kubeconfig's current
   context, or --context) and prints the checks that fail.

  --site <site>        only this site id (e.g. ndc1; GET /v1/sites lists them); the kubeconfig should be this site's
  --kubeconfig <file>  the site's kubeconfig (e.g. the control plane's NDC_KUBECONFIG_<SITE> file)
  --context <name>     kubeconfig context to use (default: its current-context)

needs an operator, platform-wide auditor or platform-admin token (a token confined to one
organization sees only that organization's environments).

${CONNECTION_USAGE}
  0 healthy, 3 degraded: an environment is Degraded/Failed at a site, or the API server is not ready`;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  site: { type: "string" },
  kubeconfig: { type: "string" },
  context: { type: "string" },
} as const;

/** Environment phases where site phases other than Ready are expected and not worth an operator's look. */
const QUIET_PHASES = new Set(["Submitted", "AwaitingApproval", "Rejected", "Deleted"]);

interface Entry {
  readonly ref: string;
  readonly phase: string;
  readonly sitePhase: string;
  readonly namespace: string;
  readonly message: string | null;
  readonly severity: "degraded" | "progressing";
}

interface ApiServerHealth {
  readonly kubeconfig: string;
  readonly context: string;
  readonly server: string;
  readonly ready: boolean;
  readonly status: number | null;
  /** `[-]…` lines of /readyz?verbose, or why it could not be asked. */
  readonly failing: readonly string[];
}

/** Entries worth an operator's look, grouped by site. */
function notReadyBySite(envs: readonly EnvironmentResource[], onlySite: string | undefined): Record<string, Entry[]> {
  const bySite: Record<string, Entry[]> = {};
  for (const env of envs) {
    if (QUIET_PHASES.has(env.phase)) continue;
    for (const [site, s] of Object.entries(env.sites)) {
      if (onlySite !== undefined && site !== onlySite) continue;
      if (s.phase === "Ready" || (s.phase === "Retained" && env.phase === "Retained")) continue;
      const severity = s.phase === "Degraded" || s.phase === "Failed" ? "degraded" : "progressing";
      (bySite[site] ??= []).push({ ref: `${env.org}/${env.name}`, phase: env.phase, sitePhase: s.phase, namespace: s.namespace, message: s.message, severity });
    }
  }
  for (const list of Object.values(bySite)) list.sort((a, b) => (a.severity === b.severity ? a.ref.localeCompare(b.ref) : a.severity === "degraded" ? -1 : 1));
  return bySite;
}

/** GET /readyz?verbose on the kubeconfig's API server, with client-node's credentials and a timeout. */
async function apiServerReady(path: string, context: string | undefined, timeoutMs: number): Promise<ApiServerHealth> {
  if (!existsSync(path)) throw new UsageError(`--kubeconfig ${path}: no such file; pass the site's kubeconfig (e.g. the control plane's NDC_KUBECONFIG_<SITE>)`);
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (error) {
    throw new UsageError(`--kubeconfig ${path} cannot be read as a kubeconfig: ${(error as Error).message}`);
  }
  if (context !== undefined) {
    if (!kc.getContexts().some((c) => c.name === context)) throw new UsageError(`--context ${context} is not in ${path}; contexts: ${kc.getContexts().map((c) => c.name).join(", ") || "none"}`);
    kc.setCurrentContext(context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new UsageError(`${path} has no current cluster: set current-context, or pass --context`);
  const base = { kubeconfig: path, context: kc.getCurrentContext(), server: cluster.server };
  const opts: RequestOptions = {};
  try {
    await kc.applyToHTTPSOptions(opts);
  } catch (error) {
    return { ...base, ready: false, status: null, failing: [`credentials of ${path} cannot be used: ${(error as Error).message}`] };
  }
  const url = new URL("/readyz?verbose", cluster.server);
  return new Promise<ApiServerHealth>((resolve) => {
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(url, { ...opts, method: "GET", signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      const status = res.statusCode ?? 0;
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => void (body = (body + chunk).slice(-20_000)));
      res.on("end", () => {
        const failing = body.split("\n").filter((l) => l.startsWith("[-]"));
        const ready = status === 200;
        resolve({ ...base, ready, status, failing: ready ? [] : failing.length > 0 ? failing : [`HTTP ${status}: ${body.trim().slice(0, 300)}`] });
      });
      res.on("error", (error) => resolve({ ...base, ready: false, status, failing: [`reading the answer failed: ${error.message}`] }));
    });
    req.on("error", (error: Error & { code?: string }) =>
      resolve({
        ...base,
        ready: false,
        status: null,
        failing: [error.name === "TimeoutError" || error.name === "AbortError" ? `no answer within ${timeoutMs / 1000} s` : `unreachable: ${error.code ?? error.message}`],
      }),
    );
    req.end();
  });
}

await runScript("site-health", async () => {
  const flags = parseFlags(OPTIONS, usage);
  if (flags.context !== undefined && flags.kubeconfig === undefined) throw new UsageError("--context goes with --kubeconfig <file>");
  const conn = connectionFrom(flags, "an operator");
  const envs = await listAll<EnvironmentResource>(conn, "/v1/environments");
  const sites = notReadyBySite(envs, flags.site);
  const apiServer = flags.kubeconfig === undefined ? null : await apiServerReady(flags.kubeconfig, flags.context, conn.timeoutMs);
  const degraded = Object.values(sites).flat().filter((e) => e.severity === "degraded").length;
  const healthy = degraded === 0 && (apiServer?.ready ?? true);

  if (flags.json) {
    printJson({ ok: true, healthy, status: healthy ? "healthy" : "degraded", site: flags.site ?? null, environmentsChecked: envs.length, degraded, sites, apiServer });
    return healthy ? EXIT.ok : EXIT.finding;
  }
  console.log(`${healthy ? "healthy" : "DEGRADED"}${flags.site ? ` (site ${flags.site})` : ""}: ${envs.length} environments checked, ${degraded} degraded at a site`);
  for (const [site, entries] of Object.entries(sites).sort(([a], [b]) => a.localeCompare(b))) {
    console.log(`site ${site}:`);
    for (const e of entries) console.log(`  ${e.severity === "degraded" ? "DEGRADED   " : "progressing"}  ${e.ref}  ${e.sitePhase} (environment ${e.phase})  ${e.message ?? ""}`);
  }
  if (apiServer) {
    console.log(`API server ${apiServer.server} (context ${apiServer.context}): ${apiServer.ready ? "ready" : "NOT ready"}`);
    for (const f of apiServer.failing) console.log(`  ${f}`);
  }
  return healthy ? EXIT.ok : EXIT.finding;
});
