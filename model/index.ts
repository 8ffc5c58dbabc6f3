// The pure domain model of the data center: no I/O, no Pulumi, no HTTP, no Kubernetes client.
export * from "./validation-error.ts";
export * from "./quantity.ts";
export * from "./policy.ts";
export * from "./names.ts";
export * from "./schema-check.ts";
export * from "./environment-spec.ts";
export * from "./site-config.ts";
export * from "./platform.ts";
export * from "./data-classification.ts";
export * from "./zone-flows.ts";
export * from "./tenant-groups.ts";
export * from "./admission.ts";
export * from "./site-stack.ts";
export * from "./builder/index.ts";
