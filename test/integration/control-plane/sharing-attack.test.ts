// The fourth attack review (issue 14's agreements, reports and the streamed audit verify), through the
// HTTP API on SQLite and PostgreSQL: each test names the hole that turns it red. Expected values are
// written from the design (free text never holds U+0000 and counts characters, organizations are
// public), never computed by the code under test.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { EnvironmentSpec } from "../../../model/index.ts";
import { testOrganization, testSpec } from "../../../model/testing.ts";
import { BACKENDS, expectRefused, startTestApp, testPlatformForApi, type TestApp } from "./_harness.ts";

const AGREEMENTS = "/v1/organizations/byt/sharing-agreements";

/** byt's `portal` (personal data: basic, so a consumer needs level 2) offered to bct's `erp`. */
function offer(name: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    providerEnvironment: "portal",
    consumer: { org: "bct", environment: "erp" },
    port: 8443,
    protocol: "TCP",
    purpose: "Tra cứu hồ sơ (records lookup)",
    legalBasis: "Nghị định 194/2025/NĐ-CP",
    validFrom: "2026-12-01T00:00:00+07:00",
    validUntil: "2027-12-01T00:00:00+07:00",
    ...extra,
  };
}

describe.each(BACKENDS)("attack review of sharing agreements (%s)", (backend) => {
  let t: TestApp;
  const agreements = async () => Number((await t.raw.get("SELECT COUNT(*) AS n FROM sharing_agreements"))?.n);

  beforeAll(async () => {
    const platform = testPlatformForApi({
      organizations: [
        testOrganization(),
        testOrganization({ slug: "bct", name: { vi: "Bộ Công Thương", en: "Ministry of Industry and Trade" }, ownerGroups: ["bct-admins"] }),
      ],
    });
    t = await startTestApp(backend, { platform, now: () => new Date("2026-12-02T10:00:00+07:00") });
    const create = async (org: string, token: string, spec: EnvironmentSpec) => {
      const res = await t.call("POST", `/v1/organizations/${org}/environments`, token, spec);
      expect(res.statusCode, res.body).toBe(201);
      // dev, level 2, other data: approved by policy at once.
      expect(res.json()).toMatchObject({ phase: "Approved" });
    };
    await create("byt", t.tokens.alice, testSpec({ name: "portal", personalData: "basic" }));
    await create("bct", t.tokens.bob, testSpec({ name: "erp", owners: ["bct-erp"] }));
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  test.each(["purpose", "legalBasis"])(
    "fails when a NUL in an offer's %s is not refused naming the field (bug: the offer's free text was a plain string; PostgreSQL cannot store U+0000 and the offer failed with 500)",
    async (field) => {
      const before = await agreements();
      await expectRefused(t, 400, field, "no-nul", () =>
        t.call("POST", AGREEMENTS, t.tokens.alice, offer(`nul-${field.toLowerCase()}`, { [field]: "Nghị định\u0000 194" })),
      );
      expect(await agreements()).toBe(before);
    },
  );

  test("fails when a 500-character purpose written in emoji is refused (bug: the offer counted UTF-16 units, not characters as its document says)", async () => {
    // 500 characters, 1,000 UTF-16 units.
    const res = await t.call("POST", AGREEMENTS, t.tokens.alice, offer("emoji-purpose", { purpose: "🏥".repeat(500) }));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ purpose: "🏥".repeat(500), state: "Offered" });
  });

  test("fails when an offer to an organization the platform does not have is stored (bug: a typo in consumer.org made an agreement no one could ever accept)", async () => {
    const before = await agreements();
    const refused = await expectRefused(t, 422, "consumer.org", "organization-exists", () =>
      t.call("POST", AGREEMENTS, t.tokens.alice, offer("typo", { consumer: { org: "bctt", environment: "erp" } })),
    );
    expect(refused.errors).toContainEqual({
      field: "consumer.org",
      rule: "organization-exists",
      message: "no organization bctt on this platform; the organizations are listed by GET /v1/organizations",
      value: "bctt",
    });
    expect(await agreements()).toBe(before);
  });
});
