// The control plane's shared vocabulary, beneath the API, the workflow, the store and the provisioner:
// the phases and their classes, the condition shape, and the error catalogue.
export * from "./phases.ts";
export * from "./condition.ts";
export * from "./errors.ts";
export * from "./lineage.ts";
