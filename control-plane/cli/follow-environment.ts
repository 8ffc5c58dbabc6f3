// --wait and `env watch`: follow an environment to its next stable phase, printing a line whenever
// the phase or a site's phase changes.
import { setTimeout as sleep } from "node:timers/promises";
import type { EnvironmentResource } from "../api/schemas.ts";
import { apiPath, callApi } from "./api-client.ts";
import type { Connection } from "./connection.ts";
import { EXIT, ExitWith } from "./exit-codes.ts";

/**
 * Phases where nothing moves without a person: the provisioner has nothing left to do (Ready with
 * the current generation observed, Retained, Deleted), a human must decide (AwaitingApproval), or it
 * gave up (Failed, Rejected).
 */
export const STABLE_PHASES = ["Ready", "AwaitingApproval", "Failed", "Rejected", "Retained", "Deleted"] as const;

/** Stable phases that are a bad outcome for whoever waits. */
const BAD_PHASES = new Set(["Failed", "Rejected"]);

/** True when the environment will not change on its own. */
export function isStable(e: EnvironmentResource): boolean {
  if (!(STABLE_PHASES as readonly string[]).includes(e.phase)) return false;
  // Ready from before a change is not the Ready we wait for.
  return e.phase !== "Ready" || e.observedGeneration >= e.generation;
}

/** A progress line: elapsed seconds, phase, then each site's phase and message. */
export function progressLine(e: EnvironmentResource, elapsedMs: number): string {
  const sites = Object.entries(e.sites)
    .map(([site, s]) => `${site}: ${s.phase}${s.message && s.phase !== "Ready" ? ` (${s.message})` : ""}`)
    .join("; ");
  return `[${Math.round(elapsedMs / 1000)}s] ${e.org}/${e.name} ${e.phase}${sites ? `  ${sites}` : ""}`;
}

export interface FollowOptions {
  readonly timeoutMs: number;
  /** Poll interval. @default 1000 */
  readonly intervalMs?: number;
  /** Where progress lines go. @default stderr (stdout keeps the final result for scripts) */
  readonly log?: (line: string) => void;
}

/**
 * Polls until the environment is stable and returns it.
 * @throws ExitWith 5 when it is Failed or Rejected, or a site was still Degraded at the timeout;
 *   ExitWith 6 on timeout otherwise
 */
export async function followEnvironment(conn: Connection, org: string, name: string, opts: FollowOptions): Promise<EnvironmentResource> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const started = Date.now();
  let lastLine = "";
  let last: EnvironmentResource | undefined;
  for (;;) {
    last = await callApi<EnvironmentResource>(conn, "GET", apiPath`/v1/organizations/${org}/environments/${name}`);
    const line = progressLine(last, Date.now() - started);
    // Compare without the elapsed time: only a change is worth a line.
    if (line.replace(/^\[\d+s\] /, "") !== lastLine) log(line);
    lastLine = line.replace(/^\[\d+s\] /, "");
    if (isStable(last)) break;
    if (Date.now() - started >= opts.timeoutMs) {
      const degraded = Object.entries(last.sites).filter(([, s]) => s.phase === "Degraded");
      if (degraded.length > 0) {
        throw new ExitWith(EXIT.failed, `${org}/${name} is still ${last.phase} after ${opts.timeoutMs / 1000} s with ${degraded.map(([site, s]) => `${site} Degraded (${s.message ?? "no message"})`).join(", ")}; see runbooks/site-degraded.md`);
      }
      throw new ExitWith(EXIT.timeout, `${org}/${name} is still ${last.phase} after ${opts.timeoutMs / 1000} s; follow it with ndc env watch ${org}/${name}`);
    }
    await sleep(opts.intervalMs ?? 1000);
  }
  return last;
}

/** The exit a stable environment deserves: 5 for Failed and Rejected, with its reason. */
export function failureOf(e: EnvironmentResource): ExitWith | undefined {
  if (!BAD_PHASES.has(e.phase)) return undefined;
  return new ExitWith(EXIT.failed, `${e.org}/${e.name} is ${e.phase}: ${e.reason ?? "no reason given"}${e.phase === "Failed" ? `; after fixing the cause: ndc env retry ${e.org}/${e.name}` : ""}`);
}
