// The control plane's public face: the HTTP API, the store (for the provisioner), workflow, auth, audit.
export * from "./api/index.ts";
export * from "./store/index.ts";
export * from "./workflow/index.ts";
export * from "./auth/index.ts";
export * from "./audit/index.ts";
export * from "./metrics/index.ts";
export * from "./config.ts";
