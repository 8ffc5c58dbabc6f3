import type { FastifyInstance } from "fastify";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { addAmounts, poolCapacity, ZERO_AMOUNTS, type Platform, type ResourceAmounts } from "../../model/index.ts";
import { sameToken } from "../auth/index.ts";
import type { Store } from "../store/index.ts";
import { PHASES } from "../workflow/index.ts";

/** The service's Prometheus metrics, on a registry of its own (several apps can live in one process). */
export interface ControlPlaneMetrics {
  /** The platform-wide series: served on /metrics, open unless NDC_METRICS_TOKEN is set. */
  readonly registry: Registry;
  /**
   * The per-organization series (`ndc_organization_*`: environments by phase, committed capacity):
   * who runs what, and how much of it, is the organizations' business, so /metrics serves them only
   * to a scrape that proved the metrics token (never when NDC_METRICS_TOKEN is not set).
   */
  readonly organizationRegistry: Registry;
  readonly httpRequests: Counter<"method" | "route" | "status">;
  readonly httpDuration: Histogram<"method" | "route" | "status">;
  /** Denied attempts (401, 403, 404 for isolation), by status. */
  readonly deniedRequests: Counter<"status">;
  /** Something the store-derived figures show has changed: the next scrape reads them again. */
  invalidate(): void;
  /** A verification of the audit chain ended (ok or broken): what NdcAuditChainBroken watches. */
  auditVerified(ok: boolean): void;
}

/** What the store-derived gauges show, read in one go and kept in memory between reads. */
interface StoreFigures {
  readonly audit: number;
  readonly phases: Partial<Record<string, number>>;
  readonly sitePhases: Awaited<ReturnType<Store["countBySitePhase"]>>;
  readonly orgPhases: Awaited<ReturnType<Store["countByOrgPhase"]>>;
  readonly commitments: Awaited<ReturnType<Store["commitments"]>>;
}

export interface MetricsOptions {
  readonly store: Store;
  readonly platform: Platform;
  readonly defaultMetrics?: boolean;
  /** Store figures older than this are read again at the next scrape. @default 15000 */
  readonly refreshMs?: number;
  /** Clock (tests). @default Date.now */
  readonly now?: () => number;
}

/**
 * Creates the metrics: HTTP rate and latency, environments by phase, capacity committed vs.
 * available per site/pool/zone and audit records, denied requests. The store's figures are kept in
 * memory: a scrape reads the database only when a write changed them (`invalidate()`) or they are
 * older than `refreshMs`, and never twice at once — so a flood of scrapes costs the database (and
 * `node:sqlite`'s synchronous calls on the event loop) nothing.
 */
export function createMetrics(options: MetricsOptions): ControlPlaneMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: "ndc_" });
  const httpRequests = new Counter({
    name: "ndc_http_requests_total",
    help: "HTTP requests answered",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: "ndc_http_request_duration_seconds",
    help: "HTTP request latency",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const deniedRequests = new Counter({
    name: "ndc_denied_requests_total",
    help: "requests denied and audited (401, 403, 404 hiding another organization)",
    labelNames: ["status"] as const,
    registers: [registry],
  });
  const organizationRegistry = new Registry();
  const storeReads = new Counter({
    name: "ndc_metrics_store_reads_total",
    help: "times the metrics read their figures from the store (not once per scrape)",
    registers: [registry],
  });
  const { store, platform } = options;
  const refreshMs = options.refreshMs ?? 15_000;
  const clock = options.now ?? Date.now;
  let figures: StoreFigures | undefined;
  let readAt = 0;
  let dirty = true;
  let reading: Promise<StoreFigures> | undefined;
  const read = async (): Promise<StoreFigures> => {
    dirty = false;
    storeReads.inc();
    const [audit, phases, sitePhases, orgPhases, commitments] = [
      await store.countAudit(),
      await store.countByPhase(),
      await store.countBySitePhase(),
      await store.countByOrgPhase(),
      await store.commitments(),
    ];
    readAt = clock();
    return (figures = { audit, phases, sitePhases, orgPhases, commitments });
  };
  const current = (): Promise<StoreFigures> => {
    if (reading) return reading;
    if (figures && !dirty && clock() - readAt < refreshMs) return Promise.resolve(figures);
    reading = read().finally(() => (reading = undefined));
    return reading;
  };
  new Gauge({
    name: "ndc_audit_records",
    help: "records in the audit trail",
    registers: [registry],
    async collect() {
      this.set((await current()).audit);
    },
  });
  new Gauge({
    name: "ndc_environments",
    help: "environments by lifecycle phase",
    labelNames: ["phase"] as const,
    registers: [registry],
    async collect() {
      const counts = (await current()).phases;
      for (const phase of PHASES) this.set({ phase }, counts[phase] ?? 0);
    },
  });
  new Gauge({
    name: "ndc_environment_sites",
    help: "environments by site and their phase at that site (Pending, Applying, Ready, Degraded, Failed, Retained, Deleting, …); rejected and deleted environments left out",
    labelNames: ["site", "phase"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const { site, phase, count } of (await current()).sitePhases) this.set({ site, phase }, count);
    },
  });
  new Gauge({
    name: "ndc_organization_environments",
    help: "environments by organization and lifecycle phase (the organization dashboard; only with the metrics token)",
    labelNames: ["org", "phase"] as const,
    registers: [organizationRegistry],
    async collect() {
      this.reset();
      for (const { org, phase, count } of (await current()).orgPhases) this.set({ org, phase }, count);
    },
  });
  const auditChainOk = new Gauge({
    name: "ndc_audit_chain_ok",
    help: "1 when the last verification of the audit chain found it intact, else 0 (also before the first: see the timestamp, 0 until then)",
    registers: [registry],
  });
  const auditVerifiedAt = new Gauge({
    name: "ndc_audit_chain_last_verified_timestamp_seconds",
    help: "when the audit chain was last verified (GET /v1/audit/verify, ndc audit verify)",
    registers: [registry],
  });
  new Gauge({
    name: "ndc_capacity_committed",
    help: "capacity committed to environments per site, pool and zone (cpu in millicores, memory in bytes, gpu)",
    labelNames: ["site", "pool", "zone", "resource"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const c of (await current()).commitments) {
        this.inc({ site: c.site, pool: c.pool, zone: c.zone, resource: "cpu_millis" }, c.amounts.cpuMillis);
        this.inc({ site: c.site, pool: c.pool, zone: c.zone, resource: "memory_bytes" }, c.amounts.memoryBytes);
        this.inc({ site: c.site, pool: c.pool, zone: c.zone, resource: "gpu" }, c.amounts.gpu);
      }
    },
  });
  // Per organization, over every site: what showback charges for, as it stands now.
  const byOrg = async () => {
    const totals = new Map<string, ResourceAmounts>();
    for (const c of (await current()).commitments) totals.set(c.org, addAmounts(totals.get(c.org) ?? ZERO_AMOUNTS, c.amounts));
    return totals;
  };
  new Gauge({
    name: "ndc_organization_committed",
    help: "capacity committed to an organization's environments over all sites (cpu in millicores, memory in bytes, gpu; only with the metrics token)",
    labelNames: ["org", "resource"] as const,
    registers: [organizationRegistry],
    async collect() {
      this.reset();
      for (const [org, a] of await byOrg()) {
        this.set({ org, resource: "cpu_millis" }, a.cpuMillis);
        this.set({ org, resource: "memory_bytes" }, a.memoryBytes);
        this.set({ org, resource: "gpu" }, a.gpu);
      }
    },
  });
  new Gauge({
    name: "ndc_organization_committed_storage_bytes",
    help: "storage committed to an organization's environments over all sites, per storage tier (only with the metrics token)",
    labelNames: ["org", "tier"] as const,
    registers: [organizationRegistry],
    async collect() {
      this.reset();
      for (const [org, a] of await byOrg()) for (const [tier, bytes] of Object.entries(a.storageBytes)) this.set({ org, tier }, bytes);
    },
  });
  new Gauge({
    name: "ndc_capacity_available",
    help: "capacity not yet committed per site and pool (cpu in millicores, memory in bytes, gpu); admission refuses beyond it",
    labelNames: ["site", "pool", "resource"] as const,
    registers: [registry],
    async collect() {
      const used = new Map<string, ResourceAmounts>();
      for (const c of (await current()).commitments) used.set(`${c.site}/${c.pool}`, addAmounts(used.get(`${c.site}/${c.pool}`) ?? ZERO_AMOUNTS, c.amounts));
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
  const auditVerified = (ok: boolean): void => {
    auditChainOk.set(ok ? 1 : 0);
    auditVerifiedAt.set(clock() / 1000);
  };
  return { registry, organizationRegistry, httpRequests, httpDuration, deniedRequests, invalidate: () => void (dirty = true), auditVerified };
}

/**
 * Counts and times every answered request by route pattern (bounded label values), and serves GET
 * /metrics: with `token`, only to a scrape that sends it, and then with the per-organization series;
 * without, open and platform-wide only (no series with an `org` label).
 */
export function installMetrics(app: FastifyInstance, metrics: ControlPlaneMetrics, token?: string): void {
  app.addHook("onResponse", async (request, reply) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? "unmatched", status: String(reply.statusCode) };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    // Any answered write may change phases, commitments or the audit trail (denials included).
    if (request.method !== "GET" && request.method !== "HEAD") metrics.invalidate();
    else if (reply.statusCode === 401 || reply.statusCode === 403 || reply.statusCode === 404) metrics.invalidate();
  });
  app.get(
    "/metrics",
    {
      config: { public: true, rateLimit: false },
      // The document says what this service does: open, or (NDC_METRICS_TOKEN) its own bearer token.
      schema: {
        operationId: "getMetrics",
        tags: ["operations"],
        summary:
          token === undefined
            ? "Prometheus metrics (text exposition format); open on this service (NDC_METRICS_TOKEN is not set), so platform-wide only: the per-organization series (ndc_organization_*) need the metrics token"
            : "Prometheus metrics (text exposition format), the per-organization series (ndc_organization_*) included; needs Bearer NDC_METRICS_TOKEN, not an API token",
        security: token === undefined ? [] : [{ bearer: [] }],
        response: {
          200: { description: "Prometheus text exposition format 0.0.4", content: { "text/plain": { schema: { type: "string" } } } },
          ...(token === undefined ? {} : { 401: METRICS_UNAUTHENTICATED }),
        },
      },
    },
    async (request, reply) => {
      if (token !== undefined && !bearerMatches(request.headers.authorization, token)) {
        // Answered here, not through the error handler: a scraper with a wrong token must not fill the audit trail.
        const detail = "send Authorization: Bearer <the metrics token> (NDC_METRICS_TOKEN)";
        return reply
          .code(401)
          .type("application/problem+json")
          .header("www-authenticate", 'Bearer realm="metrics"')
          .send({
            type: "https://ndc.gov.vn/problems/unauthenticated",
            title: "A valid token is required",
            status: 401,
            detail,
            instance: "/metrics",
            code: "NDC_ERR_UNAUTHENTICATED",
            requestId: request.id,
            errors: [{ field: "header.authorization", rule: "metrics-token", message: detail }],
          });
      }
      // Past the check above, a service with a token has seen it: only then the organizations' series.
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(token === undefined ? text : text + (await metrics.organizationRegistry.metrics()));
    },
  );
}

/** The 401 problem+json of /metrics, documented when the service sets NDC_METRICS_TOKEN. */
const METRICS_UNAUTHENTICATED = {
  description: "no valid metrics token",
  content: {
    "application/problem+json": {
      schema: {
        type: "object",
        required: ["type", "title", "status", "detail", "code", "errors"],
        properties: {
          type: { type: "string" },
          title: { type: "string" },
          status: { type: "integer" },
          detail: { type: "string" },
          instance: { type: "string" },
          code: { type: "string" },
          requestId: { type: "string" },
          errors: { type: "array" },
        },
      },
    },
  },
};

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer (.+)$/.exec(header ?? "")?.[1];
  return given !== undefined && sameToken(given, token);
}
