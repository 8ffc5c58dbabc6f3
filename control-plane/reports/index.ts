// Reports over the store and the model: compliance, showback and the capacity roadmap.
export * from "./csv.ts";
export * from "./history.ts";
export * from "./compliance-report.ts";
export * from "./usage-report.ts";
export * from "./roadmap-report.ts";
export * from "./paging.ts";
