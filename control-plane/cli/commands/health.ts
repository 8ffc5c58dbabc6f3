// `ndc health`: site health as the control plane sees it (each environment's phase per site) and,
// given a kubeconfig, whether the site's Kubernetes API server is ready. Runbook: runbooks/site-degraded.md
import { existsSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { Command } from "commander";
import type { EnvironmentResource } from "../../api/index.ts";
import { listAll } from "../api-client.ts";
import { action, withCommonOptions } from "../command-kit.ts";
import { EXIT, ExitWith, UsageError } from "../exit-codes.ts";
import { emit } from "../output.ts";

/** Environment phases where site phases other than Ready are expected and not worth an operator's look. */
const QUIET_PHASES = new Set(["Submitted", "AwaitingApproval", "Rejected", "Deleted"]);

export interface HealthEntry {
  readonly ref: string;
  readonly phase: string;
  readonly sitePhase: string;
  readonly namespace: string;
  readonly message: string | null;
  readonly severity: "degraded" | "progressing";
}

export interface ApiServerHealth {
  readonly kubeconfig: string;
  readonly context: string;
  readonly server: string;
  readonly ready: boolean;
  readonly status: number | null;
  /** `[-]…` lines of /readyz?verbose, or why it could not be asked. */
  readonly failing: readonly string[];
}

/** Entries worth an operator's look, grouped by site, degraded first. */
export function notReadyBySite(envs: readonly EnvironmentResource[], onlySite: string | undefined): Record<string, HealthEntry[]> {
  const bySite: Record<string, HealthEntry[]> = {};
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

/** GET /readyz?verbose on the kubeconfig's API server, with its credentials and a timeout. */
async function apiServerReady(path: string, context: string | undefined, timeoutMs: number): Promise<ApiServerHealth> {
  if (!existsSync(path))
    throw new UsageError(`--kubeconfig ${path}: no such file; pass the site's kubeconfig (e.g. the control plane's NDC_KUBECONFIG_<SITE>)`);
  // Loaded only here: client-node is large and the other commands do not need it.
  const { KubeConfig } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (error) {
    throw new UsageError(`--kubeconfig ${path} cannot be read as a kubeconfig: ${(error as Error).message}`);
  }
  if (context !== undefined) {
    if (!kc.getContexts().some((c) => c.name === context))
      throw new UsageError(
        `--context ${context} is not in ${path}; contexts: ${
          kc
            .getContexts()
            .map((c) => c.name)
            .join(", ") || "none"
        }`,
      );
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
        failing: [
          error.name === "TimeoutError" || error.name === "AbortError"
            ? `no answer within ${timeoutMs / 1000} s`
            : `unreachable: ${error.code ?? error.message}`,
        ],
      }),
    );
    req.end();
  });
}

export function healthCommand(): Command {
  return withCommonOptions(
    new Command("health")
      .description(
        "site health: every environment whose phase at a site is not Ready (degraded: Degraded or Failed; progressing: Pending, Applying, …), and with --kubeconfig the site API server's /readyz; exit 6 when degraded",
      )
      .option("--site <site>", "only this site")
      .option("--kubeconfig <file>", "the site's kubeconfig (e.g. the control plane's NDC_KUBECONFIG_<SITE> file): also ask its API server /readyz")
      .option("--context <name>", "with --kubeconfig: the context to use (default: its current-context)")
      .addHelpText("after", "\nexamples:\n  ndc health --site ndc1\n  ndc health --site ndc1 --kubeconfig /etc/ndc/ndc1.kubeconfig -o json"),
  ).action(
    action(async (ctx, flags: { site?: string; kubeconfig?: string; context?: string }) => {
      if (flags.context !== undefined && flags.kubeconfig === undefined) throw new UsageError("--context goes with --kubeconfig <file>");
      const conn = ctx.connection();
      const envs = await listAll<EnvironmentResource>(conn, "/v1/environments");
      const sites = notReadyBySite(envs, flags.site);
      const apiServer = flags.kubeconfig === undefined ? null : await apiServerReady(flags.kubeconfig, flags.context, conn.timeoutMs);
      const degraded = Object.values(sites)
        .flat()
        .filter((e) => e.severity === "degraded").length;
      const healthy = degraded === 0 && (apiServer?.ready ?? true);
      const report = {
        healthy,
        status: healthy ? "healthy" : "degraded",
        site: flags.site ?? null,
        environmentsChecked: envs.length,
        degraded,
        sites,
        apiServer,
      };
      emit(ctx.output, report, () => {
        const lines = [
          `${healthy ? "healthy" : "DEGRADED"}${flags.site ? ` (site ${flags.site})` : ""}: ${envs.length} environments checked, ${degraded} degraded at a site`,
        ];
        for (const [site, entries] of Object.entries(sites).sort(([a], [b]) => a.localeCompare(b))) {
          lines.push(`site ${site}:`);
          for (const e of entries)
            lines.push(
              `  ${e.severity === "degraded" ? "DEGRADED   " : "progressing"}  ${e.ref}  ${e.sitePhase} (environment ${e.phase})  ${e.message ?? ""}`.trimEnd(),
            );
        }
        if (apiServer) {
          lines.push(`API server ${apiServer.server} (context ${apiServer.context}): ${apiServer.ready ? "ready" : "NOT ready"}`);
          for (const f of apiServer.failing) lines.push(`  ${f}`);
        }
        return lines.join("\n");
      });
      if (!healthy) throw new ExitWith(EXIT.failed, "");
    }),
  );
}
