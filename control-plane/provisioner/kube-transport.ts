import { Agent, request, type RequestOptions } from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";

/** A response from the API server: status and parsed JSON body (undefined when empty). */
export interface KubeResponse {
  readonly status: number;
  readonly body: unknown;
}

/** The API server answered with an error status; `reason` is the Status reason when given. */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = "KubeApiError";
  }
}

export interface KubeTransportOptions {
  /** Concurrent connections to the API server. @default 16 */
  readonly maxSockets?: number;
  /** Per-request timeout. @default 30_000 ms */
  readonly timeoutMs?: number;
}

/**
 * HTTPS to one API server over kept-alive connections. Credentials come from a KubeConfig via
 * client-node (certificates, tokens, CA); the connection pool is ours because client-node 2.x
 * builds a new agent for every request, which costs a TLS handshake per apply.
 */
export class KubeTransport {
  private constructor(
    private readonly server: URL,
    private readonly base: RequestOptions,
    private readonly timeoutMs: number,
  ) {}

  /** Reads credentials once from the KubeConfig's current context. */
  static async fromKubeConfig(kc: KubeConfig, options: KubeTransportOptions = {}): Promise<KubeTransport> {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error("kubeconfig has no current cluster: set current-context to a context with a cluster");
    const opts: RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    const agent = new Agent({
      keepAlive: true,
      maxSockets: options.maxSockets ?? 16,
      ca: opts.ca,
      cert: opts.cert,
      key: opts.key,
      rejectUnauthorized: opts.rejectUnauthorized,
    });
    const headers = { ...(opts.headers as Record<string, string> | undefined), accept: "application/json" };
    return new KubeTransport(new URL(cluster.server), { agent, headers, auth: opts.auth }, options.timeoutMs ?? 30_000);
  }

  /** The API server's address, for messages. */
  get address(): string {
    return this.server.origin;
  }

  /**
   * Sends one request.
   * @throws KubeApiError on a status >= 400; a plain Error when the server cannot be reached
   */
  async send(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<KubeResponse> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise<KubeResponse>((resolve, reject) => {
      const req = request(
        {
          ...this.base,
          protocol: this.server.protocol,
          hostname: this.server.hostname,
          port: this.server.port,
          method,
          path,
          headers: { ...this.base.headers, ...(payload ? { "content-type": contentType, "content-length": payload.length } : {}) },
          timeout: this.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let parsed: unknown;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              parsed = text;
            }
            const status = res.statusCode ?? 0;
            if (status >= 400) {
              const s = parsed as { reason?: string; message?: string } | undefined;
              reject(new KubeApiError(status, s?.reason ?? "Unknown", `${method} ${path}: ${status} ${s?.message ?? text.slice(0, 200)}`));
            } else resolve({ status, body: parsed });
          });
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer from ${this.address} within ${this.timeoutMs} ms`)));
      req.on("error", (err) => reject(new Error(`${method} ${path}: cannot reach ${this.address}: ${err.message}`)));
      if (payload) req.write(payload);
      req.end();
    });
  }

  /** Closes kept-alive connections. */
  close(): void {
    (this.base.agent as Agent).destroy();
  }
}
