// Starts the control plane: read the environment, open the store, listen. Everything else is buildApp.
import { buildApp, LOGGER_OPTIONS } from "./api/index.ts";
import { configFromEnv } from "./config.ts";
import { openStore } from "./store/index.ts";

const config = configFromEnv();
const store = await openStore(config.store);
const app = await buildApp({
  store,
  platform: config.platform,
  auth: config.auth,
  logger: LOGGER_OPTIONS,
  rateLimit: { max: config.rateLimitPerMinute, windowMs: 60_000 },
  trustProxy: config.trustProxy,
});
app.log.info(
  { stacks: config.stacks, sites: [...config.platform.sites.keys()], store: store.backend, oidc: config.auth.oidc !== undefined, bootstrapToken: config.auth.bootstrapToken !== undefined },
  "ndc control plane starting",
);
await app.listen({ port: config.port, host: config.host });

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    app.log.info({ signal }, "shutting down");
    void app.close().then(() => store.close()).then(() => process.exit(0));
  });
}
