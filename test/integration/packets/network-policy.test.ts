// Network isolation proven with real packets: the environments' NetworkPolicies, applied by the
// provisioner's connection to the real kube-apiserver, enforced by kube-router's firewall (iptables +
// ipset) in a lab of network namespaces, and tried with real TCP connections and UDP datagrams.
// Every expected flow below is written by hand from the zone table of docs/network-policy-tests.md,
// never computed by the code under test. See that page for the lab's layout.
import type { KubeConfig } from "@kubernetes/client-node";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  admitEnvironment,
  assemblePlatform,
  buildEnvironmentObjects,
  type EnvironmentSpec,
  type KubernetesObject,
  type SharingAgreement,
} from "../../../model/index.ts";
import { testOrganization, testSiteStack, testSpec } from "../../../model/testing.ts";
import { hasDrifted, kubeCredentialsFrom, objectPath, putBack, SiteConnection } from "../../../control-plane/provisioner/index.ts";
import { adminKubeConfig, createNamespace, uniqueNamespacePrefix, waitUntil } from "../_cluster.ts";
import { missingPrerequisites, PacketLab, type LabPod, type ProbeResult } from "./_lab.ts";
import { registerNode, registerPod, startKubeRouter, unregisterNode, type KubeRouterHandle } from "./_kube-router.ts";

/** Every pod listens on these: app traffic, admin (ssh), DNS, syslog, the shared database port. */
const PORTS = [8080, 22, 53, 514, 5432];

const run = uniqueNamespacePrefix("pk")
  .replace(/[^a-z0-9]/g, "")
  .slice(-6);
const orgA = testOrganization({ slug: `pka${run}`, name: { vi: "Tổ chức A", en: "Organization A" }, ownerGroups: [`pka${run}-owners`] });
const orgB = testOrganization({ slug: `pkb${run}`, name: { vi: "Tổ chức B", en: "Organization B" }, ownerGroups: [`pkb${run}-owners`] });
const platform = assemblePlatform([testSiteStack({}, [orgA, orgB])]);
const site = platform.sites.get("ndc1")!.config!;

/** The environments, one pod each (two in `web`): org A in every tenant zone, org B in app. */
const ENVIRONMENTS = {
  gw: { org: orgA, spec: { name: "gw", zone: "dmz", securityLevel: 2 } },
  web: { org: orgA, spec: { name: "web", zone: "app", securityLevel: 2 } },
  app4: { org: orgA, spec: { name: "app4", zone: "app", securityLevel: 4 } },
  db: { org: orgA, spec: { name: "db", zone: "data", securityLevel: 2 } },
  vault: { org: orgA, spec: { name: "vault", zone: "restricted", securityLevel: 4 } },
  bak: { org: orgA, spec: { name: "bak", zone: "backup", securityLevel: 2 } },
  bweb: { org: orgB, spec: { name: "web", zone: "app", securityLevel: 2 } },
} as const satisfies Record<string, { org: typeof orgA; spec: Partial<EnvironmentSpec> }>;
type EnvKey = keyof typeof ENVIRONMENTS;

function build(key: EnvKey, agreements: SharingAgreement[] = []): { namespace: string; objects: KubernetesObject[] } {
  const { org, spec } = ENVIRONMENTS[key];
  const full = testSpec({ owners: org.ownerGroups, resources: { cpu: "1", memory: "1Gi" }, ...spec } as Partial<EnvironmentSpec>);
  const plan = admitEnvironment({ org: org.slug, spec: full }, platform);
  return { namespace: plan.namespace, objects: buildEnvironmentObjects({ plan, site, organization: org, agreements }) };
}

let kc: KubeConfig;
let admin: SiteConnection;
let lab: PacketLab | undefined;
let router: KubeRouterHandle;
const pods: Record<string, LabPod> = {};
const namespaces: string[] = [];
const extraNamespaces = {
  mgmt: `${uniqueNamespacePrefix("pk")}mgmt`,
  secops: `${uniqueNamespacePrefix("pk")}secops`,
  gateway: `${uniqueNamespacePrefix("pk")}gateway`,
  outside: `${uniqueNamespacePrefix("pk")}outside`,
};
const registered: { name: string; namespace: string }[] = [];
let hostFirewallBefore = "";

async function addPod(name: string, namespace: string, labels: Record<string, string> = {}): Promise<LabPod> {
  const pod = await lab!.addPod(name, PORTS);
  await registerPod(kc, lab!, pod, namespace, labels);
  registered.push({ name, namespace });
  pods[name] = pod;
  return pod;
}

/** One connection attempt: from pod, to pod, port, protocol. */
type Flow = readonly [from: string, to: string, port: number, proto?: "TCP" | "UDP"];

async function probe([from, to, port, proto = "TCP"]: Flow): Promise<ProbeResult> {
  return pods[from]!.probe(pods[to]!.ip, port, proto);
}

/** Tries every flow at once; returns the ones whose outcome differs from `expectOpen`, readably. */
async function wrong(flows: readonly Flow[], expectOpen: boolean): Promise<string[]> {
  const results = await Promise.all(flows.map(probe));
  return flows.flatMap((f, i) => {
    const r = results[i]!;
    const open = r.ok && r.answeredBy === pods[f[1]]!.name;
    return open === expectOpen ? [] : [`${f[0]} -> ${f[1]}:${f[2]}/${f[3] ?? "TCP"} ${r.ok ? `answered by ${r.answeredBy}` : r.error}`];
  });
}

/** Polls until every flow has the expected outcome; returns the seconds it took. */
// kube-router applies a policy change within a second or two on an idle machine; on two busy cores its
// sync waits behind everything else (the cold CI run timed out at 15 s), so the bound is generous: a
// policy that never takes effect still fails, only later.
async function eventually(flows: readonly Flow[], expectOpen: boolean, timeoutMs = 60_000): Promise<number> {
  const started = Date.now();
  let last: string[] = [];
  await waitUntil(
    `${flows.length} flow(s) ${expectOpen ? "open" : "refused"}`,
    timeoutMs,
    async () => (last = await wrong(flows, expectOpen)).length === 0,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; still wrong: ${last.join("; ")}`);
  });
  return (Date.now() - started) / 1000;
}

// Written by hand from the zone table (docs/network-policy-tests.md), port 8080 unless stated.
const ALLOWED_ZONE_FLOWS: Flow[] = [
  ["gw", "web", 8080], // dmz -> app
  ["gw", "app4", 8080], // dmz -> app, whatever the app's level
  ["web", "db", 8080], // app -> data
  ["app4", "db", 8080], // app -> data
  ["app4", "vault", 8080], // app -> restricted, source level 4
  ["web", "bak", 8080], // app -> backup
  ["db", "bak", 8080], // data -> backup
  ["vault", "bak", 8080], // restricted -> backup
  ["mgmt", "web", 22], // mgmt -> any zone, admin ports
  ["mgmt", "vault", 22],
  ["mgmt", "bak", 22],
  ["web", "secops", 514], // any zone -> secops, log ports
  ["vault", "secops", 514],
  ["gateway", "gw", 8080], // ingress gateway -> dmz, gateway ports
];
const REFUSED_ZONE_FLOWS: Flow[] = [
  ["web", "vault", 8080], // app -> restricted needs source level 4
  ["web", "gw", 8080], // app -> dmz: not in the table
  ["gw", "db", 8080], // dmz -> data
  ["gw", "vault", 8080], // dmz -> restricted
  ["gw", "bak", 8080], // dmz -> backup
  ["db", "web", 8080], // data -> app
  ["db", "vault", 8080], // data -> restricted
  ["vault", "web", 8080], // restricted -> app
  ["vault", "db", 8080], // restricted -> data
  ["bak", "web", 8080], // backup -> anything
  ["bak", "db", 8080],
  ["bak", "vault", 8080],
  ["bak", "gw", 8080],
  ["web", "app4", 8080], // app -> app between two environments
  ["app4", "web", 8080],
  ["mgmt", "web", 8080], // mgmt: admin ports only
  ["web", "mgmt", 22], // nothing into mgmt
  ["web", "secops", 8080], // secops: log ports only
  ["gateway", "web", 8080], // the gateway reaches dmz only
  ["gateway", "gw", 22], // and only on gateway ports
];

beforeAll(async () => {
  const missing = await missingPrerequisites();
  if (missing) throw new Error(`packet tests cannot run: ${missing}`);
  hostFirewallBefore = await hostFirewall();
  kc = adminKubeConfig();
  admin = SiteConnection.open("ndc1", kubeCredentialsFrom(kc));
  for (const key of Object.keys(ENVIRONMENTS) as EnvKey[]) {
    const { namespace, objects } = build(key);
    namespaces.push(namespace);
    for (const o of objects) await admin.apply(o);
  }
  await createNamespace(kc, extraNamespaces.mgmt, { labels: { "ndc.gov.vn/zone": "mgmt" } });
  await createNamespace(kc, extraNamespaces.secops, { labels: { "ndc.gov.vn/zone": "secops" } });
  await createNamespace(kc, extraNamespaces.gateway, { labels: { "ndc.gov.vn/role": "ingress-gateway" } });
  await createNamespace(kc, extraNamespaces.outside);
  await waitUntil("default ServiceAccounts", 60_000, async () => {
    const core = kc.makeApiClient(CoreV1Api);
    for (const ns of namespaces) await core.readNamespacedServiceAccount({ name: "default", namespace: ns });
    return true;
  });

  lab = await PacketLab.create();
  await registerNode(kc, lab);
  const ns = (key: EnvKey) => build(key).namespace;
  await addPod("gw", ns("gw"));
  await addPod("web", ns("web"));
  await addPod("web2", ns("web"));
  await addPod("app4", ns("app4"));
  await addPod("db", ns("db"));
  await addPod("vault", ns("vault"));
  await addPod("bak", ns("bak"));
  await addPod("bweb", ns("bweb"));
  await addPod("mgmt", extraNamespaces.mgmt);
  await addPod("secops", extraNamespaces.secops);
  await addPod("gateway", extraNamespaces.gateway);
  await addPod("outside", extraNamespaces.outside);
  await addPod(`ndc-pk-${lab.tag}-dns`, "kube-system", { "k8s-app": "kube-dns" });
  pods.dns = pods[`ndc-pk-${lab.tag}-dns`]!;
}, 300_000);

/** The host's own rules and sets (without counters), which the lab must never touch. */
async function hostFirewall(): Promise<string> {
  const { execFileSync } = await import("node:child_process");
  const rules = execFileSync("iptables-save", { encoding: "utf8" })
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .map((l) => l.replace(/\[\d+:\d+\]/, ""))
    .join("\n");
  return rules + execFileSync("ipset", ["list", "-n"], { encoding: "utf8" });
}

async function cleanUp(): Promise<void> {
  admin?.close();
  if (!kc) return;
  const core = kc.makeApiClient(CoreV1Api);
  // No kubelet confirms a graceful deletion: delete the pods at once, or their namespaces never go.
  for (const p of registered) await core.deleteNamespacedPod({ name: p.name, namespace: p.namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
  for (const n of [...namespaces, ...Object.values(extraNamespaces)]) await core.deleteNamespace({ name: n }).catch(() => undefined);
  if (lab) {
    await lab.destroy();
    await unregisterNode(kc, lab);
  }
}
afterAll(cleanUp, 120_000);

describe("without a firewall", () => {
  test("every flow the tests try connects, so a refusal below is the firewall's", async () => {
    const everything: Flow[] = [
      ...ALLOWED_ZONE_FLOWS,
      ...REFUSED_ZONE_FLOWS,
      ["bweb", "web", 8080],
      ["web", "bweb", 8080],
      ["outside", "web", 8080],
      ["web", "dns", 8080],
    ];
    expect(await wrong(everything, true)).toEqual([]);
  });
});

describe("with kube-router enforcing the environments' NetworkPolicies", () => {
  beforeAll(async () => {
    router = await startKubeRouter(kc, lab!);
    // The first full sync is done when a flow that default deny refuses is refused.
    await eventually([["bweb", "web", 8080]], false);
  }, 120_000);

  test("two organizations cannot reach each other, in either direction, on any port", async () => {
    const aPods = ["gw", "web", "web2", "app4", "db", "vault", "bak"];
    const flows: Flow[] = aPods.flatMap((a) =>
      PORTS.flatMap((port): Flow[] => [
        ["bweb", a, port],
        [a, "bweb", port],
      ]),
    );
    expect(await wrong(flows, false)).toEqual([]);
  });

  test("default deny holds both ways against a namespace without policies", async () => {
    expect(
      await wrong(
        [
          ["outside", "web", 8080],
          ["outside", "vault", 22],
          ["outside", "gw", 8080],
          ["web", "outside", 8080],
          ["db", "outside", 53],
        ],
        false,
      ),
    ).toEqual([]);
  });

  test("DNS to kube-dns in kube-system is allowed, over UDP and TCP, and nothing else there", async () => {
    expect(
      await wrong(
        [
          ["web", "dns", 53, "UDP"],
          ["web", "dns", 53, "TCP"],
          ["vault", "dns", 53, "UDP"],
          ["bweb", "dns", 53, "UDP"],
        ],
        true,
      ),
    ).toEqual([]);
    expect(
      await wrong(
        [
          ["web", "dns", 8080],
          ["web", "dns", 22],
          ["web", "dns", 514, "UDP"],
        ],
        false,
      ),
    ).toEqual([]);
  });

  test("pods of one environment reach each other", async () => {
    expect(
      await wrong(
        [
          ["web", "web2", 8080],
          ["web2", "web", 8080],
          ["web", "web2", 5432],
        ],
        true,
      ),
    ).toEqual([]);
  });

  test("every allowed zone flow connects", async () => {
    expect(await wrong(ALLOWED_ZONE_FLOWS, true)).toEqual([]);
  });

  test("every other zone pair is refused", async () => {
    expect(await wrong(REFUSED_ZONE_FLOWS, false)).toEqual([]);
  });

  test("a sharing agreement in force opens exactly its port from consumer to provider, and closes when revoked", { timeout: 240_000 }, async () => {
    const agreement: SharingAgreement = {
      id: `pk${run}`,
      provider: { org: orgA.slug, environment: "db" },
      consumer: { org: orgB.slug, environment: "web" },
      port: 5432,
      protocol: "TCP",
      approvedBy: { provider: true, consumer: true, operator: true },
    };
    const shares = [...build("db", [agreement]).objects, ...build("bweb", [agreement]).objects].filter((o) => o.metadata.name === `ndc-share-${agreement.id}`);
    expect(shares.map((o) => o.metadata.namespace)).toEqual([build("db").namespace, build("bweb").namespace]);
    for (const o of shares) await admin.apply(o);
    const opened = await eventually([["bweb", "db", 5432]], true);
    expect(
      await wrong(
        [
          ["bweb", "db", 8080],
          ["db", "bweb", 5432],
          ["bweb", "web", 5432],
          ["bweb", "vault", 5432],
        ],
        false,
      ),
    ).toEqual([]);

    // Revoked (an approval withdrawn): the builder no longer makes the policies, the provisioner prunes them.
    const revoked = { ...agreement, approvedBy: { ...agreement.approvedBy, operator: false } };
    expect([...build("db", [revoked]).objects, ...build("bweb", [revoked]).objects].filter((o) => o.metadata.name.startsWith("ndc-share-"))).toEqual([]);
    for (const o of shares) await admin.delete(o);
    const closed = await eventually([["bweb", "db", 5432]], false);
    console.info(`packet tests: agreement enforced in ${opened.toFixed(2)} s, revocation in ${closed.toFixed(2)} s`);
  });
});

describe("drift", () => {
  test("opening ndc-default-deny by hand lets traffic in until drift repair puts it back", { timeout: 240_000 }, async () => {
    const { objects } = build("web");
    const deny = objects.find((o) => o.metadata.name === "ndc-default-deny")!;
    const flows: Flow[] = [
      ["outside", "web", 8080],
      ["web", "outside", 8080],
    ];
    expect(await wrong(flows, false)).toEqual([]);
    // Someone with write access to NetworkPolicies (not a tenant: their role only reads them).
    await admin.request(
      "PATCH",
      objectPath(deny),
      [
        { op: "add", path: "/spec/ingress", value: [{}] },
        { op: "add", path: "/spec/egress", value: [{}] },
      ],
      "application/json-patch+json",
    );
    const opened = await eventually(flows, true);
    const live = (await admin.get(deny))!;
    expect(hasDrifted(deny, live), "the comparator sees the added rules").toBe(true);
    await putBack(admin, deny, live);
    const closed = await eventually(flows, false);
    expect((await admin.get(deny))!.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    console.info(`packet tests: opened default deny let traffic in after ${opened.toFixed(2)} s, repair enforced in ${closed.toFixed(2)} s`);
  });
});

describe("the lab", () => {
  test("kube-router synced against the real API server and kept its rules in the lab's node namespace", async () => {
    console.info(`packet tests: kube-router synced ${router.startSeconds.toFixed(1)} s after start`);
    const rules = await lab!.iptablesSave();
    expect(rules).toContain(":KUBE-ROUTER-FORWARD");
    expect(rules).toMatch(/KUBE-NWPLCY-/);
    expect(await lab!.ipsetNames()).toMatch(/KUBE-/);
  });

  test("is removed afterwards: namespaces (with veths, bridge, rules, ipsets), processes and files", async () => {
    const theLab = lab!;
    await cleanUp();
    lab = undefined;
    expect(await theLab.leftovers()).toEqual([]);
    expect(await hostFirewall()).toBe(hostFirewallBefore);
  });
});
