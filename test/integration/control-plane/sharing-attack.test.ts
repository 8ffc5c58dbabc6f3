// The fourth attack review (issue 14's agreements, reports and the streamed audit verify), through the
// HTTP API on SQLite and PostgreSQL: each test names the hole that turns it red. Expected values are
// written from the design (free text never holds U+0000 and counts characters, organizations are
// public, a sharing rule holds for as long as the policy exists, a verify is a bounded walk), never
// computed by the code under test.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { EnvironmentSpec } from "../../../model/index.ts";
import { testOrganization, testSpec } from "../../../model/testing.ts";
import { buildApp } from "../../../control-plane/api/index.ts";
import { SharingIndex } from "../../../control-plane/provisioner/index.ts";
import type { Store } from "../../../control-plane/store/index.ts";
import { BACKENDS, BOOTSTRAP, expectRefused, openTestStore, startTestApp, testPlatformForApi, type TestApp } from "./_harness.ts";

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

  test.each([
    ["validUntil", "2027-02-30T00:00:00+07:00"],
    ["validUntil", "2027-02-29T00:00:00+07:00"],
    ["validFrom", "2026-11-31T00:00:00+07:00"],
    ["validUntil", "2027-06-01T24:00:00+07:00"],
  ])(
    "fails when an offer's %s of %s, a day or hour the calendar does not have, is stored (bug: Date.parse rolled it over, so both organizations read an end the provisioner did not enforce)",
    async (field, value) => {
      const before = await agreements();
      const refused = await expectRefused(t, 422, field, "date-time-format", () =>
        t.call("POST", AGREEMENTS, t.tokens.alice, offer("calendar", { [field]: value })),
      );
      expect(refused.errors).toContainEqual({
        field,
        rule: "date-time-format",
        message: `is not a date-time on the calendar; e.g. ${field === "validFrom" ? "2026-12-01T00:00:00+07:00" : "2027-12-01T00:00:00+07:00"}`,
        value,
      });
      expect(await agreements()).toBe(before);
    },
  );

  test("a leap day is a day: an offer valid until 29 February 2028 is stored as written", async () => {
    const res = await t.call("POST", AGREEMENTS, t.tokens.alice, offer("leap-day", { validUntil: "2028-02-29T00:00:00+07:00" }));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ validUntil: "2028-02-29T00:00:00+07:00" });
  });

  test("fails when the person who offered accepts through a token of the consumer organization (bug: two organizations' consent was one person's; four eyes applied to the operator's approval only)", async () => {
    const mint = async (by: string, subject: string, role: string, org?: string) => {
      const res = await t.call("POST", "/v1/tokens", by, { subject, role, ...(org ? { org } : {}) });
      expect(res.statusCode, res.body).toBe(201);
      return (res.json() as { token: string }).token;
    };
    // A platform admin of its own mints itself a requester in each organization: one person.
    const pat = await mint(t.tokens.admin, "pat", "platform-admin");
    const patByt = await mint(pat, "pat-byt", "requester", "byt");
    const patBct = await mint(pat, "pat-bct", "requester", "bct");
    expect((await t.call("POST", AGREEMENTS, patByt, offer("one-person"))).json()).toMatchObject({ state: "Offered", offeredBy: "pat-byt" });
    for (const token of [patBct, await mint(pat, "pat-bct-admin", "org-admin", "bct")]) {
      const refused = await expectRefused(t, 403, "acceptor", "acceptor-not-offerer", () => t.call("POST", `${AGREEMENTS}/one-person/accept`, token));
      expect(refused.errors).toContainEqual(
        expect.objectContaining({ message: "the consumer's acceptance must come from another person than the provider's offer (four-eyes rule)" }),
      );
    }
    expect((await t.call("GET", `${AGREEMENTS}/one-person`, t.tokens.admin)).json()).toMatchObject({ state: "Offered", acceptedBy: null, version: 1 });
    // Another person of bct may.
    expect((await t.call("POST", `${AGREEMENTS}/one-person/accept`, t.tokens.bob)).json()).toMatchObject({ state: "Approved", acceptedBy: "bob" });
  });

  test("fails when the usage report for the month 0026-11 covers November 1926 (bug: Date.UTC reads the years 0–99 as 1900–1999, so the report named one month and counted another)", async () => {
    const res = await t.call("GET", "/v1/organizations/byt/usage?month=0026-11", t.tokens.alice);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ month: "0026-11", from: "0026-10-31T17:00:00.000Z", to: "0026-11-30T17:00:00.000Z", total: 0, lines: [] });
  });

  test("fails when an agreement stays in force after the consumer lowered its environment below the level the provider's data needs (bug: the consumer's level was checked only when it accepted; a level lowered by policy afterwards kept the policies open)", async () => {
    const NOW = new Date("2026-12-02T10:00:00+07:00");
    /** The environments carrying the agreement's NetworkPolicies, as the provisioner's index has them. */
    const enforced = async () => {
      const index = new SharingIndex(t.store);
      await index.refresh(NOW);
      return index
        .placements()
        .filter((p) => p.agreements.some((a) => a.id === "byt-level-drop"))
        .map((p) => `${p.site} ${p.environment.org}/${p.environment.name}`)
        .sort();
    };
    const erp = "/v1/organizations/bct/environments/erp";
    const setLevel = async (securityLevel: number) => {
      const version = String((await t.call("GET", erp, t.tokens.bob)).json().version);
      const res = await t.call("PATCH", erp, t.tokens.bob, { securityLevel }, { "if-match": `"${version}"` });
      expect(res.statusCode, res.body).toBe(200);
      // dev at level 1 or 2 with other data: the policy approves the change at once.
      expect(res.json()).toMatchObject({ securityLevel, pendingChange: null });
    };
    expect((await t.call("POST", AGREEMENTS, t.tokens.alice, offer("level-drop"))).statusCode).toBe(201);
    expect((await t.call("POST", `${AGREEMENTS}/level-drop/accept`, t.tokens.bob)).json()).toMatchObject({ state: "Approved", status: "InForce" });
    expect(await enforced()).toEqual(["ndc1 bct/erp", "ndc1 byt/portal"]);
    // portal holds basic personal data: a consumer needs level 2 (Decree 85/2016); erp goes to 1.
    await setLevel(1);
    expect((await t.call("GET", `${AGREEMENTS}/level-drop`, t.tokens.bob)).json()).toMatchObject({ state: "Approved", status: "Suspended" });
    expect((await t.call("GET", `${AGREEMENTS}/level-drop`, t.tokens.alice)).json()).toMatchObject({ status: "Suspended" });
    expect(await enforced()).toEqual([]);
    // Back at level 2, the rules hold again: in force again, its policies back.
    await setLevel(2);
    expect((await t.call("GET", `${AGREEMENTS}/level-drop`, t.tokens.bob)).json()).toMatchObject({ status: "InForce" });
    expect(await enforced()).toEqual(["ndc1 bct/erp", "ndc1 byt/portal"]);
  });
});

describe("attack review of the streamed audit verify", () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let app: Awaited<ReturnType<typeof buildApp>>;
  let admin = "";
  /** How many walks began, who waits for that count, and the gate that holds every walk until the test opens it. */
  let walks = 0;
  let onWalk: () => void = () => {};
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => (open = resolve));

  beforeAll(async () => {
    ({ store, cleanup } = await openTestStore("sqlite"));
    // The real store, whose walks wait at the start until the test lets them go: the test sees how
    // many walks the service runs at once without timing anything.
    const held = new Proxy(store, {
      get(target, key, receiver) {
        if (key === "verifyAudit") {
          return async (...args: Parameters<Store["verifyAudit"]>) => {
            walks++;
            onWalk();
            await gate;
            return target.verifyAudit(...args);
          };
        }
        const value = Reflect.get(target, key, receiver) as unknown;
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    app = await buildApp({ store: held, platform: testPlatformForApi(), auth: { bootstrapToken: BOOTSTRAP }, defaultMetrics: false });
    const minted = await app.inject({
      method: "POST",
      url: "/v1/tokens",
      headers: { authorization: `Bearer ${BOOTSTRAP}` },
      payload: { subject: "admin", role: "platform-admin" },
    });
    admin = (minted.json() as { token: string }).token;
  });
  afterAll(async () => {
    open();
    await app?.close();
    await cleanup?.();
  });

  test("fails when a third verify walks the chain while two are walking (bug: nothing bounded the walks at once; an auditor's script starting hundreds held a page of 1,000 records each and starved every other request)", async () => {
    const verify = (accept: string) => app.inject({ method: "GET", url: "/v1/audit/verify", headers: { authorization: `Bearer ${admin}`, accept } });
    const walking = (n: number) =>
      new Promise<"walk">((resolve) => {
        onWalk = () => walks >= n && resolve("walk");
        onWalk();
      });
    let two = walking(2);
    const first = verify("application/x-ndjson");
    const second = verify("application/json");
    await two;
    // A third while two walk: answered at once, no walk begun.
    two = walking(3);
    const third = verify("application/x-ndjson");
    const answered = await Promise.race([third.then(() => "answered" as const), two]);
    expect(answered).toBe("answered");
    const res = await third;
    expect(res.statusCode, res.body).toBe(429);
    expect(res.headers["content-type"]).toContain("application/problem+json");
    expect(res.headers["retry-after"]).toBe("5");
    expect(res.json()).toMatchObject({
      code: "NDC_ERR_RATE_LIMITED",
      errors: [
        {
          field: "request",
          rule: "verify-concurrency",
          message: "2 verifications of the audit chain are walking it now, the most at once; retry when one ends",
        },
      ],
    });
    expect(walks).toBe(2);
    // The two end with their results, and a verify after them walks again.
    open();
    expect((await first).statusCode).toBe(200);
    expect((await first).body).toContain('{"result":');
    expect((await second).json()).toMatchObject({ ok: true });
    expect((await verify("application/json")).json()).toMatchObject({ ok: true });
    expect(walks).toBe(3);
  });
});
