import { existsSync } from "node:fs";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ensureTool, etcdTool, kubernetesTool, isToolBuilt } from "../toolchain/index.ts";
import { ensurePki, type Pki } from "./_certs.ts";
import { httpsGet } from "./_https.ts";
import { renderKubeconfig } from "./_kubeconfig.ts";
import { addClient, clearClients, liveClients, removeClient } from "./_clients.ts";
import { withLock } from "../toolchain/index.ts";
import { clusterDir, defaultClusterName, etcdDataRoot, validateClusterName } from "./_paths.ts";
import { freeLoopbackPort } from "./_ports.ts";
import { isOurProcess, logTail, type ProcessRecord, startDetached, type StartedProcess, stopProcess } from "./_process.ts";
import { type ClusterState, readState, removeState, writeState } from "./_state.ts";

/** Options of {@link startCluster}. */
export interface StartClusterOptions {
  /** Cluster name; one folder and one set of processes per name. @default "local" */
  readonly name?: string;
  /** How long to wait for etcd, `/readyz` and the controllers together. @default 90 s (a busy 2-core machine) */
  readonly readyTimeoutMs?: number;
  /** Receives progress lines. @default writes to stderr */
  readonly log?: (line: string) => void;
  /**
   * Who starts it: `cli` clusters are only stopped by `down`; `shared` ones (test runs) are stopped by
   * the last {@link acquireCluster} user to release them. Recorded when this call starts the cluster.
   * @default "cli"
   */
  readonly owner?: ClusterState["owner"];
}

/** A running cluster. */
export interface ClusterHandle {
  readonly name: string;
  /** Admin kubeconfig path (user ndc-admin in group system:masters). */
  readonly kubeconfig: string;
  /** API server URL, `https://127.0.0.1:<port>`. */
  readonly server: string;
  /** True when `startCluster` found this cluster already running and started nothing. */
  readonly reused: boolean;
  readonly state: ClusterState;
}

/** What {@link clusterStatus} reports. */
export interface ClusterStatus {
  readonly name: string;
  /** Every recorded process alive and ours, and `/readyz` answers ok. */
  readonly running: boolean;
  readonly processes: Record<keyof ClusterState["processes"], boolean>;
  readonly state?: ClusterState;
}

const defaultLog = (line: string) => console.error(line);

function pkiOf(dir: string): Pick<Pki, "caCert" | "adminCert" | "adminKey"> {
  const pki = join(dir, "pki");
  return { caCert: join(pki, "ca.crt"), adminCert: join(pki, "admin.crt"), adminKey: join(pki, "admin.key") };
}

async function apiGet(state: Pick<ClusterState, "dir" | "server">, path: string): Promise<{ status: number; body: string }> {
  const pki = pkiOf(state.dir);
  return httpsGet(`${state.server}${path}`, { caCert: pki.caCert, clientCert: pki.adminCert, clientKey: pki.adminKey });
}

function allAlive(state: ClusterState): boolean {
  return Object.values(state.processes).every(isOurProcess);
}

async function isReady(state: ClusterState): Promise<boolean> {
  if (!allAlive(state)) return false;
  try {
    return (await apiGet(state, "/readyz")).status === 200;
  } catch {
    return false;
  }
}

/**
 * Polls `probe` until it returns true, failing fast when a watched process exits, printing progress
 * every 5 s.
 * @throws when the deadline passes or the process exits, with the tail of its log
 */
async function waitFor(what: string, deadline: number, watched: StartedProcess, probe: () => Promise<boolean>, log: (line: string) => void): Promise<void> {
  const started = Date.now();
  let nextReport = started + 5_000;
  for (;;) {
    if (watched.exited) {
      throw new Error(
        `${what}: the process exited (code ${watched.exited.code}, signal ${watched.exited.signal}); last log lines from ${watched.record.log}:\n${logTail(watched.record.log)}`,
      );
    }
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not ready after ${Math.round((Date.now() - started) / 1000)} s; last log lines from ${watched.record.log}:\n${logTail(watched.record.log)}\nthe machine may be overloaded: retry, or raise readyTimeoutMs`,
      );
    }
    if (Date.now() >= nextReport) {
      log(`  waiting for ${what}… ${Math.round((Date.now() - started) / 1000)} s`);
      nextReport += 5_000;
    }
    await sleep(250);
  }
}

/**
 * Starts etcd, kube-apiserver and kube-controller-manager on free 127.0.0.1 ports, or returns the
 * cluster of that name when it is already running. Builds the binaries first when the cache lacks them.
 * The processes outlive the caller; {@link stopCluster} stops them.
 * @throws when a binary cannot be built or a component does not become ready (with its log tail)
 */
export async function startCluster(opts: StartClusterOptions = {}): Promise<ClusterHandle> {
  const name = validateClusterName(opts.name ?? defaultClusterName);
  const log = opts.log ?? defaultLog;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 90_000;
  const dir = clusterDir(name);
  await mkdir(dir, { recursive: true, mode: 0o700 });

  for (const tool of [kubernetesTool, etcdTool]) {
    if (!isToolBuilt(tool))
      log(
        `cluster ${name}: building ${tool.name} ${tool.version} once per version (cold on 2 cores: ${tool === kubernetesTool ? "about 15 min" : "about 1.5 min"})`,
      );
  }
  const k8sBin = await ensureTool(kubernetesTool);
  const etcdBin = await ensureTool(etcdTool);

  return withLock(join(dir, "lock"), async () => {
    const existing = await readState(dir);
    if (existing && allAlive(existing)) {
      // Alive but slow to answer (a loaded machine) is still somebody's cluster: wait, never kill it.
      const deadline = Date.now() + readyTimeoutMs;
      while (!(await isReady(existing))) {
        if (!allAlive(existing) || Date.now() > deadline) {
          throw new Error(
            `cluster ${name} is running but not ready at ${existing.server} (logs in ${existing.dir}/logs): wait, or stop it with \`tsx scripts/cluster.ts down --name ${name}\``,
          );
        }
        await sleep(500);
      }
      log(`cluster ${name}: already running at ${existing.server}`);
      return { name, kubeconfig: existing.kubeconfig, server: existing.server, reused: true, state: existing };
    }
    if (existing) {
      log(`cluster ${name}: a process of the recorded cluster is gone; cleaning up the rest`);
      await stopRecorded(existing);
    }
    return startFresh({ name, dir, k8sBin, etcdBin, readyTimeoutMs, log, owner: opts.owner ?? "cli" });
  });
}

async function startFresh(args: {
  name: string;
  dir: string;
  k8sBin: string;
  etcdBin: string;
  readyTimeoutMs: number;
  log: (line: string) => void;
  owner: ClusterState["owner"];
}): Promise<ClusterHandle> {
  const { name, dir, log } = args;
  const began = Date.now();
  const deadline = began + args.readyTimeoutMs;
  const pki = await ensurePki(join(dir, "pki"));
  const logs = join(dir, "logs");
  await rm(logs, { recursive: true, force: true });
  await mkdir(logs, { recursive: true });

  const ports = { etcdClient: 0, etcdPeer: 0, apiserver: 0 };
  const taken = new Set<number>();
  for (const key of Object.keys(ports) as (keyof typeof ports)[]) {
    let port = await freeLoopbackPort();
    while (taken.has(port)) port = await freeLoopbackPort();
    taken.add(port);
    ports[key] = port;
  }
  const etcdDataDir = await mkdtemp(join(etcdDataRoot(), `ndc-etcd-${name}-`));
  const etcdUrl = `http://127.0.0.1:${ports.etcdClient}`;
  const peerUrl = `http://127.0.0.1:${ports.etcdPeer}`;
  const server = `https://127.0.0.1:${ports.apiserver}`;
  const kubeconfig = join(dir, "admin.kubeconfig");
  const started: StartedProcess[] = [];

  try {
    log(`cluster ${name}: starting etcd on ${etcdUrl} (data in ${etcdDataDir})`);
    const etcd = startDetached(
      join(args.etcdBin, "etcd"),
      [
        "--name=default",
        `--data-dir=${etcdDataDir}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=default=${peerUrl}`,
        // Throw-away test data: skipping fsync makes every API write several times faster.
        "--unsafe-no-fsync",
        "--log-level=warn",
      ],
      join(logs, "etcd.log"),
    );
    started.push(etcd);
    await waitFor(
      "etcd /health",
      deadline,
      etcd,
      async () => {
        const res = await fetch(`${etcdUrl}/health`, { signal: AbortSignal.timeout(2_000) });
        return res.ok && (await res.text()).includes('"health":"true"');
      },
      log,
    );

    log(`cluster ${name}: starting kube-apiserver on ${server}`);
    // Flags as controller-runtime's envtest sets them, plus RBAC, PodNodeSelector (zone pinning) and
    // PodTolerationRestriction (pods of a dedicated pool's namespace tolerate its taint, nothing else).
    // ResourceQuota, LimitRanger and PodSecurity admission are on by default.
    const apiserver = startDetached(
      join(args.k8sBin, "kube-apiserver"),
      [
        `--etcd-servers=${etcdUrl}`,
        "--bind-address=127.0.0.1",
        `--secure-port=${ports.apiserver}`,
        "--advertise-address=127.0.0.1",
        "--endpoint-reconciler-type=none",
        `--cert-dir=${pki.dir}`,
        `--tls-cert-file=${pki.servingCert}`,
        `--tls-private-key-file=${pki.servingKey}`,
        `--client-ca-file=${pki.caCert}`,
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        `--service-account-key-file=${pki.saPub}`,
        `--service-account-signing-key-file=${pki.saKey}`,
        "--service-cluster-ip-range=10.0.0.0/24",
        "--authorization-mode=RBAC",
        "--allow-privileged=true",
        "--enable-admission-plugins=PodNodeSelector,PodTolerationRestriction",
        "--profiling=false",
      ],
      join(logs, "kube-apiserver.log"),
    );
    started.push(apiserver);
    const probeState = { dir, server };
    await waitFor("kube-apiserver /readyz", deadline, apiserver, async () => (await apiGet(probeState, "/readyz")).status === 200, log);

    await writeFile(
      kubeconfig,
      await renderKubeconfig({
        clusterName: `ndc-${name}`,
        userName: "ndc-admin",
        server,
        caCert: pki.caCert,
        clientCert: pki.adminCert,
        clientKey: pki.adminKey,
      }),
      { mode: 0o600 },
    );

    log(`cluster ${name}: starting kube-controller-manager`);
    const controllerManager = startDetached(
      join(args.k8sBin, "kube-controller-manager"),
      [
        `--kubeconfig=${kubeconfig}`,
        "--leader-elect=false",
        // Without these, namespaces stay Terminating, quota status stays empty (so quota admission
        // refuses everything the quota covers), namespaces get no default ServiceAccount, and the
        // aggregated ClusterRoles `admin`, `edit` and `view` stay empty (clusterrole-aggregation).
        "--controllers=namespace,resourcequota,garbagecollector,serviceaccount,serviceaccount-token,root-ca-cert-publisher,clusterrole-aggregation",
        `--service-account-private-key-file=${pki.saKey}`,
        `--root-ca-file=${pki.caCert}`,
        // No HTTPS endpoint: nothing scrapes it, and it would need one more port.
        "--secure-port=0",
        "--profiling=false",
      ],
      join(logs, "kube-controller-manager.log"),
    );
    started.push(controllerManager);
    // The default ServiceAccount appearing proves the controllers run (pods need it to be admitted).
    await waitFor(
      "kube-controller-manager (default ServiceAccount)",
      deadline,
      controllerManager,
      async () => (await apiGet(probeState, "/api/v1/namespaces/default/serviceaccounts/default")).status === 200,
      log,
    );
    // Tenant RoleBindings reference `view`/`edit`; they grant nothing until aggregated.
    await waitFor(
      "kube-controller-manager (aggregated ClusterRole view)",
      deadline,
      controllerManager,
      async () => {
        const res = await apiGet(probeState, "/apis/rbac.authorization.k8s.io/v1/clusterroles/view");
        return res.status === 200 && ((JSON.parse(res.body) as { rules?: unknown[] }).rules ?? []).length > 0;
      },
      log,
    );

    const state: ClusterState = {
      name,
      owner: args.owner,
      dir,
      etcdDataDir,
      kubeconfig,
      server,
      ports,
      versions: { kubernetes: kubernetesTool.version, etcd: etcdTool.version },
      processes: { etcd: etcd.record, apiserver: apiserver.record, controllerManager: controllerManager.record },
      startedAt: new Date(began).toISOString(),
      startSeconds: Math.round((Date.now() - began) / 100) / 10,
    };
    await writeState(state);
    log(`cluster ${name}: ready in ${state.startSeconds} s at ${server}; KUBECONFIG=${kubeconfig}`);
    return { name, kubeconfig, server, reused: false, state };
  } catch (err) {
    for (const p of started.reverse()) await stopProcess(p.record);
    await rm(etcdDataDir, { recursive: true, force: true });
    throw err;
  }
}

async function stopRecorded(state: ClusterState): Promise<string[]> {
  const stopped: string[] = [];
  // Controllers first, etcd last, so nothing logs storage errors on the way down.
  const order: [string, ProcessRecord][] = [
    ["kube-controller-manager", state.processes.controllerManager],
    ["kube-apiserver", state.processes.apiserver],
    ["etcd", state.processes.etcd],
  ];
  for (const [label, record] of order) {
    if (await stopProcess(record)) stopped.push(`${label} (pid ${record.pid})`);
  }
  await rm(state.etcdDataDir, { recursive: true, force: true });
  await removeState(state.dir);
  return stopped;
}

/**
 * Stops exactly the processes `startCluster` recorded for this cluster (each checked to still be the
 * same process) and removes its etcd data; certificates are kept so issued kubeconfigs stay valid.
 * @returns the processes stopped (empty when nothing was running)
 */
export async function stopCluster(name: string = defaultClusterName): Promise<{ stopped: string[] }> {
  const dir = clusterDir(validateClusterName(name));
  if (!existsSync(dir)) return { stopped: [] };
  return withLock(join(dir, "lock"), async () => {
    const state = await readState(dir);
    await clearClients(dir);
    return { stopped: state ? await stopRecorded(state) : [] };
  });
}

/** A cluster in use by one {@link acquireCluster} caller until it calls `release`. */
export interface ClusterLease extends ClusterHandle {
  /**
   * Ends this use. When the cluster is `shared` (started by an acquireCluster call) and no other live
   * process still uses it, stops it; a `cli` cluster is left running.
   * @returns true when this call stopped the cluster
   */
  release(): Promise<boolean>;
}

/**
 * Starts or reuses a cluster for a test run and registers this process as a user of it, so runs in
 * several processes (two engineers' `npm test`, vitest's projects) share one cluster and the last one
 * out stops it — never while another live process uses it, and never a cluster started by `up`.
 */
export async function acquireCluster(opts: Omit<StartClusterOptions, "owner"> = {}): Promise<ClusterLease> {
  const name = validateClusterName(opts.name ?? defaultClusterName);
  const dir = clusterDir(name);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Registered before starting, so a concurrent release sees us and leaves the cluster running.
  const client = await addClient(dir);
  let handle: ClusterHandle;
  try {
    handle = await startCluster({ ...opts, name, owner: "shared" });
  } catch (err) {
    await removeClient(client);
    throw err;
  }
  return {
    ...handle,
    release: () =>
      withLock(join(dir, "lock"), async () => {
        await removeClient(client);
        const state = await readState(dir);
        if (!state || state.owner !== "shared" || state.startedAt !== handle.state.startedAt) return false;
        if ((await liveClients(dir)) > 0) return false;
        await stopRecorded(state);
        return true;
      }),
  };
}

/** Reports whether the named cluster runs, per process, and its recorded state. */
export async function clusterStatus(name: string = defaultClusterName): Promise<ClusterStatus> {
  const dir = clusterDir(validateClusterName(name));
  const state = await readState(dir);
  if (!state) return { name, running: false, processes: { etcd: false, apiserver: false, controllerManager: false } };
  return {
    name,
    running: await isReady(state),
    processes: {
      etcd: isOurProcess(state.processes.etcd),
      apiserver: isOurProcess(state.processes.apiserver),
      controllerManager: isOurProcess(state.processes.controllerManager),
    },
    state,
  };
}

/**
 * The named cluster when it is running, else undefined (never starts anything).
 */
export async function findRunningCluster(name: string = defaultClusterName): Promise<ClusterHandle | undefined> {
  const state = await readState(clusterDir(validateClusterName(name)));
  if (!state || !(await isReady(state))) return undefined;
  return { name, kubeconfig: state.kubeconfig, server: state.server, reused: true, state };
}
