// The Pulumi entry (index.ts) as the engine runs it: config from the stack, outputs exported.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, test, vi } from "vitest";
import { readStackValues, stackFileName } from "../../components/index.ts";
import { deployableValues, stackValues } from "./_site-program-mocks.ts";

/** The config map the engine hands the program for a stack: `ndc:<key>` -> JSON text. */
function engineConfig(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [`ndc:${k}`, JSON.stringify(v)]));
}

/** What the identity check answers in these tests (no cluster runs in the unit project). */
let verify: (stack: string) => Promise<unknown> = async () => ({
  path: "/tmp/admin.kubeconfig",
  kubeconfig: "apiVersion: v1\nkind: Config\n",
  identity: { server: "https://127.0.0.1:6443", uid: "0f6c2a3e-7f4d-4a51-9d55-1b2c3d4e5f60" },
});

async function importProgram(stack: string, config: Record<string, string>, secretKeys: string[] = []) {
  const registered: string[] = [];
  await pulumi.runtime.setMocks(
    { newResource: (a) => (registered.push(`${a.type}::${a.name}`), { id: `${a.name}-id`, state: a.inputs }), call: () => ({}) },
    "ndc",
    stack,
    true,
  );
  pulumi.runtime.setAllConfig(config, secretKeys);
  vi.resetModules(); // index.ts runs the program when imported: import it afresh each time
  vi.doMock("../../components/cluster-identity.ts", async (importOriginal) => ({
    ...(await importOriginal<typeof import("../../components/cluster-identity.ts")>()),
    verifyClusterIdentity: (stack: string) => verify(stack),
  }));
  const program = import("../../index.ts");
  return { program, registered };
}

describe("readStackValues", () => {
  test("decodes JSON values, keeps plain strings, drops other namespaces", () => {
    expect(readStackValues({ "ndc:site": '{"id":"x"}', "ndc:note": "plain text", "kubernetes:context": "local" })).toEqual({
      site: { id: "x" },
      note: "plain text",
    });
  });
  test("an unquoted YAML date, which Pulumi hands over as a Go timestamp, is read as the calendar date", () => {
    const site = '{"prices":[{"effectiveFrom":"2026-01-01 00:00:00 +0000 UTC"}],"note":"2026-01-01 07:00:00 +0700 +07"}';
    expect(readStackValues({ "ndc:site": site, "ndc:day": "2025-08-18 00:00:00 +0000 UTC" })).toEqual({
      site: { prices: [{ effectiveFrom: "2026-01-01" }], note: "2026-01-01 07:00:00 +0700 +07" },
      day: "2025-08-18",
    });
  });
});

describe("stackFileName", () => {
  test("names the file under stackConfigDir", () => {
    expect(stackFileName("ndc1-hoalac")).toBe("stacks/Pulumi.ndc1-hoalac.yaml");
  });
});

// Importing the whole program takes seconds on a loaded 2-core machine.
describe("index.ts", { timeout: 30_000 }, () => {
  test("builds the local site from the stack config and exports its outputs", async () => {
    const { program, registered } = await importProgram("local", engineConfig(stackValues("local")));
    const mod = await program;
    expect(mod.siteId).toBe("local");
    expect(mod.namespaces.environments).toEqual(["bca-csdlqg-dancu", "byt-his-dev"]);
    expect(mod.capacity.pools.map((p: { name: string }) => p.name)).toEqual(["general", "secure", "platform"]);
    expect(mod.complianceExceptions).toEqual([expect.objectContaining({ namespace: "bca-csdlqg-dancu", rule: "multi-site" })]);
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    // The cluster's provider first, then the site through it.
    expect(registered.slice(0, 2)).toEqual(["pulumi:providers:kubernetes::ndc-cluster", "ndc:index:DataCenterSite::local"]);
  });

  test("a planned site (ndc3) has no cluster: no binding, no provider", async () => {
    const { program, registered } = await importProgram("ndc3", engineConfig(stackValues("ndc3")));
    expect((await program).siteId).toBe("ndc3");
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    expect(registered).toEqual(["ndc:index:DataCenterSite::ndc3"]);
  });

  test("fails when a site stack is not bound to its cluster yet, before registering anything", async () => {
    // With the database secret its operators set, the binding is what is missing.
    const { program, registered } = await importProgram("ndc2", engineConfig(deployableValues("ndc2")), ["ndc:controlPlane"]);
    await expect(program).rejects.toBeInstanceOf(pulumi.RunError);
    await expect(program).rejects.toThrow(
      /^stacks\/Pulumi\.ndc2\.yaml: ndc:cluster: lacks server, uid: stack ndc2 is not bound to a cluster yet; .*\[cluster-not-bound\]$/,
    );
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    expect(registered).toEqual([]);
  });

  test("fails when the cluster reached is not the stack's, with the guard's message and nothing registered", async () => {
    verify = async (stack) => {
      const { ClusterIdentityError } = await import("../../components/cluster-identity.ts");
      throw new ClusterIdentityError(`stack ${stack} applies only to a cluster on this machine`);
    };
    try {
      const { program, registered } = await importProgram("local", engineConfig(stackValues("local")));
      await expect(program).rejects.toBeInstanceOf(pulumi.RunError);
      await expect(program).rejects.toThrow("stack local applies only to a cluster on this machine");
      await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
      expect(registered).toEqual([]);
    } finally {
      verify = async () => ({
        path: "/tmp/admin.kubeconfig",
        kubeconfig: "apiVersion: v1\nkind: Config\n",
        identity: { server: "https://127.0.0.1:6443", uid: "0f6c2a3e-7f4d-4a51-9d55-1b2c3d4e5f60" },
      });
    }
  });

  test("fails when the stack config breaks a rule, naming the file, the key path and the rule, before registering anything", async () => {
    const values = structuredClone(stackValues("local")) as Record<string, any>;
    values.site.storageTiers[0].capacity = "-5Gi";
    const { program, registered } = await importProgram("local", engineConfig(values));
    // A RunError: the engine prints the message alone (file, key path, rule), no stack trace.
    await expect(program).rejects.toBeInstanceOf(pulumi.RunError);
    await expect(program).rejects.toThrow(/^stacks\/Pulumi\.local\.yaml: ndc:site\.storageTiers\[0\]\.capacity: .*\[quantity-format\]$/);
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    expect(registered).toEqual([]);
  });
});
