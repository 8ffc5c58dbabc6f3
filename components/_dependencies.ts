import * as pulumi from "@pulumi/pulumi";

/**
 * The resources named by a component's `dependsOn` option, so its children can wait for them too
 * (a child does not inherit its parent's dependsOn). Inputs that are not plain resources are ignored.
 */
export function dependenciesOf(opts?: pulumi.ComponentResourceOptions): pulumi.Resource[] {
  const d = opts?.dependsOn;
  if (d === undefined) return [];
  const list = Array.isArray(d) ? d : [d];
  return list.filter((r): r is pulumi.Resource => pulumi.Resource.isInstance(r));
}
