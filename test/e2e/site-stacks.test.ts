// Every stack as its operators run it (issue 11 item 3), with the real engine on a real cluster:
// each of local, ndc1-hoalac, ndc2 and ndc3 previews cleanly through the mandatory policy pack once
// bound and given its passphrase (and, with several control-plane replicas, its database secret); a
// site stack without its passphrase or backend is refused before the engine runs; and the control
// plane's database URL is a Pulumi secret that ends in a Kubernetes Secret, never in plain text in the
// stack file, the state or the mounted stack file.
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { parse, parseDocument } from "yaml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseStackFile } from "../../model/index.ts";
import { acquireCluster, type ClusterLease } from "../../scripts/cluster/index.ts";
import { createLocalNodes } from "../../scripts/local-platform/index.ts";
import { copyProgram, prepareStack, runPulumi, type RunPulumiOptions } from "../../scripts/pulumi/index.ts";
import { repoRoot } from "../../scripts/toolchain/index.ts";

const STACKS = ["local", "ndc1-hoalac", "ndc2", "ndc3"];
const PASSPHRASE = "e2e-operators-passphrase";
const DATABASE_URL = "postgresql://ndc:e2e-db-s3cret@db.mgmt.ndc.internal:5432/ndc";
let cluster: ClusterLease;
let work: string;
let project: string;
const stateDir = () => join(work, "state");
/** Site stacks get the operators' passphrase; the local stack keeps its built-in one (its committed salt). */
const opts = (stack: string): RunPulumiOptions => ({
  stack,
  cwd: project,
  stateDir: stateDir(),
  env: stack === "local" ? {} : { PULUMI_CONFIG_PASSPHRASE: PASSPHRASE },
  quiet: true,
  nothrow: true,
});

beforeAll(async () => {
  cluster = await acquireCluster({ name: "e2e-stacks", log: () => {} });
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  const local = join(repoRoot, "stacks/Pulumi.local.yaml");
  await createLocalNodes(kc, parseStackFile(await readFile(local, "utf8"), local));
  work = await mkdtemp(join(tmpdir(), "ndc-stacks-e2e-"));
  project = await copyProgram(join(work, "project"), STACKS);
  for (const stack of STACKS)
    await prepareStack({ project, stack, kubeconfig: cluster.kubeconfig, stateDir: stateDir(), passphrase: PASSPHRASE, databaseUrl: DATABASE_URL });
}, 600_000);

afterAll(async () => {
  if (project) await runPulumi(["destroy", "--yes", "--skip-preview"], opts("local"));
  await cluster?.release();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("every stack with the policy pack", () => {
  test.each(STACKS)("%s previews through the mandatory policy pack against the real cluster", async (stack) => {
    const result = await runPulumi(["preview"], { ...opts(stack), quiet: false });
    const out = result.stdout + result.stderr;
    expect(result.exitCode, out.slice(-3000)).toBe(0);
    // The wrapper passed the pack: the engine names it in the preview.
    expect(out).toMatch(/Policies:[\s\S]*ndc-policies/);
  });

  test("the database URL is in the stack file only encrypted", async () => {
    for (const stack of ["ndc1-hoalac", "ndc2"]) {
      const text = await readFile(join(project, "stacks", `Pulumi.${stack}.yaml`), "utf8");
      expect(text).not.toContain("e2e-db-s3cret");
      expect(parse(text).config["ndc:controlPlane"].databaseUrl).toEqual({ secure: expect.stringMatching(/^v1:/) });
      expect(parse(text).encryptionsalt, stack).toMatch(/^v1:/);
    }
  });
});

describe("a site stack's state and secrets are the operators'", () => {
  test("fails when a site stack has no passphrase, before the engine runs, saying what to set", async () => {
    const result = await runPulumi(["preview"], {
      ...opts("ndc2"),
      env: { PULUMI_CONFIG_PASSPHRASE: undefined, PULUMI_CONFIG_PASSPHRASE_FILE: undefined },
    }).catch((error: Error) => ({ exitCode: 1, stdout: "", stderr: error.message }));
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain("stack ndc2 encrypts its secrets with a passphrase and none is given");
  });

  test("fails when a site stack names no backend and nobody logged in", async () => {
    const { stateDir: _s, ...noState } = opts("ndc1-hoalac");
    await expect(runPulumi(["preview"], { ...noState, env: { ...noState.env, PULUMI_BACKEND_URL: undefined } })).rejects.toThrow(
      "stack ndc1-hoalac names no state backend",
    );
  });
});

describe("the control plane's database URL", () => {
  test("set as a secret, it ends in a Kubernetes Secret and nowhere in plain text", async () => {
    // The local stack with two replicas on PostgreSQL, as a site runs it.
    const file = join(project, "stacks/Pulumi.local.yaml");
    const doc = parseDocument(await readFile(file, "utf8"));
    doc.setIn(["config", "ndc:controlPlane", "replicas"], 2);
    await writeFile(file, doc.toString());
    const refused = await runPulumi(["preview"], opts("local"));
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain("[shared-database]");

    const set = await runPulumi(["config", "set", "--secret", "--path", "ndc:controlPlane.databaseUrl", DATABASE_URL], opts("local"));
    expect(set.exitCode, set.stderr).toBe(0);
    const up = await runPulumi(["up", "--yes", "--skip-preview"], opts("local"));
    expect(up.exitCode, (up.stdout + up.stderr).slice(-3000)).toBe(0);

    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    const secret = await core.readNamespacedSecret({ name: "ndc-control-plane-database", namespace: "ndc-control-plane" });
    expect(Buffer.from(secret.data!.url!, "base64").toString()).toBe(DATABASE_URL);
    const stackMap = await core.readNamespacedConfigMap({ name: "ndc-stack", namespace: "ndc-control-plane" });
    expect(JSON.stringify(stackMap.data)).not.toContain("e2e-db-s3cret");
    // Neither the stack file nor the state holds it in plain text.
    expect(await readFile(file, "utf8")).not.toContain("e2e-db-s3cret");
    const stateFiles = await readdir(stateDir(), { recursive: true });
    for (const f of stateFiles.filter((f) => f.endsWith(".json"))) expect(await readFile(join(stateDir(), f), "utf8"), f).not.toContain("e2e-db-s3cret");
  });
});
