// The request workflow: the lifecycle table, conditions, auto-approval, and the use cases.
export * from "./lifecycle.ts";
export * from "./conditions.ts";
export * from "./transitions.ts";
export * from "./work-announcer.ts";
export * from "./auto-approval.ts";
export * from "./spec-patch.ts";
export * from "./environment-requests.ts";
export * from "./sharing-agreements.ts";
