// The platform engineers' main job with the real engine: `pulumi up` of the `local` site stack
// against a real API server, a no-change preview, adding an organization, a mandatory policy
// blocking a bad stack config, destroy — and `npm start` laying the same baseline down before the
// control plane provisions through it. Runs on a cluster of its own, so nothing else shares its
// cluster-wide objects (ClusterRoles, nodes).
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { CoreV1Api, KubeConfig, NetworkingV1Api, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseStackFile } from "../../model/index.ts";
import { acquireCluster, type ClusterLease } from "../../scripts/cluster/index.ts";
import { createLocalNodes, startLocalPlatform } from "../../scripts/local-platform/index.ts";
import { freeLoopbackPort } from "../../scripts/cluster/_ports.ts";
import { runPulumi, type RunPulumiOptions } from "../../scripts/pulumi/index.ts";
import { repoRoot } from "../../scripts/toolchain/index.ts";
import { apiError, waitUntil } from "../integration/_cluster.ts";

const CLUSTER = "e2e-site";
let cluster: ClusterLease;
let kc: KubeConfig;
let work: string;

beforeAll(async () => {
  cluster = await acquireCluster({ name: CLUSTER, log: () => {} });
  kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  const stackFile = join(repoRoot, "stacks/Pulumi.local.yaml");
  await createLocalNodes(kc, parseStackFile(await readFile(stackFile, "utf8"), stackFile));
  work = await mkdtemp(join(tmpdir(), "ndc-site-e2e-"));
}, 300_000);

afterAll(async () => {
  await cluster?.release();
  if (work) await rm(work, { recursive: true, force: true });
});

const core = () => kc.makeApiClient(CoreV1Api);

async function namespaceGone(name: string): Promise<void> {
  await waitUntil(`namespace ${name} deleted`, 120_000, async () => (await apiError(() => core().readNamespace({ name }))).code === 404);
}

describe("npm start", () => {
  test("lays down the site baseline with the real engine, then the control plane provisions through it", async () => {
    const stateDir = join(work, "start-state");
    const platform = await startLocalPlatform({
      cluster: CLUSTER,
      port: await freeLoopbackPort(),
      dataDir: join(work, "start-data"),
      pulumiStateDir: stateDir,
      log: () => {},
    });
    try {
      // The baseline exists: the control plane's namespace and a landing namespace.
      const cpNs = await core().readNamespace({ name: "ndc-control-plane" });
      expect(cpNs.metadata?.labels?.["app.kubernetes.io/managed-by"]).toBe("pulumi");
      await core().readNamespace({ name: "bca-landing" });
      // The service runs as the baseline's ServiceAccount and provisions a request to Ready.
      const auth = { authorization: `Bearer ${platform.adminToken}`, "content-type": "application/json" };
      const res = await fetch(`${platform.url}/v1/organizations/byt/environments`, {
        method: "POST",
        headers: { ...auth, "idempotency-key": "e2e-start-1" },
        body: JSON.stringify({
          name: "e2e-start",
          stage: "dev",
          zone: "app",
          dataClass: "other",
          personalData: "none",
          securityLevel: 1,
          sites: ["local"],
          resources: { cpu: "500m", memory: "1Gi" },
          owners: ["byt-dev"],
          purpose: "kiểm thử npm start",
        }),
      });
      expect(res.status, await res.clone().text()).toBe(201);
      await waitUntil("environment Ready", 60_000, async () => {
        const env = await (await fetch(`${platform.url}/v1/organizations/byt/environments/e2e-start`, { headers: auth })).json();
        return env.phase === "Ready";
      });
      const ns = await core().readNamespace({ name: "byt-e2e-start" });
      expect(ns.metadata?.labels?.["app.kubernetes.io/managed-by"]).toBe("ndc-control-plane");
    } finally {
      await platform.stop();
    }
    // The environment the service made is not Pulumi's; remove it, then the baseline.
    await core().deleteNamespace({ name: "byt-e2e-start" });
    await namespaceGone("byt-e2e-start");
    await runPulumi(["destroy", "--yes", "--skip-preview"], { stack: "local", localCluster: CLUSTER, stateDir, quiet: true });
    await namespaceGone("ndc-control-plane");
    // The committed stack file carries its encryption salt, so running the engine leaves it untouched.
    expect(execFileSync("git", ["status", "--porcelain", "stacks/"], { cwd: repoRoot, encoding: "utf8" })).toBe("");
  });
});

describe("pulumi on the local site stack", () => {
  let opts: RunPulumiOptions;
  let project: string;

  beforeAll(async () => {
    // A copy of the program, so config changes and state never touch the repository.
    project = join(work, "project");
    for (const entry of ["Pulumi.yaml", "index.ts", "package.json", "components", "model", "policy"]) {
      await cp(join(repoRoot, entry), join(project, entry), { recursive: true });
    }
    await cp(join(repoRoot, "stacks/Pulumi.local.yaml"), join(project, "stacks/Pulumi.local.yaml"));
    await symlink(join(repoRoot, "node_modules"), join(project, "node_modules"));
    await symlink(join(repoRoot, "node_modules"), join(project, "policy/node_modules"));
    opts = { stack: "local", cwd: project, stateDir: join(work, "state"), localCluster: CLUSTER, quiet: true };
  });

  afterAll(async () => {
    if (opts) await runPulumi(["destroy", "--yes", "--skip-preview"], { ...opts, nothrow: true });
  });

  async function editStack(edit: (config: Record<string, any>) => void): Promise<void> {
    const file = join(project, "stacks/Pulumi.local.yaml");
    const doc = parse(await readFile(file, "utf8"));
    edit(doc.config);
    await writeFile(file, stringify(doc));
  }

  test("up creates the baseline in the API server", async () => {
    const result = await runPulumi(["up", "--yes", "--skip-preview"], opts);
    expect(result.stdout).toMatch(/\d+ created/);
    for (const name of ["ndc-control-plane", "ndc-zone-app", "bca-landing", "bca-csdlqg-dancu"]) {
      const ns = await core().readNamespace({ name });
      expect(ns.metadata?.labels?.["app.kubernetes.io/managed-by"], name).toBe("pulumi");
    }
    const db = await core().readNamespace({ name: "bca-csdlqg-dancu" });
    expect(db.metadata?.labels).toMatchObject({
      "pod-security.kubernetes.io/enforce": "restricted",
      "ndc.gov.vn/security-level": "5",
      "ndc.gov.vn/zone": "restricted",
    });
    const policies = await kc.makeApiClient(NetworkingV1Api).listNamespacedNetworkPolicy({ namespace: "bca-csdlqg-dancu" });
    expect(policies.items.map((p) => p.metadata?.name)).toContain("ndc-default-deny");
    const node = await core().readNode({ name: "local-secure-1" });
    expect(node.spec?.taints).toContainEqual({ key: "ndc.gov.vn/dedicated", value: "secure", effect: "NoSchedule" });
  });

  test("a second preview reports no changes", async () => {
    const result = await runPulumi(["preview", "--expect-no-changes"], { ...opts, nothrow: true });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
  });

  test("adding an organization previews exactly its new resources, and up creates them", async () => {
    await editStack((config) => {
      config["ndc:organizations"].push({
        slug: "hnd",
        name: { vi: "Hội Nông dân Việt Nam", en: "Vietnam Farmers' Union" },
        kind: "socio-political",
        ownerGroups: ["hnd-platform-admins"],
        maxDataClass: "important",
        maxSecurityLevel: 3,
        entitlements: { app: { cpu: "2", memory: "4Gi" } },
      });
    });
    const preview = await runPulumi(["preview", "--json"], opts);
    const steps = (JSON.parse(preview.stdout).steps ?? []) as { op: string; urn: string }[];
    const creates = steps.filter((s) => s.op === "create");
    const others = steps.filter((s) => s.op !== "create" && s.op !== "same");
    expect(creates.length).toBeGreaterThan(0);
    for (const s of creates) expect(s.urn, s.urn).toMatch(/hnd/);
    // Besides, only the ConfigMaps that record the catalog change (the provider replaces a
    // ConfigMap whose data changes); nothing else is touched.
    for (const s of others) {
      expect(["update", "replace", "create-replacement", "delete-replaced"], s.urn).toContain(s.op);
      expect(s.urn, s.urn).toMatch(/kubernetes:core\/v1:ConfigMap::/);
    }
    await runPulumi(["up", "--yes", "--skip-preview"], opts);
    const landing = await core().readNamespace({ name: "hnd-landing" });
    expect(landing.metadata?.annotations?.["ndc.gov.vn/display-name"]).toBe("Hội Nông dân Việt Nam");
  });

  test("the policy pack blocks a stack config that breaks a mandatory policy, with the policy's message", async () => {
    await editStack((config) => {
      config["ndc:controlPlane"].image = "docker.io/someone/control-plane:latest";
    });
    const result = await runPulumi(["preview", "--policy-pack", join(project, "policy")], { ...opts, nothrow: true });
    expect(result.exitCode).not.toBe(0);
    const out = result.stdout + result.stderr;
    expect(out).toContain("residency-configured-sites");
    expect(out).toMatch(/docker\.io/);
    await editStack((config) => {
      config["ndc:controlPlane"].image = "registry.local.ndc.gov.vn/ndc/control-plane:dev";
    });
    const ok = await runPulumi(["preview", "--policy-pack", join(project, "policy")], { ...opts, nothrow: true });
    expect(ok.exitCode, ok.stdout + ok.stderr).toBe(0);
  });

  test("destroy removes everything the stack created", async () => {
    await runPulumi(["destroy", "--yes", "--skip-preview"], opts);
    for (const name of ["ndc-control-plane", "bca-landing", "hnd-landing", "bca-csdlqg-dancu"]) await namespaceGone(name);
    const roles = await kc.makeApiClient(RbacAuthorizationV1Api).listClusterRole({ labelSelector: "app.kubernetes.io/managed-by=pulumi" });
    expect(roles.items).toEqual([]);
  });
});
