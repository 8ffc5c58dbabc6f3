// The cluster guard of the site program (issue 11 item 2) on two real API servers, without the
// Pulumi engine: `bind` (the npm run pulumi command, as a process) records cluster A in a copy of a
// stack file; the identity check passes on A, and refuses B with the stack and both clusters named;
// the wrapper refuses a site stack without its backend or passphrase before it looks for the engine.
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { ClusterIdentityError, verifyClusterIdentity } from "../../components/index.ts";
import type { ClusterBinding } from "../../model/index.ts";
import { acquireCluster, type ClusterLease } from "../../scripts/cluster/index.ts";
import { repoRoot } from "../../scripts/toolchain/index.ts";
import { adminKubeConfig } from "./_cluster.ts";

const run = promisify(execFile);
let b: ClusterLease;
let work: string;
let kubeconfigA: string;
const uidOf = async (kc: KubeConfig) => (await kc.makeApiClient(CoreV1Api).readNamespace({ name: "kube-system" })).metadata!.uid!;
const serverOf = (kc: KubeConfig) => kc.getCurrentCluster()!.server;

/** Runs scripts/pulumi.ts as a process: no engine on PATH, so nothing can start a Go build. */
function wrapper(args: string[], env: Record<string, string | undefined> = {}) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PULUMI_")));
  return run(process.execPath, ["--import", "tsx", join(repoRoot, "scripts/pulumi.ts"), ...args], {
    cwd: repoRoot,
    env: { ...base, PATH: dirname(process.execPath), ...env } as NodeJS.ProcessEnv,
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

beforeAll(async () => {
  b = await acquireCluster({ name: "it-identity-b", log: () => {} });
  work = await mkdtemp(join(tmpdir(), "ndc-identity-"));
  kubeconfigA = join(work, "a.kubeconfig");
  await copyFile(inject("kubeconfig") || process.env.NDC_TEST_KUBECONFIG!, kubeconfigA);
  await mkdir(join(work, "project/stacks"), { recursive: true });
  await copyFile(join(repoRoot, "Pulumi.yaml"), join(work, "project/Pulumi.yaml"));
  await copyFile(join(repoRoot, "stacks/Pulumi.ndc2.yaml"), join(work, "project/stacks/Pulumi.ndc2.yaml"));
}, 300_000);

afterAll(async () => {
  await b?.release();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("bind and the cluster guard on two real clusters", () => {
  test("bind records cluster A's API server and kube-system UID in the stack file, keeping the rest", async () => {
    const a = adminKubeConfig();
    const result = await wrapper(["bind", "--stack", "ndc2", "--cwd", join(work, "project"), "--kubeconfig", kubeconfigA]);
    expect(result.code, result.stderr).toBe(0);
    const uid = await uidOf(a);
    expect(result.stdout).toContain(`stack ndc2 bound to ${serverOf(a)} (kube-system uid ${uid})`);
    const text = await readFile(join(work, "project/stacks/Pulumi.ndc2.yaml"), "utf8");
    expect(parse(text).config["ndc:cluster"]).toEqual({ kubeconfig: kubeconfigA, server: serverOf(a), uid });
    const before = parse(await readFile(join(repoRoot, "stacks/Pulumi.ndc2.yaml"), "utf8")).config;
    expect(parse(text).config["ndc:site"]).toEqual(before["ndc:site"]);
    expect(text.startsWith("# NDC No. 2")).toBe(true);
  });

  test("the guard passes on the bound cluster and hands the provider exactly the kubeconfig it checked", async () => {
    const a = adminKubeConfig();
    const binding: ClusterBinding = { kind: "bound", kubeconfig: kubeconfigA, server: serverOf(a), uid: await uidOf(a) };
    const target = await verifyClusterIdentity("ndc2", binding);
    expect(target.identity).toEqual({ server: serverOf(a), uid: binding.uid });
    expect(target.kubeconfig).toBe(await readFile(kubeconfigA, "utf8"));
  });

  test("fails when the stack's kubeconfig reaches cluster B, naming the stack and both clusters", async () => {
    const a = adminKubeConfig();
    const kcB = new KubeConfig();
    kcB.loadFromFile(b.kubeconfig);
    const [uidA, uidB] = [await uidOf(a), await uidOf(kcB)];
    expect(uidA).not.toBe(uidB);
    const binding: ClusterBinding = { kind: "bound", kubeconfig: b.kubeconfig, server: serverOf(a), uid: uidA };
    const refused = verifyClusterIdentity("ndc2", binding);
    await expect(refused).rejects.toBeInstanceOf(ClusterIdentityError);
    await expect(refused).rejects.toThrow(
      `stack ndc2 is bound to cluster ${serverOf(a)} (kube-system uid ${uidA}), but the kubeconfig ${b.kubeconfig} reaches cluster ${b.server} (kube-system uid ${uidB}); nothing was changed.`,
    );
  });

  test("the local stack reaches a cluster of this machine by name, on loopback", async () => {
    const target = await verifyClusterIdentity("local", { kind: "local", name: "it-identity-b" });
    expect(target.path).toBe(b.kubeconfig);
    expect(target.identity.server).toBe(b.server);
    expect(target.identity.server).toMatch(/^https:\/\/127\.0\.0\.1:/);
  });
});

describe("the wrapper's state settings, before any engine", () => {
  test("fails when a site stack names no backend and nobody logged in", async () => {
    const result = await wrapper(["preview", "--stack", "ndc2"], { PULUMI_HOME: join(work, "pulumi-home"), PULUMI_CONFIG_PASSPHRASE: "p" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "stack ndc2 names no state backend: set ndc:state.backend in its stack file, PULUMI_BACKEND_URL, or log in with `npm run pulumi -- login <url>`",
    );
  });

  test("fails when a site stack has no passphrase: the built-in one is for the local stack only", async () => {
    const result = await wrapper(["preview", "--stack", "ndc1-hoalac"], {
      PULUMI_HOME: join(work, "pulumi-home"),
      PULUMI_BACKEND_URL: `file://${join(work, "state")}`,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("stack ndc1-hoalac encrypts its secrets with a passphrase and none is given");
  });
});
