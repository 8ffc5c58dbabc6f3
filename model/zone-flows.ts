import { POLICY, type Policy, type SecurityLevel, type Zone, type ZoneFlow } from "./policy.ts";

/** Flows out of a zone that the policy allows. */
export function egressFlows(from: Zone, policy: Policy = POLICY): ZoneFlow[] {
  return policy.flows.allowed.filter((f) => f.from === from);
}

/** Flows into a zone that the policy allows. */
export function ingressFlows(to: Zone, policy: Policy = POLICY): ZoneFlow[] {
  return policy.flows.allowed.filter((f) => f.to === to);
}

/** Whether a connection from one zone to another is allowed for a source of the given level. */
export function isFlowAllowed(from: Zone, to: Zone, sourceLevel: SecurityLevel, policy: Policy = POLICY): boolean {
  if (from === to) return true;
  return policy.flows.allowed.some((f) => f.from === from && f.to === to && sourceLevel >= (f.minSourceLevel ?? 1));
}
