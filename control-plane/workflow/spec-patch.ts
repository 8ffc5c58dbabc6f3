import { Type, type Static } from "@sinclair/typebox";
import { EnvironmentSpecSchema, ResourceRequestSchema, type EnvironmentSpec } from "../../model/index.ts";

const { name: _name, resources: _resources, ...changeable } = EnvironmentSpecSchema.properties;

/**
 * The body of `PATCH …/environments/{name}`: any spec field but the name. `resources` is merged
 * field by field and `storage` tier by tier, so a resize sends only what changes.
 */
export const EnvironmentPatchSchema = Type.Partial(
  Type.Object({ ...changeable, resources: Type.Partial(ResourceRequestSchema, { additionalProperties: false }) }),
  { additionalProperties: false },
);
export type EnvironmentPatch = Static<typeof EnvironmentPatchSchema>;

/** The spec after a patch (pure; the result is admitted again as a whole). */
export function applySpecPatch(spec: EnvironmentSpec, patch: EnvironmentPatch): EnvironmentSpec {
  const { resources, ...rest } = patch;
  const merged: EnvironmentSpec = { ...spec, ...(rest as Partial<EnvironmentSpec>) };
  if (!resources) return merged;
  const storage = resources.storage ? { ...(spec.resources.storage ?? {}), ...resources.storage } : spec.resources.storage;
  return {
    ...merged,
    resources: { ...spec.resources, ...resources, ...(storage ? { storage } : {}) },
  };
}
