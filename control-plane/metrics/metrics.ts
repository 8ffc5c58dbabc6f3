import type { FastifyInstance } from "fastify";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { addAmounts, poolCapacity, ZERO_AMOUNTS, type Platform, type ResourceAmounts } from "../../model/index.ts";
import type { Store } from "../store/index.ts";
import { PHASES } from "../workflow/index.ts";

/** The service's Prometheus metrics, on a registry of its own (several apps can live in one process). */
export interface ControlPlaneMetrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<"method" | "route" | "status">;
  readonly httpDuration: Histogram<"method" | "route" | "status">;
  /** Denied attempts (401, 403, 404 for isolation), by status. */
  readonly deniedRequests: Counter<"status">;
}

/**
 * Creates the metrics: HTTP rate and latency, environments by phase, capacity committed vs.
 * available per site/pool/zone and audit records (read from the store at scrape time), denied requests.
 */
export function createMetrics(options: { store: Store; platform: Platform; defaultMetrics?: boolean }): ControlPlaneMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: "ndc_" });
  const httpRequests = new Counter({ name: "ndc_http_requests_total", help: "HTTP requests answered", labelNames: ["method", "route", "status"] as const, registers: [registry] });
  const httpDuration = new Histogram({
    name: "ndc_http_request_duration_seconds",
    help: "HTTP request latency",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const deniedRequests = new Counter({ name: "ndc_denied_requests_total", help: "requests denied and audited (401, 403, 404 hiding another organization)", labelNames: ["status"] as const, registers: [registry] });
  const { store, platform } = options;
  new Gauge({
    name: "ndc_audit_records",
    help: "records in the audit trail",
    registers: [registry],
    async collect() {
      this.set(await store.countAudit());
    },
  });
  new Gauge({
    name: "ndc_environments",
    help: "environments by lifecycle phase",
    labelNames: ["phase"] as const,
    registers: [registry],
    async collect() {
      const counts = await store.countByPhase();
      for (const phase of PHASES) this.set({ phase }, counts[phase] ?? 0);
    },
  });
  new Gauge({
    name: "ndc_capacity_committed",
    help: "capacity committed to environments per site, pool and zone (cpu in millicores, memory in bytes, gpu)",
    labelNames: ["site", "pool", "zone", "resource"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const c of await store.commitments()) {
        this.inc({ site: c.site, pool: c.pool, zone: c.zone, resource: "cpu_millis" }, c.amounts.cpuMillis);
        this.inc({ site: c.site, pool: c.pool, zone: c.zone, resource: "memory_bytes" }, c.amounts.memoryBytes);
        this.inc({ site: c.site, pool: c.pool, zone: c.zone, resource: "gpu" }, c.amounts.gpu);
      }
    },
  });
  new Gauge({
    name: "ndc_capacity_available",
    help: "capacity not yet committed per site and pool (cpu in millicores, memory in bytes, gpu); admission refuses beyond it",
    labelNames: ["site", "pool", "resource"] as const,
    registers: [registry],
    async collect() {
      const used = new Map<string, ResourceAmounts>();
      for (const c of await store.commitments()) used.set(`${c.site}/${c.pool}`, addAmounts(used.get(`${c.site}/${c.pool}`) ?? ZERO_AMOUNTS, c.amounts));
      for (const site of platform.sites.values()) {
        for (const pool of site.config?.computePools ?? []) {
          const cap = poolCapacity(pool, site.config!);
          const u = used.get(`${site.id}/${pool.name}`) ?? ZERO_AMOUNTS;
          this.set({ site: site.id, pool: pool.name, resource: "cpu_millis" }, Math.max(0, cap.cpuMillis - u.cpuMillis));
          this.set({ site: site.id, pool: pool.name, resource: "memory_bytes" }, Math.max(0, cap.memoryBytes - u.memoryBytes));
          this.set({ site: site.id, pool: pool.name, resource: "gpu" }, Math.max(0, cap.gpu - u.gpu));
        }
      }
    },
  });
  new Gauge({
    name: "ndc_capacity_total",
    help: "schedulable capacity per site and pool after overcommit (cpu in millicores, memory in bytes, gpu)",
    labelNames: ["site", "pool", "resource"] as const,
    registers: [registry],
    collect() {
      for (const site of platform.sites.values()) {
        for (const pool of site.config?.computePools ?? []) {
          const cap = poolCapacity(pool, site.config!);
          this.set({ site: site.id, pool: pool.name, resource: "cpu_millis" }, cap.cpuMillis);
          this.set({ site: site.id, pool: pool.name, resource: "memory_bytes" }, cap.memoryBytes);
          this.set({ site: site.id, pool: pool.name, resource: "gpu" }, cap.gpu);
        }
      }
    },
  });
  return { registry, httpRequests, httpDuration, deniedRequests };
}

/** Counts and times every answered request by route pattern (bounded label values), and serves GET /metrics. */
export function installMetrics(app: FastifyInstance, metrics: ControlPlaneMetrics): void {
  app.addHook("onResponse", async (request, reply) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? "unmatched", status: String(reply.statusCode) };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
  });
  app.get(
    "/metrics",
    { config: { public: true, rateLimit: false }, schema: { operationId: "getMetrics", tags: ["operations"], summary: "Prometheus metrics (text exposition format)", produces: ["text/plain"] } },
    async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
}
