// --wait and `env watch`: follow an environment to its next stable phase, printing a line whenever
// its phase changes and a line per site whenever that site's phase or message changes.
import { setTimeout as sleep } from "node:timers/promises";
import type { EnvironmentResource } from "../api/index.ts";
import type { Phase } from "../domain/index.ts";
import { apiPath, callApi } from "./api-client.ts";
import type { Connection } from "./connection.ts";
import { EXIT, ExitWith } from "./exit-codes.ts";
import { terminalSafe } from "./output.ts";

/**
 * Phases where nothing moves without a person: the provisioner has nothing left to do (Ready with
 * the current generation observed, Retained, Deleted), a human must decide (AwaitingApproval,
 * AwaitingDecommission), or it gave up (Failed, Rejected).
 */
export const STABLE_PHASES = [
  "Ready",
  "AwaitingApproval",
  "AwaitingDecommission",
  "Failed",
  "Rejected",
  "Retained",
  "Deleted",
] as const satisfies readonly Phase[];

/** Stable phases that are a bad outcome for whoever waits. */
const BAD_PHASES: ReadonlySet<string> = new Set(["Failed", "Rejected"]);

/** True when the environment will not change on its own. */
export function isStable(e: EnvironmentResource): boolean {
  if (!(STABLE_PHASES as readonly string[]).includes(e.phase)) return false;
  // Ready from before a change is not the Ready we wait for.
  return e.phase !== "Ready" || e.observedGeneration >= e.generation;
}

/** What a progress line says about the environment, and about each site (without the elapsed time). */
export function progressState(e: EnvironmentResource): { readonly environment: string; readonly sites: ReadonlyMap<string, string> } {
  const sites = new Map(Object.entries(e.sites).map(([site, s]) => [site, `${s.phase}${s.message && s.phase !== "Ready" ? ` (${s.message})` : ""}`]));
  return { environment: e.phase, sites };
}

/**
 * The lines that report what changed between two polls: the environment's phase, then one line per
 * site that changed, e.g. `[12s] byt/his local: Ready`.
 */
export function progressLines(previous: ReturnType<typeof progressState> | undefined, e: EnvironmentResource, elapsedMs: number): string[] {
  const now = progressState(e);
  const at = `[${Math.round(elapsedMs / 1000)}s] ${e.org}/${e.name}`;
  const lines: string[] = [];
  if (previous?.environment !== now.environment) lines.push(`${at} ${now.environment}`);
  for (const [site, state] of now.sites) if (previous?.sites.get(site) !== state) lines.push(`${at} ${site}: ${state}`);
  return lines;
}

export interface FollowOptions {
  readonly timeoutMs: number;
  /** Poll interval. @default 1000 */
  readonly intervalMs?: number;
  /** Where progress lines go. @default stderr (stdout keeps the final result for scripts) */
  readonly log?: (line: string) => void;
}

/**
 * Polls until the environment is stable and returns it; `answered` (the API's answer to the change
 * just made) is the first state, so the phase it moved to is shown even when it moves on at once.
 * @throws ExitWith 6 on timeout, naming any site still Degraded
 */
export async function followEnvironment(
  conn: Connection,
  org: string,
  name: string,
  opts: FollowOptions,
  answered?: EnvironmentResource,
): Promise<EnvironmentResource> {
  const log = opts.log ?? ((line: string) => console.error(terminalSafe(line)));
  const started = Date.now();
  let previous: ReturnType<typeof progressState> | undefined;
  // The API's answer to the change is the first state: the phase it moved to is always shown.
  let next: EnvironmentResource | undefined = answered;
  for (;;) {
    const last = next ?? (await callApi<EnvironmentResource>(conn, "GET", apiPath`/v1/organizations/${org}/environments/${name}`));
    next = undefined;
    for (const line of progressLines(previous, last, Date.now() - started)) log(line);
    previous = progressState(last);
    if (isStable(last)) return last;
    if (Date.now() - started >= opts.timeoutMs) {
      const degraded = Object.entries(last.sites).filter(([, s]) => s.phase === "Degraded");
      const seconds = opts.timeoutMs / 1000;
      if (degraded.length > 0) {
        throw new ExitWith(
          EXIT.failed,
          `${org}/${name} is still ${last.phase} after ${seconds} s with ${degraded.map(([site, s]) => `${site} Degraded (${s.message ?? "no message"})`).join(", ")}; see runbooks/site-degraded.md`,
        );
      }
      throw new ExitWith(EXIT.failed, `${org}/${name} is still ${last.phase} after ${seconds} s (timeout); follow it with ndc env watch ${org}/${name}`);
    }
    await sleep(opts.intervalMs ?? 1000);
  }
}

/** The exit a stable environment deserves: 6 for Failed and Rejected, with its reason. */
export function failureOf(e: EnvironmentResource): ExitWith | undefined {
  if (!BAD_PHASES.has(e.phase)) return undefined;
  return new ExitWith(
    EXIT.failed,
    `${e.org}/${e.name} is ${e.phase}: ${e.reason ?? "no reason given"}${e.phase === "Failed" ? `; after fixing the cause: ndc env retry ${e.org}/${e.name}` : ""}`,
  );
}
