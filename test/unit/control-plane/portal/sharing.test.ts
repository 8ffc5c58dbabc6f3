// The portal's agreement form and reports: the body sent as typed, each API issue on its field in
// both languages, and amounts written as each language writes them. Expected texts are the
// messages table's, written out by hand.
import { describe, expect, test } from "vitest";
import { formatCores, formatMoney, formatSize, vietnamMonth } from "../../../../control-plane/portal/app/format.ts";
import { decisionError, explainApprovalReason, offerBody, offerErrors, offerFieldOf } from "../../../../control-plane/portal/app/sharing.ts";

const draft = {
  name: " his-erp ",
  providerEnvironment: "his-db",
  consumerOrg: "bct",
  consumerEnvironment: "erp",
  port: "5432",
  protocol: "TCP",
  purpose: "Đối soát thuốc",
  legalBasis: "Nghị định 194/2025/NĐ-CP",
  validFrom: "2026-12-01",
  validUntil: "2027-12-01",
};

describe("offerBody", () => {
  test("the days start at midnight in Vietnam, the port is a number, text is trimmed", () => {
    expect(offerBody(draft)).toEqual({
      name: "his-erp",
      providerEnvironment: "his-db",
      consumer: { org: "bct", environment: "erp" },
      port: 5432,
      protocol: "TCP",
      purpose: "Đối soát thuốc",
      legalBasis: "Nghị định 194/2025/NĐ-CP",
      validFrom: "2026-12-01T00:00:00+07:00",
      validUntil: "2027-12-01T00:00:00+07:00",
    });
  });

  test("a port that is not a number and an empty day are sent as typed, for the API to refuse on their fields (a form that fixes them hides the error)", () => {
    expect(offerBody({ ...draft, port: "năm bốn", validFrom: "" })).toMatchObject({ port: "năm bốn", validFrom: "" });
  });
});

describe("offerFieldOf", () => {
  test.each([
    ["consumer.org", "consumerOrg"],
    ["consumer.environment", "consumerEnvironment"],
    ["consumer", "consumerOrg"],
    ["port", "port"],
    ["validUntil", "validUntil"],
    ["sites[0]", "(form)"],
    ["header.if-match", "(form)"],
  ])("%s -> %s", (field, key) => expect(offerFieldOf(field)).toBe(key));
});

describe("offerErrors", () => {
  const problem = (errors: { field: string; rule: string; message: string; value?: unknown }[], status = 422) => ({
    type: "t",
    title: "x",
    status,
    detail: "the agreement byt/x cannot be offered",
    code: "NDC_ERR_RULE",
    errors,
  });

  test("a sharing rule on its field, in Vietnamese and English", () => {
    const p = problem([{ field: "consumer.org", rule: "different-organizations", message: "is the provider itself" }]);
    expect(offerErrors("vi", p).get("consumerOrg")).toEqual([
      "Bên nhận phải là một tổ chức khác; trong cùng một tổ chức, luồng giữa các vùng do ma trận vùng quyết định.",
    ]);
    expect(offerErrors("en", p).get("consumerOrg")).toEqual([
      "The consumer must be another organization; within one organization the zone matrix decides flows.",
    ]);
  });

  test("the consumer's level and the level needed come from the API's message", () => {
    const p = problem([
      {
        field: "consumer.environment",
        rule: "consumer-security-level",
        message: "is at security level 2; receiving important data with none personal data needs at least level 3 (Decree 85/2016/NĐ-CP)",
      },
    ]);
    expect(offerErrors("vi", p).get("consumerEnvironment")).toEqual(["Môi trường nhận ở cấp độ 2; nhận dữ liệu này cần ít nhất cấp độ 3."]);
  });

  test("a schema rule (port out of range) is said like the request form says it; validity longer than the policy names its days", () => {
    const p = problem(
      [
        { field: "port", rule: "range", message: "must be at most 65535", value: 70000 },
        { field: "validUntil", rule: "max-validity", message: "is more than 730 days after validFrom" },
      ],
      400,
    );
    const errors = offerErrors("en", p);
    expect(errors.get("port")).toEqual(["This value is out of range."]);
    expect(errors.get("validUntil")).toEqual(["At most 730 days after the start; agree again when it ends."]);
  });

  test("a problem with no issues goes to the form with its status", () => {
    expect(offerErrors("en", problem([], 503)).get("(form)")).toEqual(["The server answered 503: the agreement byt/x cannot be offered"]);
  });
});

describe("decisionError", () => {
  test("four eyes, a stale version, and a decision of another party, each said plainly", () => {
    const base = { type: "t", title: "x", detail: "d", code: "C" };
    expect(decisionError("vi", { ...base, status: 403, errors: [{ field: "approver", rule: "approver-not-party", message: "…" }] })).toBe(
      "Người đã đề nghị hoặc chấp nhận thỏa thuận không được phê duyệt nó (nguyên tắc bốn mắt).",
    );
    expect(decisionError("en", { ...base, status: 412, errors: [{ field: "header.if-match", rule: "version-current", message: "…" }] })).toBe(
      "The agreement has just changed; the page was refreshed, please review and decide again.",
    );
    expect(decisionError("en", { ...base, status: 403, errors: [{ field: "header.authorization", rule: "agreement-party", message: "…" }] })).toBe(
      "This decision belongs to another organization.",
    );
  });
});

describe("explainApprovalReason", () => {
  test.each([
    ["vi", "important data", "Dữ liệu quan trọng"],
    ["en", "core data", "Core data"],
    ["vi", "a level 3 system (operator approval from level 3)", "hệ thống cấp độ 3 (cần phê duyệt từ cấp độ 3)"],
    ["en", "something new", "something new"],
  ] as const)("%s: %s -> %s", (lang, reason, text) => expect(explainApprovalReason(lang, reason)).toBe(text));
});

describe("amounts", () => {
  test("đồng as each language writes them (Intl with vi-VN and en-GB)", () => {
    expect(formatMoney("vi", 3_221_666).replace(/\s/g, " ")).toBe("3.221.666 ₫");
    expect(formatMoney("en", 3_221_666)).toBe("₫3,221,666");
  });

  test("cores and sizes with one decimal at most, the decimal comma in Vietnamese", () => {
    expect(formatCores("vi", 2_700)).toBe("2,7");
    expect(formatCores("en", 13_000)).toBe("13");
    expect(formatSize("en", 26 * 2 ** 30)).toBe("26 Gi");
    expect(formatSize("vi", 1280 * 2 ** 40)).toBe("1.280 Ti");
  });

  test("the month in Vietnam: 31 January 17:00 UTC is already February there", () => {
    expect(vietnamMonth(new Date("2027-01-31T17:00:00Z"))).toBe("2027-02");
    expect(vietnamMonth(new Date("2027-01-31T16:59:59Z"))).toBe("2027-01");
  });
});
