// The pure builders behind the components, tested without Pulumi.
import { describe, expect, test } from "vitest";
import { parseStackFile, planStaticEnvironments, type SiteStackConfig } from "../../../model/index.ts";
import { testOrganization, testSiteStack } from "../../../model/testing.ts";
import {
  capacitySummary,
  controlPlaneObjects,
  entitlementRecord,
  landingObjects,
  nodeAssignments,
  poolNodeObjects,
  stackFileText,
  storageClassObject,
  tierHoldsCoreData,
  tierReclaimPolicy,
  zoneObjects,
} from "../../../components/index.ts";

const site = testSiteStack().site;

describe("zoneObjects", () => {
  test("gives every zone a restricted namespace ndc-zone-<zone> with default deny and DNS", () => {
    for (const zone of site.zones) {
      const [ns, deny, dns] = zoneObjects(site, zone);
      expect(ns!.metadata).toMatchObject({ name: `ndc-zone-${zone}`, labels: { "ndc.gov.vn/zone": zone, "pod-security.kubernetes.io/enforce": "restricted" } });
      expect(deny!.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
      expect(dns!.metadata.name).toBe("ndc-allow-dns");
    }
  });
  test.each([
    ["secops", ["ndc-default-deny", "ndc-allow-dns", "ndc-allow-log-ingress"]],
    ["mgmt", ["ndc-default-deny", "ndc-allow-dns", "ndc-allow-log-egress", "ndc-allow-admin-egress"]],
    ["dmz", ["ndc-default-deny", "ndc-allow-dns", "ndc-allow-log-egress", "ndc-allow-gateway"]],
    ["restricted", ["ndc-default-deny", "ndc-allow-dns", "ndc-allow-log-egress"]],
  ] as const)("%s has the policies %j", (zone, names) => {
    expect(
      zoneObjects(site, zone)
        .slice(1)
        .map((o) => o.metadata.name),
    ).toEqual(names);
  });
  test("secops takes logs from every zone that may send them, on the log ports only", () => {
    const ingress = zoneObjects(site, "secops").find((o) => o.metadata.name === "ndc-allow-log-ingress")!.spec as {
      ingress: { from: { namespaceSelector: { matchExpressions: { values: string[] }[] } }[]; ports: { port: number }[] }[];
    };
    expect(ingress.ingress[0]!.from[0]!.namespaceSelector.matchExpressions[0]!.values).toEqual(["app", "backup", "data", "dmz", "mgmt", "restricted"]);
    expect([...new Set(ingress.ingress[0]!.ports.map((p) => p.port))]).toEqual([514, 6514, 24224]);
  });
  test("the dmz namespace is the ingress gateway tenant dmz environments admit", () => {
    expect(zoneObjects(site, "dmz")[0]!.metadata.labels?.["ndc.gov.vn/role"]).toBe("ingress-gateway");
  });
});

describe("nodeAssignments", () => {
  test("deals the named nodes to the pool's zones in order", () => {
    const pool = { name: "general", zones: ["dmz", "app"] as ("dmz" | "app")[], nodes: 3, nodeCpu: "8", nodeMemory: "32Gi", nodeNames: ["n1", "n2", "n3"] };
    expect(nodeAssignments(pool)).toEqual([
      { node: "n1", zone: "dmz" },
      { node: "n2", zone: "app" },
      { node: "n3", zone: "dmz" },
    ]);
  });
  test("is empty for pools labelled by provisioning (no nodeNames)", () => {
    expect(nodeAssignments(site.computePools[0]!)).toEqual([]);
  });
});

describe("poolNodeObjects", () => {
  test("taints dedicated pools' nodes and forces the patch", () => {
    const secure = { ...site.computePools[1]!, nodeNames: ["s1"] };
    expect(poolNodeObjects(site, secure)).toEqual([
      {
        apiVersion: "v1",
        kind: "Node",
        metadata: {
          name: "s1",
          labels: { "app.kubernetes.io/managed-by": "pulumi", "ndc.gov.vn/site": "ndc1", "ndc.gov.vn/zone": "app", "ndc.gov.vn/pool": "secure" },
          annotations: { "pulumi.com/patchForce": "true" },
        },
        spec: { taints: [{ key: "ndc.gov.vn/dedicated", value: "secure", effect: "NoSchedule" }] },
      },
    ]);
  });
  test("leaves shared pools' nodes untainted", () => {
    expect(poolNodeObjects(site, { ...site.computePools[0]!, nodeNames: ["g1"] })[0]!.spec).toEqual({});
  });
});

describe("tierReclaimPolicy", () => {
  const config: SiteStackConfig = testSiteStack(); // byt is entitled to `fast` in restricted
  const [standard, fast] = config.site.storageTiers;
  test("retains a tier core data can land on, whatever the tier says", () => {
    expect(tierHoldsCoreData(config, fast!)).toBe(true);
    expect(tierReclaimPolicy(config, { ...fast!, reclaimPolicy: "Delete" })).toBe("Retain");
  });
  test("uses the tier's policy, Delete by default, when no core data can land on it", () => {
    expect(tierHoldsCoreData(config, standard!)).toBe(false);
    expect(tierReclaimPolicy(config, standard!)).toBe("Delete");
    expect(tierReclaimPolicy(config, { ...standard!, reclaimPolicy: "Retain" })).toBe("Retain");
  });
  test("the StorageClass binds where the pod lands and may grow", () => {
    expect(storageClassObject(config, fast!)).toMatchObject({
      metadata: { name: "ndc-fast" },
      provisioner: "csi.ndc.gov.vn",
      reclaimPolicy: "Retain",
      volumeBindingMode: "WaitForFirstConsumer",
      allowVolumeExpansion: true,
    });
  });
});

describe("landingObjects", () => {
  const org = testOrganization();
  test("is <org>-landing: namespace, zero-workload quota, default deny, admin binding, entitlement record", () => {
    const objects = landingObjects(site, org);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      "Namespace/byt-landing",
      "ResourceQuota/ndc-quota",
      "NetworkPolicy/ndc-default-deny",
      "RoleBinding/ndc-org-admins",
      "ConfigMap/ndc-entitlements",
    ]);
    expect((objects[1]!.spec as { hard: Record<string, string> }).hard).toMatchObject({
      pods: "0",
      services: "0",
      "services.loadbalancers": "0",
      persistentvolumeclaims: "0",
    });
    expect(objects[3]).toMatchObject({ roleRef: { name: "ndc-tenant-admin" }, subjects: [{ kind: "Group", name: "byt-admins" }] });
    expect(objects[0]!.metadata.annotations?.["ndc.gov.vn/display-name"]).toBe("Bộ Y tế");
  });
  test("records entitlements as written and in canonical units", () => {
    const record = entitlementRecord(site, org);
    expect(JSON.parse(record["organization.json"]!)).toMatchObject({ slug: "byt", site: "ndc1", allowLoadBalancer: false, maxEnvironments: 20 });
    expect(JSON.parse(record["amounts.json"]!).dmz).toEqual({ cpuMillis: 32_000, memoryBytes: 128 * 2 ** 30, gpu: 0, storageBytes: {} });
  });
});

describe("controlPlaneObjects", () => {
  const digest = `sha256:${"ab".repeat(32)}`;
  const config: SiteStackConfig = {
    ...testSiteStack(),
    controlPlane: {
      image: `registry.ndc1.ndc.gov.vn/ndc/control-plane@${digest}`,
      databaseSecret: "ndc-db",
      apiServers: [
        { cidr: "10.10.0.10/32", port: 6443 },
        { cidr: "10.10.0.11/32", port: 443 },
      ],
    },
  };
  test("is nothing without ndc:controlPlane", () => {
    expect(controlPlaneObjects({ config: testSiteStack(), stack: "ndc1" })).toEqual([]);
  });
  test("binds the least-privilege role, runs restricted, defaults to 2 replicas and mounts the stack file", () => {
    const objects = controlPlaneObjects({ config, stack: "ndc1-hoalac" });
    const get = (kind: string) => objects.find((o) => o.kind === kind)! as Record<string, any>;
    expect(get("ClusterRoleBinding").roleRef.name).toBe("ndc-control-plane");
    const pod = get("Deployment").spec.template.spec;
    expect(get("Deployment").spec.replicas).toBe(2);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(pod.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    expect(Object.keys(get("ConfigMap").data)).toEqual(["Pulumi.ndc1-hoalac.yaml"]);
    expect(get("PodDisruptionBudget").spec.maxUnavailable).toBe(1);
  });
  test("the database URL comes from the Secret mounted read-only as a file, never from the environment", () => {
    const deployment = controlPlaneObjects({ config, stack: "ndc1-hoalac" }).find((o) => o.kind === "Deployment")! as Record<string, any>;
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(container.env).toContainEqual({ name: "DATABASE_URL_FILE", value: "/etc/ndc/database/url" });
    expect(JSON.stringify(container.env)).not.toContain('DATABASE_URL"');
    expect(JSON.stringify(container.env)).not.toContain("secretKeyRef");
    expect(container.volumeMounts).toContainEqual({ name: "database", mountPath: "/etc/ndc/database", readOnly: true });
    expect(pod.volumes).toContainEqual({ name: "database", secret: { secretName: "ndc-db", items: [{ key: "url", path: "url" }], defaultMode: 0o440 } });
    expect(container.image).toBe(`registry.ndc1.ndc.gov.vn/ndc/control-plane@${digest}`);
  });

  test("without a database Secret (one replica, SQLite) nothing database-related is mounted", () => {
    const one: SiteStackConfig = { ...config, controlPlane: { image: config.controlPlane!.image, replicas: 1, apiServers: config.controlPlane!.apiServers! } };
    const pod = (controlPlaneObjects({ config: one, stack: "ndc1-hoalac" }).find((o) => o.kind === "Deployment")! as Record<string, any>).spec.template.spec;
    expect(JSON.stringify(pod)).not.toContain("DATABASE_URL");
    expect(pod.volumes.map((v: { name: string }) => v.name)).toEqual(["stacks", "data", "tmp"]);
  });

  test("egress reaches only the configured API servers on their ports, never 0.0.0.0/0", () => {
    const objects = controlPlaneObjects({ config, stack: "ndc1-hoalac" });
    const apiserver = objects.find((o) => o.metadata.name === "ndc-allow-apiserver-egress")! as Record<string, any>;
    expect(apiserver.spec).toEqual({
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        { to: [{ ipBlock: { cidr: "10.10.0.10/32" } }], ports: [{ protocol: "TCP", port: 6443 }] },
        { to: [{ ipBlock: { cidr: "10.10.0.11/32" } }], ports: [{ protocol: "TCP", port: 443 }] },
      ],
    });
    expect(JSON.stringify(objects)).not.toContain("0.0.0.0/0");
  });

  test("the mounted stack file parses back to the same config", () => {
    expect(parseStackFile(stackFileText(config), "ndc-stack")).toEqual(config);
  });
});

describe("capacitySummary", () => {
  test("reports pool capacity after overcommit and what static environments hold", () => {
    const config: SiteStackConfig = {
      ...testSiteStack(),
      environments: [
        {
          org: "byt",
          name: "his-app",
          stage: "prod",
          zone: "app",
          dataClass: "other",
          personalData: "none",
          securityLevel: 2,
          sites: ["ndc1"],
          resources: { cpu: "4", memory: "16Gi", storage: { standard: "100Gi" } },
          owners: ["byt-his"],
          purpose: "HIS",
        },
      ],
    };
    const summary = capacitySummary(config, planStaticEnvironments(config));
    expect(summary.pools[0]).toEqual({
      name: "general",
      zones: ["dmz", "app", "data", "backup"],
      dedicated: false,
      nodes: 10,
      cpu: "1280",
      memory: "5Ti",
      gpu: 10,
      committedCpu: "4",
      committedMemory: "16Gi",
      committedGpu: 0,
    });
    expect(summary.storageTiers[0]).toEqual({ name: "standard", storageClass: "ndc-standard", reclaimPolicy: "Delete", capacity: "2Pi", committed: "100Gi" });
    // 10x64x2 + 4x64x2 + 3x32x2 cores; 10x512Gi + 4x512Gi + 3x128Gi (memory is not overcommitted).
    expect(summary.total).toEqual({ cpu: "1984", memory: "7552Gi", gpu: 10 });
  });
});
