import { Type, type Static } from "@sinclair/typebox";

/** A status condition in the Kubernetes style (Crossplane Ready/Synced, Kratix workflow conditions). */
export const ConditionSchema = Type.Object({
  type: Type.String({ description: "Admitted, Approved, Provisioned, Ready, Decommissioned" }),
  status: Type.Union([Type.Literal("True"), Type.Literal("False"), Type.Literal("Unknown")]),
  reason: Type.String({ description: "CamelCase machine-readable reason" }),
  message: Type.String(),
  lastTransitionTime: Type.String({ format: "date-time" }),
});
export type Condition = Static<typeof ConditionSchema>;
