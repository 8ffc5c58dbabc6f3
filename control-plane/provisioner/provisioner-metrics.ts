import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** The provisioner's metrics, registered on the service's registry. */
export class ProvisionerMetrics {
  readonly driftRepairs: Counter<"site" | "kind">;
  readonly reconcileErrors: Counter<"site" | "reason">;
  readonly provisionDuration: Histogram<"outcome">;
  readonly queueDepth: Gauge;
  readonly applies: Counter<"site">;
  readonly reconcileDuration: Histogram<"site" | "outcome">;

  constructor(registry: Registry) {
    this.driftRepairs = new Counter({
      name: "ndc_drift_repairs_total",
      help: "objects put back after they were deleted or edited",
      labelNames: ["site", "kind"],
      registers: [registry],
    });
    this.reconcileErrors = new Counter({
      name: "ndc_reconcile_errors_total",
      help: "failed site reconciliations",
      labelNames: ["site", "reason"],
      registers: [registry],
    });
    this.provisionDuration = new Histogram({
      name: "ndc_provision_duration_seconds",
      help: "from claiming an environment's work to its transition",
      labelNames: ["outcome"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    });
    this.queueDepth = new Gauge({ name: "ndc_provisioner_queue_depth", help: "drift repairs waiting or running", registers: [registry] });
    this.reconcileDuration = new Histogram({
      name: "ndc_reconcile_duration_seconds",
      help: "one site's step of an environment's reconcile (apply, freeze, delete), by outcome: done, waiting, degraded (retried) or failed (terminal)",
      labelNames: ["site", "outcome"],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    this.applies = new Counter({ name: "ndc_server_side_applies_total", help: "server-side applies sent", labelNames: ["site"], registers: [registry] });
  }
}
