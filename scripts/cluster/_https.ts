import { readFileSync } from "node:fs";
import { request } from "node:https";

/** TLS material for talking to the API server as a client-certificate user. */
export interface ClientTls {
  readonly caCert: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

/**
 * GETs a URL with a client certificate; resolves the status code and body, or rejects on a network
 * error or after `timeoutMs`.
 */
export function httpsGet(url: string, tls: ClientTls, timeoutMs = 5_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "GET",
        ca: readFileSync(tls.caCert),
        cert: readFileSync(tls.clientCert),
        key: readFileSync(tls.clientKey),
        timeout: timeoutMs,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}
