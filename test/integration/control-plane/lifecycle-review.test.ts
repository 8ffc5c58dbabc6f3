// Issue 10, "Security and lifecycle correctness": holes an attack review found in the environment
// lifecycle after the third review, each proven closed through the HTTP API on SQLite and
// PostgreSQL. Each test's name says which hole turns it red; expected values are written from the
// design, never computed by the code under test.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { applyTransition, type LifecycleEvent, type TransitionChanges } from "../../../control-plane/workflow/index.ts";
import { BACKENDS, expectRefused, prodSpec, startTestApp, type TestApp } from "./_harness.ts";

const ENVS = "/v1/organizations/byt/environments";
const ifMatch = (version: number | string) => ({ "if-match": `"${version}"` });

describe.each(BACKENDS)("lifecycle review (%s)", (backend) => {
  let t: TestApp;
  /** A platform admin of its own (root pam): the one role that may both change and approve an environment. */
  let pam = "";
  /** A byt requester pam minted for itself: pam stands behind it. */
  let pamByt = "";

  const mint = async (by: string, subject: string, role: string, org?: string): Promise<string> => {
    const res = await t.call("POST", "/v1/tokens", by, { subject, role, ...(org ? { org } : {}) });
    expect(res.statusCode, res.body).toBe(201);
    return (res.json() as { token: string }).token;
  };

  beforeAll(async () => {
    t = await startTestApp(backend);
    pam = await mint(t.tokens.admin, "pam", "platform-admin");
    pamByt = await mint(pam, "pam-byt", "requester", "byt");
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  const current = async (name: string) => (await t.call("GET", `${ENVS}/${name}`, t.tokens.admin)).json();
  const patch = async (name: string, token: string, body: Record<string, unknown>) => {
    const res = await t.call("PATCH", `${ENVS}/${name}`, token, body, ifMatch((await current(name)).version));
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const decide = async (action: "approve" | "reject", name: string, token: string) =>
    t.call("POST", `${ENVS}/${name}/${action}`, token, action === "reject" ? { reason: "no" } : undefined, ifMatch((await current(name)).version));
  /** The provisioner's part, through the store interface it uses: one lifecycle event. */
  const provisioner = async (name: string, event: LifecycleEvent, changes: TransitionChanges = {}) => {
    const env = await t.store.getEnvironment("byt", name);
    const next = await t.store.transaction([], (tx) =>
      applyTransition(tx, env!.id, env!.version, event, { subject: "system:provisioner" }, new Date().toISOString(), {
        observedGeneration: env!.generation,
        ...changes,
      }),
    );
    expect(next, `${event} on ${name} (${env!.phase})`).toBeDefined();
    return next!;
  };

  describe("A: four eyes counts every author since the last decision, not only the last one", () => {
    test("red while only the last modifier was remembered: alice asks, pam changes the owners, alice changes the purpose, and pam's approval would apply pam's own change", async () => {
      expect((await t.call("POST", ENVS, t.tokens.alice, prodSpec({ name: "fe-request" }))).json()).toMatchObject({ phase: "AwaitingApproval" });
      await patch("fe-request", pam, { owners: ["byt-pam-team"] });
      const last = await patch("fe-request", t.tokens.alice, { purpose: "Hệ thống thông tin bệnh viện (HIS)" });
      expect(last).toMatchObject({ phase: "AwaitingApproval", requestedBy: "alice", modifiedBy: "alice", owners: ["byt-pam-team"] });
      const problem = await expectRefused(t, 403, "approver", "approver-not-modifier", () => decide("approve", "fe-request", pam));
      expect(problem.detail).toBe("pam changed byt/fe-request since its last decision and cannot also decide on it; another operator must");
      expect(problem.errors).toEqual([
        {
          field: "approver",
          rule: "approver-not-modifier",
          message: "the approver must not have changed the request since its last decision, even if someone changed it after them (four-eyes rule)",
          value: "pam",
        },
      ]);
      // Rejecting is a decision too: pam cannot reject it either.
      await expectRefused(t, 403, "approver", "approver-not-modifier", () => decide("reject", "fe-request", pam));
      // Another operator decides, and the request is approved with both changes.
      const approved = await decide("approve", "fe-request", t.tokens.olga);
      expect(approved.statusCode, approved.body).toBe(200);
      expect(approved.json()).toMatchObject({ phase: "Approved", approvedBy: "olga", owners: ["byt-pam-team"], purpose: "Hệ thống thông tin bệnh viện (HIS)" });
    });

    test("red while only the last modifier was remembered: a change waiting beside a built prod environment, pam's owners under alice's purpose, is not approved by pam", async () => {
      expect((await t.call("POST", ENVS, t.tokens.alice, prodSpec({ name: "fe-change" }))).statusCode).toBe(201);
      expect((await decide("approve", "fe-change", t.tokens.oscar)).statusCode).toBe(200);
      await provisioner("fe-change", "start-provisioning");
      await provisioner("fe-change", "provisioned");
      expect(await patch("fe-change", pam, { owners: ["byt-pam-team"] })).toMatchObject({
        phase: "Ready",
        pendingChange: { spec: { owners: ["byt-pam-team"] } },
      });
      expect(await patch("fe-change", t.tokens.alice, { purpose: "HIS, đã đổi" })).toMatchObject({
        phase: "Ready",
        modifiedBy: "alice",
        pendingChange: { spec: { owners: ["byt-pam-team"], purpose: "HIS, đã đổi" } },
      });
      const problem = await expectRefused(t, 403, "approver", "approver-not-modifier", () => decide("approve", "fe-change", pam));
      expect(problem.detail).toBe("pam changed byt/fe-change since its last decision and cannot also decide on it; another operator must");
      const approved = await decide("approve", "fe-change", t.tokens.olga);
      expect(approved.statusCode, approved.body).toBe(200);
      expect(approved.json()).toMatchObject({ phase: "Updating", owners: ["byt-pam-team"], purpose: "HIS, đã đổi", pendingChange: null });
      // Olga's decision closed that round: a later change by alice alone is pam's to decide.
      await provisioner("fe-change", "provisioned");
      expect(await patch("fe-change", t.tokens.alice, { resources: { cpu: "6" } })).toMatchObject({ pendingChange: { spec: { resources: { cpu: "6" } } } });
      const later = await decide("approve", "fe-change", pam);
      expect(later.statusCode, later.body).toBe(200);
      expect(later.json()).toMatchObject({ phase: "Updating", approvedBy: "pam", resources: { cpu: "6" } });
    });

    test("red while only the last modifier's lineage was checked: a change by a token pam minted (pam-byt), under alice's later one, is not approved by pam", async () => {
      expect((await t.call("POST", ENVS, t.tokens.alice, prodSpec({ name: "fe-minted" }))).statusCode).toBe(201);
      await patch("fe-minted", pamByt, { owners: ["byt-pam-team"] });
      await patch("fe-minted", t.tokens.alice, { purpose: "HIS, lần hai" });
      const problem = await expectRefused(t, 403, "approver", "approver-minted-requester-token", () => decide("approve", "fe-minted", pam));
      expect(problem.detail).toBe(
        "pam minted the token of pam-byt (directly or down a chain), who changed byt/fe-minted since its last decision, so could have acted as them; another operator must decide",
      );
    });
  });
});
