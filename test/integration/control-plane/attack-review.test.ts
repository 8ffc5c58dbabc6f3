// An attacker's review of the control plane through its HTTP API, on SQLite and PostgreSQL: each test
// names the hole that turns it red. Expected values are written from the design (four eyes by
// person, names the service keeps for itself), never computed by the code under test.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { EnvironmentSpec } from "../../../model/index.ts";
import { testOrganization } from "../../../model/testing.ts";
import { BACKENDS, expectRefused, prodSpec, startTestApp, testPlatformForApi, type TestApp } from "./_harness.ts";

const AGREEMENTS = "/v1/organizations/byt/sharing-agreements";

/** An offer of byt's core-data environment `dancu` to bca's `analytics`: an operator must approve it. */
function coreOffer(name: string) {
  return {
    name,
    providerEnvironment: "dancu",
    consumer: { org: "bca", environment: "analytics" },
    port: 5432,
    protocol: "TCP",
    purpose: "Tra cứu dữ liệu dân cư (population data lookup)",
    legalBasis: "Nghị định 194/2025/NĐ-CP",
    validFrom: "2026-12-01T00:00:00+07:00",
    validUntil: "2027-12-01T00:00:00+07:00",
  };
}

describe.each(BACKENDS)("attack review (%s)", (backend) => {
  let t: TestApp;
  /** Minted by the installation admin: its own person, but the admin has seen its secret. */
  let adminByt = "";
  let dave = ""; // requester, bca
  /** A platform admin of its own (root pat), and two tokens pat minted for itself: the same person. */
  let pat = "";
  let patBca = "";
  let patOps = "";

  const mint = async (by: string, subject: string, role: string, org?: string): Promise<string> => {
    const res = await t.call("POST", "/v1/tokens", by, { subject, role, ...(org ? { org } : {}) });
    expect(res.statusCode, res.body).toBe(201);
    return (res.json() as { token: string }).token;
  };

  beforeAll(async () => {
    const platform = testPlatformForApi({
      organizations: [
        testOrganization(),
        testOrganization({ slug: "bct", name: { vi: "Bộ Công Thương", en: "Ministry of Industry and Trade" }, ownerGroups: ["bct-admins"] }),
        testOrganization({ slug: "bca", name: { vi: "Bộ Công an", en: "Ministry of Public Security" }, ownerGroups: ["bca-admins"] }),
      ],
    });
    t = await startTestApp(backend, { platform, now: () => new Date("2026-12-02T10:00:00+07:00") });
    adminByt = await mint(t.tokens.admin, "admin-byt", "requester", "byt");
    dave = await mint(t.tokens.admin, "dave", "requester", "bca");
    pat = await mint(t.tokens.admin, "pat", "platform-admin");
    patBca = await mint(pat, "pat-bca", "requester", "bca");
    patOps = await mint(pat, "pat-ops", "operator");
    const create = async (org: string, token: string, spec: EnvironmentSpec) => {
      const res = await t.call("POST", `/v1/organizations/${org}/environments`, token, spec);
      expect(res.statusCode, res.body).toBe(201);
      expect((await t.decide("approve", `/v1/organizations/${org}/environments/${spec.name}`, t.tokens.olga)).statusCode).toBe(200);
    };
    await create(
      "byt",
      t.tokens.alice,
      prodSpec({ name: "dancu", zone: "restricted", dataClass: "core", securityLevel: 4, sites: ["ndc1", "ndc2"], resources: { cpu: "4", memory: "8Gi" } }),
    );
    await create("bca", dave, prodSpec({ name: "analytics", zone: "data", dataClass: "important", securityLevel: 4, owners: ["bca-analytics"] }));
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  test.each(["policy:auto-approval", "POLICY:auto-approval", "anonymous"])(
    "fails when an API token can be minted for the subject %s (bug: an operator's approval or a person's attempt is recorded as the auto-approval policy's or an anonymous caller's)",
    async (subject) => {
      await expectRefused(t, 422, "subject", "subject-reserved", () => t.call("POST", "/v1/tokens", t.tokens.admin, { subject, role: "operator" }));
      const listed = (await t.call("GET", `/v1/tokens?include=all&subject=${encodeURIComponent(subject)}`, t.tokens.admin)).json() as { items: unknown[] };
      expect(listed.items).toEqual([]);
    },
  );

  test.each([
    ["the audit trail's actor filter", "/v1/audit?actor=ali%00ce", "query.actor", "no-nul"],
    ["the audit trail's target filter", "/v1/audit?target=environment%20byt%2F%00", "query.target", "no-nul"],
    ["the audit trail's action filter", "/v1/audit?action=environment.%00", "query.action", "format"],
    ["the audit trail's organization filter", "/v1/audit?org=byt%00", "query.org", "slug-format"],
    ["the token list's subject filter", "/v1/tokens?subject=ali%00ce", "query.subject", "format"],
    ["the token list's organization filter", "/v1/tokens?org=byt%00", "query.org", "slug-format"],
    ["the environment list's organization filter", "/v1/environments?org=byt%00", "query.org", "slug-format"],
  ])(
    "fails when a NUL in %s is not refused naming the field (bug: PostgreSQL cannot take U+0000, the query failed with 500)",
    async (_what, url, field, rule) => {
      await expectRefused(t, 400, field, rule, () => t.call("GET", url, t.tokens.admin));
    },
  );

  test("fails when a NUL in a decision's reason or comment, or in a purpose, is not refused naming the field (bug: PostgreSQL cannot store U+0000, the decision failed with 500)", async () => {
    const created = await t.call("POST", "/v1/organizations/byt/environments", t.tokens.alice, prodSpec({ name: "nul-probe" }));
    expect(created.statusCode, created.body).toBe(201);
    const env = "/v1/organizations/byt/environments/nul-probe";
    const version = { "if-match": created.headers.etag as string };
    await expectRefused(t, 400, "reason", "no-nul", () => t.call("POST", `${env}/reject`, t.tokens.olga, { reason: "không\u0000phù hợp" }, version));
    await expectRefused(t, 400, "comment", "no-nul", () => t.call("POST", `${env}/approve`, t.tokens.olga, { comment: "ok\u0000" }, version));
    await expectRefused(t, 400, "purpose", "no-nul", () => t.call("PATCH", env, t.tokens.alice, { purpose: "Hệ thống\u0000" }, version));
    expect((await t.call("POST", AGREEMENTS, t.tokens.alice, coreOffer("nul-probe"))).statusCode).toBe(201);
    await expectRefused(t, 400, "reason", "no-nul", () => t.call("POST", `${AGREEMENTS}/nul-probe/decline`, dave, { reason: "không\u0000" }));
    expect((await t.call("GET", `${AGREEMENTS}/nul-probe`, t.tokens.admin)).json()).toMatchObject({ state: "Offered", reason: null });
  });

  test("fails when the admin who minted the offering token approves the sharing agreement (bug: sharing four eyes compared subjects only, not who minted the token)", async () => {
    expect((await t.call("POST", AGREEMENTS, adminByt, coreOffer("dancu-bca"))).json()).toMatchObject({ state: "Offered", offeredBy: "admin-byt" });
    expect((await t.call("POST", `${AGREEMENTS}/dancu-bca/accept`, dave)).json()).toMatchObject({ state: "AwaitingApproval", version: 2 });
    await expectRefused(t, 403, "approver", "approver-not-party", () => t.call("POST", `${AGREEMENTS}/dancu-bca/approve`, t.tokens.admin));
    expect((await t.call("GET", `${AGREEMENTS}/dancu-bca`, t.tokens.admin)).json()).toMatchObject({ state: "AwaitingApproval", decidedBy: null, version: 2 });
    // An operator of another person may.
    const approved = await t.call("POST", `${AGREEMENTS}/dancu-bca/approve`, t.tokens.olga);
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({ state: "Approved", decidedBy: "olga" });
  });

  test("fails when a token of the person who accepted approves the sharing agreement (bug: sharing four eyes ignored the tokens' root person)", async () => {
    expect((await t.call("POST", AGREEMENTS, t.tokens.alice, coreOffer("dancu-bca-2"))).statusCode).toBe(201);
    expect((await t.call("POST", `${AGREEMENTS}/dancu-bca-2/accept`, patBca)).json()).toMatchObject({ state: "AwaitingApproval", acceptedBy: "pat-bca" });
    // pat-ops and pat-bca were both minted by pat for itself: one person accepts and would approve.
    await expectRefused(t, 403, "approver", "approver-not-party", () => t.call("POST", `${AGREEMENTS}/dancu-bca-2/approve`, patOps));
    // pat itself minted the accepting token.
    await expectRefused(t, 403, "approver", "approver-not-party", () => t.call("POST", `${AGREEMENTS}/dancu-bca-2/approve`, pat));
    expect((await t.call("GET", `${AGREEMENTS}/dancu-bca-2`, t.tokens.admin)).json()).toMatchObject({ state: "AwaitingApproval", decidedBy: null });
    expect((await t.call("POST", `${AGREEMENTS}/dancu-bca-2/approve`, t.tokens.oscar)).json()).toMatchObject({ state: "Approved", decidedBy: "oscar" });
  });
});
