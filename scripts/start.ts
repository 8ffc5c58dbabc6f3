#!/usr/bin/env -S npx tsx
// `npm start`: the whole local platform — cluster, site baseline (real `pulumi up`), control plane.
import { parseArgs } from "node:util";
import { startLocalPlatform } from "./local-platform/index.ts";

const usage = `usage: npm start [-- --port 8080] [--data-dir .ndc] [--cluster local] [--skip-baseline]

Brings up, reusing whatever is already running:
  1. the Kubernetes cluster "local" on this machine, built from Go modules (the first build takes
     about 15 minutes; npm run cluster -- down stops it). $KUBECONFIG is never used
  2. the local stack's nodes
  3. the site baseline: pulumi up --stack local with the Pulumi engine built from Go modules
  4. the control plane's Kubernetes identity (the baseline's ServiceAccount)
  5. the control plane on SQLite (<data-dir>/ndc.sqlite), provisioning the site "local"

options:
  --port <n>         HTTP port (default $PORT or 8080)
  --data-dir <dir>   SQLite file, bootstrap and admin tokens, identity (default .ndc)
  --cluster <name>   another cluster of this machine (npm run cluster -- up --name <name>), started
                     when not running (default local)
  --skip-baseline    do not run pulumi up (the baseline must exist)
  --help             this text`;

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    "data-dir": { type: "string" },
    cluster: { type: "string" },
    "skip-baseline": { type: "boolean" },
    help: { type: "boolean" },
  },
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const port = values.port === undefined ? undefined : Number(values.port);
if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
  console.error(`--port must be a port number (1-65535), got ${JSON.stringify(values.port)}`);
  process.exit(2);
}
try {
  const platform = await startLocalPlatform({
    ...(port !== undefined ? { port } : {}),
    ...(values["data-dir"] ? { dataDir: values["data-dir"] } : {}),
    ...(values.cluster ? { cluster: values.cluster } : {}),
    skipBaseline: values["skip-baseline"] ?? false,
  });
  console.log(`
ndc-platform is up.
  portal     ${platform.url}/   (sign in with the token below; Vietnamese by default, English on a switch)
  API        ${platform.url}   (OpenAPI: ${platform.url}/openapi.json)
  token      ${platform.adminToken}   (platform-admin, kept in the data folder; mint others with POST /v1/tokens)
  cluster    KUBECONFIG=${platform.kubeconfig}
try:
  curl -s -H "authorization: Bearer ${platform.adminToken}" ${platform.url}/v1/sites
Ctrl-C stops the service; the cluster keeps running (npm run cluster -- down stops it).`);
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void platform.stop().then(() => process.exit(0)));
  platform.service.once("exit", (code) => process.exit(code ?? 1));
} catch (error) {
  console.error(`npm start failed: ${(error as Error).message}`);
  process.exit(1);
}
