// Starts the control plane: read the environment, open the store, listen, and provision the sites
// that have a kubeconfig (NDC_KUBECONFIG_<SITE>). Everything else is buildApp and Provisioner.
import { buildApp, LOGGER_OPTIONS } from "./api/index.ts";
import { configFromEnv } from "./config.ts";
import { buildPortal, readPortal } from "./portal/index.ts";
import { kubeconfigVariable, Provisioner, siteKubeConfigsFromEnv } from "./provisioner/index.ts";
import { openStore } from "./store/index.ts";

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  console.log(`usage: npm run serve    (the control plane alone; npm start brings up the whole local platform)

configured by environment variables:
  PORT (8080)  HOST (0.0.0.0)  LOG_LEVEL (info)
  NDC_DATA_DIR (./.ndc)          SQLite file ndc.sqlite
  DATABASE_URL                   PostgreSQL instead of SQLite (several replicas)
  NDC_STACKS_DIR (stacks)        site stacks to admit against; NDC_SITES=a,b loads only those
  NDC_KUBECONFIG_<SITE>          kubeconfig of a site's cluster (e.g. NDC_KUBECONFIG_NDC1); sites
                                 without one keep their requests approved until it is set
  NDC_BOOTSTRAP_TOKEN            mints the first platform admin (POST /v1/tokens), then is refused
  NDC_OIDC_ISSUER, NDC_OIDC_AUDIENCE, NDC_OIDC_JWKS_URL | NDC_OIDC_JWKS_FILE
  NDC_OIDC_MAX_TOKEN_AGE_SECONDS (3600)  oldest accepted OIDC token (from iat); exp is required
  NDC_OIDC_ROLE_PREFIX (ndc:)    roles only from groups named <prefix><role>, e.g. ndc:operator
  NDC_OIDC_AUTHORIZATION_ENDPOINT, NDC_OIDC_TOKEN_ENDPOINT, NDC_OIDC_SCOPE (openid)
                                 the portal's sign-in with the identity provider (code + PKCE)
  NDC_RATE_LIMIT_PER_MINUTE (1200)
  NDC_AUTH_FAILURES_PER_MINUTE (60)  failed authentications per address per minute before 429
  NDC_METRICS_TOKEN              when set, GET /metrics needs Authorization: Bearer <it>
  NDC_TRUST_PROXY                "true" or the proxies' addresses (comma-separated): trust their
                                 X-Forwarded-For, so per-address limits count clients, not the ingress
  NDC_PORTAL_DIR                 serve the portal built ahead there (index.html, app.js, app.css;
                                 the image sets it) instead of bundling its source at start
  NDC_AUDIT_CHECKPOINT_FILE, NDC_AUDIT_CHECKPOINT_KEY_FILE (Ed25519 PEM)
                                 sign the audit head into a file outside the database every
                                 NDC_AUDIT_CHECKPOINT_INTERVAL_SECONDS (60); verify checks it`);
  process.exit(0);
}

const config = configFromEnv();
const kubeConfigs = siteKubeConfigsFromEnv(config.platform.sites.keys());
const store = await openStore(config.store);
const app = await buildApp({
  store,
  platform: config.platform,
  auth: config.auth,
  logger: LOGGER_OPTIONS,
  rateLimit: { max: config.rateLimitPerMinute, windowMs: 60_000 },
  authFailuresPerMinute: config.authFailuresPerMinute,
  trustProxy: config.trustProxy,
  ...(config.metricsToken ? { metricsToken: config.metricsToken } : {}),
  ...(config.auditCheckpoint ? { auditCheckpoint: config.auditCheckpoint } : {}),
  // The web portal at `/`, bundled from source now (nothing to build beforehand, nothing from a CDN),
  // or read from NDC_PORTAL_DIR where it was built ahead (the image: no esbuild, no source).
  portal: { assets: config.portalDir ? readPortal(config.portalDir) : await buildPortal(), ...(config.portalOidc ? { oidc: config.portalOidc } : {}) },
});
if (!config.auditCheckpoint)
  app.log.warn(
    "NDC_AUDIT_CHECKPOINT_FILE is not set: the audit chain's head is not anchored outside the database, so deleting its last records goes unnoticed",
  );

// Without any site kubeconfig, requests are admitted and approved and wait for a reachable site.
const provisioner =
  kubeConfigs.size > 0
    ? new Provisioner({ store, platform: config.platform, sites: kubeConfigs, log: app.log, registry: app.ndc.metrics.registry })
    : undefined;
// The workflow announces each committed change that queued work; the provisioner's workers wake.
if (provisioner) app.ndc.requests.work.subscribe(() => provisioner.notify());

app.log.info(
  {
    stacks: config.stacks,
    sites: [...config.platform.sites.keys()],
    provisioning: [...kubeConfigs.keys()],
    notProvisioning: [...config.platform.sites.keys()].filter((s) => !kubeConfigs.has(s)).map((s) => `${s} (set ${kubeconfigVariable(s)})`),
    store: store.backend,
    oidc: config.auth.oidc !== undefined,
    bootstrapToken: config.auth.bootstrapToken !== undefined,
  },
  "ndc control plane starting",
);
const address = await app.listen({ port: config.port, host: config.host });
app.log.info({ portal: `${address}/` }, "portal ready");
await app.ndc.anchorAudit();
await provisioner?.start();

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    app.log.info({ signal }, "shutting down");
    void (async () => {
      await provisioner?.stop();
      // The last records since the previous checkpoint are anchored before the process ends.
      await app.ndc.anchorAudit().catch((error: unknown) => app.log.error({ err: error }, "audit checkpoint failed"));
      await app.close();
      await store.close();
      process.exit(0);
    })();
  });
}
