// Fault injection for tests: stop a cluster's kube-apiserver and start it again on the same port,
// with the same flags, so clients that hold its address see it go down and come back.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { clusterDir } from "../../scripts/cluster/index.ts";
import { isOurProcess, startDetached, stopProcess } from "../../scripts/cluster/_process.ts";
import { readState, writeState, type ClusterState } from "../../scripts/cluster/_state.ts";

/** A stopped API server and what it takes to start it again. */
export interface StoppedApiServer {
  readonly state: ClusterState;
  readonly args: readonly string[];
}

/** Stops the named cluster's kube-apiserver (SIGTERM, then SIGKILL), keeping etcd and the controllers. */
export async function stopApiServer(cluster: string): Promise<StoppedApiServer> {
  const state = await readState(clusterDir(cluster));
  if (!state || !isOurProcess(state.processes.apiserver)) throw new Error(`cluster ${cluster} has no running kube-apiserver`);
  const args = readFileSync(`/proc/${state.processes.apiserver.pid}/cmdline`, "utf8").split("\0").filter(Boolean).slice(1);
  await stopProcess(state.processes.apiserver, 5_000);
  return { state, args };
}

/** Starts the API server again with its old flags and port, records it, waits for /readyz. */
export async function restartApiServer(stopped: StoppedApiServer, probe: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const started = startDetached(stopped.state.processes.apiserver.exe, stopped.args, join(stopped.state.dir, "logs", "kube-apiserver.log"));
  await writeState({ ...stopped.state, processes: { ...stopped.state.processes, apiserver: started.record } });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (started.exited) throw new Error(`kube-apiserver exited on restart (code ${started.exited.code})`);
    if (await probe().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(`kube-apiserver not ready ${timeoutMs} ms after restart`);
}
