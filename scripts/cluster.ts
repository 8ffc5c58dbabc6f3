#!/usr/bin/env -S npx tsx
// The local Kubernetes control plane (etcd + kube-apiserver + kube-controller-manager) built from Go
// modules, for tests and local use. The logic lives in scripts/cluster/; this is its command line.
import { argv } from "zx";
import { clusterStatus, defaultClusterName, issueUserKubeconfig, startCluster, stopCluster } from "./cluster/index.ts";
import { ensureTool, etcdTool, kubernetesTool, toolBinDir } from "./toolchain/index.ts";

const usage = `usage: tsx scripts/cluster.ts <command> [--name <cluster>] [options]

commands:
  build                        build kube-apiserver, kube-controller-manager, kubectl and etcd (cached)
  up                           start the cluster, or reuse it when already running; prints KUBECONFIG
  down                         stop the processes 'up' started and remove the etcd data
  status                       show whether it runs, its server, ports and pids
  env                          print shell exports: eval "$(tsx scripts/cluster.ts env)"
  user <name> [--group g]...   issue a client certificate and print the path of its kubeconfig

options:
  --name <cluster>   cluster name (default ${defaultClusterName}; tests use "test")
  --json             machine-readable output (up, status, env, user)
  --help             this text

Binds 127.0.0.1 only. Kubernetes ${kubernetesTool.version}, etcd ${etcdTool.version}.
State, certificates, kubeconfigs and logs: $NDC_CACHE_DIR or ~/.cache/ndc-platform, in cluster/<name>/.`;

// Single-quoted for `eval`, so a path with spaces survives.
const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const asList = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

async function main(): Promise<void> {
  const [command, arg] = argv._.map(String);
  if (argv.help || argv.h || !command) {
    console.log(usage);
    return;
  }
  const name = argv.name ? String(argv.name) : defaultClusterName;
  const json = Boolean(argv.json);
  switch (command) {
    case "build": {
      for (const tool of [kubernetesTool, etcdTool]) {
        await ensureTool(tool);
        console.error(`${tool.name} ${tool.version}: ${toolBinDir(tool)}`);
      }
      return;
    }
    case "up": {
      const cluster = await startCluster({ name });
      if (json)
        console.log(
          JSON.stringify({ name, kubeconfig: cluster.kubeconfig, server: cluster.server, reused: cluster.reused, startSeconds: cluster.state.startSeconds }),
        );
      else console.log(`export KUBECONFIG=${shellQuote(cluster.kubeconfig)}`);
      return;
    }
    case "down": {
      const { stopped } = await stopCluster(name);
      console.error(stopped.length ? `cluster ${name}: stopped ${stopped.join(", ")}` : `cluster ${name}: nothing running`);
      return;
    }
    case "status": {
      const status = await clusterStatus(name);
      if (json) {
        console.log(JSON.stringify(status, null, 2));
      } else if (!status.state) {
        console.log(`cluster ${name}: not running (start it with: tsx scripts/cluster.ts up --name ${name})`);
      } else {
        const s = status.state;
        console.log(`cluster ${name}: ${status.running ? "running" : "NOT healthy (run down, then up)"}`);
        console.log(`  server      ${s.server}`);
        console.log(`  kubeconfig  ${s.kubeconfig}`);
        console.log(`  versions    kubernetes ${s.versions.kubernetes}, etcd ${s.versions.etcd}`);
        console.log(`  owner       ${s.owner === "shared" ? "shared (test runs; the last one stops it)" : "cli (stopped only by down)"}`);
        console.log(`  etcd        pid ${s.processes.etcd.pid} ${status.processes.etcd ? "alive" : "gone"}, port ${s.ports.etcdClient}, data ${s.etcdDataDir}`);
        console.log(`  apiserver   pid ${s.processes.apiserver.pid} ${status.processes.apiserver ? "alive" : "gone"}, port ${s.ports.apiserver}`);
        console.log(`  controllers pid ${s.processes.controllerManager.pid} ${status.processes.controllerManager ? "alive" : "gone"}`);
        console.log(`  started     ${s.startedAt} (ready in ${s.startSeconds} s), logs in ${s.dir}/logs`);
      }
      if (!status.running) process.exitCode = 3;
      return;
    }
    case "env": {
      const status = await clusterStatus(name);
      if (!status.running || !status.state) throw new Error(`cluster ${name} is not running: start it with \`tsx scripts/cluster.ts up --name ${name}\``);
      const kubectlDir = toolBinDir(kubernetesTool);
      if (json) console.log(JSON.stringify({ KUBECONFIG: status.state.kubeconfig, kubectlDir }));
      else console.log(`export KUBECONFIG=${shellQuote(status.state.kubeconfig)}\nexport PATH=${shellQuote(kubectlDir)}:"$PATH"`);
      return;
    }
    case "user": {
      if (!arg) throw new Error("user needs a name: tsx scripts/cluster.ts user <name> [--group g]...");
      const groups = asList(argv.group);
      const kubeconfig = await issueUserKubeconfig({ cluster: name, user: arg, groups });
      console.log(json ? JSON.stringify({ user: arg, groups, kubeconfig }) : kubeconfig);
      return;
    }
    default:
      throw new Error(`unknown command "${command}"\n\n${usage}`);
  }
}

try {
  await main();
} catch (err) {
  console.error(`cluster: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
