// The portal's data-sharing, compliance, usage and roadmap pages in real headless Chromium against
// the real service (control-plane/server.ts on SQLite, sites local and ndc1), which provisions
// `local` on the test run's kube-apiserver. byt (Bộ Y tế) offers to hanoi and to bca; each page
// shows what the API answers, never another organization's agreements or usage, and the API's
// refusals next to the field they concern, in Vietnamese and English.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { waitUntil } from "../integration/_cluster.ts";
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

let service: Service;
let browser: Browser;
const tokens: Record<"an" | "binh" | "hung" | "oanh" | "kiemHanoi", string> = { an: "", binh: "", hung: "", oanh: "", kiemHanoi: "" };
// Environments are provisioned on the shared test cluster: names unique to this run.
const RUN = Date.now().toString(36).slice(-4);
const KHO = `kho-${RUN}`; // byt, dev, other data: the provider of the first agreement
const TRA = `tra-${RUN}`; // hanoi, dev: its consumer
const HS = `hs-${RUN}`; // byt, prod, important data, level 3
const PT = `pt-${RUN}`; // bca, prod, important data, level 3
const A1 = `kho-tra-${RUN}`;
const A2 = `hs-pt-${RUN}`;
const A3 = `hs-pt-2-${RUN}`;
const contexts: BrowserContext[] = [];

const tab = () => openTab(browser, contexts);
const text = async (page: Page, selector: string) => (await page.locator(selector).first().textContent())?.trim();
const offer = (name: string, provider: string, consumer: { org: string; environment: string }) => {
  const now = Date.now();
  return {
    name,
    providerEnvironment: provider,
    consumer,
    port: 5432,
    protocol: "TCP",
    purpose: "Đối soát thuốc",
    legalBasis: "Nghị định 194/2025/NĐ-CP",
    validFrom: new Date(now - 3_600_000).toISOString(),
    validUntil: new Date(now + 180 * 86_400_000).toISOString(),
  };
};
/** Whole đồng grouped as Vietnamese writes them, worked out here: 1234567 -> "1.234.567 ₫". */
const dong = (n: number) => `${String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ".")} ₫`;
const vietnamMonth = () => new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Ho_Chi_Minh", year: "numeric", month: "2-digit" }).format(new Date()).slice(0, 7);

beforeAll(async () => {
  service = await startServiceOnTestCluster({ NDC_SITES: "local,ndc1-hoalac" });
  tokens.an = await mint(service, "an.nguyen", "requester", "byt");
  tokens.binh = await mint(service, "binh.tran", "requester", "hanoi");
  tokens.hung = await mint(service, "hung.do", "requester", "bca");
  tokens.oanh = await mint(service, "oanh.le", "operator");
  tokens.kiemHanoi = await mint(service, "kiem.hanoi", "auditor", "hanoi");
  const create = async (token: string, org: string, name: string, extra: Record<string, unknown> = {}) => {
    const res = await api(service.url, token, "POST", `/v1/organizations/${org}/environments`, {
      ...devEnvironment(name, "Thử nghiệm chia sẻ dữ liệu", [`${org}-platform-admins`]),
      ...extra,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    if (res.body.phase === "AwaitingApproval") {
      const approved = await api(
        service.url,
        tokens.oanh,
        "POST",
        `/v1/organizations/${org}/environments/${name}/approve`,
        {},
        { "if-match": `"${res.body.version}"` },
      );
      expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    }
  };
  const important = { stage: "prod", zone: "data", dataClass: "important", securityLevel: 3 };
  await create(tokens.an, "byt", KHO);
  await create(tokens.binh, "hanoi", TRA);
  await create(tokens.an, "byt", HS, important);
  await create(tokens.hung, "bca", PT, important);
  for (const [org, name] of [
    ["byt", KHO],
    ["hanoi", TRA],
    ["byt", HS],
    ["bca", PT],
  ] as const)
    await waitUntil(
      `${org}/${name} Ready`,
      90_000,
      async () => (await api(service.url, service.admin, "GET", `/v1/organizations/${org}/environments/${name}`)).body.phase === "Ready",
    );
  browser = await launchBrowser();
});

afterAll(async () => {
  await closePortalRun(contexts, browser, service);
});

describe("portal: data-sharing agreements", () => {
  test("portal: the offer form shows the API's refusals next to their fields in Vietnamese and English; the offer made is on its own page", async () => {
    const page = await tab();
    await signIn(page, service.url, tokens.an);
    await page.getByRole("link", { name: "Chia sẻ dữ liệu", exact: true }).click();
    await page.getByRole("heading", { name: "Thỏa thuận chia sẻ dữ liệu" }).waitFor();
    await page.getByRole("link", { name: "Đề nghị chia sẻ dữ liệu" }).click();
    await page.getByRole("heading", { name: "Đề nghị chia sẻ dữ liệu" }).waitFor();

    await page.getByLabel("Tên thỏa thuận *").fill(A1);
    await page.getByLabel("Môi trường cung cấp dữ liệu *").selectOption(KHO);
    await page.getByLabel("Tổ chức nhận *").fill("byt");
    await page.getByLabel("Môi trường nhận *").fill(TRA);
    await page.getByLabel("Cổng *").fill("70000");
    await page.getByLabel("Mục đích sử dụng dữ liệu *").fill("Tra cứu lịch khám bệnh");
    await page.getByLabel("Căn cứ pháp lý *").fill("Nghị định 194/2025/NĐ-CP");
    // The schema first (400): the port is out of range.
    await page.getByRole("button", { name: "Gửi đề nghị" }).click();
    await page.locator("[data-field-error=offer-port]").waitFor();
    expect(await text(page, "[data-field-error=offer-port]")).toBe("Giá trị nằm ngoài khoảng cho phép.");
    expect(await page.getByLabel("Cổng *").getAttribute("aria-invalid")).toBe("true");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("error-summary");
    // Then a sharing rule (422): the consumer is byt itself.
    await page.getByLabel("Cổng *").fill("5432");
    await page.getByRole("button", { name: "Gửi đề nghị" }).click();
    await page.locator("[data-field-error=offer-consumer-org]").waitFor();
    expect(await text(page, "[data-field-error=offer-consumer-org]")).toBe(
      "Bên nhận phải là một tổ chức khác; trong cùng một tổ chức, luồng giữa các vùng do ma trận vùng quyết định.",
    );
    expect(await page.locator("[data-field-error]").count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByTestId("language").click();
    expect(await text(page, "[data-field-error=offer-consumer-org]")).toBe(
      "The consumer must be another organization; within one organization the zone matrix decides flows.",
    );
    await page.getByTestId("language").click();
    expect((await api(service.url, tokens.an, "GET", `/v1/organizations/byt/sharing-agreements/${A1}`)).status).toBe(404);

    await page.getByLabel("Tổ chức nhận *").fill("hanoi");
    await page.getByRole("button", { name: "Gửi đề nghị" }).click();
    await page.getByRole("heading", { name: `Thỏa thuận byt/${A1}` }).waitFor();
    expect(await text(page, ".phase-line [data-status]")).toBe("Đã đề nghị");
    expect(await text(page, "[data-field=consumer]")).toBe(`hanoi/${TRA}`);
    expect(await text(page, "[data-field=approval]")).toBe("Không cần");
    expect(await seriousViolations(page)).toEqual([]);
    const stored = await api(service.url, tokens.an, "GET", `/v1/organizations/byt/sharing-agreements/${A1}`);
    expect(stored.body).toMatchObject({
      state: "Offered",
      provider: { org: "byt", environment: KHO },
      consumer: { org: "hanoi", environment: TRA },
      port: 5432,
      protocol: "TCP",
      purpose: "Tra cứu lịch khám bệnh",
      offeredBy: "an.nguyen",
    });
  });

  test("portal: both organizations list the agreement on their side; a third never sees it, even by typing its address", async () => {
    const provider = await tab();
    await signIn(provider, service.url, tokens.an);
    await provider.goto(`${service.url}/#/agreements`);
    await provider.locator(`#provided [data-agreement="byt/${A1}"]`).waitFor();
    expect(await provider.locator(`#consumed [data-agreement="byt/${A1}"]`).count()).toBe(0);
    expect(await provider.locator(`#provided [data-agreement="byt/${A1}"] td`).nth(1).textContent()).toBe(`hanoi/${TRA}`);
    expect(await seriousViolations(provider)).toEqual([]);

    const consumer = await tab();
    await signIn(consumer, service.url, tokens.binh);
    await consumer.goto(`${service.url}/#/agreements`);
    await consumer.locator(`#consumed [data-agreement="byt/${A1}"]`).waitFor();
    expect(await consumer.locator(`#provided [data-agreement="byt/${A1}"]`).count()).toBe(0);

    const third = await tab();
    await signIn(third, service.url, tokens.hung);
    await third.goto(`${service.url}/#/agreements`);
    // Both of its sections are shown once the list has loaded.
    await third.getByRole("heading", { name: "Tổ chức của bạn nhận" }).waitFor();
    await third.getByRole("heading", { name: "Tổ chức của bạn cung cấp" }).waitFor();
    expect(await third.locator(`[data-agreement="byt/${A1}"]`).count()).toBe(0);
    await third.goto(`${service.url}/#/agreements/byt/${A1}`);
    await third.getByRole("alert").waitFor();
    expect(await third.getByRole("alert").textContent()).toBe("Không tìm thấy thỏa thuận này, hoặc bạn không có quyền xem nó.");
    expect(await third.locator("main").textContent()).not.toContain("Tra cứu lịch khám bệnh");
  });

  test("portal: the consumer accepts with the keyboard after a confirmation (Escape changes nothing); the provider revokes with a reason", async () => {
    const page = await tab();
    await signIn(page, service.url, tokens.binh);
    await page.goto(`${service.url}/#/agreements/byt/${A1}`);
    await page.getByRole("heading", { name: `Thỏa thuận byt/${A1}` }).waitFor();
    const accept = page.getByRole("button", { name: "Chấp nhận…" });
    await accept.focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: `Chấp nhận thỏa thuận ${A1}` });
    await dialog.waitFor();
    expect(await dialog.locator("p").first().textContent()).toBe(
      `Môi trường hanoi/${TRA} sẽ được truy cập byt/${KHO} qua cổng 5432/TCP cho mục đích: Tra cứu lịch khám bệnh`,
    );
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    expect((await api(service.url, tokens.binh, "GET", `/v1/organizations/byt/sharing-agreements/${A1}`)).body).toMatchObject({ state: "Offered", version: 1 });
    // The focus is back on the button: Enter opens the dialog again, whose first control is "Chấp nhận".
    await page.keyboard.press("Enter");
    await dialog.waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Chấp nhận");
    await page.keyboard.press("Enter");
    await page.getByRole("status").filter({ hasText: "Đã chấp nhận thỏa thuận." }).waitFor();
    await page.locator('.phase-line [data-status="InForce"]').waitFor();
    expect(await text(page, ".phase-line [data-status]")).toBe("Đang có hiệu lực");
    expect((await api(service.url, tokens.binh, "GET", `/v1/organizations/byt/sharing-agreements/${A1}`)).body).toMatchObject({
      state: "Approved",
      status: "InForce",
      acceptedBy: "binh.tran",
    });

    const provider = await tab();
    await signIn(provider, service.url, tokens.an);
    await provider.goto(`${service.url}/#/agreements/byt/${A1}`);
    await provider.getByRole("button", { name: "Thu hồi…" }).click();
    const revoke = provider.getByRole("dialog", { name: `Thu hồi thỏa thuận ${A1}` });
    await revoke.waitFor();
    await revoke.getByLabel("Lý do").fill("Hết nhu cầu tra cứu");
    await revoke.getByRole("button", { name: "Thu hồi", exact: true }).click();
    await provider.locator('.phase-line [data-status="Revoked"]').waitFor();
    expect(await text(provider, "[data-field=reason]")).toBe("Hết nhu cầu tra cứu");
    expect((await api(service.url, tokens.an, "GET", `/v1/organizations/byt/sharing-agreements/${A1}`)).body).toMatchObject({
      state: "Revoked",
      revokedBy: "an.nguyen",
      reason: "Hết nhu cầu tra cứu",
    });
  });

  test("portal: important data waits for an operator, who approves it on the agreement's page; the consumer has no approve button", async () => {
    expect((await api(service.url, tokens.an, "POST", "/v1/organizations/byt/sharing-agreements", offer(A2, HS, { org: "bca", environment: PT }))).status).toBe(
      201,
    );
    const consumer = await tab();
    await signIn(consumer, service.url, tokens.hung);
    await consumer.goto(`${service.url}/#/agreements/byt/${A2}`);
    await consumer.getByRole("button", { name: "Chấp nhận…" }).click();
    await consumer.getByRole("dialog").getByRole("button", { name: "Chấp nhận", exact: true }).click();
    await consumer.locator('.phase-line [data-status="AwaitingApproval"]').waitFor();
    expect(await text(consumer, ".phase-line [data-status]")).toBe("Chờ vận hành viên phê duyệt");
    expect(await text(consumer, "[data-field=approval]")).toBe("Cần phê duyệt: Dữ liệu quan trọng; hệ thống cấp độ 3 (cần phê duyệt từ cấp độ 3)");
    expect(await consumer.getByRole("button", { name: "Phê duyệt", exact: true }).count()).toBe(0);

    const page = await tab();
    await signIn(page, service.url, tokens.oanh);
    await page.getByRole("link", { name: "Chia sẻ dữ liệu", exact: true }).click();
    await page.locator(`#queue [data-agreement="byt/${A2}"]`).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.locator(`#queue [data-agreement="byt/${A2}"] a`).click();
    await page.getByRole("heading", { name: `Thỏa thuận byt/${A2}` }).waitFor();
    await page.getByRole("button", { name: "Phê duyệt", exact: true }).click();
    await page.locator('.phase-line [data-status="InForce"]').waitFor();
    expect((await api(service.url, tokens.oanh, "GET", `/v1/organizations/byt/sharing-agreements/${A2}`)).body).toMatchObject({
      state: "Approved",
      decidedBy: "oanh.le",
    });
  });

  test("portal: an approval the API refuses (four eyes) shows its reason next to the decision field, in both languages; nothing changes", async () => {
    // The platform admin offers for byt; every operator here holds a token it minted, so none may approve.
    expect(
      (await api(service.url, service.admin, "POST", "/v1/organizations/byt/sharing-agreements", offer(A3, HS, { org: "bca", environment: PT }))).status,
    ).toBe(201);
    expect((await api(service.url, tokens.hung, "POST", `/v1/organizations/byt/sharing-agreements/${A3}/accept`, {})).body.state).toBe("AwaitingApproval");
    const page = await tab();
    await signIn(page, service.url, tokens.oanh);
    await page.goto(`${service.url}/#/agreements/byt/${A3}`);
    await page.getByRole("button", { name: "Phê duyệt", exact: true }).click();
    await page.locator("[data-field-error=decide-reason]").waitFor();
    expect(await text(page, "[data-field-error=decide-reason]")).toBe(
      "Người đã đề nghị hoặc chấp nhận thỏa thuận không được phê duyệt nó (nguyên tắc bốn mắt).",
    );
    expect(await page.getByLabel("Lý do (gửi kèm quyết định)").getAttribute("aria-describedby")).toBe("decide-reason-error");
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByTestId("language").click();
    expect(await text(page, "[data-field-error=decide-reason]")).toBe("Whoever offered or accepted the agreement may not approve it (four eyes).");
    expect((await api(service.url, tokens.oanh, "GET", `/v1/organizations/byt/sharing-agreements/${A3}`)).body).toMatchObject({
      state: "AwaitingApproval",
      decidedBy: null,
    });
  });

  test("portal: the consumer organization's auditor reads the agreement's audit trail on its page, and nothing else of the provider", async () => {
    const page = await tab();
    await signIn(page, service.url, tokens.kiemHanoi);
    await page.goto(`${service.url}/#/agreements/byt/${A1}`);
    await page.getByRole("heading", { name: "Nhật ký kiểm toán của thỏa thuận" }).waitFor();
    const actions = async () => page.locator("table.audit tbody tr td:nth-child(4)").allTextContents();
    // Its decisions (the provisioner's policy records come and go with it; bca's refused looks are listed too).
    await expect
      .poll(async () => (await actions()).filter((a) => a.startsWith("sharing.") && !a.startsWith("sharing.policy-")), { timeout: 10_000 })
      .toEqual(["sharing.offer", "sharing.accept", "sharing.revoke"]);
    // Who of bca tried to look is not shown to hanoi: one organization never learns another's people.
    const actors = await page.locator("table.audit tbody tr td:nth-child(3)").allTextContents();
    expect(actors).toContain("(another organization)");
    expect(actors).not.toContain("hung.do");
    expect(new Set(await page.locator("table.audit tbody tr td:nth-child(6)").allTextContents())).toEqual(new Set(["byt"]));
    expect(await seriousViolations(page)).toEqual([]);
    // The audit trail page: of byt, only this agreement's records (not its environments', not the agreements with bca).
    await page.getByRole("link", { name: "Nhật ký kiểm toán", exact: true }).click();
    await page.locator("table.audit tbody tr").first().waitFor();
    const rows = await page
      .locator("table.audit tbody tr")
      .evaluateAll((trs) => trs.map((tr) => [tr.querySelector("td:nth-child(7)")?.textContent, tr.querySelector("td:nth-child(8)")?.textContent]));
    expect(new Set(rows.filter(([org]) => org === "byt").map(([, target]) => target))).toEqual(new Set([`sharing-agreement byt/${A1}`]));
  });
});

describe("portal: compliance, usage and the roadmap", () => {
  test("portal: an organization's compliance report lists its own environments against every rule, with the legal source; an operator reads a site's", async () => {
    const page = await tab();
    await signIn(page, service.url, tokens.an);
    await page.getByRole("link", { name: "Tuân thủ", exact: true }).click();
    await page.getByRole("heading", { name: "Tổ chức byt" }).waitFor();
    const report = (await api(service.url, tokens.an, "GET", "/v1/organizations/byt/compliance?limit=200")).body;
    const byStatus = report.summary.byStatus as Record<string, number>;
    expect(await text(page, "[data-testid=compliance-summary]")).toBe(
      `${report.summary.environments} môi trường (chính sách ${report.summary.policyVersion}): ${byStatus.compliant} tuân thủ, ${byStatus.exception} ngoại lệ, ${byStatus.violation} vi phạm.`,
    );
    const hs = page.locator(`[data-environment="byt/${HS}"]`);
    expect(await hs.locator("[data-status]").textContent()).toBe("tuân thủ");
    expect(await hs.locator("td").nth(3).textContent()).toBe("Dữ liệu quan trọng / Cấp độ 3");
    await hs.locator("summary").click();
    expect(await hs.locator("[data-rule]").count()).toBe(6);
    expect(await hs.locator('[data-rule="residency"] strong').textContent()).toBe("Lưu trữ dữ liệu trong nước");
    expect(await hs.locator('[data-rule="residency"]').textContent()).toContain("Data Law 60/2024/QH15");
    expect(await page.locator('[data-environment^="hanoi/"]').count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);

    const operator = await tab();
    await signIn(operator, service.url, tokens.oanh);
    await operator.goto(`${service.url}/#/compliance`);
    await operator.getByLabel("Phạm vi", { exact: true }).selectOption("site");
    await operator.getByLabel("Trung tâm dữ liệu", { exact: true }).selectOption("local");
    await operator.getByRole("button", { name: "Xem báo cáo" }).click();
    await operator.getByRole("heading", { name: "Trung tâm local" }).waitFor();
    for (const env of [`byt/${KHO}`, `hanoi/${TRA}`, `bca/${PT}`]) await operator.locator(`[data-environment="${env}"]`).waitFor();
    expect(await seriousViolations(operator)).toEqual([]);
  });

  test("portal: usage for this month shows the organization's own lines at the site's prices; an empty month is refused next to the field", async () => {
    const page = await tab();
    await signIn(page, service.url, tokens.an);
    await page.getByRole("link", { name: "Chi phí sử dụng", exact: true }).click();
    const month = vietnamMonth();
    await page.getByTestId("usage-total").waitFor();
    expect(await page.getByLabel("Tháng", { exact: true }).inputValue()).toBe(month);
    const report = (await api(service.url, tokens.an, "GET", `/v1/organizations/byt/usage?month=${month}&limit=200`)).body;
    // The month's figure as the API has it when the page asked; it grows with every second held.
    expect(await text(page, "[data-testid=usage-total]")).toMatch(new RegExp(`^Tổng tháng ${month}: [0-9.]+\\s₫$`));
    const kho = page.locator(`[data-line="byt/${KHO}@local"]`);
    await kho.waitFor();
    // stacks/Pulumi.local.yaml: one price list, 2026.1; 1 core and 1 Gi.
    expect(await kho.locator("td").nth(3).textContent()).toBe("1");
    expect(await kho.locator("td").nth(4).textContent()).toBe("1 Gi");
    expect(await kho.locator("td").nth(5).textContent()).toBe("2026.1");
    expect(report.lines.some((l: { environment: string }) => l.environment === KHO)).toBe(true);
    expect(await page.locator('[data-line^="hanoi/"], [data-line^="bca/"]').count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByLabel("Tháng", { exact: true }).fill("");
    await page.getByRole("button", { name: "Xem", exact: true }).click();
    await page.locator("[data-field-error=usage-month]").waitFor();
    expect(await text(page, "[data-field-error=usage-month]")).toBe("Hãy chọn một tháng, ví dụ 2026-11.");
    await page.getByTestId("language").click();
    expect(await text(page, "[data-field-error=usage-month]")).toBe("Choose a month, e.g. 2026-11.");
  });

  test("portal: an operator's usage for the platform has every organization's total, each as the API gives it", async () => {
    const page = await tab();
    await signIn(page, service.url, tokens.oanh);
    await page.goto(`${service.url}/#/usage`);
    await page.locator('[data-org="byt"]').waitFor();
    await page.locator('[data-org="hanoi"]').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    // A past month: nothing was held, so the figures are exact.
    await page.getByLabel("Tháng", { exact: true }).fill("2025-01");
    await page.getByRole("button", { name: "Xem", exact: true }).click();
    await expect.poll(async () => (await text(page, "[data-testid=usage-total]"))?.replace(/\u00a0/g, " ")).toBe(`Tổng tháng 2025-01: ${dong(0)}`);
    expect(await text(page, "[data-testid=usage-report] p")).toBe("Không có môi trường nào giữ tài nguyên trong tháng này.");
  });

  test("portal: the roadmap shows each site's phases from its stack and when it runs out", async () => {
    const page = await tab();
    await signIn(page, service.url, tokens.binh);
    await page.getByRole("link", { name: "Lộ trình năng lực", exact: true }).click();
    await page.getByRole("heading", { name: "Trung tâm ndc1 (đang hoạt động)" }).waitFor();
    // stacks/Pulumi.ndc1-hoalac.yaml: phase 1 (2023–2025) 1,300 racks, 160,000 cores, 1,280 Ti; phase 2 (2026–2028) 2,000 racks, 240,000 cores, 2 Pi.
    const phase = (n: number) => page.locator(`[data-roadmap="ndc1"] [data-phase-number="${n}"] td`).allTextContents();
    expect((await phase(1)).slice(0, 6)).toEqual(["2023–2025", "2023-01-01", "đang vận hành", "1300", "160.000", "1.280 Ti"]);
    expect((await phase(2)).slice(0, 6)).toEqual(["2026–2028", "2026-01-01", "đang vận hành", "2000", "240.000", "2.048 Ti"]);
    expect(await text(page, '[data-roadmap="local"] h3 + p')).toBe("Cấu hình của trung tâm chưa có lộ trình.");
    expect(await seriousViolations(page)).toEqual([]);
  });
});
