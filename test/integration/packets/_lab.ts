// The network of the packet tests: one "node" network namespace holding a Linux bridge, and one
// network namespace per "pod" with a veth into that bridge. kube-router runs in the node namespace,
// so its iptables rules and ipsets live there and vanish with it: nothing touches the host's firewall.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { createConnection, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const here = dirname(fileURLToPath(import.meta.url));
const exec = promisify(execFile);

/** Runs a command, throwing with its stderr. */
async function run(cmd: string, args: readonly string[]): Promise<string> {
  try {
    return (await exec(cmd, [...args], { maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")} failed: ${(e.stderr ?? "").trim() || e.message}`, { cause: err });
  }
}

/**
 * What the packet tests need on the machine: root (network namespaces), iproute2, iptables, ipset.
 * @returns a sentence naming what is missing, or undefined when all is there
 */
export async function missingPrerequisites(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return "the packet tests create network namespaces and need root";
  const missing: string[] = [];
  for (const tool of ["ip", "iptables", "iptables-save", "iptables-restore", "ipset"]) {
    if (
      !(await exec("sh", ["-c", `command -v ${tool}`]).then(
        () => true,
        () => false,
      ))
    )
      missing.push(tool);
  }
  return missing.length > 0 ? `missing ${missing.join(", ")}: apt-get install iproute2 iptables ipset (.ci/run does)` : undefined;
}

/** The answer of one connection attempt made from a pod. */
export interface ProbeResult {
  readonly ok: boolean;
  /** Name of the pod whose listener answered (only when ok). */
  readonly answeredBy?: string;
  readonly error?: string;
}

/** A pod of the lab: a network namespace with one address, and the agent process inside it. */
export class LabPod {
  private nextId = 0;
  private readonly waiting = new Map<number, (r: ProbeResult) => void>();

  constructor(
    readonly name: string,
    readonly netns: string,
    readonly ip: string,
    private readonly agent: ChildProcess,
  ) {
    createInterface({ input: agent.stdout! }).on("line", (line) => {
      const msg = JSON.parse(line) as { id?: number } & ProbeResult;
      if (msg.id === undefined) return;
      this.waiting.get(msg.id)?.(msg);
      this.waiting.delete(msg.id);
    });
  }

  /** Opens a connection (TCP) or sends a datagram and waits for the echo (UDP) from this pod. */
  probe(host: string, port: number, proto: "TCP" | "UDP" = "TCP", timeoutMs = 1500): Promise<ProbeResult> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.agent.stdin!.write(JSON.stringify({ id, proto, host, port, timeoutMs }) + "\n");
    });
  }

  stop(): void {
    this.agent.stdin?.end();
    this.agent.kill("SIGTERM");
  }
}

/** Starts `command` inside a network namespace and waits for its first stdout line. */
async function startIn(netns: string, command: string, args: readonly string[], what: string, timeoutMs = 15_000): Promise<ChildProcess> {
  const child = spawn("ip", ["netns", "exec", netns, command, ...args], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before it was ready: ${stderr}`));
    });
    createInterface({ input: child.stdout! }).once("line", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  child.removeAllListeners("exit");
  return child;
}

/**
 * One lab: a node namespace with bridge `br0` at `10.<octet>.0.1/24` and pods at `.2` upwards. The
 * second octet is random per lab, so two labs (two test runs against one cluster) never share an
 * address that kube-router would take for its own node's.
 */
export class PacketLab {
  readonly nodeNetns: string;
  readonly nodeIp: string;
  readonly pods: LabPod[] = [];
  private readonly processes: ChildProcess[] = [];
  private relay?: Server;
  private relaySocket?: string;
  private readonly files: string[] = [];

  private constructor(
    readonly tag: string,
    private readonly octet: number,
  ) {
    this.nodeNetns = `ndc-pk-${tag}-node`;
    this.nodeIp = `10.${octet}.0.1`;
  }

  /** Creates the node namespace and its bridge (bridged traffic passes the node's iptables). */
  static async create(): Promise<PacketLab> {
    const lab = new PacketLab(randomBytes(3).toString("hex"), 100 + Math.floor(Math.random() * 150));
    const ns = lab.nodeNetns;
    await run("ip", ["netns", "add", ns]);
    await run("ip", ["-n", ns, "link", "set", "lo", "up"]);
    await run("ip", ["-n", ns, "link", "add", "br0", "type", "bridge"]);
    await run("ip", ["-n", ns, "addr", "add", `${lab.nodeIp}/24`, "dev", "br0"]);
    await run("ip", ["-n", ns, "link", "set", "br0", "up"]);
    // br_netfilter's switch is per network namespace: bridged frames go through this namespace's
    // iptables, where kube-router's FORWARD rules (-m physdev --physdev-is-bridged) see them.
    await run("ip", ["netns", "exec", ns, "sysctl", "-q", "-w", "net.bridge.bridge-nf-call-iptables=1"]);
    return lab;
  }

  /** Adds a pod namespace with a veth into the bridge and starts its agent on `ports`. */
  async addPod(name: string, ports: readonly number[]): Promise<LabPod> {
    const index = this.pods.length + 2;
    if (index > 250) throw new Error("a lab holds at most 249 pods");
    const netns = `ndc-pk-${this.tag}-p${index}`;
    const ip = `10.${this.octet}.0.${index}`;
    // Interface names are at most 15 characters; the host-side end lives in the host namespace only
    // for a moment, so the lab's tag keeps it unique there.
    const hostEnd = `pk${this.tag}${index}`;
    await run("ip", ["netns", "add", netns]);
    await run("ip", ["link", "add", hostEnd, "type", "veth", "peer", "name", "eth0", "netns", netns]);
    await run("ip", ["link", "set", hostEnd, "netns", this.nodeNetns]);
    await run("ip", ["-n", this.nodeNetns, "link", "set", hostEnd, "master", "br0", "up"]);
    await run("ip", ["-n", netns, "addr", "add", `${ip}/24`, "dev", "eth0"]);
    await run("ip", ["-n", netns, "link", "set", "eth0", "up"]);
    await run("ip", ["-n", netns, "link", "set", "lo", "up"]);
    const agent = await startIn(netns, process.execPath, [join(here, "pod-agent.mjs"), name, ports.join(",")], `pod agent ${name}`);
    this.processes.push(agent);
    const pod = new LabPod(name, netns, ip, agent);
    this.pods.push(pod);
    return pod;
  }

  /**
   * Makes the API server at `apiHost:apiPort` (the host's loopback) reachable inside the node
   * namespace at 127.0.0.1:`localPort`, through a Unix socket.
   */
  async relayApiServer(apiHost: string, apiPort: number, localPort: number): Promise<void> {
    this.relaySocket = join(tmpdir(), `ndc-pk-${this.tag}.sock`);
    const relay = createServer((client) => {
      const upstream = createConnection({ host: apiHost, port: apiPort });
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on("error", close);
      upstream.on("error", close);
    });
    await new Promise<void>((resolve, reject) => {
      relay.once("error", reject);
      relay.listen(this.relaySocket, resolve);
    });
    this.relay = relay;
    this.processes.push(
      await startIn(this.nodeNetns, process.execPath, [join(here, "api-relay.mjs"), String(localPort), this.relaySocket], "API server relay"),
    );
  }

  /** A file the lab deletes on destroy (kube-router's kubeconfig). */
  removeOnDestroy(path: string): void {
    this.files.push(path);
  }

  /** Starts a process in the node namespace (kube-router); the lab stops it on destroy. */
  startInNode(command: string, args: readonly string[], onOutput: (chunk: string) => void): ChildProcess {
    const child = spawn("ip", ["netns", "exec", this.nodeNetns, command, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (c: Buffer) => onOutput(c.toString()));
    child.stderr!.on("data", (c: Buffer) => onOutput(c.toString()));
    this.processes.push(child);
    return child;
  }

  /** The node namespace's filter table, as iptables-save prints it. */
  iptablesSave(): Promise<string> {
    return run("ip", ["netns", "exec", this.nodeNetns, "iptables-save", "-t", "filter"]);
  }

  /** The node namespace's ipsets, as `ipset list -n` prints them (one name a line). */
  ipsetNames(): Promise<string> {
    return run("ip", ["netns", "exec", this.nodeNetns, "ipset", "list", "-n"]);
  }

  /**
   * Stops every process the lab started and deletes its namespaces (with them the veths, the bridge,
   * the iptables rules and the ipsets).
   */
  async destroy(): Promise<void> {
    for (const p of this.processes) {
      p.stdin?.end();
      if (p.exitCode === null) p.kill("SIGTERM");
    }
    await Promise.all(
      this.processes.map((p) =>
        p.exitCode !== null || p.signalCode !== null
          ? undefined
          : new Promise<void>((resolve) => {
              const timer = setTimeout(() => {
                p.kill("SIGKILL");
                resolve();
              }, 5000);
              p.once("exit", () => {
                clearTimeout(timer);
                resolve();
              });
            }),
      ),
    );
    this.relay?.close();
    if (this.relaySocket) await rm(this.relaySocket, { force: true });
    for (const file of this.files) await rm(file, { force: true });
    for (const pod of this.pods) await run("ip", ["netns", "del", pod.netns]).catch(() => undefined);
    await run("ip", ["netns", "del", this.nodeNetns]).catch(() => undefined);
  }

  /** This lab's namespaces and files still present (empty after destroy). */
  async leftovers(): Promise<string[]> {
    const names = [this.nodeNetns, ...this.pods.map((p) => p.netns)];
    return [
      ...names.filter((n) => existsSync(`/run/netns/${n}`)),
      ...[this.relaySocket, ...this.files].filter((f): f is string => f !== undefined && existsSync(f)),
    ];
  }
}
