// The Pulumi entry (index.ts) as the engine runs it: config from the stack, outputs exported.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, test, vi } from "vitest";
import { readStackValues, stackFileName } from "../../components/index.ts";
import { stackValues } from "./_site-program-mocks.ts";

/** The config map the engine hands the program for a stack: `ndc:<key>` -> JSON text. */
function engineConfig(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [`ndc:${k}`, JSON.stringify(v)]));
}

async function importProgram(stack: string, config: Record<string, string>) {
  const registered: string[] = [];
  await pulumi.runtime.setMocks(
    { newResource: (a) => (registered.push(`${a.type}::${a.name}`), { id: `${a.name}-id`, state: a.inputs }), call: () => ({}) },
    "ndc",
    stack,
    true,
  );
  pulumi.runtime.setAllConfig(config);
  vi.resetModules(); // index.ts runs the program when imported: import it afresh each time
  const program = import("../../index.ts");
  return { program, registered };
}

describe("readStackValues", () => {
  test("decodes JSON values, keeps plain strings, drops other namespaces", () => {
    expect(readStackValues({ "ndc:site": '{"id":"x"}', "ndc:note": "plain text", "kubernetes:context": "local" })).toEqual({ site: { id: "x" }, note: "plain text" });
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

describe("index.ts", () => {
  test("builds the local site from the stack config and exports its outputs", async () => {
    const { program, registered } = await importProgram("local", engineConfig(stackValues("local")));
    const mod = await program;
    expect(mod.siteId).toBe("local");
    expect(mod.namespaces.environments).toEqual(["bca-csdlqg-dancu", "byt-his-dev"]);
    expect(mod.capacity.pools.map((p: { name: string }) => p.name)).toEqual(["general", "secure", "platform"]);
    expect(mod.complianceExceptions).toEqual([expect.objectContaining({ namespace: "bca-csdlqg-dancu", rule: "multi-site" })]);
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    expect(registered[0]).toBe("ndc:index:DataCenterSite::local");
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
