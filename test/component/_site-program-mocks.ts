// Runs the site program under Pulumi mocks and captures every resource it registers. The mocks are
// global state: each run calls setMocks afresh (new mock monitor), and runs must not overlap.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { configValues } from "../../model/index.ts";
import { CLUSTER_PROVIDER_NAME, siteProgram, type DataCenterSite } from "../../components/index.ts";

export const STACKS_DIR = join(import.meta.dirname, "..", "..", "stacks");

/** Stack names with a file in stacks/ (`Pulumi.<stack>.yaml`). */
export const STACKS: readonly string[] = readdirSync(STACKS_DIR)
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined)
  .sort();

/** The `ndc:*` values of a stack file, without the prefix (what the program reads from config). */
export function stackValues(stack: string): Record<string, unknown> {
  const doc = parseYaml(readFileSync(join(STACKS_DIR, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
  return configValues(doc.config);
}

/** The PostgreSQL URL the tests give a control plane with several replicas, as an operator sets it (a secret). */
export const TEST_DATABASE_URL = "postgresql://ndc:s3cret-pw@db.mgmt.ndc.internal:5432/ndc";

/**
 * A stack's values as the engine hands them over once the operator has set the control plane's
 * database secret: stacks running several replicas get {@link TEST_DATABASE_URL} (they refuse SQLite).
 */
export function deployableValues(stack: string): Record<string, unknown> {
  const values = stackValues(stack) as Record<string, any>;
  const cp = values.controlPlane;
  if (cp && (cp.replicas ?? 2) > 1 && cp.databaseUrl === undefined) values.controlPlane = { ...cp, databaseUrl: TEST_DATABASE_URL };
  return values;
}

/** One registered resource as the mock monitor saw it. */
export interface CapturedResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** Type of the parent (from the URN's type chain); undefined for a root resource. */
  readonly parentType?: string;
  readonly custom: boolean;
  readonly inputs: Record<string, any>;
  /** The provider reference the resource was registered with (`<urn>::<id>`), if any. */
  readonly provider?: string;
}

/** What a run produced: the resources in registration order and the site component. */
export interface ProgramRun {
  readonly resources: readonly CapturedResource[];
  readonly site?: DataCenterSite;
  readonly error?: unknown;
}

interface MockMonitorLike {
  getRegisteredResources(): Map<string, { urn: string }>;
}

/**
 * Runs `siteProgram(values, stack)` under fresh mocks and waits for every registration; with
 * `withProvider`, through an explicit Kubernetes provider as the engine's run does.
 */
export async function runSiteProgram(
  stack: string,
  values: Record<string, unknown> = deployableValues(stack),
  options: { withProvider?: boolean; databaseUrlIsSecret?: boolean } = {},
): Promise<ProgramRun> {
  const seen: { type: string; name: string; custom: boolean; inputs: Record<string, any>; provider?: string }[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        seen.push({
          type: args.type,
          name: args.name,
          custom: args.custom ?? false,
          inputs: args.inputs,
          ...(args.provider ? { provider: args.provider } : {}),
        });
        return { id: args.custom ? `${args.name}-id` : undefined, state: args.inputs };
      },
      call: (args) => {
        throw new Error(`unexpected invoke ${args.token}: the site program reads nothing from the cluster`);
      },
    },
    "ndc",
    stack,
    true,
  );
  let site: DataCenterSite | undefined;
  let error: unknown;
  try {
    const provider = options.withProvider
      ? new k8s.Provider(CLUSTER_PROVIDER_NAME, { kubeconfig: "apiVersion: v1\nkind: Config\n", clusterIdentifier: "0f6c2a3e-7f4d-4a51-9d55-1b2c3d4e5f60" })
      : undefined;
    site = siteProgram(values, stack, { ...(provider ? { provider } : {}), databaseUrlIsSecret: options.databaseUrlIsSecret ?? true });
  } catch (err) {
    error = err;
  }
  await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorLike;
  const urns = [...monitor.getRegisteredResources().keys()];
  const resources = seen.map((r) => {
    const urn = urns.find((u) => u.endsWith(`::${r.name}`) && typeChain(u).at(-1) === r.type);
    if (!urn) throw new Error(`no URN registered for ${r.type} ${r.name}`);
    const chain = typeChain(urn);
    return { ...r, urn, ...(chain.length > 1 ? { parentType: chain.at(-2)! } : {}) };
  });
  return { resources, ...(site ? { site } : {}), ...(error !== undefined ? { error } : {}) };
}

/** `urn:pulumi:<stack>::<project>::<parentType>$<type>::<name>` -> [parentType, type]. */
function typeChain(urn: string): string[] {
  return urn.split("::")[2]!.split("$");
}

/** Kubernetes objects (apiVersion, kind, metadata, ...) from the captured custom resources. */
export function kubernetesObjects(resources: readonly CapturedResource[]): Record<string, any>[] {
  return resources.filter((r) => r.custom && r.type.startsWith("kubernetes:")).map((r) => r.inputs);
}

/** Resolves a component output that is a plain value or a pulumi Output. */
export function valueOf<T>(value: T | pulumi.Output<T>): Promise<T> {
  return pulumi.Output.isInstance(value) ? new Promise((resolve) => value.apply((v) => resolve(v as T))) : Promise.resolve(value as T);
}
