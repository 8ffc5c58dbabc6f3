import { describe, expect, test } from "vitest";
import { MESSAGES, translate, translateValue } from "../../../../control-plane/portal/app/i18n.ts";
import { explainIssue, fieldErrors, formFieldOf } from "../../../../control-plane/portal/app/problems.ts";
import { explainReason } from "../../../../control-plane/portal/app/reasons.ts";
import { placementHints } from "../../../../control-plane/portal/app/rules.ts";
import { choicesOf, requestSchemaFrom } from "../../../../control-plane/portal/app/schema.ts";

describe("MESSAGES", () => {
  test("both languages have the same keys, none empty", () => {
    expect(Object.keys(MESSAGES.en).sort()).toEqual(Object.keys(MESSAGES.vi).sort());
    expect(Object.entries(MESSAGES.vi).filter(([, v]) => v.trim() === "")).toEqual([]);
    expect(Object.entries(MESSAGES.en).filter(([, v]) => v.trim() === "")).toEqual([]);
  });

  test("Vietnamese text is NFC (precomposed diacritics), as DOMAIN.md requires", () => {
    expect(Object.entries(MESSAGES.vi).filter(([, v]) => v !== v.normalize("NFC"))).toEqual([]);
    expect(MESSAGES.vi["phase.Ready"]).toBe("Sẵn sàng");
  });

  test("both languages use the same placeholders in each message", () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    const differ = Object.keys(MESSAGES.vi).filter(
      (k) => JSON.stringify(names(MESSAGES.vi[k as keyof typeof MESSAGES.vi])) !== JSON.stringify(names(MESSAGES.en[k as keyof typeof MESSAGES.en])),
    );
    expect(differ).toEqual([]);
  });

  test("translate fills placeholders; translateValue shows unknown values raw", () => {
    expect(translate("vi", "env.title", { org: "byt", name: "his" })).toBe("Môi trường byt/his");
    expect(translateValue("en", "phase", "AwaitingApproval")).toBe("Awaiting approval");
    expect(translateValue("vi", "phase", "Hibernating")).toBe("Hibernating");
  });
});

describe("formFieldOf", () => {
  test.each([
    ["name", "name"],
    ["sites[1]", "sites"],
    ["resources.cpu", "cpu"],
    ["resources.storage.fast", "storage"],
    ["owners[0]", "owners"],
    ["org", "(form)"],
    ["header.if-match", "(form)"],
  ])("%s -> %s", (field, expected) => expect(formFieldOf(field)).toBe(expected));
});

describe("explainIssue", () => {
  test("says a placement rule in the user's language with the policy's figures", () => {
    const issue = { field: "zone", rule: "zone-for-data-class", message: "important data may only be placed in data or restricted", value: "app" };
    const spec = { dataClass: "important", personalData: "none" } as const;
    expect(explainIssue("vi", issue, spec)).toBe("Dữ liệu quan trọng chỉ được đặt ở Vùng dữ liệu (data) hoặc Vùng hạn chế (restricted).");
    expect(explainIssue("en", issue, spec)).toBe("Important data may only be placed in Data zone (data) or Restricted zone (restricted).");
  });

  test("the minimum level follows the class raised by the personal-data volume", () => {
    const issue = { field: "securityLevel", rule: "minimum-security-level", message: "must be at least 4", value: 2 };
    expect(explainIssue("vi", issue, { dataClass: "other", personalData: "basic", personalDataSubjects: 1_000_000 })).toBe(
      "Phải từ cấp độ 4 trở lên với dữ liệu cốt lõi và dữ liệu cá nhân cơ bản.",
    );
  });

  test("a rule the portal does not know keeps the server's message", () => {
    expect(explainIssue("vi", { field: "x", rule: "brand-new-rule", message: "is wrong" })).toBe("Không hợp lệ (brand-new-rule). is wrong");
  });

  test("an empty text or list is said to be required", () => {
    expect(explainIssue("vi", { field: "purpose", rule: "min-length", message: "must be at least 1 characters", value: "" })).toBe("Trường này là bắt buộc.");
    expect(explainIssue("en", { field: "owners", rule: "min-items", message: "needs at least 1 item(s)", value: [] })).toBe("This field is required.");
    expect(explainIssue("en", { field: "owners", rule: "min-items", message: "needs at least 2 item(s)", value: ["a"] })).toBe("Needs at least 2 item(s).");
  });

  test("schema rules take their figure from the message", () => {
    expect(explainIssue("en", { field: "purpose", rule: "max-length", message: "must be at most 500 characters" })).toBe("At most 500 characters.");
  });
});

describe("fieldErrors", () => {
  test("groups issues by form field; a problem without issues goes to the form", () => {
    const problem = {
      type: "t",
      title: "x",
      status: 422,
      detail: "d",
      code: "NDC_ERR_RULE",
      errors: [
        { field: "sites[0]", rule: "site-accepts", message: "…" },
        { field: "resources.cpu", rule: "quantity-format", message: "…" },
      ],
    };
    expect([...fieldErrors("en", problem)]).toEqual([
      ["sites", ["This site does not accept environments of the chosen stage now."]],
      ["cpu", ["Must be a valid quantity, e.g. 8, 500m, 32Gi."]],
    ]);
    expect([...fieldErrors("vi", { ...problem, status: 409, detail: "name taken", errors: [] })]).toEqual([["(form)", ["Máy chủ trả lời 409: name taken"]]]);
    expect([
      ...fieldErrors("en", {
        ...problem,
        status: 412,
        detail: "version 3 is not 4",
        errors: [{ field: "header.if-match", rule: "version-match", message: "…" }],
      }),
    ]).toEqual([["(form)", ["The environment has just changed; the page was refreshed, please review and try again."]]]);
  });
});

describe("placementHints", () => {
  const sites = [
    { id: "ndc1", status: "active" as const },
    { id: "ndc2", status: "commissioning" as const },
  ];
  const base = { stage: "prod", zone: "app", dataClass: "other", personalData: "none", securityLevel: 1, sites: ["ndc1"] } as const;

  test("nothing to say about an ordinary request", () => {
    expect(placementHints("vi", base, sites)).toEqual([]);
  });

  test("explains, before submitting, each rule that blocks the choice", () => {
    expect(placementHints("vi", { ...base, dataClass: "core", sites: ["ndc1", "ndc2"] }, sites, { maxDataClass: "important", maxSecurityLevel: 3 })).toEqual([
      { field: "dataClass", blocking: true, text: "Tổ chức của bạn chỉ được lưu dữ liệu quan trọng trở xuống." },
      { field: "zone", blocking: true, text: "Dữ liệu cốt lõi chỉ được đặt ở Vùng hạn chế (restricted)." },
      { field: "securityLevel", blocking: true, text: "Cấp độ an toàn tối thiểu là 4 với dữ liệu cốt lõi và không có dữ liệu cá nhân." },
      { field: "sites", blocking: true, text: "ndc2 (đang đưa vào vận hành) không nhận môi trường prod." },
      // Only one site is active: admission grants an exception, so this one does not block.
      { field: "sites", blocking: false, text: "Dữ liệu cốt lõi cần bản sao trên 2 trung tâm đang hoạt động cách nhau ít nhất 30 km." },
    ]);
  });

  test("a large volume of personal data raises the class, in English too", () => {
    const hints = placementHints("en", { ...base, personalData: "sensitive", personalDataSubjects: 20_000, securityLevel: 3, zone: "data" }, sites);
    expect(hints).toEqual([
      { field: "dataClass", blocking: true, text: "With 20,000 people's sensitive personal data, the data is classed as important data." },
    ]);
  });
});

describe("requestSchemaFrom", () => {
  test("reads the enums of the createEnvironment body from an OpenAPI document", () => {
    const doc = {
      paths: {
        "/v1/organizations/{org}/environments": {
          post: {
            requestBody: {
              content: {
                "application/json": {
                  schema: {
                    required: ["name"],
                    properties: {
                      name: { type: "string", maxLength: 50 },
                      stage: { anyOf: [{ const: "dev" }, { const: "prod" }] },
                      securityLevel: { enum: [1, 2] },
                    },
                  },
                },
              },
            },
          },
        },
      },
    };
    expect(requestSchemaFrom(doc)).toEqual({ required: ["name"], choices: { stage: ["dev", "prod"], securityLevel: [1, 2] }, maxLength: { name: 50 } });
    expect(choicesOf({ type: "string" })).toBeUndefined();
    // As GET /openapi.json writes a union of literals.
    expect(
      choicesOf({
        anyOf: [
          { type: "string", enum: ["other"] },
          { type: "string", enum: ["core"] },
        ],
      }),
    ).toEqual(["other", "core"]);
  });

  test("fails when the document has no such body", () => {
    expect(() => requestSchemaFrom({ paths: {} })).toThrow("the API's OpenAPI document has no createEnvironment body schema");
  });
});

describe("explainReason", () => {
  test("says each auto-approval limit in Vietnamese; English stays as the workflow wrote it", () => {
    const reason =
      "needs approval: security level 3 is above 2; data class important needs a human (auto: other); memory 8589934592 bytes is above 4294967296; something new";
    expect(explainReason("vi", reason)).toBe(
      "Cần phê duyệt: cấp độ an toàn 3 cao hơn mức tự duyệt 2; dữ liệu quan trọng cần người duyệt (tự duyệt chỉ với: dữ liệu khác); bộ nhớ 8 GiB vượt mức tự duyệt 4 GiB; something new.",
    );
    expect(explainReason("en", reason)).toBe(reason);
    expect(explainReason("vi", "change needs approval: cpu 4000m is above 2000m")).toBe("Thay đổi cần phê duyệt: CPU 4 lõi vượt mức tự duyệt 2 lõi.");
    expect(explainReason("vi", "Chưa có đánh giá tác động.")).toBe("Chưa có đánh giá tác động.");
  });
});
