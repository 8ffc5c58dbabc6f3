// The provisioner's own HTTPS transport against a real TLS server: a rotating token file is read
// again, and a garbled watch stream ends the watch instead of the process.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { KubeTransport } from "../../control-plane/provisioner/index.ts";
import { ensurePki } from "../../scripts/cluster/_certs.ts";

let server: Server;
let url: string;
let ca: string;
const seen: string[] = [];
const dir = mkdtempSync(join(tmpdir(), "ndc-transport-"));
const tokenFile = join(dir, "token");

beforeAll(async () => {
  const pki = await ensurePki(join(dir, "pki"));
  ca = readFileSync(pki.caCert, "utf8");
  server = createServer({ cert: readFileSync(pki.servingCert), key: readFileSync(pki.servingKey) }, (req, res) => {
    seen.push(String(req.headers.authorization));
    if (req.url?.startsWith("/watch-garbled")) {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n');
      res.write("this is not json\n");
      return; // keep the connection open: the client must end it
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe("KubeTransport", () => {
  test("reads a rotated token file again (at most once a minute)", async () => {
    writeFileSync(tokenFile, "first\n");
    const transport = KubeTransport.fromCredentials({ server: url, ca, tokenFile });
    try {
      await transport.send("GET", "/readyz");
      writeFileSync(tokenFile, "second\n");
      await transport.send("GET", "/readyz");
      expect(seen.slice(-2)).toEqual(["Bearer first", "Bearer first"]);
      vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 61_000 });
      await transport.send("GET", "/readyz");
      expect(seen.at(-1)).toBe("Bearer second");
    } finally {
      vi.useRealTimers();
      transport.close();
    }
  });

  test("a garbled watch line ends the watch with an error, after the good events", async () => {
    const transport = KubeTransport.fromCredentials({ server: url, ca });
    const events: unknown[] = [];
    const ended = await new Promise<Error | undefined>((resolve) => transport.stream("/watch-garbled", (e) => events.push(e), resolve));
    transport.close();
    expect(events).toEqual([{ type: "ADDED", object: { metadata: { name: "a" } } }]);
    expect(ended?.message).toContain("unreadable event");
  });
});
