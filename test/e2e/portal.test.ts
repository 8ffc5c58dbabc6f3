// The web portal in real headless Chromium (Debian's chromium, driven by playwright-core) against
// the real service (control-plane/server.ts on SQLite), which bundles the portal when it starts and
// provisions the site `local` on the test run's real kube-apiserver as the control plane's identity.
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { adminKubeConfig } from "../integration/_cluster.ts";
import type { Browser, BrowserContext, Page } from "playwright-core";
import {
  api,
  closePortalRun,
  devEnvironment,
  launchBrowser,
  mint,
  openTab,
  seriousViolations,
  signIn,
  startServiceOnTestCluster,
  type Service,
} from "./_portal.ts";

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

let service: Service;
let browser: Browser;
const tokens: Record<"an" | "binh" | "oanh" | "kiem", string> = { an: "", binh: "", oanh: "", kiem: "" };
const DOCS = join(import.meta.dirname, "../../docs");
/**
 * The README's screenshots (docs/portal-*.png) are written only when asked for
 * (`NDC_PORTAL_SCREENSHOTS=1 npm run test:e2e -- test/e2e/portal.test.ts`): a test run never changes
 * the repository's files.
 */
const screenshot = async (page: Page, name: string) => {
  if (process.env.NDC_PORTAL_SCREENSHOTS === "1") await page.screenshot({ path: join(DOCS, name), fullPage: true });
};
// Environments are provisioned on the shared test cluster: names unique to this run.
const RUN = Date.now().toString(36).slice(-4);
const contexts: BrowserContext[] = [];

/** A fresh browser tab (own sessionStorage) that records every URL it requests. */
async function tab(): Promise<{ page: Page; urls: string[] }> {
  const page = await openTab(browser, contexts);
  const urls: string[] = [];
  page.on("request", (r) => urls.push(r.url()));
  return { page, urls };
}

const spec = (name: string, purpose: string) => devEnvironment(name, purpose);

beforeAll(async () => {
  service = await startServiceOnTestCluster();
  tokens.an = await mint(service, "an.nguyen", "requester", "byt");
  tokens.binh = await mint(service, "binh.tran", "requester", "hanoi");
  tokens.oanh = await mint(service, "oanh.le", "operator");
  tokens.kiem = await mint(service, "kiem.pham", "auditor");
  const byt = await api(service.url, tokens.an, "POST", "/v1/organizations/byt/environments", {
    ...spec(`ho-so-suc-khoe-${RUN}`, "Hồ sơ sức khỏe điện tử"),
    owners: ["byt-platform-admins"],
  });
  expect(byt.status, JSON.stringify(byt.body)).toBe(201);
  const hanoi = await api(service.url, tokens.binh, "POST", "/v1/organizations/hanoi/environments", {
    ...spec(`dich-vu-cong-${RUN}`, "Cổng dịch vụ công Hà Nội"),
    owners: ["hanoi-platform-admins"],
  });
  expect(hanoi.status, JSON.stringify(hanoi.body)).toBe(201);
  browser = await launchBrowser();
});

afterAll(async () => {
  await closePortalRun(contexts, browser, service);
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
          document.addEventListener(
            "securitypolicyviolation",
            (e) => resolve({ ran: Boolean((window as unknown as { injected?: boolean }).injected), violated: e.violatedDirective }),
            { once: true },
          );
          const s = document.createElement("script");
          s.textContent = "window.injected = true";
          document.body.append(s);
        }),
    );
    expect(blocked).toEqual({ ran: false, violated: "script-src-elem" });
    expect(urls.filter((u) => !u.startsWith(`${service.url}/`))).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
  });

  test("portal: CSRF has nothing to ride on — no cookie is ever set, and a cross-site request without the header is refused", async () => {
    for (const path of ["/", "/portal/app.js", "/portal/config.json", "/v1/me"]) {
      const res = await fetch(`${service.url}${path}`, { headers: path === "/v1/me" ? { authorization: `Bearer ${tokens.an}` } : {} });
      expect(res.headers.get("set-cookie"), path).toBeNull();
    }
    // What a forged form post from another site would send: its origin, a simple content type, no Authorization.
    const forged = await fetch(`${service.url}/v1/organizations/byt/environments`, {
      method: "POST",
      headers: { origin: "https://evil.example", "content-type": "text/plain" },
      body: JSON.stringify(spec("forged", "x")),
    });
    expect(forged.status).toBe(401);
    expect((await api(service.url, tokens.an, "GET", "/v1/organizations/byt/environments/forged")).status).toBe(404);
  });

  test("portal: keyboard users can skip to the content, and the sign-in page is axe-clean in English too", async () => {
    const { page } = await tab();
    await page.goto(`${service.url}/`);
    await page.getByRole("heading", { name: "Đăng nhập" }).waitFor();
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Bỏ qua, đến nội dung chính");
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("main");
    await page.getByTestId("language").click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect(await page.getByLabel("Access token").getAttribute("type")).toBe("password");
    expect(await seriousViolations(page)).toEqual([]);
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
    const row = page.locator(`[data-environment="byt/ho-so-suc-khoe-${RUN}"]`);
    await row.waitFor();
    await expect(row.locator("th").textContent()).resolves.toBe(`ho-so-suc-khoe-${RUN}`);
    await expect(row.locator("td").first().textContent()).resolves.toBe("Phát triển (dev)");
    await expect(page.getByTestId("who").textContent()).resolves.toBe("Đã đăng nhập: an.nguyen · người yêu cầu · byt");
    // The other organization's environment is not listed.
    await expect(page.locator(`[data-environment="hanoi/dich-vu-cong-${RUN}"]`).count()).resolves.toBe(0);

    const storage = await page.evaluate(() => ({
      session: sessionStorage.getItem("ndc.portal.token"),
      local: JSON.stringify(localStorage),
      cookie: document.cookie,
    }));
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
    await expect(page.getByRole("navigation").textContent()).resolves.toBe(
      "Môi trườngYêu cầu môi trườngChia sẻ dữ liệuTuân thủChi phí sử dụngTrung tâm và năng lựcLộ trình năng lực",
    );
    await page.getByTestId("language").click();
    await page.getByRole("heading", { name: "Your organization's environments" }).waitFor();
    await expect.poll(() => page.getAttribute("html", "lang")).toBe("en");
    await expect(page.getByRole("navigation").textContent()).resolves.toBe(
      "EnvironmentsRequest an environmentData sharingComplianceUsageSites and capacityCapacity roadmap",
    );
    await expect(page.locator(`[data-environment="byt/ho-so-suc-khoe-${RUN}"] td`).first().textContent()).resolves.toBe("Development (dev)");
    // Dates as each language writes them, in Vietnam's time: "2 Dec 2026, 16:22:05" / "16:22:05 2 thg 12, 2026".
    const updated = page.locator(`[data-environment="byt/ho-so-suc-khoe-${RUN}"] td`).last();
    expect(await updated.textContent()).toMatch(/^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}:\d{2}$/);
    await page.reload();
    await page.getByRole("heading", { name: "Your organization's environments" }).waitFor();
    await page.getByTestId("language").click();
    await page.getByRole("heading", { name: "Môi trường của tổ chức" }).waitFor();
    expect(await updated.textContent()).toMatch(/^\d{2}:\d{2}:\d{2} \d{1,2} thg \d{1,2}, \d{4}$/);
    // NFC: "ờ" is one code point, not "o" + combining marks.
    const heading = await page.getByRole("heading", { level: 1 }).textContent();
    expect(heading).toBe("Môi trường của tổ chức".normalize("NFC"));
    expect([...heading!].length).toBe(22);
  });

  test("portal: another organization's environment never appears, even by typing its URL", async () => {
    const { page, urls } = await tab();
    await signIn(page, service.url, tokens.binh);
    await page.locator(`[data-environment="hanoi/dich-vu-cong-${RUN}"]`).waitFor();
    await expect(page.locator(`[data-environment="byt/ho-so-suc-khoe-${RUN}"]`).count()).resolves.toBe(0);
    await page.goto(`${service.url}/#/environments/byt/ho-so-suc-khoe-${RUN}`);
    await page.getByRole("alert").waitFor();
    await expect(page.getByRole("alert").textContent()).resolves.toBe("Không tìm thấy môi trường này, hoặc bạn không có quyền xem nó.");
    const text = await page.locator("main").textContent();
    expect(text).not.toContain("Hồ sơ sức khỏe điện tử");
    expect(text).not.toContain(`byt-ho-so-suc-khoe-${RUN}`);
    expect(urls.some((u) => u.endsWith(`/v1/organizations/byt/environments/ho-so-suc-khoe-${RUN}`))).toBe(true);
  });
});

/** Marks the document; the mark survives any update made without reloading, and only those. */
async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => ((window as unknown as { notReloaded?: boolean }).notReloaded = true));
}
async function stillSameDocument(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded === true);
}
const text = async (page: Page, selector: string) => (await page.locator(selector).textContent())?.trim();

describe("portal: the request form", () => {
  test("portal: a bad request shows each rule's message next to its field, in Vietnamese and in English; the blocking rule is explained before submitting", async () => {
    const { page } = await tab();
    await signIn(page, service.url, tokens.an);
    await page.getByRole("link", { name: "Yêu cầu môi trường", exact: true }).click();
    await page.getByRole("heading", { name: "Yêu cầu môi trường mới" }).waitFor();

    // Shape errors (400): the name has diacritics, owners and purpose are empty.
    await page.getByLabel("Tên môi trường *").fill("Hồ sơ");
    await page.getByRole("button", { name: "Gửi yêu cầu" }).click();
    await page.getByTestId("error-summary").waitFor();
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("error-summary");
    expect(await text(page, "[data-field-error=name]")).toBe("Chỉ dùng chữ thường không dấu (a–z), số và dấu gạch ngang; bắt đầu bằng chữ cái.");
    expect(await text(page, "[data-field-error=owners]")).toBe("Trường này là bắt buộc.");
    expect(await text(page, "[data-field-error=purpose]")).toBe("Trường này là bắt buộc.");
    expect(await page.getByLabel("Tên môi trường *").getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByLabel("Tên môi trường *").getAttribute("aria-describedby")).toBe("name-hint name-error");

    await page.getByTestId("language").click();
    expect(await text(page, "[data-field-error=name]")).toBe("Use lowercase letters without diacritics (a–z), digits and hyphens; start with a letter.");
    expect(await text(page, "[data-field-error=owners]")).toBe("This field is required.");
    await page.getByTestId("language").click();

    // A placement rule (422): important data in the application zone. Explained before submitting…
    await page.getByLabel("Tên môi trường *").fill(`he-thong-benh-an-${RUN}`);
    await page.getByLabel("Nhóm chủ sở hữu *").fill("byt-platform-admins");
    await page.getByLabel("Mục đích sử dụng *").fill("Hệ thống bệnh án điện tử");
    await page.getByLabel("Phân loại dữ liệu *").selectOption("important");
    await page.getByLabel("Cấp độ an toàn hệ thống thông tin *").selectOption("3");
    const rule = "Dữ liệu quan trọng chỉ được đặt ở Vùng dữ liệu (data) hoặc Vùng hạn chế (restricted).";
    expect(await text(page, "[data-field-rules=zone]")).toBe(rule);
    expect(await page.getByLabel("Vùng *").getAttribute("aria-describedby")).toBe("zone-rules");
    // …and refused by the API with the same rule, shown on the zone field.
    await page.getByRole("button", { name: "Gửi yêu cầu" }).click();
    await page.locator("[data-field-error=zone]").waitFor();
    expect(await text(page, "[data-field-error=zone]")).toBe(rule);
    expect(await page.locator("[data-field-error]").count()).toBe(1);
    await screenshot(page, "portal-request-form.png");
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByTestId("language").click();
    expect(await text(page, "[data-field-error=zone]")).toBe("Important data may only be placed in Data zone (data) or Restricted zone (restricted).");
    expect(await text(page, "[data-field-rules=zone]")).toBe("Important data may only be placed in Data zone (data) or Restricted zone (restricted).");
    await page.getByTestId("language").click();

    await page.getByLabel("Vùng *").selectOption("data");
    expect(await page.locator("[data-field-rules=zone]").count()).toBe(0);
    await page.getByRole("button", { name: "Gửi yêu cầu" }).click();
    await page.getByRole("heading", { name: `Môi trường byt/he-thong-benh-an-${RUN}` }).waitFor();
    expect(await text(page, ".phase-line [data-phase]")).toBe("Chờ phê duyệt");
    const stored = await api(service.url, tokens.an, "GET", `/v1/organizations/byt/environments/he-thong-benh-an-${RUN}`);
    expect(stored.body).toMatchObject({
      phase: "AwaitingApproval",
      zone: "data",
      dataClass: "important",
      securityLevel: 3,
      purpose: "Hệ thống bệnh án điện tử",
      owners: ["byt-platform-admins"],
    });
  });

  test("portal: a request made with the keyboard alone", async () => {
    const { page } = await tab();
    await page.goto(`${service.url}/`);
    const tabTo = async (selector: string) => {
      for (let i = 0; i < 60; i++) {
        if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
        await page.keyboard.press("Tab");
      }
      throw new Error(`Tab never reached ${selector}`);
    };
    await tabTo("#token");
    await page.keyboard.type(tokens.binh);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Môi trường của tổ chức" }).waitFor();
    await tabTo('a[href="#/request"]');
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Yêu cầu môi trường mới" }).waitFor();
    await tabTo("#name");
    await page.keyboard.type(`ban-do-so-${RUN}`);
    await tabTo("#stage");
    await page.keyboard.press("ArrowDown"); // dev -> test
    expect(await page.locator("#stage").inputValue()).toBe("test");
    await tabTo("#owners");
    await page.keyboard.type("hanoi-platform-admins");
    await tabTo("#purpose");
    await page.keyboard.type("Bản đồ số Thủ đô");
    await tabTo('button[type="submit"]');
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: `Môi trường hanoi/ban-do-so-${RUN}` }).waitFor();
    const stored = await api(service.url, tokens.binh, "GET", `/v1/organizations/hanoi/environments/ban-do-so-${RUN}`);
    expect(stored.body).toMatchObject({ stage: "test", purpose: "Bản đồ số Thủ đô", sites: { local: {} } });
  });
});

describe("portal: approvals, follow-up, resize and decommission", () => {
  test("portal: request as a ministry -> an operator approves with a comment from the queue (If-Match) -> Ready on the cluster, shown to the requester without reloading", async () => {
    const requester = await tab();
    await signIn(requester.page, service.url, tokens.an);
    const row = requester.page.locator(`[data-environment="byt/he-thong-benh-an-${RUN}"]`);
    await row.waitFor();
    expect(await text(requester.page, `[data-environment="byt/he-thong-benh-an-${RUN}"] td > [data-phase]`)).toBe("Chờ phê duyệt");
    await markDocument(requester.page);

    const { page } = await tab();
    await signIn(page, service.url, tokens.oanh);
    await page.getByRole("heading", { name: "Hàng đợi phê duyệt" }).waitFor();
    const card = page.locator(`[data-request="byt/he-thong-benh-an-${RUN}"]`);
    await card.waitFor();
    expect(await card.getByTestId("reason").textContent()).toBe(
      "Cần phê duyệt: cấp độ an toàn 3 cao hơn mức tự duyệt 2; dữ liệu quan trọng cần người duyệt (tự duyệt chỉ với: dữ liệu khác).",
    );
    await screenshot(page, "portal-approval-queue.png");
    expect(await seriousViolations(page)).toEqual([]);
    expect(await card.getByTestId("kind").textContent()).toBe("Yêu cầu mới");
    await card.getByLabel("Ý kiến (gửi kèm quyết định)").fill("Đồng ý: vùng dữ liệu, cấp độ 3.");
    await card.getByRole("button", { name: "Phê duyệt" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: `Đã phê duyệt byt/he-thong-benh-an-${RUN}.` })
      .waitFor();
    await card.waitFor({ state: "detached" });

    // The list the requester kept open follows: Ready, and Ready at the site, without a reload.
    await row.locator('td > [data-phase="Ready"]').waitFor({ timeout: 90_000 });
    expect(await row.locator("td > [data-phase]").textContent()).toBe("Sẵn sàng");
    expect(await row.locator('[data-site="local"]').textContent()).toBe("local: Sẵn sàng");
    expect(await stillSameDocument(requester.page)).toBe(true);
    const ns = await adminKubeConfig()
      .makeApiClient(CoreV1Api)
      .readNamespace({ name: `byt-he-thong-benh-an-${RUN}` });
    expect(ns.metadata?.labels).toMatchObject({ "ndc.gov.vn/org": "byt", "ndc.gov.vn/environment": `he-thong-benh-an-${RUN}`, "ndc.gov.vn/zone": "data" });
    // A change to it waits beside the approved spec, and the operator's queue (still open) shows it.
    const current = (await api(service.url, tokens.an, "GET", `/v1/organizations/byt/environments/he-thong-benh-an-${RUN}`)).body;
    const changed = await api(
      service.url,
      tokens.an,
      "PATCH",
      `/v1/organizations/byt/environments/he-thong-benh-an-${RUN}`,
      { resources: { cpu: "2", memory: "2Gi" } },
      { "if-match": `"${current.version}"` },
    );
    expect(changed.body.pendingChange?.spec.resources.cpu, JSON.stringify(changed.body)).toBe("2");
    await card.getByTestId("kind").filter({ hasText: "Thay đổi đang chờ duyệt" }).waitFor({ timeout: 10_000 });
    expect(await card.getByTestId("reason").textContent()).toBe(
      "Thay đổi cần phê duyệt: cấp độ an toàn 3 cao hơn mức tự duyệt 2; dữ liệu quan trọng cần người duyệt (tự duyệt chỉ với: dữ liệu khác).",
    );
    await card.getByRole("button", { name: "Phê duyệt" }).click();
    await card.waitFor({ state: "detached" });
    expect((await api(service.url, tokens.an, "GET", `/v1/organizations/byt/environments/he-thong-benh-an-${RUN}`)).body).toMatchObject({
      pendingChange: null,
      resources: { cpu: "2" },
    });
    // Its page shows the conditions, Ready among them.
    await requester.page.getByRole("link", { name: `he-thong-benh-an-${RUN}` }).click();
    await requester.page.locator('[data-condition="Ready"]').waitFor();
    await requester.page.locator('.phase-line [data-phase="Ready"]').waitFor({ timeout: 60_000 });
    expect(await seriousViolations(requester.page)).toEqual([]);
    expect(await requester.page.locator('[data-condition="Ready"] td').first().textContent()).toBe("đạt");
    const audit = await api(service.url, tokens.kiem, "GET", `/v1/audit?action=environment.approve&target=environment%20byt%2Fhe-thong-benh-an-${RUN}`);
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0].actor).toBe("oanh.le");
    expect(JSON.stringify(audit.body.items[0])).toContain("Đồng ý: vùng dữ liệu, cấp độ 3.");
  });

  test("portal: an operator rejects with a reason; the requester reads it", async () => {
    const made = await api(service.url, tokens.an, "POST", "/v1/organizations/byt/environments", {
      ...spec(`thu-nghiem-prod-${RUN}`, "Thử nghiệm"),
      stage: "staging",
      owners: ["byt-platform-admins"],
    });
    expect(made.body.phase).toBe("AwaitingApproval");
    const { page } = await tab();
    await signIn(page, service.url, tokens.oanh);
    const card = page.locator(`[data-request="byt/thu-nghiem-prod-${RUN}"]`);
    await card.getByLabel("Ý kiến (gửi kèm quyết định)").fill("Chưa có đánh giá tác động.");
    await card.getByRole("button", { name: "Từ chối" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: `Đã từ chối byt/thu-nghiem-prod-${RUN}.` })
      .waitFor();

    const requester = await tab();
    await signIn(requester.page, service.url, tokens.an);
    await requester.page.goto(`${service.url}/#/environments/byt/thu-nghiem-prod-${RUN}`);
    await requester.page.locator('.phase-line [data-phase="Rejected"]').waitFor();
    expect(await text(requester.page, ".phase-line [data-phase]")).toBe("Bị từ chối");
    expect(await requester.page.locator("dl.summary").textContent()).toContain("Chưa có đánh giá tác động.");
  });

  test("portal: resize shows the API's error on the field, then applies; decommission asks for the name first", async () => {
    const { page } = await tab();
    await signIn(page, service.url, tokens.an);
    await page.goto(`${service.url}/#/environments/byt/ho-so-suc-khoe-${RUN}`);
    await page.getByRole("heading", { name: `Môi trường byt/ho-so-suc-khoe-${RUN}` }).waitFor();
    const before = (await api(service.url, tokens.an, "GET", `/v1/organizations/byt/environments/ho-so-suc-khoe-${RUN}`)).body;

    await page.getByLabel("CPU (lõi) *").fill("hai lõi");
    await page.getByRole("button", { name: "Gửi thay đổi" }).click();
    await page.locator("[data-field-error=resize-cpu]").waitFor();
    expect(await text(page, "[data-field-error=resize-cpu]")).toBe("Phải là một lượng hợp lệ, ví dụ 8, 500m, 32Gi.");
    await page.getByLabel("CPU (lõi) *").fill("2");
    await page.getByRole("button", { name: "Gửi thay đổi" }).click();
    await page.getByRole("status").filter({ hasText: "Đã gửi thay đổi" }).waitFor();
    const resized = (await api(service.url, tokens.an, "GET", `/v1/organizations/byt/environments/ho-so-suc-khoe-${RUN}`)).body;
    expect(resized.version).toBeGreaterThan(before.version);
    expect(resized.pendingChange?.spec.resources.cpu ?? resized.resources.cpu).toBe("2");

    await page.getByRole("button", { name: "Ngừng sử dụng môi trường…" }).click();
    const dialog = page.getByRole("dialog", { name: `Xác nhận ngừng sử dụng ho-so-suc-khoe-${RUN}` });
    await dialog.waitFor();
    await dialog.getByLabel("Tên môi trường").fill("ho-so");
    await dialog.getByRole("button", { name: "Ngừng sử dụng" }).click();
    expect(await text(page, "[data-field-error=confirm-name]")).toBe(`Tên nhập vào không khớp với ho-so-suc-khoe-${RUN}.`);
    expect(["Ready", "Updating"]).toContain((await api(service.url, tokens.an, "GET", `/v1/organizations/byt/environments/ho-so-suc-khoe-${RUN}`)).body.phase);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    await page.getByRole("button", { name: "Ngừng sử dụng môi trường…" }).click();
    await dialog.getByLabel("Tên môi trường").fill(`ho-so-suc-khoe-${RUN}`);
    await dialog.getByRole("button", { name: "Ngừng sử dụng" }).click();
    await page.getByRole("status").filter({ hasText: "Đã gửi yêu cầu ngừng sử dụng." }).waitFor();
    const after = (await api(service.url, tokens.an, "GET", `/v1/organizations/byt/environments/ho-so-suc-khoe-${RUN}`)).body;
    expect(["Decommissioning", "Retained"]).toContain(after.phase);
    await page.locator(`.phase-line [data-phase="${after.phase}"]`).waitFor();
  });
});

describe("portal: operators' and auditors' pages", () => {
  test("portal: sites and capacity per pool and storage tier", async () => {
    const { page } = await tab();
    await signIn(page, service.url, tokens.oanh);
    await page.getByRole("link", { name: "Trung tâm và năng lực" }).click();
    await page.getByRole("heading", { name: "Trung tâm dữ liệu và năng lực" }).waitFor();
    expect(await text(page, '[data-site="local"] td >> nth=0')).toBe("đang hoạt động");
    const pools = page.locator('[data-capacity="local"] tbody tr');
    await pools.first().waitFor();
    // stacks/Pulumi.local.yaml: general 4 nodes x 8 cores x overcommit 4 = 128 cores, 4 x 32Gi = 128Gi.
    const general = (await pools.filter({ hasText: "general" }).textContent())!;
    expect(general).toContain("general (Dùng chung)");
    expect(general).toMatch(/ \/ 128 \(/);
    expect(general).toMatch(/ \/ 128Gi \(/);
    expect(await pools.filter({ hasText: "secure" }).textContent()).toContain("secure (Riêng)");
    expect(await seriousViolations(page)).toEqual([]);
  });

  test("portal: the audit trail with filters, and the chain verified; an organization's auditor sees its own records only", async () => {
    const { page } = await tab();
    await signIn(page, service.url, tokens.kiem);
    await page.getByRole("heading", { name: "Nhật ký kiểm toán" }).waitFor();
    await page.getByLabel("Hành động").fill("environment.approve");
    await page.getByRole("button", { name: "Lọc" }).click();
    const column = (n: number) => page.locator(`table.audit tbody tr td:nth-child(${n})`).allTextContents();
    await expect.poll(async () => new Set(await column(4)), { timeout: 10_000 }).toEqual(new Set(["environment.approve"]));
    await page.getByLabel("Kết quả").selectOption("denied");
    await page.getByLabel("Hành động").fill("");
    await page.getByRole("button", { name: "Lọc" }).click();
    await expect.poll(async () => new Set(await column(5)), { timeout: 10_000 }).toEqual(new Set(["bị từ chối"]));
    await page.getByRole("button", { name: "Kiểm tra tính toàn vẹn của chuỗi" }).click();
    const verified = (await api(service.url, tokens.kiem, "GET", "/v1/audit/verify")).body;
    await page.getByTestId("verification").waitFor();
    expect(await text(page, "[data-testid=verification] p")).toMatch(/^Chuỗi nhật ký toàn vẹn: đã kiểm tra \d+ bản ghi\.$/);
    expect(Number(/(\d+)/.exec((await text(page, "[data-testid=verification] p"))!)![1])).toBeGreaterThanOrEqual(verified.checked - 5);
    expect(await seriousViolations(page)).toEqual([]);

    const byt = await mint(service, "kiem.byt", "auditor", "byt");
    const scoped = await tab();
    await signIn(scoped.page, service.url, byt);
    await scoped.page.getByRole("heading", { name: "Nhật ký kiểm toán" }).waitFor();
    await scoped.page.locator("table.audit tbody tr").first().waitFor();
    expect(new Set(await scoped.page.locator("table.audit tbody tr td:nth-child(7)").allTextContents())).toEqual(new Set(["byt"]));
    expect(await scoped.page.locator("main").textContent()).not.toContain("hanoi");
    expect(await text(scoped.page, "main section > p")).toBe("Chỉ kiểm toán viên cấp nền tảng mới kiểm tra được toàn bộ chuỗi.");
  });

  test("portal: a record edited in the database shows as a broken chain, naming the record", async () => {
    const db = new DatabaseSync(join(service.dataDir, "ndc.sqlite"));
    const row = db.prepare("SELECT seq FROM audit_records ORDER BY seq LIMIT 1 OFFSET 2").get() as { seq: number };
    db.prepare("UPDATE audit_records SET actor = 'mallory' WHERE seq = ?").run(row.seq);
    db.close();
    const { page } = await tab();
    await signIn(page, service.url, tokens.kiem);
    await page.getByRole("button", { name: "Kiểm tra tính toàn vẹn của chuỗi" }).click();
    await page.getByTestId("verification").waitFor();
    expect(await text(page, "[data-testid=verification] p")).toMatch(/^Chuỗi nhật ký bị phá vỡ: 1 vấn đề trong \d+ bản ghi\.$/);
    expect(await text(page, "[data-testid=verification] li")).toBe(`Bản ghi ${row.seq}: bị sửa`);
    await page.getByTestId("language").click();
    expect(await text(page, "[data-testid=verification] li")).toBe(`Record ${row.seq}: edited`);
  });
});
