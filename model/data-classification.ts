import { DATA_CLASSES, POLICY, type DataClass, type PersonalData, type Policy, type SecurityLevel } from "./policy.ts";

/** Orders data classes: other < important < core. */
export function dataClassRank(c: DataClass): number {
  return DATA_CLASSES.indexOf(c);
}

/**
 * The class that applies: the declared one, raised by the volume of personal data held.
 * @see Data Law 60/2024/QH15; Decision 20/2025/QĐ-TTg
 */
export function effectiveDataClass(declared: DataClass, personalData: PersonalData, subjects: number | undefined, policy: Policy = POLICY): DataClass {
  let result = declared;
  for (const rule of policy.personalDataVolume.rules) {
    if (rule.personalData === personalData && (subjects ?? 0) >= rule.atLeast && dataClassRank(rule.raisesTo) > dataClassRank(result)) {
      result = rule.raisesTo;
    }
  }
  return result;
}

/** The lowest security level an environment may declare. */
export function minimumSecurityLevel(dataClass: DataClass, personalData: PersonalData, nationalDatabase: boolean, policy: Policy = POLICY): SecurityLevel {
  const { byDataClass, byPersonalData } = policy.minimumLevel;
  const level = Math.max(byDataClass[dataClass], byPersonalData[personalData], nationalDatabase ? policy.minimumLevel.nationalDatabase : 1);
  return level as SecurityLevel;
}
