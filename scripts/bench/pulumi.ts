// Benchmark: the platform engineers' main job with the real engine — `pulumi preview` and `pulumi up`
// of a site stack (ndc1-hoalac by default, about 330 resources) on a real API server, and a
// no-change preview — beside `kubectl apply --server-side` of the same objects in the same run. The
// program's own time (the site program under Pulumi's mocks, in process) is reported apart from the
// engine's.
//   npx tsx scripts/bench/pulumi.ts [--stack ndc1-hoalac]
// Target: a no-change preview under 30 s on 2 cores.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { KubeConfig } from "@kubernetes/client-node";
import * as pulumi from "@pulumi/pulumi";
import { parse, stringify } from "yaml";
import { $ } from "zx";
import { configValues, parseStackFile, type KubernetesObject } from "../../model/index.ts";
import { siteProgram } from "../../components/index.ts";
import { acquireCluster } from "../cluster/index.ts";
import { createLocalNodes } from "../local-platform/index.ts";
import { copyProgram, prepareStack, runPulumi, type RunPulumiOptions } from "../pulumi/index.ts";
import { ensureTool, kubernetesTool, repoRoot } from "../toolchain/index.ts";
import { progress, publish } from "./report.ts";

const { values } = parseArgs({ options: { stack: { type: "string", default: "ndc1-hoalac" }, help: { type: "boolean", default: false } } });
if (values.help) {
  console.log("usage: npx tsx scripts/bench/pulumi.ts [--stack ndc1-hoalac]");
  process.exit(0);
}
const stack = values.stack!;
const bench = "pulumi";
const stackFile = join(repoRoot, `stacks/Pulumi.${stack}.yaml`);
const stackText = await readFile(stackFile, "utf8");
const config = parseStackFile(stackText, stackFile);

const seconds = async (work: () => Promise<unknown>): Promise<number> => {
  const t0 = performance.now();
  await work();
  return (performance.now() - t0) / 1000;
};

// The program alone: the same code the engine runs, under mocks, with no engine and no cluster.
progress(bench, `the ${stack} program under mocks`);
const objects: KubernetesObject[] = [];
let resourceCount = 0;
const programSeconds = await seconds(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        resourceCount++;
        if (args.type.startsWith("kubernetes:")) objects.push(args.inputs as KubernetesObject);
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: () => ({}),
    },
    "ndc",
    stack,
    true,
  );
  siteProgram(configValues((parse(stackText) as { config: Record<string, unknown> }).config), stack);
  await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
});

const cluster = await acquireCluster({ name: "bench-pulumi", log: () => {} });
const work = await mkdtemp(join(tmpdir(), "ndc-bench-pulumi-"));
try {
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  await createLocalNodes(kc, config);

  // A copy of the program, so state and config never touch the repository; bound to the bench
  // cluster, with the passphrase and database secret its operators would give.
  const project = await copyProgram(join(work, "project"), [stack]);
  const stateDir = join(work, "state");
  const env = { PULUMI_CONFIG_PASSPHRASE: "bench-passphrase" };
  await prepareStack({
    project,
    stack,
    kubeconfig: cluster.kubeconfig,
    stateDir,
    passphrase: env.PULUMI_CONFIG_PASSPHRASE,
    databaseUrl: "postgresql://ndc:bench@db.mgmt.ndc.internal:5432/ndc",
  });
  const opts: RunPulumiOptions = { stack, cwd: project, stateDir, env, quiet: true };

  progress(bench, `pulumi preview of ${resourceCount} resources (empty state)`);
  const preview = await seconds(() => runPulumi(["preview"], opts));
  progress(bench, "pulumi up");
  const up = await seconds(() => runPulumi(["up", "--yes", "--skip-preview"], opts));
  progress(bench, "pulumi preview with no change");
  const noChange = await seconds(() => runPulumi(["preview", "--expect-no-changes"], opts));
  progress(bench, "pulumi destroy (not timed), then kubectl apply --server-side of the same objects");
  await runPulumi(["destroy", "--yes", "--skip-preview"], opts);

  const k8sBin = await ensureTool(kubernetesTool);
  const manifests = join(work, "objects.yaml");
  // Cluster-scoped objects and namespaces first, as the engine orders them by dependency.
  const order = (o: KubernetesObject) => (o.kind === "Namespace" ? 1 : o.metadata?.namespace ? 2 : 0);
  await writeFile(
    manifests,
    [...objects]
      .sort((a, b) => order(a) - order(b))
      .map((o) => stringify(o))
      .join("---\n"),
  );
  const kubectl = await seconds(() =>
    $({
      quiet: true,
    })`${join(k8sBin, "kubectl")} --kubeconfig ${cluster.kubeconfig} apply --server-side --force-conflicts --field-manager bench -f ${manifests}`.timeout(
      "20m",
    ),
  );

  const what = `${stack}, ${resourceCount} resources (${objects.length} Kubernetes objects)`;
  const baseline = { name: "kubectl apply --server-side of the same objects", value: kubectl };
  publish({ bench, name: `pulumi up, ${what}`, value: up, unit: "s", baseline });
  publish({ bench, name: `pulumi preview, empty state, ${what}`, value: preview, unit: "s", baseline });
  publish({ bench, name: `pulumi preview with no change, ${what}`, value: noChange, unit: "s", baseline, target: { op: "<=", value: 30 } });
  publish({
    bench,
    name: `the program alone (mocks, in process), ${what}`,
    value: programSeconds,
    unit: "s",
    baseline: { name: "no-change preview", value: noChange },
    note: `the engine, the provider and the process starts take the other ${(noChange - programSeconds).toFixed(1)} s of a no-change preview`,
  });
} finally {
  await cluster.release();
  await rm(work, { recursive: true, force: true });
}
