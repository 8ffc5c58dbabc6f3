import { DATA_CLASSES, LABELS, POLICY, type DataClass, type Policy, type Zone } from "../model/index.ts";
import { labelsOf, nameOf, TYPES, violation, type CheckedResource, type Violation } from "./_resources.ts";

/**
 * A namespace's zone must be allowed for its data class (model policy): core data only in
 * `restricted`, important data in `data` or `restricted`. Per resource.
 */
export function checkDataClassZone(resource: CheckedResource, policy: Policy = POLICY): Violation[] {
  if (resource.type !== TYPES.namespace) return [];
  const labels = labelsOf(resource);
  const dataClass = labels[LABELS.dataClass];
  if (dataClass === undefined) return [];
  if (!(DATA_CLASSES as readonly string[]).includes(dataClass)) {
    return [violation(resource, `namespace ${nameOf(resource)} has unknown data class ${JSON.stringify(dataClass)}; one of ${DATA_CLASSES.join(", ")}`)];
  }
  const allowed = policy.zonesByDataClass.allowed[dataClass as DataClass];
  const zone = labels[LABELS.zone] as Zone | undefined;
  if (zone !== undefined && allowed.includes(zone)) return [];
  return [
    violation(
      resource,
      `namespace ${nameOf(resource)} holds ${dataClass} data in zone ${JSON.stringify(zone ?? null)}; ${dataClass} data may only be placed in ${allowed.join(" or ")} (${policy.zonesByDataClass.source.law})`,
    ),
  ];
}
