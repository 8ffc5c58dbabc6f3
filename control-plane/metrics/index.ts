// Prometheus metrics of the control plane.
export * from "./metrics.ts";
