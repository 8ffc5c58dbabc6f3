import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeConfig } from "@kubernetes/client-node";
import { parseStackFile } from "../../model/index.ts";
import { defaultClusterName, startCluster } from "../cluster/index.ts";
import { runPulumi } from "../pulumi/index.ts";
import { repoRoot } from "../toolchain/index.ts";
import { writeControlPlaneKubeconfig } from "./control-plane-kubeconfig.ts";
import { createLocalNodes } from "./local-nodes.ts";

export interface LocalPlatformOptions {
  /** HTTP port of the service. @default 8080 ($PORT) */
  readonly port?: number;
  /** Data folder (SQLite file, bootstrap and admin tokens). @default `.ndc` */
  readonly dataDir?: string;
  /**
   * The cluster `npm run cluster` runs (or starts) under this name on this machine. `$KUBECONFIG` is
   * never used: the local stack applies only to a loopback cluster of ours.
   * @default `local`
   */
  readonly cluster?: string;
  /** Skip `pulumi up` (the baseline must already be there). @default false */
  readonly skipBaseline?: boolean;
  /** Pulumi file-backend folder. @default the engine's default */
  readonly pulumiStateDir?: string;
  readonly log?: (line: string) => void;
}

export interface LocalPlatform {
  readonly url: string;
  /** A platform-admin API token (the bootstrap token mints it on the first start, then is retired). */
  readonly adminToken: string;
  readonly kubeconfig: string;
  readonly service: ChildProcess;
  stop(): Promise<void>;
}

const STACK = "local";

/**
 * The whole local platform, in order: the local Kubernetes cluster (built from Go modules; never the
 * one $KUBECONFIG names), the local stack's nodes, the site baseline by `pulumi up` with the
 * engine built from Go modules, the control plane's identity from that baseline, then the service
 * on SQLite provisioning the `local` site. Idempotent: a second run reuses all of it.
 */
export async function startLocalPlatform(options: LocalPlatformOptions = {}): Promise<LocalPlatform> {
  const log = options.log ?? ((line: string) => console.error(line));
  const dataDir = resolve(options.dataDir ?? join(repoRoot, ".ndc"));
  const port = options.port ?? Number(process.env.PORT ?? 8080);
  await mkdir(dataDir, { recursive: true });

  const clusterName = options.cluster ?? defaultClusterName;
  log(`[1/5] Kubernetes cluster ${clusterName} on this machine${process.env.KUBECONFIG ? " ($KUBECONFIG is not used)" : ""}`);
  const cluster = await startCluster({ name: clusterName, owner: "cli", log: (l) => log(`      ${l}`) });
  const kubeconfig = cluster.kubeconfig;
  const admin = new KubeConfig();
  admin.loadFromFile(kubeconfig);
  log(`      cluster ${clusterName} at ${cluster.server} (${kubeconfig})`);

  log("[2/5] nodes of the local stack");
  const stackFile = join(repoRoot, "stacks", `Pulumi.${STACK}.yaml`);
  const stack = parseStackFile(await readFile(stackFile, "utf8"), stackFile);
  log(`      ${await createLocalNodes(admin, stack)} nodes`);

  if (options.skipBaseline) log("[3/5] site baseline: skipped (--skip-baseline)");
  else {
    log("[3/5] site baseline: pulumi up --stack local (the first run builds the Pulumi engine)");
    await runPulumi(["up", "--yes", "--skip-preview"], {
      stack: STACK,
      localCluster: clusterName,
      quiet: true,
      ...(options.pulumiStateDir ? { stateDir: options.pulumiStateDir } : {}),
    });
  }

  log("[4/5] control plane identity (ServiceAccount ndc-control-plane/ndc-control-plane)");
  const identity = await writeControlPlaneKubeconfig(admin, join(dataDir, "control-plane.kubeconfig"));

  log("[5/5] control plane service");
  const bootstrapToken = process.env.NDC_BOOTSTRAP_TOKEN ?? (await persistentToken(join(dataDir, "bootstrap-token")));
  const service = spawn(process.execPath, ["--import", "tsx", join(repoRoot, "control-plane", "server.ts")], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: process.env.HOST ?? "127.0.0.1",
      NDC_DATA_DIR: dataDir,
      NDC_SITES: STACK,
      NDC_KUBECONFIG_LOCAL: identity,
      NDC_BOOTSTRAP_TOKEN: bootstrapToken,
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForService(url, service);
  const adminToken = await localAdminToken(url, bootstrapToken, join(dataDir, "admin-token"));
  return {
    url,
    adminToken,
    kubeconfig,
    service,
    stop: async () => {
      if (service.exitCode !== null) return;
      service.kill("SIGTERM");
      await new Promise((r) => service.once("exit", r));
    },
  };
}

async function persistentToken(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, "utf8")).trim();
  const token = `ndc-bootstrap-${randomBytes(24).toString("base64url")}`;
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/**
 * The local platform admin's token: the one kept in `file` while the service accepts it, else one
 * minted with the bootstrap token (which only mints this first admin, then is retired).
 */
async function localAdminToken(url: string, bootstrapToken: string, file: string): Promise<string> {
  if (existsSync(file)) {
    const kept = (await readFile(file, "utf8")).trim();
    // Only a platform-wide role reads the audit chain's first record: the token is still an admin's.
    const res = await fetch(`${url}/v1/audit?limit=1`, { headers: { authorization: `Bearer ${kept}` } });
    if (res.ok) return kept;
  }
  const res = await fetch(`${url}/v1/tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${bootstrapToken}`, "content-type": "application/json" },
    body: JSON.stringify({ subject: "local-admin", role: "platform-admin", expiresIn: "365d" }),
  });
  if (res.status !== 201) {
    throw new Error(
      `could not mint the local platform admin (${res.status} ${await res.text()}); the bootstrap token mints one admin only: remove ${file} and the SQLite file in its folder to start afresh, or set a new NDC_BOOTSTRAP_TOKEN`,
    );
  }
  const token = ((await res.json()) as { token: string }).token;
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return token;
}

async function waitForService(url: string, service: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.exitCode !== null) throw new Error(`the control plane exited with code ${service.exitCode} before it was ready; see its log above`);
    if (
      await fetch(`${url}/readyz`)
        .then((r) => r.ok)
        .catch(() => false)
    )
      return;
    await sleep(200);
  }
  throw new Error(`the control plane did not answer ${url}/readyz within ${timeoutMs / 1000} s`);
}
