// A TLS proxy in front of a real API server that counts the server-side applies it forwards, per
// namespace. It lives in the test process, so what it counted survives a provisioner's SIGKILL.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, createServer, request } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface CountingProxy {
  /** `https://127.0.0.1:<port>`, to put in a kubeconfig instead of the API server. */
  readonly url: string;
  /** The proxy's serving certificate (PEM): the kubeconfig's certificate authority. */
  readonly ca: string;
  /** Server-side applies forwarded so far, per namespace (a Namespace object counts for itself). */
  counts(): Map<string, number>;
  close(): Promise<void>;
}

/** Where to forward: the API server and the client identity the proxy presents to it. */
export interface Upstream {
  readonly server: string;
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

export async function startCountingProxy(upstream: Upstream): Promise<CountingProxy> {
  const dir = mkdtempSync(join(tmpdir(), "ndc-proxy-"));
  // A throw-away serving certificate for 127.0.0.1 (openssl is a prerequisite of the test clusters).
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
      "-days",
      "1",
      "-subj",
      "/CN=ndc-counting-proxy",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ],
    { stdio: "ignore" },
  );
  const cert = readFileSync(join(dir, "cert.pem"), "utf8");
  const key = readFileSync(join(dir, "key.pem"), "utf8");
  rmSync(dir, { recursive: true, force: true });
  const target = new URL(upstream.server);
  const agent = new Agent({ keepAlive: true, ca: upstream.ca, cert: upstream.cert, key: upstream.key });
  const counted = new Map<string, number>();
  const server = createServer({ cert, key }, (req, res) => {
    const path = req.url ?? "/";
    if (req.method === "PATCH" && String(req.headers["content-type"] ?? "").startsWith("application/apply-patch")) {
      const namespace = /\/namespaces\/([^/?]+)/.exec(path)?.[1];
      if (namespace) counted.set(namespace, (counted.get(namespace) ?? 0) + 1);
    }
    const forwarded = request(
      { hostname: target.hostname, port: target.port, method: req.method, path, headers: { ...req.headers, host: target.host }, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on("error", () => res.destroy());
    req.on("aborted", () => forwarded.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    ca: cert,
    counts: () => new Map(counted),
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      agent.destroy();
    },
  };
}
