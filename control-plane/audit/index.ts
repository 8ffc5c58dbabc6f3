// The tamper-evident audit trail: record shapes and the hash chain (storage lives in store/).
export * from "./audit-record.ts";
export * from "./hash-chain.ts";
export * from "./audit-text.ts";
export * from "./checkpoint.ts";
