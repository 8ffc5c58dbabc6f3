// Each stack applies to its own cluster (issue 11 item 2), proven with the real engine on two real
// clusters: `bind` records cluster A's identity in the stack file; `up` applies to A through the
// stack's one explicit provider even when $KUBECONFIG names B; pointed at B, `preview` and `up` stop
// before the first change with an error naming the stack and both clusters, and neither B, A nor the
// stack's state changes.
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { parse, parseDocument } from "yaml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseStackFile } from "../../model/index.ts";
import { acquireCluster, type ClusterLease } from "../../scripts/cluster/index.ts";
import { createLocalNodes } from "../../scripts/local-platform/index.ts";
import { runPulumi, type RunPulumiOptions } from "../../scripts/pulumi/index.ts";
import { repoRoot } from "../../scripts/toolchain/index.ts";

const run = promisify(execFile);
let a: ClusterLease;
let b: ClusterLease;
let work: string;
let project: string;
let stackFile: string;
let opts: RunPulumiOptions;

const kubeConfig = (path: string) => {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
};
const core = (lease: ClusterLease) => kubeConfig(lease.kubeconfig).makeApiClient(CoreV1Api);
/** The cluster's identity read here, independently of the code under test. */
const kubeSystemUid = async (lease: ClusterLease) => (await core(lease).readNamespace({ name: "kube-system" })).metadata!.uid!;
/** Namespaces Pulumi manages on a cluster, with their resourceVersions. */
const pulumiNamespaces = async (lease: ClusterLease) =>
  Object.fromEntries(
    (await core(lease).listNamespace({ labelSelector: "app.kubernetes.io/managed-by=pulumi" })).items.map((n) => [
      n.metadata!.name!,
      n.metadata!.resourceVersion!,
    ]),
  );
/** The stack's resources in its state: URN -> outputs. */
const stateResources = async () => {
  // Secrets in plain text: their ciphertext gets a new nonce whenever the state is written again.
  const out = await runPulumi(["stack", "export", "--show-secrets"], opts);
  const resources = (JSON.parse(out.stdout).deployment.resources ?? []) as { urn: string; outputs?: unknown }[];
  return Object.fromEntries(resources.map((r) => [r.urn, r.outputs]));
};

beforeAll(async () => {
  [a, b] = await Promise.all([acquireCluster({ name: "e2e-bind-a", log: () => {} }), acquireCluster({ name: "e2e-bind-b", log: () => {} })]);
  const stack = parseStackFile(await readFile(join(repoRoot, "stacks/Pulumi.local.yaml"), "utf8"), "stacks/Pulumi.local.yaml");
  // Both clusters have the local stack's nodes, so the wrong one would accept the stack if asked.
  for (const lease of [a, b]) await createLocalNodes(kubeConfig(lease.kubeconfig), stack);
  work = await mkdtemp(join(tmpdir(), "ndc-binding-e2e-"));
  // A copy of the program, so the binding and state never touch the repository.
  project = join(work, "project");
  for (const entry of ["Pulumi.yaml", "index.ts", "package.json", "components", "model", "policy"]) {
    await cp(join(repoRoot, entry), join(project, entry), { recursive: true });
  }
  stackFile = join(project, "stacks/Pulumi.local.yaml");
  await cp(join(repoRoot, "stacks/Pulumi.local.yaml"), stackFile);
  await symlink(join(repoRoot, "node_modules"), join(project, "node_modules"));
  await symlink(join(repoRoot, "node_modules"), join(project, "policy/node_modules"));
  opts = { stack: "local", cwd: project, stateDir: join(work, "state"), quiet: true };
}, 600_000);

afterAll(async () => {
  if (opts && a) {
    await setKubeconfig(a.kubeconfig).catch(() => undefined);
    await runPulumi(["destroy", "--yes", "--skip-preview"], { ...opts, nothrow: true });
  }
  await Promise.all([a?.release(), b?.release()]);
  if (work) await rm(work, { recursive: true, force: true });
});

/** Points the stack's binding at another kubeconfig, keeping the identity it recorded. */
async function setKubeconfig(path: string): Promise<void> {
  const doc = parseDocument(await readFile(stackFile, "utf8"));
  doc.setIn(["config", "ndc:cluster", "kubeconfig"], path);
  await writeFile(stackFile, doc.toString());
}

describe("a stack bound to its cluster", () => {
  test("bind (the npm run pulumi command) records cluster A's API server and kube-system UID in the stack file", async () => {
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", join(repoRoot, "scripts/pulumi.ts"), "bind", "--stack", "local", "--cwd", project, "--kubeconfig", a.kubeconfig],
      { cwd: repoRoot },
    );
    const uid = await kubeSystemUid(a);
    expect(stdout).toContain(`stack local bound to ${a.server} (kube-system uid ${uid})`);
    const text = await readFile(stackFile, "utf8");
    const binding = parse(text).config["ndc:cluster"];
    expect(binding.server).toBe(a.server);
    expect(binding.uid).toBe(uid);
    expect([a.kubeconfig, a.kubeconfig.replace(process.env.HOME ?? "/nonexistent", "~")]).toContain(binding.kubeconfig);
    expect(binding.localCluster).toBeUndefined();
    // Only the binding changed: the file's comments and the rest of its config are kept.
    expect(text.startsWith("# The local development site")).toBe(true);
    expect(parse(text).config["ndc:site"]).toEqual(parse(await readFile(join(repoRoot, "stacks/Pulumi.local.yaml"), "utf8")).config["ndc:site"]);
  });

  test("up applies to cluster A through the stack's provider, even with $KUBECONFIG naming cluster B", async () => {
    // The wrapper's kubeconfig option sets KUBECONFIG for the engine: the site program must ignore it.
    const result = await runPulumi(["up", "--yes", "--skip-preview"], { ...opts, kubeconfig: b.kubeconfig });
    expect(result.stdout).toMatch(/\d+ created/);
    expect(Object.keys(await pulumiNamespaces(a))).toEqual(expect.arrayContaining(["ndc-control-plane", "bca-landing", "bca-csdlqg-dancu"]));
    expect(await pulumiNamespaces(b)).toEqual({});
    // One explicit provider, ndc-cluster, holds every Kubernetes resource.
    const state = await runPulumi(["stack", "export"], opts);
    const resources = JSON.parse(state.stdout).deployment.resources as { urn: string; type: string; provider?: string }[];
    const kube = resources.filter((r) => r.type.startsWith("kubernetes:"));
    expect(kube.length).toBeGreaterThan(50);
    for (const r of kube) expect(r.provider, r.urn).toMatch(/::pulumi:providers:kubernetes::ndc-cluster::/);
    expect(resources.filter((r) => r.type === "pulumi:providers:kubernetes").map((r) => r.urn.split("::").at(-1))).toEqual(["ndc-cluster"]);
  });

  test("fails when the stack's kubeconfig reaches cluster B: preview and up stop before the first change, naming the stack and both clusters", async () => {
    const [uidA, uidB] = [await kubeSystemUid(a), await kubeSystemUid(b)];
    const before = { a: await pulumiNamespaces(a), state: await stateResources() };
    await setKubeconfig(b.kubeconfig);
    const expected = `stack local is bound to cluster ${a.server} (kube-system uid ${uidA}), but the kubeconfig ${b.kubeconfig} reaches cluster ${b.server} (kube-system uid ${uidB}); nothing was changed`;
    for (const args of [["preview"], ["up", "--yes", "--skip-preview"]]) {
      const result = await runPulumi(args, { ...opts, nothrow: true });
      expect(result.exitCode, args.join(" ")).not.toBe(0);
      expect((result.stdout + result.stderr).replace(/\s+/g, " ")).toContain(expected);
    }
    // Nothing changed: B has none of the stack's objects, A's are untouched, the state is the same.
    expect(await pulumiNamespaces(b)).toEqual({});
    expect(await pulumiNamespaces(a)).toEqual(before.a);
    await setKubeconfig(a.kubeconfig);
    expect(await stateResources()).toEqual(before.state);
    // Back on A, nothing is left to do.
    const again = await runPulumi(["preview", "--expect-no-changes"], { ...opts, nothrow: true });
    expect(again.exitCode, again.stdout + again.stderr).toBe(0);
  });

  test("fails when the stack is not bound yet, telling how to bind it, with nothing changed", async () => {
    const doc = parseDocument(await readFile(stackFile, "utf8"));
    const bound = doc.getIn(["config", "ndc:cluster"]);
    doc.setIn(["config", "ndc:cluster"], doc.createNode({ kubeconfig: b.kubeconfig }));
    await writeFile(stackFile, doc.toString());
    try {
      const result = await runPulumi(["preview"], { ...opts, nothrow: true });
      expect(result.exitCode).not.toBe(0);
      expect(result.stdout + result.stderr).toContain(
        "ndc:cluster: lacks server, uid: stack local is not bound to a cluster yet; record it with `npm run pulumi -- bind --stack local",
      );
      expect(await pulumiNamespaces(b)).toEqual({});
    } finally {
      doc.setIn(["config", "ndc:cluster"], bound);
      await writeFile(stackFile, doc.toString());
    }
  });
});
