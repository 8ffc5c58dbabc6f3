import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { describe, expect, test } from "vitest";
import { clusterMismatch, isLoopbackServer, parseSiteStack, resolveClusterBinding, ValidationError, type ClusterBinding } from "../../../model/index.ts";
import { STACKS_DIR, stackValues } from "../../component/_site-program-mocks.ts";

const UID_A = "0f6c2a3e-7f4d-4a51-9d55-1b2c3d4e5f60";
const UID_B = "9a8b7c6d-5e4f-4321-8765-0fedcba98765";
const FILE = "stacks/Pulumi.ndc1-hoalac.yaml";

function issuesOf(call: () => unknown) {
  try {
    call();
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map((i) => ({ field: i.field, rule: i.rule }));
    throw error;
  }
  throw new Error("expected a ValidationError");
}

describe("resolveClusterBinding", () => {
  test("a bound stack gives its kubeconfig, context, server and uid", () => {
    const binding = resolveClusterBinding(
      { kubeconfig: "~/.kube/ndc1", context: "ndc1", server: "https://10.0.0.1:6443", uid: UID_A },
      "ndc1-hoalac",
      true,
      FILE,
    );
    expect(binding).toEqual({ kind: "bound", kubeconfig: "~/.kube/ndc1", context: "ndc1", server: "https://10.0.0.1:6443", uid: UID_A });
  });

  test("the local stack names a cluster of this machine", () => {
    expect(resolveClusterBinding({ localCluster: "local" }, "local", true, "stacks/Pulumi.local.yaml")).toEqual({ kind: "local", name: "local" });
  });

  test("a planned site without a cluster needs no binding", () => {
    expect(resolveClusterBinding(undefined, "ndc3", false, "stacks/Pulumi.ndc3.yaml")).toBeUndefined();
  });

  test("fails when a stack with a cluster names none, saying how to bind it", () => {
    expect(() => resolveClusterBinding(undefined, "ndc2", true, "stacks/Pulumi.ndc2.yaml")).toThrow(
      "stacks/Pulumi.ndc2.yaml: ndc:cluster: stack ndc2 applies to a cluster but names none; record it with `npm run pulumi -- bind --stack ndc2 --kubeconfig <file> [--context <name>]` (got nothing) [cluster-binding-required]",
    );
  });

  test("fails when the cluster is declared but not bound yet (no server, no uid)", () => {
    expect(() => resolveClusterBinding({ kubeconfig: "~/.kube/ndc/ndc1-hoalac.kubeconfig", context: "ndc1-hoalac" }, "ndc1-hoalac", true, FILE)).toThrow(
      /^stacks\/Pulumi\.ndc1-hoalac\.yaml: ndc:cluster: lacks server, uid: stack ndc1-hoalac is not bound to a cluster yet; record it with `npm run pulumi -- bind --stack ndc1-hoalac .*\[cluster-not-bound\]$/,
    );
  });

  test("fails when a site stack names a local cluster", () => {
    expect(issuesOf(() => resolveClusterBinding({ localCluster: "local" }, "ndc1-hoalac", true, FILE))).toEqual([
      { field: "ndc:cluster.localCluster", rule: "local-cluster-local-stack-only" },
    ]);
  });

  test("fails when a binding mixes a local cluster and a bound one", () => {
    expect(issuesOf(() => resolveClusterBinding({ localCluster: "local", uid: UID_A }, "local", true, FILE))).toEqual([
      { field: "ndc:cluster", rule: "cluster-binding-kind" },
    ]);
  });
});

describe("ndc:cluster in a stack file", () => {
  const withCluster = (cluster: unknown) => ({ ...stackValues("ndc2"), cluster });

  test.each([
    [{ kubeconfig: "~/k", server: "http://10.0.0.1", uid: UID_A }, "ndc:cluster.server", "server-url"],
    [{ kubeconfig: "~/k", server: "https://10.0.0.1", uid: "kube-system" }, "ndc:cluster.uid", "uid-format"],
    [{ localCluster: "Local Cluster" }, "ndc:cluster.localCluster", "slug-format"],
    [{ kubeconfig: "~/k", namespace: "x" }, "ndc:cluster.namespace", "unknown-field"],
  ])("fails when %j is given, naming %s", (cluster, field, rule) => {
    expect(issuesOf(() => parseSiteStack(withCluster(cluster), "stacks/Pulumi.ndc2.yaml"))).toContainEqual({ field, rule });
  });

  test("every committed stack's binding has the right shape: local names the local cluster, sites name their kubeconfig and context", () => {
    expect(stackValues("local").cluster).toEqual({ localCluster: "local" });
    expect(stackValues("ndc1-hoalac").cluster).toEqual({ kubeconfig: "~/.kube/ndc/ndc1-hoalac.kubeconfig", context: "ndc1-hoalac" });
    expect(stackValues("ndc2").cluster).toEqual({ kubeconfig: "~/.kube/ndc/ndc2.kubeconfig", context: "ndc2" });
    expect(stackValues("ndc3").cluster).toBeUndefined();
  });
});

describe("isLoopbackServer", () => {
  test.each([
    ["https://127.0.0.1:6443", true],
    ["https://127.8.9.10", true],
    ["https://localhost:6443", true],
    ["https://[::1]:6443", true],
    ["https://10.0.0.1:6443", false],
    ["https://127.0.0.1.example.com", false],
    ["https://api.ndc1.gov.vn", false],
    ["not a url", false],
  ])("%s -> %s", (server, expected) => {
    expect(isLoopbackServer(server)).toBe(expected);
  });
});

describe("clusterMismatch", () => {
  const bound: ClusterBinding = { kind: "bound", kubeconfig: "~/.kube/ndc1", server: "https://10.0.0.1:6443", uid: UID_A };
  const where = "the kubeconfig /home/op/.kube/ndc1";

  test("the bound cluster passes, even at a new address", () => {
    expect(clusterMismatch("ndc1-hoalac", bound, { server: "https://10.9.9.9:6443", uid: UID_A }, where)).toBeUndefined();
  });

  test("fails when another cluster answers, naming the stack and both clusters", () => {
    expect(clusterMismatch("ndc1-hoalac", bound, { server: "https://10.0.0.2:6443", uid: UID_B }, where)).toBe(
      `stack ndc1-hoalac is bound to cluster https://10.0.0.1:6443 (kube-system uid ${UID_A}), but the kubeconfig /home/op/.kube/ndc1 reaches cluster https://10.0.0.2:6443 (kube-system uid ${UID_B}); nothing was changed. ` +
        "Point the kubeconfig at the right cluster, or, if stack ndc1-hoalac really moved, bind it again with `npm run pulumi -- bind --stack ndc1-hoalac --kubeconfig <file> [--context <name>]`",
    );
  });

  test("a local cluster must be on loopback", () => {
    const local: ClusterBinding = { kind: "local", name: "local" };
    expect(clusterMismatch("local", local, { server: "https://127.0.0.1:40123", uid: UID_A }, where)).toBeUndefined();
    expect(clusterMismatch("local", local, { server: "https://api.ndc1.gov.vn:6443", uid: UID_B }, where)).toBe(
      `stack local applies only to a cluster on this machine (local cluster local), but the kubeconfig /home/op/.kube/ndc1 reaches cluster https://api.ndc1.gov.vn:6443 (kube-system uid ${UID_B}), which is not a loopback address; nothing was changed`,
    );
  });
});

describe("ndc:state in a stack file", () => {
  test.each([
    [{ backend: "ftp://state" }, "ndc:state.backend", "backend-url"],
    [{ secretsProvider: "plaintext" }, "ndc:state.secretsProvider", "secrets-provider"],
  ])("fails when %j is given, naming %s", (state, field, rule) => {
    expect(issuesOf(() => parseSiteStack({ ...stackValues("ndc2"), state }, "stacks/Pulumi.ndc2.yaml"))).toContainEqual({ field, rule });
  });

  test("every committed stack names its secrets provider", () => {
    for (const stack of ["local", "ndc1-hoalac", "ndc2", "ndc3"]) expect(stackValues(stack).state, stack).toEqual({ secretsProvider: "passphrase" });
  });
});

describe("the default Kubernetes provider", () => {
  test("every committed stack disables it, so nothing reaches the cluster $KUBECONFIG names", () => {
    for (const stack of ["local", "ndc1-hoalac", "ndc2", "ndc3"]) {
      const doc = parseYaml(readFileSync(join(STACKS_DIR, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
      expect(doc.config["pulumi:disable-default-providers"], stack).toEqual(["kubernetes"]);
    }
  });
});
