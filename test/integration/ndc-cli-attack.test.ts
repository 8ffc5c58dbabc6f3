// `ndc` as a child process, tried as an attacker would: the token `ndc login` stored goes only to
// the service it was stored for, and what a requester wrote never drives the operator's terminal.
// A listener on loopback stands for another host that NDC_API names (a project's .envrc, a CI
// variable), records every Authorization header it receives, and answers as the API would.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";

const ROOT = join(import.meta.dirname, "../..");

function ndc(args: readonly string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(ROOT, "control-plane/cli/bin/ndc.js"), ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => done({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr }),
    ).stdin!.end();
  });
}

let dir: string;
let other: Server;
let otherUrl = "";
/** Authorization headers the other host received. */
const received: string[] = [];
const storedToken = `ndc_${randomBytes(32).toString("base64url")}`;

/** A purpose that, printed raw, clears the line, goes up one and forges a stage; then a bell and a right-to-left override. */
const HOSTILE_PURPOSE = "Hệ thống\u001b[2K\u001b[1A\rstage: dev\u0007\u202eved";
/** An environment as GET returns it, with the hostile purpose. */
const hostile = {
  id: "e1",
  org: "byt",
  name: "his",
  namespace: "byt-his",
  stage: "prod",
  zone: "app",
  dataClass: "other",
  personalData: "basic",
  securityLevel: 3,
  resources: { cpu: "2", memory: "4Gi" },
  owners: ["byt-his"],
  purpose: HOSTILE_PURPOSE,
  spec: { sites: ["ndc1"] },
  phase: "AwaitingApproval",
  conditions: [],
  sites: {},
  complianceExceptions: [],
  requestedBy: "alice",
  modifiedBy: "alice",
  pendingChange: null,
  approvedBy: null,
  reason: "needs approval: stage prod needs a human",
  generation: 2,
  observedGeneration: 0,
  retainUntil: null,
  createdAt: "2026-12-02T03:00:00.000Z",
  updatedAt: "2026-12-02T03:00:00.000Z",
  version: 2,
};

/** A login file (mode 0600) as `ndc login --api <api>` writes it. */
function loginFile(name: string, api: string): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify({ api, token: storedToken }));
  chmodSync(path, 0o600);
  return path;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ndc-cli-token-"));
  other = createServer((req, res) => {
    received.push(req.headers.authorization ?? "(none)");
    const path = (req.url ?? "").split("?")[0];
    const body = path === "/v1/organizations/byt/environments/his" ? hostile : path === "/v1/environments" ? { items: [hostile] } : { items: [] };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
  otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => other?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

test("fails when NDC_API names another service and the stored token is sent there (bug: the login file's token leaked to whatever NDC_API points at)", async () => {
  // Stored for a service on another port: another origin than the listener's.
  const config = loginFile("elsewhere.json", "http://127.0.0.1:9");
  received.length = 0;
  const run = await ndc(["sites"], { NDC_CONFIG: config, NDC_API: otherUrl });
  expect(received).not.toContain(`Bearer ${storedToken}`);
  expect(received).toEqual([]);
  expect(run.code, run.stderr).toBe(2);
  expect(run.stderr).toContain(`NDC_API is ${otherUrl} but the token in ${config} was stored for http://127.0.0.1:9`);
  expect(run.stderr).toContain("set NDC_TOKEN");
  // With its own token for that service, the command runs (the listener answers).
  const own = await ndc(["sites", "-o", "json"], { NDC_CONFIG: config, NDC_API: otherUrl, NDC_TOKEN: "ndc_token-for-the-other-service" });
  expect(own.code, own.stderr).toBe(0);
  expect(received).toEqual(["Bearer ndc_token-for-the-other-service"]);
});

test("the stored token still goes to the service it was stored for, NDC_API naming the same origin", async () => {
  const config = loginFile("same.json", otherUrl);
  received.length = 0;
  const run = await ndc(["sites", "-o", "json"], { NDC_CONFIG: config, NDC_API: `${otherUrl}/` });
  expect(run.code, run.stderr).toBe(0);
  expect(received).toEqual([`Bearer ${storedToken}`]);
});

test.each([
  ["env list", ["env", "list"]],
  ["env get", ["env", "get", "byt/his"]],
])(
  "fails when %s prints a requester's control characters to the terminal (bug: a purpose could erase and rewrite what an operator reads before approving)",
  async (_what, args) => {
    const run = await ndc(args, { NDC_CONFIG: join(dir, "none.json"), NDC_API: otherUrl, NDC_TOKEN: "ndc_operator-token" });
    expect(run.code, run.stderr).toBe(0);
    // eslint-disable-next-line no-control-regex -- control characters are what must not reach the terminal
    expect(run.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    // What was written is still shown, made visible.
    expect(run.stdout).toContain("Hệ thống\\u{1b}[2K\\u{1b}[1A");
  },
);

/**
 * An HTTP proxy on loopback (Node's fetch goes through it with NODE_USE_ENV_PROXY=1): what a network
 * between `ndc` and a remote host sees. It records the raw bytes every tunnel carried, then answers
 * as the API would, so a token sent over plain http shows up here in clear.
 */
async function withWiretap<T>(run: (proxyUrl: string, seen: () => string) => Promise<T>): Promise<T> {
  let bytes = "";
  const proxy = createServer();
  proxy.on("connect", (_req, socket) => {
    socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    socket.on("data", (chunk: Buffer) => {
      bytes += chunk.toString("latin1");
      if (bytes.includes("\r\n\r\n"))
        socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 12\r\nconnection: close\r\n\r\n{"items":[]}');
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  try {
    return await run(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, () => bytes);
  } finally {
    proxy.closeAllConnections();
    await new Promise((resolve) => proxy.close(resolve));
  }
}

test.each([
  ["NDC_API", (proxy: string) => ["sites", { NDC_API: "http://ndc.example.gov.vn:8080", NDC_TOKEN: storedToken, HTTP_PROXY: proxy }] as const],
  ["the login file", (proxy: string) => ["sites", { NDC_CONFIG: loginFile("insecure.json", "http://ndc.example.gov.vn:8080"), HTTP_PROXY: proxy }] as const],
])(
  "fails when %s names a plain-http URL on another host and ndc sends the token there (bug: the bearer token crossed the network in clear)",
  async (from, setup) => {
    await withWiretap(async (proxy, seen) => {
      const [command, env] = setup(proxy);
      const run = await ndc([command], { ...env, NODE_USE_ENV_PROXY: "1" });
      expect(seen()).not.toContain(storedToken);
      expect(seen()).toBe("");
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain("is http://ndc.example.gov.vn:8080: plain http would send your token in clear over the network");
      expect(run.stderr).toContain("use https://, or http:// only to this machine (127.0.0.1, ::1, localhost); NDC_ALLOW_INSECURE_HTTP=1 allows it anyway");
      expect(run.stderr).toContain(from === "NDC_API" ? "NDC_API is" : "(ndc login --api) is");
    });
  },
);

test("fails when ndc login --api takes a plain-http URL on another host and sends the token to check it (bug: the token crossed the network in clear)", async () => {
  await withWiretap(async (proxy, seen) => {
    const config = join(dir, "login-insecure.json");
    const run = await new Promise<{ code: number; stderr: string }>((done) => {
      const child = execFile(
        process.execPath,
        [join(ROOT, "control-plane/cli/bin/ndc.js"), "login", "--api", "http://ndc.example.gov.vn:8080"],
        { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, NDC_CONFIG: config, HTTP_PROXY: proxy, NODE_USE_ENV_PROXY: "1" }, timeout: 60_000 },
        (error, _stdout, stderr) => done({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stderr }),
      );
      child.stdin!.end(`${storedToken}\n`);
    });
    expect(seen()).toBe("");
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain("--api is http://ndc.example.gov.vn:8080: plain http would send your token in clear over the network");
    expect(existsSync(config)).toBe(false);
  });
});

test("with NDC_ALLOW_INSECURE_HTTP=1 the same plain-http URL is used, through the network (the opt-in is explicit)", async () => {
  await withWiretap(async (proxy, seen) => {
    const run = await ndc(["sites", "-o", "json"], {
      NDC_API: "http://ndc.example.gov.vn:8080",
      NDC_TOKEN: "ndc_token-for-a-lab",
      HTTP_PROXY: proxy,
      NODE_USE_ENV_PROXY: "1",
      NDC_ALLOW_INSECURE_HTTP: "1",
    });
    expect(run.code, run.stderr).toBe(0);
    expect(seen()).toContain("authorization: Bearer ndc_token-for-a-lab");
  });
});
