// Data-sharing agreements through the HTTP API on SQLite and PostgreSQL: offer by the provider,
// accept by the consumer, approval by an operator when the data needs it, revoke; each refusal names
// its field and rule and records nothing; both organizations list their agreements; every step audited.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { testOrganization, testSpec } from "../../../model/testing.ts";
import { applyTransition } from "../../../control-plane/workflow/index.ts";
import { BACKENDS, prodSpec, startTestApp, testPlatformForApi, type TestApp } from "./_harness.ts";

const AGREEMENTS = "/v1/organizations/byt/sharing-agreements";

/** An offer from byt's environment `provider` to `consumer`, valid for a year from 2026-12-01. */
function offer(name: string, provider: string, consumer: { org: string; environment: string }, extra: Record<string, unknown> = {}) {
  return {
    name,
    providerEnvironment: provider,
    consumer,
    port: 5432,
    protocol: "TCP",
    purpose: "Tra cứu hồ sơ bệnh án điện tử (electronic health records lookup)",
    legalBasis: "Nghị định 194/2025/NĐ-CP",
    validFrom: "2026-12-01T00:00:00+07:00",
    validUntil: "2027-12-01T00:00:00+07:00",
    ...extra,
  };
}

describe.each(BACKENDS)("sharing agreements (%s)", (backend) => {
  let t: TestApp;
  let dave = ""; // requester of bca
  const count = async () => ({
    agreements: Number((await t.raw.get("SELECT COUNT(*) AS n FROM sharing_agreements"))?.n),
    audit: await t.store.countAudit(),
  });

  beforeAll(async () => {
    // bca (Ministry of Public Security) may run level-4 systems: it can receive core data; bct cannot.
    const bca = testOrganization({ slug: "bca", name: { vi: "Bộ Công an", en: "Ministry of Public Security" }, ownerGroups: ["bca-admins"] });
    const platform = testPlatformForApi({
      organizations: [
        testOrganization(),
        testOrganization({
          slug: "bct",
          name: { vi: "Bộ Công Thương", en: "Ministry of Industry and Trade" },
          ownerGroups: ["bct-admins"],
          maxDataClass: "important",
          maxSecurityLevel: 3,
        }),
        bca,
      ],
    });
    t = await startTestApp(backend, { platform, now: () => new Date("2026-12-02T10:00:00+07:00") });
    dave = ((await t.call("POST", "/v1/tokens", t.tokens.admin, { subject: "dave", role: "requester", org: "bca" })).json() as { token: string }).token;
    const create = async (org: string, token: string, spec: ReturnType<typeof testSpec>, approve = false) => {
      const res = await t.call("POST", `/v1/organizations/${org}/environments`, token, spec);
      expect(res.statusCode, res.body).toBe(201);
      if (approve) expect((await t.decide("approve", `/v1/organizations/${org}/environments/${spec.name}`, t.tokens.olga)).statusCode).toBe(200);
    };
    await create("byt", t.tokens.alice, testSpec({ name: "portal" }));
    await create("byt", t.tokens.alice, prodSpec({ name: "hisdb", zone: "data", dataClass: "important" }), true);
    await create(
      "byt",
      t.tokens.alice,
      prodSpec({ name: "dancu", zone: "restricted", dataClass: "core", securityLevel: 4, sites: ["ndc1", "ndc2"], resources: { cpu: "4", memory: "8Gi" } }),
      true,
    );
    await create("bct", t.tokens.bob, testSpec({ name: "erp", owners: ["bct-erp"] }));
    await create("bct", t.tokens.bob, testSpec({ name: "erp-hcm", owners: ["bct-erp"], sites: ["ndc2"] }));
    await create("bca", dave, prodSpec({ name: "analytics", zone: "data", dataClass: "important", securityLevel: 4, owners: ["bca-analytics"] }), true);
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  test("offered by the provider, accepted by the consumer: in force at once when no operator must approve", async () => {
    const offered = await t.call("POST", AGREEMENTS, t.tokens.alice, offer("portal-erp", "portal", { org: "bct", environment: "erp" }));
    expect(offered.statusCode, offered.body).toBe(201);
    expect(offered.headers.location).toBe("/v1/organizations/byt/sharing-agreements/portal-erp");
    expect(offered.json()).toMatchObject({
      state: "Offered",
      status: "Offered",
      sites: ["ndc1"],
      operatorApprovalRequired: false,
      approvalReasons: [],
      networkPolicy: "ndc-share-byt-portal-erp",
      offeredBy: "alice",
      version: 1,
    });
    const accepted = await t.call("POST", `${AGREEMENTS}/portal-erp/accept`, t.tokens.bob);
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json()).toMatchObject({ state: "Approved", status: "InForce", acceptedBy: "bob", version: 2 });
    // Both organizations list it; a third does not see it.
    const mine = (await t.call("GET", AGREEMENTS, t.tokens.carol)).json() as { items: { name: string }[] };
    const theirs = (await t.call("GET", "/v1/organizations/bct/sharing-agreements?role=consumer", t.tokens.bob)).json() as {
      items: { name: string; provider: unknown }[];
    };
    expect(mine.items.map((a) => a.name)).toContain("portal-erp");
    expect(theirs.items).toEqual([expect.objectContaining({ name: "portal-erp", provider: { org: "byt", environment: "portal" } })]);
    expect((await t.call("GET", `${AGREEMENTS}/portal-erp`, dave)).statusCode).toBe(404);
  });

  test("fails when an operator approves what needs no approval", async () => {
    const res = await t.call("POST", `${AGREEMENTS}/portal-erp/approve`, t.tokens.oscar);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      code: "NDC_ERR_INVALID_TRANSITION",
      errors: [
        {
          field: "state",
          rule: "agreement-state",
          message: "agreement byt/portal-erp needs no operator approval (neither its data class nor its level requires one) and is already approved",
        },
      ],
    });
  });

  test("core data: accepted, it waits for an operator; the consumer cannot approve it; another operator can", async () => {
    expect((await t.call("POST", AGREEMENTS, t.tokens.alice, offer("dancu-bca", "dancu", { org: "bca", environment: "analytics" }))).json()).toMatchObject({
      state: "Offered",
      operatorApprovalRequired: true,
      approvalReasons: ["core data", "a level 4 system (operator approval from level 3)"],
      // Until the consumer accepts: where the provider offers it (its environment's sites).
      sites: ["ndc1", "ndc2"],
    });
    // Accepted: only the site that holds both environments.
    expect((await t.call("POST", `${AGREEMENTS}/dancu-bca/accept`, dave)).json()).toMatchObject({
      state: "AwaitingApproval",
      status: "AwaitingApproval",
      sites: ["ndc1"],
    });
    const byConsumer = await t.call("POST", `${AGREEMENTS}/dancu-bca/approve`, dave);
    expect(byConsumer.statusCode).toBe(403);
    expect(byConsumer.json()).toMatchObject({
      errors: [
        {
          field: "header.authorization",
          rule: "operator-approval",
          message:
            "approve is taken by an operator (operator approval is needed for core data and a level 4 system (operator approval from level 3)); dave acts for bca as requester",
        },
      ],
    });
    const queue = (await t.call("GET", "/v1/sharing-agreements?state=AwaitingApproval", t.tokens.oscar)).json() as { items: { name: string }[] };
    expect(queue.items.map((a) => a.name)).toEqual(["dancu-bca"]);
    const approved = await t.call("POST", `${AGREEMENTS}/dancu-bca/approve`, t.tokens.oscar);
    expect(approved.json()).toMatchObject({ state: "Approved", status: "InForce", decidedBy: "oscar" });
  });

  test("fails when the operator who approves offered it, or holds a token the offerer minted (four eyes), naming the rule", async () => {
    // A platform admin may act for an organization; it then cannot also approve as an operator.
    expect((await t.call("POST", AGREEMENTS, t.tokens.admin, offer("dancu-bca-2", "dancu", { org: "bca", environment: "analytics" }))).statusCode).toBe(201);
    expect((await t.call("POST", `${AGREEMENTS}/dancu-bca-2/accept`, dave)).json()).toMatchObject({ state: "AwaitingApproval" });
    const own = await t.call("POST", `${AGREEMENTS}/dancu-bca-2/approve`, t.tokens.admin);
    expect(own.statusCode).toBe(403);
    expect(own.json()).toMatchObject({ code: "NDC_ERR_SELF_APPROVAL", errors: [{ field: "approver", rule: "approver-not-party", value: "admin" }] });
    // Every operator of this test holds a token the admin minted: none of them may decide either.
    expect((await t.call("POST", `${AGREEMENTS}/dancu-bca-2/reject`, t.tokens.olga)).json()).toMatchObject({
      status: 403,
      errors: [{ rule: "approver-not-party", value: "olga" }],
    });
    expect((await t.call("POST", `${AGREEMENTS}/dancu-bca-2/revoke`, dave, { reason: "trùng với dancu-bca" })).json()).toMatchObject({
      state: "Revoked",
      revokedBy: "dave",
      reason: "trùng với dancu-bca",
    });
  });

  test.each([
    [
      "a named site does not hold the provider's environment",
      offer("x2", "portal", { org: "bct", environment: "erp" }, { sites: ["ndc2"] }),
      { field: "sites[0]", rule: "sites-in-common", message: "byt/portal is not at ndc2; it is at ndc1" },
    ],
    [
      "the consumer is the provider itself",
      offer("x4", "portal", { org: "byt", environment: "hisdb" }),
      { field: "consumer.org", rule: "different-organizations" },
    ],
    [
      "the provider's environment does not run",
      offer("x9", "nothing", { org: "bct", environment: "erp" }),
      { field: "providerEnvironment", rule: "provider-environment-live" },
    ],
    [
      "validity already over",
      offer("x6", "portal", { org: "bct", environment: "erp" }, { validFrom: "2026-01-01T00:00:00+07:00", validUntil: "2026-06-01T00:00:00+07:00" }),
      { field: "validUntil", rule: "validity-in-future" },
    ],
    [
      "longer than two years",
      offer("x7", "portal", { org: "bct", environment: "erp" }, { validUntil: "2029-12-01T00:00:00+07:00" }),
      { field: "validUntil", rule: "max-validity" },
    ],
  ])("fails when %s, naming field and rule; nothing is recorded", async (_why, body, issue) => {
    const before = await count();
    const res = await t.call("POST", AGREEMENTS, t.tokens.alice, body);
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json()).toMatchObject({ code: "NDC_ERR_RULE", errors: [expect.objectContaining(issue)] });
    expect(await count()).toEqual(before);
  });

  test("an offer tells the provider nothing about the other organization's environments: an unknown one is offered like any other", async () => {
    const unknown = await t.call("POST", AGREEMENTS, t.tokens.alice, offer("probe", "portal", { org: "bct", environment: "nothing" }));
    const below = await t.call("POST", AGREEMENTS, t.tokens.alice, offer("hisdb-erp", "hisdb", { org: "bct", environment: "erp" }));
    expect([unknown.statusCode, below.statusCode]).toEqual([201, 201]);
    expect(unknown.json()).toMatchObject({ state: "Offered", sites: ["ndc1"] });
  });

  test.each([
    [
      "no site holds both environments",
      offer("x1", "portal", { org: "bct", environment: "erp-hcm" }),
      {
        field: "sites",
        rule: "sites-in-common",
        message:
          "no site holds both environments: byt/portal is at ndc1, bct/erp-hcm at ndc2; traffic is never opened between sites (platform policy (DOMAIN.md: residency and flows between sites))",
      },
    ],
    [
      "the consumer's environment is gone",
      offer("x5", "portal", { org: "bct", environment: "nothing" }),
      { field: "consumer.environment", rule: "consumer-environment-live" },
    ],
  ])("fails at acceptance when %s, naming field and rule; the offer stays as it was", async (_why, body, issue) => {
    expect((await t.call("POST", AGREEMENTS, t.tokens.alice, body)).statusCode).toBe(201);
    const before = await count();
    const res = await t.call("POST", `${AGREEMENTS}/${body.name}/accept`, t.tokens.bob);
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json()).toMatchObject({ code: "NDC_ERR_RULE", errors: [expect.objectContaining(issue)] });
    expect(await count()).toEqual(before);
    expect((await t.call("GET", `${AGREEMENTS}/${body.name}`, t.tokens.bob)).json()).toMatchObject({ state: "Offered", version: 1 });
  });

  test("fails at acceptance when the consumer is below the level the data needs, saying which level", async () => {
    const res = await t.call("POST", `${AGREEMENTS}/hisdb-erp/accept`, t.tokens.bob);
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({
      detail: "the agreement byt/hisdb-erp cannot be accepted (consumer-security-level); nothing was recorded",
      errors: [
        {
          field: "consumer.environment",
          rule: "consumer-security-level",
          message: expect.stringMatching(/^is at security level 2; receiving important data with none personal data needs at least level 3 \(Decree 85\/2016/),
          value: "erp",
        },
      ],
    });
  });

  test("fails when the schema is not met, or the name is taken; nothing is recorded", async () => {
    const before = await count();
    const bad = await t.call(
      "POST",
      AGREEMENTS,
      t.tokens.alice,
      offer("x10", "portal", { org: "bct", environment: "erp" }, { port: 70000, validFrom: "tomorrow" }),
    );
    expect(bad.statusCode).toBe(400);
    expect((bad.json() as { errors: { field: string }[] }).errors.map((e) => e.field).sort()).toEqual(["port", "validFrom"]);
    const taken = await t.call("POST", AGREEMENTS, t.tokens.alice, offer("portal-erp", "portal", { org: "bct", environment: "erp" }));
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({ code: "NDC_ERR_AGREEMENT_EXISTS", errors: [{ field: "name", rule: "agreement-name-unique" }] });
    expect(await count()).toEqual(before);
  });

  test("who decides: the provider cannot accept, another organization sees nothing, an auditor only reads", async () => {
    await t.call("POST", AGREEMENTS, t.tokens.alice, offer("portal-erp-2", "portal", { org: "bct", environment: "erp" }));
    const byProvider = await t.call("POST", `${AGREEMENTS}/portal-erp-2/accept`, t.tokens.carol);
    expect(byProvider.statusCode).toBe(403);
    expect(byProvider.json()).toMatchObject({
      errors: [{ rule: "agreement-party", message: "accept is taken by the consumer bct; carol acts for byt as org-admin" }],
    });
    expect((await t.call("POST", `${AGREEMENTS}/portal-erp-2/accept`, dave)).statusCode).toBe(404);
    expect((await t.call("POST", `${AGREEMENTS}/portal-erp-2/accept`, t.tokens.audrey)).statusCode).toBe(403);
    expect((await t.call("POST", `${AGREEMENTS}/portal-erp-2/decline`, t.tokens.bob, { reason: "không cần nữa (no longer needed)" })).json()).toMatchObject({
      state: "Declined",
      status: "Declined",
      reason: "không cần nữa (no longer needed)",
    });
    expect((await t.call("POST", `${AGREEMENTS}/portal-erp-2/accept`, t.tokens.bob)).json()).toMatchObject({
      status: 409,
      errors: [{ rule: "agreement-state", message: "cannot accept an agreement that is Declined" }],
    });
  });

  test("revoked by the provider with If-Match; a stale If-Match changes nothing; every step is in the audit trail", async () => {
    const stale = await t.call("POST", `${AGREEMENTS}/portal-erp/revoke`, t.tokens.alice, null, { "if-match": '"1"' });
    expect(stale.statusCode).toBe(412);
    const revoked = await t.call("POST", `${AGREEMENTS}/portal-erp/revoke`, t.tokens.alice, { reason: "hết nhu cầu" }, { "if-match": '"2"' });
    expect(revoked.json()).toMatchObject({ state: "Revoked", status: "Revoked", revokedBy: "alice", reason: "hết nhu cầu", version: 3 });
    const audit = (await t.call("GET", "/v1/audit?outcome=allowed&target=sharing-agreement%20byt%2Fportal-erp", t.tokens.audrey)).json() as {
      items: { action: string; actor: string; after: { state: string } }[];
    };
    expect(audit.items.map((r) => [r.action, r.actor, r.after.state])).toEqual([
      ["sharing.offer", "alice", "Offered"],
      ["sharing.accept", "bob", "Approved"],
      ["sharing.revoke", "alice", "Revoked"],
    ]);
  });

  test("decommissioning either environment ends the agreement; a denied look is audited too", async () => {
    expect((await t.call("GET", `${AGREEMENTS}/dancu-bca`, t.tokens.bob)).statusCode).toBe(404);
    const denied = (await t.call("GET", "/v1/audit?outcome=denied&target=sharing-agreement%20byt%2Fdancu-bca", t.tokens.audrey)).json() as {
      items: { actor: string }[];
    };
    // dave's refused approval earlier, and bob's look now.
    expect(denied.items.map((r) => r.actor)).toEqual(["dave", "bob"]);
    const analytics = (await t.store.getEnvironment("bca", "analytics"))!;
    await t.store.transaction([], (tx) =>
      applyTransition(tx, analytics.id, analytics.version, "decommission", { subject: "olga", role: "operator" }, new Date().toISOString()),
    );
    expect((await t.call("GET", `${AGREEMENTS}/dancu-bca`, dave)).json()).toMatchObject({ state: "Approved", status: "Ended" });
  });

  test("the consumer's auditor reads the audit trail of the agreements it consumes, and nothing else of the provider", async () => {
    const mintAuditor = async (subject: string, org: string) =>
      ((await t.call("POST", "/v1/tokens", t.tokens.admin, { subject, role: "auditor", org })).json() as { token: string }).token;
    const kiemBct = await mintAuditor("kiem.bct", "bct");
    type Record = { org: string; action: string; actor: string; outcome: string; target: string | null };
    const read = async (token: string, query: string) => {
      const res = await t.call("GET", `/v1/audit?limit=200${query}`, token);
      expect(res.statusCode, res.body).toBe(200);
      return (res.json() as { items: Record[] }).items;
    };
    // The agreement's own events, recorded under its provider byt.
    expect((await read(kiemBct, "&outcome=allowed&target=sharing-agreement%20byt%2Fportal-erp")).map((r) => [r.org, r.action, r.actor])).toEqual([
      ["byt", "sharing.offer", "alice"],
      ["byt", "sharing.accept", "bob"],
      ["byt", "sharing.revoke", "alice"],
    ]);
    // Everything bct's auditor reads: its own records, and of byt's only those of the six agreements
    // offered to bct in this suite (not byt's environments, not the agreements byt offered to bca).
    const all = await read(kiemBct, "");
    const fromByt = all.filter((r) => r.org !== "bct");
    expect(new Set(fromByt.map((r) => r.org))).toEqual(new Set(["byt"]));
    expect(new Set(fromByt.map((r) => r.target))).toEqual(
      new Set(["portal-erp", "probe", "hisdb-erp", "x1", "x5", "portal-erp-2"].map((n) => `sharing-agreement byt/${n}`)),
    );
    expect(all.filter((r) => r.org === "bct").length).toBeGreaterThan(0);
    // Who of another organization tried and was refused stays hidden: carol (byt) tried to accept portal-erp-2.
    expect(fromByt.filter((r) => r.target === "sharing-agreement byt/portal-erp-2" && r.outcome === "denied").map((r) => r.actor)).toEqual([
      "(another organization)",
      "(another organization)",
      "(another organization)",
    ]);
    // bca consumes dancu-bca and dancu-bca-2, not portal-erp: asking for it gives nothing.
    const kiemBca = await mintAuditor("kiem.bca", "bca");
    expect(await read(kiemBca, "&target=sharing-agreement%20byt%2Fportal-erp")).toEqual([]);
    expect(new Set((await read(kiemBca, "")).filter((r) => r.org === "byt").map((r) => r.target))).toEqual(
      new Set(["sharing-agreement byt/dancu-bca", "sharing-agreement byt/dancu-bca-2"]),
    );
  });
});
