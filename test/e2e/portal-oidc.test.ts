// The portal's sign-in with an identity provider: OpenID Connect authorization code with PKCE,
// in real Chromium, against the real service configured with NDC_OIDC_* (verifying the provider's
// ES256 tokens from its JWKS). The provider is a small one in the test (_oidc-provider.ts).
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Browser } from "playwright-core";
import { freeLoopbackPort } from "../../scripts/cluster/_ports.ts";
import { startOidcProvider, type TestOidcProvider } from "./_oidc-provider.ts";
import { launchBrowser, seriousViolations, startService, type Service } from "./_portal.ts";

let provider: TestOidcProvider;
let service: Service;
let browser: Browser;

beforeAll(async () => {
  const port = await freeLoopbackPort();
  provider = await startOidcProvider({
    clientId: "ndc-portal",
    redirectUri: `http://127.0.0.1:${port}/`,
    user: { sub: "nguyen.van.a", groups: ["ndc:requester", "operator"], org: "byt" },
  });
  const jwksFile = join(mkdtempSync(join(tmpdir(), "ndc-oidc-")), "jwks.json");
  writeFileSync(jwksFile, JSON.stringify(provider.jwks));
  service = await startService({
    PORT: String(port),
    NDC_OIDC_ISSUER: provider.issuer,
    NDC_OIDC_AUDIENCE: "ndc-portal",
    NDC_OIDC_JWKS_FILE: jwksFile,
    NDC_OIDC_AUTHORIZATION_ENDPOINT: `${provider.issuer}/authorize`,
    NDC_OIDC_TOKEN_ENDPOINT: `${provider.issuer}/token`,
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await service?.stop();
  await provider?.close();
});

describe("portal: sign-in with the organization's identity provider", () => {
  test("portal: OIDC authorization code with PKCE (S256) signs a requester in; the code leaves the address bar, the token never enters a URL", async () => {
    const res = await fetch(`${service.url}/`);
    // The token endpoint is the only other origin the page may call.
    expect(res.headers.get("content-security-policy")).toContain(`connect-src 'self' ${provider.issuer};`);
    const context = await browser.newContext({ locale: "vi-VN" });
    const page = await context.newPage();
    const urls: string[] = [];
    page.on("request", (r) => urls.push(r.url()));
    await page.goto(`${service.url}/`);
    await page.getByRole("button", { name: "Đăng nhập bằng tài khoản của tổ chức" }).click();
    await page.getByRole("heading", { name: "Môi trường của tổ chức" }).waitFor();
    await expect(page.getByTestId("who").textContent()).resolves.toBe(`Đã đăng nhập: ${provider.issuer}#nguyen.van.a · người yêu cầu · byt`);
    expect(page.url()).toBe(`${service.url}/`);

    const authorize = provider.calls.find((c) => c.path === "/authorize")!.params;
    const exchange = provider.calls.find((c) => c.path === "/token")!.params;
    expect(authorize).toMatchObject({
      response_type: "code",
      client_id: "ndc-portal",
      redirect_uri: `${service.url}/`,
      scope: "openid",
      code_challenge_method: "S256",
    });
    expect(createHash("sha256").update(exchange.code_verifier!).digest("base64url")).toBe(authorize.code_challenge);
    expect(exchange.code_verifier!.length).toBeGreaterThanOrEqual(43);
    const token = await page.evaluate(() => sessionStorage.getItem("ndc.portal.token"));
    expect(token).toMatch(/^ey/);
    expect(urls.filter((u) => u.includes(token!))).toEqual([]);
    expect(await page.evaluate(() => JSON.stringify(localStorage) + document.cookie)).not.toContain(token!);
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  });

  test("portal: a callback whose state was not issued by this tab is refused before any code exchange", async () => {
    const before = provider.calls.filter((c) => c.path === "/token").length;
    const context = await browser.newContext({ locale: "vi-VN" });
    const page = await context.newPage();
    await page.goto(`${service.url}/?code=stolen-code&state=forged`);
    await page.getByRole("alert").filter({ hasText: "Đăng nhập với nhà cung cấp định danh không thành công: state mismatch" }).waitFor();
    expect(page.url()).toBe(`${service.url}/`);
    expect(provider.calls.filter((c) => c.path === "/token").length).toBe(before);
    expect(await page.evaluate(() => sessionStorage.getItem("ndc.portal.token"))).toBeNull();
    await context.close();
  });
});
