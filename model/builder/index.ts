export * from "./kubernetes-object.ts";
export * from "./sharing-agreement.ts";
export * from "./platform-rbac.ts";
export * from "./network-policy.ts";
export * from "./environment-objects.ts";
export * from "./retention.ts";
export * from "./admission-policies.ts";
