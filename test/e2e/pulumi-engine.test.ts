// The Pulumi engine built from Go modules (CLI, our Node.js language host, the Kubernetes provider)
// runs a real TypeScript program offline against the test cluster: preview, up, a no-change
// preview, destroy, and a policy pack blocking a preview. The program is fixtures/smoke-program (one
// Namespace) and the pack fixtures/smoke-policy, copied to a temp folder so stack config and state
// never land in the repository.
import { cp, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { ensurePulumiEngine, runPulumi, type RunPulumiOptions } from "../../scripts/pulumi/index.ts";
import { repoRoot } from "../../scripts/toolchain/index.ts";
import { adminKubeConfig, apiError, uniqueNamespacePrefix, waitUntil } from "../integration/_cluster.ts";

const namespace = `${uniqueNamespacePrefix("pe")}smoke`;
let work: string;
let policyPack: string;
let opts: RunPulumiOptions;
let kc: KubeConfig;

beforeAll(async () => {
  // Builds the engine on first use (tens of minutes cold; cached by version afterwards).
  await ensurePulumiEngine();
  work = await mkdtemp(join(tmpdir(), "ndc-pulumi-engine-"));
  const program = join(work, "program");
  await cp(join(repoRoot, "test/e2e/fixtures/smoke-program"), program, { recursive: true });
  // Node resolves @pulumi/*, tsx and the run script through this link to the project's install.
  await symlink(join(repoRoot, "node_modules"), join(program, "node_modules"));
  policyPack = join(work, "policy");
  await cp(join(repoRoot, "test/e2e/fixtures/smoke-policy"), policyPack, { recursive: true });
  await symlink(join(repoRoot, "node_modules"), join(policyPack, "node_modules"));
  // A stack other than local has no built-in passphrase: the test gives its own, as operators do.
  opts = {
    stack: "e2e",
    cwd: program,
    stateDir: join(work, "state"),
    kubeconfig: inject("kubeconfig"),
    env: { PULUMI_CONFIG_PASSPHRASE: "e2e-smoke-passphrase" },
    quiet: true,
  };
  kc = adminKubeConfig();
  await runPulumi(["config", "set", "namespace", namespace], opts);
});

afterAll(async () => {
  // Best effort: leave no namespace or state behind when a step failed half-way.
  if (opts) await runPulumi(["destroy", "--yes", "--skip-preview"], { ...opts, nothrow: true });
  if (work) await rm(work, { recursive: true, force: true });
});

describe("runPulumi", () => {
  test("previews a Namespace to create", async () => {
    const result = await runPulumi(["preview", "--diff"], opts);
    expect(result.stdout).toContain("kubernetes:core/v1:Namespace");
    expect(result.stdout).toMatch(/\+ 2 to create/);
  });

  test("fails preview when a mandatory policy is violated, with the policy's message", async () => {
    const result = await runPulumi(["preview", "--policy-pack", policyPack], { ...opts, nothrow: true });
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout).toContain("ndc-smoke-policy@v0.0.1");
    expect(result.stdout).toContain(`namespace ${namespace} has no ndc.gov.vn/owner label`);
  });

  test("up creates the Namespace in the API server with the program's labels", async () => {
    const result = await runPulumi(["up", "--yes", "--skip-preview"], opts);
    expect(result.stdout).toMatch(/\+ 2 created/);
    const ns = await kc.makeApiClient(CoreV1Api).readNamespace({ name: namespace });
    expect(ns.metadata?.labels).toMatchObject({ "ndc.gov.vn/purpose": "engine-smoke", "app.kubernetes.io/managed-by": "pulumi" });
    const outputs = await runPulumi(["stack", "output", "--json"], opts);
    expect(JSON.parse(outputs.stdout)).toEqual({ namespaceName: namespace });
  });

  test("a second preview reports no changes", async () => {
    const result = await runPulumi(["preview", "--expect-no-changes"], opts);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/2 unchanged/);
  });

  test("destroy removes the Namespace", async () => {
    const result = await runPulumi(["destroy", "--yes", "--skip-preview"], opts);
    expect(result.stdout).toMatch(/- 2 deleted/);
    await waitUntil(`namespace ${namespace} deleted`, 60_000, async () => {
      const err = await apiError(() => kc.makeApiClient(CoreV1Api).readNamespace({ name: namespace }));
      return err.code === 404;
    });
  });

  test("fails when the program throws, with the program's message", async () => {
    const result = await runPulumi(["preview"], { ...opts, env: { ...opts.env, NDC_SMOKE_FAIL: "smoke program asked to fail" }, nothrow: true });
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout + result.stderr).toContain("smoke program asked to fail");
  });
});
