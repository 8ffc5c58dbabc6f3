import { readFileSync } from "node:fs";
import { Agent, request, type RequestOptions } from "node:https";
import type { KubeCredentials } from "./kube-credentials.ts";

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
 * HTTPS to one API server over kept-alive connections (client-node 2.x builds a new agent, so a
 * new TLS handshake, for every request), plus long-lived watch streams on connections of their own.
 */
export class KubeTransport {
  private constructor(
    private readonly server: URL,
    private readonly base: RequestOptions,
    private readonly watchBase: RequestOptions,
    private readonly timeoutMs: number,
    /** A token file re-read at most once a minute (kubelet rotates projected tokens well before expiry). */
    private readonly tokenFile?: { readonly path: string; readAt: number },
  ) {}

  static fromCredentials(creds: KubeCredentials, options: KubeTransportOptions = {}): KubeTransport {
    const tls = { ca: creds.ca, cert: creds.cert, key: creds.key, rejectUnauthorized: !creds.insecureSkipTlsVerify };
    const headers: Record<string, string> = { accept: "application/json", ...(creds.token ? { authorization: `Bearer ${creds.token}` } : {}) };
    const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 16, ...tls });
    const watchAgent = new Agent({ keepAlive: false, ...tls });
    const tokenFile = creds.tokenFile ? { path: creds.tokenFile, readAt: 0 } : undefined;
    return new KubeTransport(new URL(creds.server), { agent, headers }, { agent: watchAgent, headers }, options.timeoutMs ?? 30_000, tokenFile);
  }

  private refreshToken(): void {
    if (!this.tokenFile || Date.now() - this.tokenFile.readAt < 60_000) return;
    const token = readFileSync(this.tokenFile.path, "utf8").trim();
    this.tokenFile.readAt = Date.now();
    for (const base of [this.base, this.watchBase]) base.headers = { ...base.headers, authorization: `Bearer ${token}` };
  }

  /**
   * Opens a watch: each JSON line the server sends goes to `onEvent`; `onEnd` is called once when
   * the stream ends (undefined: the server closed it normally). Returns a stop function.
   */
  stream(path: string, onEvent: (event: { type: string; object: unknown }) => void, onEnd: (err?: Error) => void): () => void {
    this.refreshToken();
    let ended = false;
    const end = (err?: Error) => {
      if (!ended) {
        ended = true;
        onEnd(err);
      }
    };
    const req = request(
      { ...this.watchBase, protocol: this.server.protocol, hostname: this.server.hostname, port: this.server.port, method: "GET", path },
      (res) => {
        if ((res.statusCode ?? 0) >= 400) {
          res.resume();
          end(new KubeApiError(res.statusCode ?? 0, "Unknown", `GET ${path}: ${res.statusCode}`));
          return;
        }
        let buffered = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buffered += chunk;
          let newline: number;
          while ((newline = buffered.indexOf("\n")) >= 0) {
            const line = buffered.slice(0, newline);
            buffered = buffered.slice(newline + 1);
            if (!line.trim()) continue;
            let event: { type: string; object: unknown };
            try {
              event = JSON.parse(line) as { type: string; object: unknown };
            } catch {
              // A torn or garbled stream: end this watch (the caller restarts it), never the process.
              req.destroy(new Error(`watch ${path}: unreadable event from ${this.address}`));
              return;
            }
            onEvent(event);
          }
        });
        res.on("end", () => end());
        res.on("error", (err) => end(err));
      },
    );
    req.on("error", (err) => end(new Error(`GET ${path}: cannot reach ${this.address}: ${err.message}`)));
    // A connection that dies without a FIN would hang the watch: the server ends every watch within
    // its timeoutSeconds (at most 10 min) and sends bookmarks, so 11 min of silence means it is gone.
    req.setTimeout(11 * 60_000, () => req.destroy(new Error(`watch ${path}: nothing from ${this.address} for 11 min`)));
    req.end();
    return () => {
      ended = true;
      req.destroy();
    };
  }

  /** The API server's address, for messages. */
  get address(): string {
    return this.server.origin;
  }

  /**
   * Sends one request.
   * @throws KubeApiError on a status >= 400; a plain Error when the server cannot be reached
   */
  async send(method: string, path: string, body?: unknown, contentType = "application/json", accept?: string): Promise<KubeResponse> {
    this.refreshToken();
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
          headers: {
            ...this.base.headers,
            ...(accept ? { accept } : {}),
            ...(payload ? { "content-type": contentType, "content-length": payload.length } : {}),
          },
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
    (this.watchBase.agent as Agent).destroy();
  }
}
