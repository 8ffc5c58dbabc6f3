import type { EnvironmentPlan, Policy } from "../../model/index.ts";
import { POLICY } from "../../model/index.ts";

/** Whether a plan may be approved without a human, and why not when it may not. */
export interface AutoApprovalDecision {
  readonly approve: boolean;
  /** Each policy limit the plan exceeds (empty when approved). */
  readonly reasons: readonly string[];
}

/**
 * Applies `POLICY.autoApproval`: low-risk requests (low security level, ordinary data, dev/test,
 * modest CPU, memory and storage, no GPU, no compliance exception) skip the human approval step.
 */
export function autoApprovalDecision(plan: EnvironmentPlan, policy: Policy = POLICY): AutoApprovalDecision {
  const rule = policy.autoApproval;
  const spec = plan.environment.spec;
  const reasons: string[] = [];
  if (spec.securityLevel > rule.maxSecurityLevel) reasons.push(`security level ${spec.securityLevel} is above ${rule.maxSecurityLevel}`);
  if (!rule.dataClasses.includes(plan.dataClass)) reasons.push(`data class ${plan.dataClass} needs a human (auto: ${rule.dataClasses.join(", ")})`);
  if (!rule.stages.includes(spec.stage)) reasons.push(`stage ${spec.stage} needs a human (auto: ${rule.stages.join(", ")})`);
  if (plan.amounts.cpuMillis > rule.maxCpuMillis) reasons.push(`cpu ${plan.amounts.cpuMillis}m is above ${rule.maxCpuMillis}m`);
  if (plan.amounts.memoryBytes > rule.maxMemoryBytes) reasons.push(`memory ${plan.amounts.memoryBytes} bytes is above ${rule.maxMemoryBytes}`);
  if (plan.amounts.gpu > rule.maxGpu) reasons.push(`gpu ${plan.amounts.gpu} is above ${rule.maxGpu}`);
  const storageBytes = Object.values(plan.amounts.storageBytes).reduce((sum, b) => sum + b, 0);
  if (storageBytes > rule.maxStorageBytes) reasons.push(`storage ${storageBytes} bytes (all tiers) is above ${rule.maxStorageBytes}`);
  if (plan.complianceExceptions.length > 0) reasons.push("admitted with a compliance exception");
  if (spec.allowLoadBalancer) reasons.push("asks for LoadBalancer services");
  return { approve: reasons.length === 0, reasons };
}
