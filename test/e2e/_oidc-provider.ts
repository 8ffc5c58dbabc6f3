// A minimal OpenID provider for the portal's sign-in test: authorization code flow with PKCE (S256
// only), no login screen (the user is already signed in at the provider), ES256 access tokens.
// It checks what a real provider checks — client, redirect URI, state passthrough, the verifier
// against the challenge, single use of a code — so the portal's side of the protocol is proven.
import { createHash, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { freeLoopbackPort } from "../../scripts/cluster/_ports.ts";

export interface TestOidcProvider {
  readonly issuer: string;
  readonly jwks: { keys: JWK[] };
  /** Every call to /authorize and /token, with its parameters. */
  readonly calls: { path: string; params: Record<string, string> }[];
  close(): Promise<void>;
}

export async function startOidcProvider(options: {
  clientId: string;
  redirectUri: string;
  user: { sub: string; groups: string[]; org?: string };
}): Promise<TestOidcProvider> {
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "test-1", alg: "ES256", use: "sig" };
  const port = await freeLoopbackPort();
  const issuer = `http://127.0.0.1:${port}`;
  const codes = new Map<string, string>(); // code -> challenge
  const calls: TestOidcProvider["calls"] = [];

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    const cors = { "access-control-allow-origin": new URL(options.redirectUri).origin, "cache-control": "no-store" };
    const refuse = (status: number, error: string) => {
      res.writeHead(status, { ...cors, "content-type": "application/json" }).end(JSON.stringify({ error }));
    };
    if (req.method === "GET" && url.pathname === "/authorize") {
      const p = Object.fromEntries(url.searchParams);
      calls.push({ path: "/authorize", params: p });
      if (p.client_id !== options.clientId || p.redirect_uri !== options.redirectUri) return refuse(400, "invalid_client");
      if (p.response_type !== "code" || p.code_challenge_method !== "S256" || !p.code_challenge || !p.state) return refuse(400, "invalid_request");
      const code = randomBytes(16).toString("base64url");
      codes.set(code, p.code_challenge);
      const back = new URL(options.redirectUri);
      back.searchParams.set("code", code);
      back.searchParams.set("state", p.state);
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }
    if (req.method === "POST" && url.pathname === "/token") {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        void (async () => {
          const p = Object.fromEntries(new URLSearchParams(body));
          calls.push({ path: "/token", params: p });
          const challenge = codes.get(p.code ?? "");
          codes.delete(p.code ?? ""); // a code is good once
          if (p.grant_type !== "authorization_code" || p.client_id !== options.clientId || p.redirect_uri !== options.redirectUri || !challenge)
            return refuse(400, "invalid_grant");
          if (
            createHash("sha256")
              .update(p.code_verifier ?? "")
              .digest("base64url") !== challenge
          )
            return refuse(400, "invalid_grant");
          const token = await new SignJWT({ groups: options.user.groups, ...(options.user.org ? { org: options.user.org } : {}) })
            .setProtectedHeader({ alg: "ES256", kid: "test-1" })
            .setIssuer(issuer)
            .setAudience(options.clientId)
            .setSubject(options.user.sub)
            .setIssuedAt()
            .setExpirationTime("10m")
            .sign(privateKey);
          res
            .writeHead(200, { ...cors, "content-type": "application/json" })
            .end(JSON.stringify({ access_token: token, token_type: "Bearer", expires_in: 600 }));
        })();
      });
      return;
    }
    refuse(404, "not_found");
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return { issuer, jwks: { keys: [jwk] }, calls, close: () => new Promise((r) => server.close(() => r())) };
}
