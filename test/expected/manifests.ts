// Hand-written expected manifests (YAML beside this file), the oracle of the "matches the builder"
// tests: the builder, the Pulumi component and the provisioner's live objects are each compared with
// them, never with the builder's own output or the drift comparator.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { KubernetesObject } from "../../model/index.ts";

/**
 * The expected objects of byt/his-app at ndc1, in apply order. Tests that cannot use that name (a
 * shared cluster) rename the environment; tests of the Pulumi component set `managedBy: pulumi`.
 * Both are plain text substitutions, not a rebuild.
 */
export function bytHisAppManifests(options: { environment?: string; managedBy?: string } = {}): KubernetesObject[] {
  const text = readFileSync(join(import.meta.dirname, "byt-his-app.ndc1.yaml"), "utf8");
  const objects = parseAllDocuments(text)
    .map((d) => d.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => o !== null);
  let json = JSON.stringify(objects);
  if (options.environment) {
    json = json
      .replaceAll('"byt-his-app"', JSON.stringify(`byt-${options.environment}`))
      .replaceAll('"ndc.gov.vn/environment":"his-app"', `"ndc.gov.vn/environment":${JSON.stringify(options.environment)}`);
  }
  if (options.managedBy)
    json = json.replaceAll('"app.kubernetes.io/managed-by":"ndc-control-plane"', `"app.kubernetes.io/managed-by":${JSON.stringify(options.managedBy)}`);
  return JSON.parse(json) as KubernetesObject[];
}
