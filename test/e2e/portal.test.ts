// The web portal in real headless Chromium (Debian's chromium, driven by playwright-core) against
// the real service (control-plane/server.ts on SQLite), which bundles the portal when it starts.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { api, launchBrowser, mint, seriousViolations, signIn, startService, type Service } from "./_portal.ts";

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

let service: Service;
let browser: Browser;
const tokens: Record<"an" | "binh" | "oanh" | "kiem", string> = { an: "", binh: "", oanh: "", kiem: "" };
const contexts: BrowserContext[] = [];

/** A fresh browser tab (own sessionStorage) that records every URL it requests. */
async function tab(): Promise<{ page: Page; urls: string[] }> {
  const context = await browser.newContext({ locale: "vi-VN", viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  const urls: string[] = [];
  page.on("request", (r) => urls.push(r.url()));
  return { page, urls };
}

const spec = (name: string, purpose: string) => ({
  name, stage: "dev", zone: "app", dataClass: "other", personalData: "none", securityLevel: 1, sites: ["local"],
  resources: { cpu: "1", memory: "1Gi" }, owners: [], purpose,
});

beforeAll(async () => {
  service = await startService();
  tokens.an = await mint(service, "an.nguyen", "requester", "byt");
  tokens.binh = await mint(service, "binh.tran", "requester", "hanoi");
  tokens.oanh = await mint(service, "oanh.le", "operator");
  tokens.kiem = await mint(service, "kiem.pham", "auditor");
  const byt = await api(service.url, tokens.an, "POST", "/v1/organizations/byt/environments", { ...spec("ho-so-suc-khoe", "Hồ sơ sức khỏe điện tử"), owners: ["byt-platform-admins"] });
  expect(byt.status, JSON.stringify(byt.body)).toBe(201);
  const hanoi = await api(service.url, tokens.binh, "POST", "/v1/organizations/hanoi/environments", { ...spec("dich-vu-cong", "Cổng dịch vụ công Hà Nội"), owners: ["hanoi-platform-admins"] });
  expect(hanoi.status, JSON.stringify(hanoi.body)).toBe(201);
  browser = await launchBrowser();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await service?.stop();
});

describe("portal: serving", () => {
  test("portal: / and its assets carry a strict Content-Security-Policy; no inline script; nothing from another origin", async () => {
    for (const path of ["/", "/portal/app.js", "/portal/app.css", "/portal/config.json"]) {
      const res = await fetch(`${service.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-security-policy"), path).toBe(CSP);
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(res.headers.get("x-frame-options"), path).toBe("DENY");
      expect(res.headers.get("referrer-policy"), path).toBe("no-referrer");
    }
    const html = await (await fetch(`${service.url}/`)).text();
    // Every <script> has a src on this origin and no body.
    expect([...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => [m[0].match(/src="([^"]+)"/)?.[1], m[1]])).toEqual([["/portal/app.js", ""]]);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/\sstyle=|\son[a-z]+=/i);

    const { page, urls } = await tab();
    await page.goto(`${service.url}/`);
    await page.getByRole("heading", { name: "Đăng nhập" }).waitFor();
    // An injected inline script does not run: the browser enforces the policy.
    const blocked = await page.evaluate(
      () =>
        new Promise<{ ran: boolean; violated: string }>((resolve) => {
          document.addEventListener("securitypolicyviolation", (e) => resolve({ ran: Boolean((window as unknown as { injected?: boolean }).injected), violated: e.violatedDirective }), { once: true });
          const s = document.createElement("script");
          s.textContent = "window.injected = true";
          document.body.append(s);
        }),
    );
    expect(blocked).toEqual({ ran: false, violated: "script-src-elem" });
    expect(urls.filter((u) => !u.startsWith(`${service.url}/`))).toEqual([]);
  });

  test("portal: unknown asset names are 404 and the API is unchanged (the portal is public, the data is not)", async () => {
    expect((await fetch(`${service.url}/portal/../openapi.json`)).status).toBe(200);
    expect((await fetch(`${service.url}/portal/secret.js`)).status).toBe(404);
    expect((await fetch(`${service.url}/v1/environments`)).status).toBe(401);
  });
});

describe("portal: sign-in and the requester's list", () => {
  test("portal: a requester signs in with a token, Vietnamese by default, and sees the organization's environments; the token stays in the tab, never in a URL", async () => {
    const { page, urls } = await tab();
    await page.goto(`${service.url}/`);
    expect(await page.getAttribute("html", "lang")).toBe("vi");
    await expect(page.title()).resolves.toBe("Cổng dịch vụ Trung tâm Dữ liệu quốc gia");
    await page.getByLabel("Mã truy cập (token)").fill("not-a-token");
    await page.getByRole("button", { name: "Đăng nhập" }).click();
    await expect(page.locator("[data-field-error=token]").textContent()).resolves.toBe("Mã truy cập không hợp lệ, đã hết hạn hoặc đã bị thu hồi.");

    await page.getByLabel("Mã truy cập (token)").fill(tokens.an);
    await page.getByRole("button", { name: "Đăng nhập" }).click();
    await page.getByRole("heading", { name: "Môi trường của tổ chức" }).waitFor();
    const row = page.locator('[data-environment="byt/ho-so-suc-khoe"]');
    await row.waitFor();
    await expect(row.locator("th").textContent()).resolves.toBe("ho-so-suc-khoe");
    await expect(row.locator("td").first().textContent()).resolves.toBe("Phát triển (dev)");
    await expect(page.getByTestId("who").textContent()).resolves.toBe("Đã đăng nhập: an.nguyen · người yêu cầu · byt");
    // The other organization's environment is not listed.
    await expect(page.locator('[data-environment="hanoi/dich-vu-cong"]').count()).resolves.toBe(0);

    const storage = await page.evaluate(() => ({ session: sessionStorage.getItem("ndc.portal.token"), local: JSON.stringify(localStorage), cookie: document.cookie }));
    expect(storage.session).toBe(tokens.an);
    expect(storage.local).not.toContain(tokens.an);
    expect(storage.cookie).toBe("");
    expect(urls.length).toBeGreaterThan(3);
    expect(urls.filter((u) => u.includes(tokens.an) || u.includes(encodeURIComponent(tokens.an)))).toEqual([]);
    expect(page.url()).not.toContain(tokens.an);
    expect(await seriousViolations(page)).toEqual([]);

    // A new tab (another browsing context) starts signed out: the token is kept for this tab only.
    const other = await page.context().newPage();
    await other.goto(`${service.url}/`);
    await other.getByRole("heading", { name: "Đăng nhập" }).waitFor();
    await other.close();
  });

  test("portal: English on a switch, Vietnamese diacritics exact, the choice kept", async () => {
    const { page } = await tab();
    await signIn(page, service.url, tokens.an);
    await page.getByRole("heading", { name: "Môi trường của tổ chức" }).waitFor();
    await expect(page.getByRole("navigation").textContent()).resolves.toBe("Môi trườngYêu cầu môi trườngTrung tâm và năng lực");
    await page.getByTestId("language").click();
    await page.getByRole("heading", { name: "Your organization's environments" }).waitFor();
    expect(await page.getAttribute("html", "lang")).toBe("en");
    await expect(page.getByRole("navigation").textContent()).resolves.toBe("EnvironmentsRequest an environmentSites and capacity");
    await expect(page.locator('[data-environment="byt/ho-so-suc-khoe"] td').first().textContent()).resolves.toBe("Development (dev)");
    await page.reload();
    await page.getByRole("heading", { name: "Your organization's environments" }).waitFor();
    await page.getByTestId("language").click();
    await page.getByRole("heading", { name: "Môi trường của tổ chức" }).waitFor();
    // NFC: "ờ" is one code point, not "o" + combining marks.
    const heading = await page.getByRole("heading", { level: 1 }).textContent();
    expect(heading).toBe("Môi trường của tổ chức".normalize("NFC"));
    expect([...heading!].length).toBe(22);
  });

  test("portal: another organization's environment never appears, even by typing its URL", async () => {
    const { page, urls } = await tab();
    await signIn(page, service.url, tokens.binh);
    await page.locator('[data-environment="hanoi/dich-vu-cong"]').waitFor();
    await expect(page.locator('[data-environment="byt/ho-so-suc-khoe"]').count()).resolves.toBe(0);
    await page.goto(`${service.url}/#/environments/byt/ho-so-suc-khoe`);
    await page.getByRole("alert").waitFor();
    await expect(page.getByRole("alert").textContent()).resolves.toBe("Không tìm thấy môi trường này, hoặc bạn không có quyền xem nó.");
    const text = await page.locator("main").textContent();
    expect(text).not.toContain("Hồ sơ sức khỏe điện tử");
    expect(text).not.toContain("byt-ho-so-suc-khoe");
    expect(urls.some((u) => u.endsWith("/v1/organizations/byt/environments/ho-so-suc-khoe"))).toBe(true);
  });
});
