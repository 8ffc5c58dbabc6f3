// Issue 10 (an independent security review): each hole it found, closed and proven through the
// HTTP API on SQLite and PostgreSQL. A refused request names the field and the rule, and leaves the
// store exactly as it was.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { testSpec } from "../../../model/testing.ts";
import { BACKENDS, prodSpec, snapshot, startTestApp, type TestApp } from "./_harness.ts";

const ENVS = "/v1/organizations/byt/environments";

describe.each(BACKENDS)("security review (%s)", (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(backend);
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  /** Sends a request that must be refused with `status`, naming `field` and `rule`, and changes nothing. */
  const refused = async (status: number, field: string, rule: string, send: () => ReturnType<TestApp["call"]>) => {
    const before = await snapshot(t.raw);
    const res = await send();
    expect(res.statusCode, res.body).toBe(status);
    expect(res.headers["content-type"]).toContain("application/problem+json");
    expect(res.json().errors).toContainEqual(expect.objectContaining({ field, rule }));
    expect(await snapshot(t.raw)).toEqual(before);
    return res.json() as { detail: string; errors: { field: string; rule: string; message: string }[] };
  };

  describe("item 2: owners and viewers come only from the organization's own groups", () => {
    test.each([
      ["owners", "system:authenticated", "group-reserved"],
      ["owners", "system:serviceaccounts", "group-reserved"],
      ["viewers", "system:unauthenticated", "group-reserved"],
      ["owners", "System:Masters", "group-reserved"],
      ["owners", "bct-admins", "group-of-organization"], // another organization's catalog group
      ["viewers", "bct-his-team", "group-of-organization"], // another organization's prefix
      ["owners", "everyone", "group-of-organization"],
    ])("fails when %s names %s (%s); nothing is stored", async (key, group, rule) => {
      const body = testSpec({ name: "grp", [key]: [group] });
      const problem = await refused(422, `${key}[0]`, rule, () => t.call("POST", ENVS, t.tokens.alice, body));
      expect(problem.errors.find((e) => e.field === `${key}[0]`)!.message).toMatch(/byt/);
    });

    test("fails when a PATCH names system:authenticated as owner; the environment keeps its owners", async () => {
      const created = await t.call("POST", ENVS, t.tokens.alice, testSpec({ name: "grp-patch" }));
      expect(created.statusCode).toBe(201);
      const version = String(created.json().version);
      await refused(422, "owners[1]", "group-reserved", () =>
        t.call("PATCH", `${ENVS}/grp-patch`, t.tokens.alice, { owners: ["byt-his-team", "system:authenticated"] }, { "if-match": version }),
      );
      expect((await t.call("GET", `${ENVS}/grp-patch`, t.tokens.alice)).json().owners).toEqual(["byt-his-team"]);
    });

    test("the catalog's ownerGroups and <org>-<team> groups are accepted", async () => {
      const res = await t.call("POST", ENVS, t.tokens.alice, testSpec({ name: "grp-ok", owners: ["byt-admins", "byt-his-team"], viewers: ["byt-auditors"] }));
      expect(res.statusCode, res.body).toBe(201);
    });
  });

  describe("item 15: auto-approval counts GPUs and storage (limits in policy data)", () => {
    test.each([
      ["one GPU", { cpu: "2", memory: "8Gi", gpu: 1 }, "gpu 1 is above 0"],
      ["600Gi of storage", { cpu: "2", memory: "8Gi", storage: { standard: "600Gi" } }, `storage ${600 * 2 ** 30} bytes (all tiers) is above ${500 * 2 ** 30}`],
    ])("a small dev request with %s waits for an operator", async (what, resources, reason) => {
      const res = await t.call("POST", ENVS, t.tokens.alice, testSpec({ name: `auto-${what.split(" ")[0]!.toLowerCase()}`, resources }));
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ phase: "AwaitingApproval" });
      expect(res.json().reason).toContain(reason);
    });

    test("the same request without GPU and with 100Gi is still approved by policy", async () => {
      const res = await t.call("POST", ENVS, t.tokens.alice, testSpec({ name: "auto-small", resources: { cpu: "2", memory: "8Gi", storage: { standard: "100Gi" } } }));
      expect(res.json()).toMatchObject({ phase: "Approved", approvedBy: "policy:auto-approval" });
    });
  });

  describe("item 14: since and until on GET /v1/audit take RFC 3339 times", () => {
    /** `at` written as local time in Hà Nội (+07:00), the way a Vietnamese operator would type it. */
    const hanoi = (at: Date) => new Date(at.getTime() + 7 * 3_600_000).toISOString().slice(0, 19) + "+07:00";
    const count = async (query: string) => {
      const res = await t.call("GET", `/v1/audit?limit=200&${query}`, t.tokens.audrey);
      expect(res.statusCode, res.body).toBe(200);
      return (res.json().items as unknown[]).length;
    };

    test("Z, offsets and fractions are accepted, and an offset is compared as the instant it names", async () => {
      const all = await count("");
      expect(all).toBeGreaterThan(0);
      const hourAgo = new Date(Date.now() - 3_600_000);
      const inAnHour = new Date(Date.now() + 3_600_000);
      expect(await count(`since=${encodeURIComponent(hourAgo.toISOString())}`)).toBe(all);
      expect(await count(`since=${encodeURIComponent(hanoi(hourAgo))}`)).toBe(all);
      // As text, "…T11:…+07:00" sorts after "…T04:…Z": only a comparison by instant finds nothing here.
      expect(await count(`since=${encodeURIComponent(hanoi(inAnHour))}`)).toBe(0);
      expect(await count(`until=${encodeURIComponent(hanoi(hourAgo))}`)).toBe(0);
      expect(await count("since=2020-01-01T00:00:00.123456Z&until=2999-12-31T23:59:59z")).toBe(all);
    });

    test.each(["yesterday", "2026-01-31", "2026-01-31T00:00:00", "2026-02-30T00:00:00Z", "2026-01-31T24:00:00Z", "2026-01-31T00:00:00+25:00"])(
      "fails when since is %s",
      async (since) => {
        const problem = await refused(400, "query.since", "format", () => t.call("GET", `/v1/audit?since=${encodeURIComponent(since)}`, t.tokens.audrey));
        expect(problem.errors[0]!.message).toBe("must be an RFC 3339 date-time with an offset, e.g. 2026-01-31T00:00:00Z or 2026-01-31T07:00:00+07:00");
      },
    );
  });
});

export { prodSpec };
