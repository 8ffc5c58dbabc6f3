// Issue 10, "Security and lifecycle correctness": holes an attack review found in the environment
// lifecycle after the third review, each proven closed through the HTTP API on SQLite and
// PostgreSQL. Each test's name says which hole turns it red; expected values are written from the
// design, never computed by the code under test.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { KubernetesObject } from "../../../model/index.ts";
import { testOrganization, testSpec } from "../../../model/testing.ts";
import { desiredObjects } from "../../../control-plane/provisioner/desired-objects.ts";
import { applyTransition, type LifecycleEvent, type TransitionChanges } from "../../../control-plane/workflow/index.ts";
import { BACKENDS, expectRefused, prodSpec, snapshot, startTestApp, testPlatformForApi, type TestApp } from "./_harness.ts";

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

  describe("B: a failed decommission stays a decommission, and a Failed environment keeps its objects repaired", () => {
    /** What drift repair keeps at ndc1 for the environment as stored now (undefined: nothing is repaired). */
    const repairedAt = async (name: string) => {
      const objects = desiredObjects((await t.store.getEnvironment("byt", name))!, "ndc1", t.platform);
      return objects?.map((o: KubernetesObject) => `${o.kind}/${o.metadata.name}`).sort();
    };
    const quotaOf = async (name: string) => {
      const quota = desiredObjects((await t.store.getEnvironment("byt", name))!, "ndc1", t.platform)!.find(
        (o) => o.kind === "ResourceQuota" && o.metadata.name === "ndc-quota",
      );
      return (quota!.spec as { hard: Record<string, string> }).hard;
    };
    /** The frozen form, from the design: no RoleBinding, only default deny, DNS, logs and management stay, the quota at zero. */
    const FROZEN_POLICIES = [
      "NetworkPolicy/ndc-allow-dns",
      "NetworkPolicy/ndc-allow-log-egress",
      "NetworkPolicy/ndc-allow-mgmt-admin",
      "NetworkPolicy/ndc-default-deny",
    ];
    const expectFrozen = async (name: string) => {
      const objects = await repairedAt(name);
      expect(objects, `${name} is repaired in its frozen form`).toBeDefined();
      expect(objects!.filter((o) => o.startsWith("RoleBinding/"))).toEqual([]);
      expect(objects!.filter((o) => o.startsWith("NetworkPolicy/"))).toEqual(FROZEN_POLICIES);
      expect(Object.values(await quotaOf(name)).every((v) => v === "0")).toBe(true);
    };
    const failure = "ndc1: the API server refused the frozen quota";
    const auditActions = async (name: string) =>
      ((await t.call("GET", `/v1/audit?target=${encodeURIComponent(`environment byt/${name}`)}`, t.tokens.audrey)).json().items as { action: string }[]).map(
        (r) => r.action,
      );

    test("red while a change undid a failed decommission: alice's PATCH of her dev environment whose decommission failed is 409 decommission-failed, nothing changes, and drift repair keeps it frozen", async () => {
      expect((await t.call("POST", ENVS, t.tokens.alice, testSpec({ name: "fd-dev" }))).json()).toMatchObject({ phase: "Approved" });
      await provisioner("fd-dev", "start-provisioning");
      const ready = await provisioner("fd-dev", "provisioned");
      expect((await t.call("DELETE", `${ENVS}/fd-dev`, t.tokens.alice, undefined, ifMatch(ready.version))).json()).toMatchObject({ phase: "Decommissioning" });
      expect(await provisioner("fd-dev", "fail", { reason: failure })).toMatchObject({ phase: "Failed" });
      const version = (await current("fd-dev")).version;
      const problem = await expectRefused(t, 409, "phase", "decommission-failed", () =>
        t.call("PATCH", `${ENVS}/fd-dev`, t.tokens.alice, { resources: { cpu: "2" } }, ifMatch(version)),
      );
      expect(problem.detail).toBe(
        `environment byt/fd-dev failed while it was being decommissioned (${failure}); a change would bring it back, so it is refused: an operator retries the decommission (POST …/retry), or it is decommissioned again (DELETE)`,
      );
      await expectFrozen("fd-dev");
      // The operator's retry continues the decommission.
      const retried = await t.call("POST", `${ENVS}/fd-dev/retry`, t.tokens.oscar, undefined, ifMatch(version));
      expect(retried.statusCode, retried.body).toBe(200);
      expect(retried.json()).toMatchObject({ phase: "Decommissioning", resources: { cpu: "4" } });
      expect((await auditActions("fd-dev")).at(-1)).toBe("environment.retry-decommission");
    });

    test("red while an operator's retry rebuilt a failed prod decommission: after a second decommission request was rejected it is still Failed, a PATCH is refused, the retry continues the decommission and drift repair keeps it frozen throughout", async () => {
      expect((await t.call("POST", ENVS, t.tokens.alice, prodSpec({ name: "fd-prod" }))).statusCode).toBe(201);
      expect((await decide("approve", "fd-prod", t.tokens.oscar)).statusCode).toBe(200);
      await provisioner("fd-prod", "start-provisioning");
      const ready = await provisioner("fd-prod", "provisioned");
      expect((await t.call("DELETE", `${ENVS}/fd-prod`, t.tokens.alice, undefined, ifMatch(ready.version))).json()).toMatchObject({
        phase: "AwaitingDecommission",
      });
      expect((await decide("approve", "fd-prod", t.tokens.olga)).json()).toMatchObject({ phase: "Decommissioning" });
      expect(await provisioner("fd-prod", "fail", { reason: failure })).toMatchObject({ phase: "Failed" });
      await expectFrozen("fd-prod");
      // Asked again, it waits for an operator, still frozen (AwaitingDecommission is otherwise built in full).
      const again = await t.call("DELETE", `${ENVS}/fd-prod`, t.tokens.alice, undefined, ifMatch((await current("fd-prod")).version));
      expect(again.json()).toMatchObject({ phase: "AwaitingDecommission" });
      await expectFrozen("fd-prod");
      expect((await decide("reject", "fd-prod", t.tokens.olga)).json()).toMatchObject({ phase: "Failed" });
      await expectFrozen("fd-prod");
      await expectRefused(t, 409, "phase", "decommission-failed", async () =>
        t.call("PATCH", `${ENVS}/fd-prod`, t.tokens.alice, { purpose: "còn dùng" }, ifMatch((await current("fd-prod")).version)),
      );
      const retried = await t.call("POST", `${ENVS}/fd-prod/retry`, t.tokens.oscar, undefined, ifMatch((await current("fd-prod")).version));
      expect(retried.statusCode, retried.body).toBe(200);
      expect(retried.json()).toMatchObject({ phase: "Decommissioning" });
      expect(retried.json().conditions).toContainEqual(
        expect.objectContaining({
          type: "Ready",
          status: "False",
          reason: "Decommissioning",
          message: "the failed decommission was retried by oscar; workloads are being stopped",
        }),
      );
      expect((await auditActions("fd-prod")).at(-1)).toBe("environment.retry-decommission");
    });

    test("red while a Failed environment had no desired objects: a failed build keeps its built form repaired (bindings, quota) and can still be changed and retried", async () => {
      expect((await t.call("POST", ENVS, t.tokens.alice, testSpec({ name: "fd-build" }))).statusCode).toBe(201);
      await provisioner("fd-build", "start-provisioning");
      expect(await provisioner("fd-build", "fail", { reason: "ndc1: a LimitRange was refused" })).toMatchObject({ phase: "Failed" });
      const objects = await repairedAt("fd-build");
      expect(objects).toBeDefined();
      expect(objects!.filter((o) => o.startsWith("RoleBinding/"))).toContain("RoleBinding/ndc-owners");
      expect(objects!).toContain("NetworkPolicy/ndc-default-deny");
      expect((await quotaOf("fd-build"))["requests.cpu"]).toBe("4");
      // A failed build is not a decommission: a change rebuilds it.
      const patched = await t.call("PATCH", `${ENVS}/fd-build`, t.tokens.alice, { resources: { cpu: "2" } }, ifMatch((await current("fd-build")).version));
      expect(patched.statusCode, patched.body).toBe(200);
      expect(patched.json()).toMatchObject({ phase: "Updating", resources: { cpu: "2" } });
    });
  });

  describe("C: a prod environment still being built can be decommissioned, under the prod rules", () => {
    const DELETE = async (name: string, headers: Record<string, string> = {}) => t.call("DELETE", `${ENVS}/${name}`, t.tokens.alice, undefined, headers);

    test("red while Approved refused every decommission (409) although its message listed decommission as allowed: If-Match is required, then it waits for an operator, and a rejection returns it to Approved", async () => {
      expect((await t.call("POST", ENVS, t.tokens.alice, prodSpec({ name: "dc-approved" }))).statusCode).toBe(201);
      const approved = await decide("approve", "dc-approved", t.tokens.oscar);
      expect(approved.json()).toMatchObject({ phase: "Approved" });
      await expectRefused(t, 428, "header.if-match", "decommission-version-required", () => DELETE("dc-approved"));
      const asked = await DELETE("dc-approved", ifMatch(approved.json().version));
      expect(asked.statusCode, asked.body).toBe(202);
      expect(asked.json()).toMatchObject({ phase: "AwaitingDecommission", modifiedBy: "alice" });
      const rejected = await decide("reject", "dc-approved", t.tokens.olga);
      expect(rejected.statusCode, rejected.body).toBe(200);
      expect(rejected.json()).toMatchObject({ phase: "Approved" });
      // Asked again and approved by an operator, it is decommissioned.
      expect((await DELETE("dc-approved", ifMatch(rejected.json().version))).json()).toMatchObject({ phase: "AwaitingDecommission" });
      expect((await decide("approve", "dc-approved", t.tokens.olga)).json()).toMatchObject({ phase: "Decommissioning" });
    });

    test("red while Provisioning refused every decommission (409): a stale If-Match is 412, the current one waits for an operator, and a rejection returns it to Provisioning", async () => {
      expect((await t.call("POST", ENVS, t.tokens.alice, prodSpec({ name: "dc-provisioning" }))).statusCode).toBe(201);
      const approved = await decide("approve", "dc-provisioning", t.tokens.oscar);
      const provisioning = await provisioner("dc-provisioning", "start-provisioning");
      expect(provisioning.phase).toBe("Provisioning");
      await expectRefused(t, 412, "header.if-match", "version-match", () => DELETE("dc-provisioning", ifMatch(approved.json().version)));
      const asked = await DELETE("dc-provisioning", ifMatch(provisioning.version));
      expect(asked.statusCode, asked.body).toBe(202);
      expect(asked.json()).toMatchObject({ phase: "AwaitingDecommission" });
      expect((await decide("reject", "dc-provisioning", t.tokens.olga)).json()).toMatchObject({ phase: "Provisioning" });
    });
  });

  describe("E: one namespace per environment across organizations", () => {
    // A fresh app with byt (Bộ Y tế) and byt-hn (Sở Y tế Hà Nội): byt's hn-his and byt-hn's his are both byt-hn-his.
    let previous: TestApp;
    let hana = ""; // requester, byt-hn
    const HN = "/v1/organizations/byt-hn/environments";
    const hnSpec = (name: string, overrides: Parameters<typeof testSpec>[0] = {}) => testSpec({ name, owners: ["byt-hn-team"], ...overrides });
    beforeAll(async () => {
      previous = t;
      const platform = testPlatformForApi({
        organizations: [
          testOrganization(),
          testOrganization({ slug: "bct", name: { vi: "Bộ Công Thương", en: "Ministry of Industry and Trade" }, ownerGroups: ["bct-admins"] }),
          testOrganization({ slug: "byt-hn", name: { vi: "Sở Y tế Hà Nội", en: "Hanoi Department of Health" }, ownerGroups: ["byt-hn-admins"] }),
        ],
      });
      t = await startTestApp(backend, { platform });
      hana = await mint(t.tokens.admin, "hana", "requester", "byt-hn");
    });
    afterAll(async () => {
      await t.cleanup();
      t = previous;
    });
    const taken = (namespace: string) => [
      {
        field: "name",
        rule: "namespace-unique",
        message: `makes the namespace "${namespace}" (<organization>-<name>), which another environment already uses; each environment needs a namespace of its own: choose another name`,
      },
    ];

    test("red while a second organization could squat a namespace: byt's hn-his holds byt-hn-his, so byt-hn's his is 422 name namespace-unique and nothing is stored", async () => {
      const first = await t.call("POST", ENVS, t.tokens.alice, testSpec({ name: "hn-his" }));
      expect(first.statusCode, first.body).toBe(201);
      expect(first.json()).toMatchObject({ namespace: "byt-hn-his" });
      const problem = await expectRefused(t, 422, "name", "namespace-unique", () => t.call("POST", HN, hana, hnSpec("his")));
      expect(problem.errors.map(({ field, rule, message }) => ({ field, rule, message }))).toEqual(taken("byt-hn-his"));
      expect((await t.call("GET", `${HN}/his`, hana)).statusCode).toBe(404);
      // The other way round too: byt-hn's emr first, then byt's hn-emr.
      expect((await t.call("POST", HN, hana, hnSpec("emr"))).statusCode).toBe(201);
      await expectRefused(t, 422, "name", "namespace-unique", () => t.call("POST", ENVS, t.tokens.alice, testSpec({ name: "hn-emr" })));
    });

    test("red while two organizations racing for one namespace could both have it: on two sites (no common site lock) exactly one is admitted", async () => {
      const answers = await Promise.all([
        t.call("POST", ENVS, t.tokens.alice, testSpec({ name: "hn-lis", sites: ["ndc1"] })),
        t.call("POST", HN, hana, hnSpec("lis", { sites: ["ndc2"] })),
      ]);
      expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 422]);
      expect(answers.find((a) => a.statusCode === 422)!.json().errors).toEqual([expect.objectContaining({ field: "name", rule: "namespace-unique" })]);
      expect(await t.raw.all("SELECT org, name FROM environments WHERE namespace = ?", ["byt-hn-lis"])).toHaveLength(1);
    });

    test("red while the database allowed two live environments one namespace: a second row is refused by the store itself", async () => {
      expect((await t.call("POST", ENVS, t.tokens.alice, testSpec({ name: "hn-ris" }))).statusCode).toBe(201);
      const before = await snapshot(t.raw);
      const now = new Date().toISOString();
      await expect(
        t.raw.run(
          "INSERT INTO environments (id, org, name, namespace, phase, version, generation, spec, plan, conditions, requested_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, 1, ?, ?, ?, ?, ?, ?)",
          ["squatter", "byt-hn", "ris", "byt-hn-ris", "Approved", "{}", "{}", "[]", "hana", now, now],
        ),
      ).rejects.toThrow();
      expect(await snapshot(t.raw)).toEqual(before);
    });

    test("still allowed (red if a gone environment kept its namespace): once byt's hn-lab request is withdrawn, byt-hn's lab is admitted", async () => {
      const asked = await t.call("POST", ENVS, t.tokens.alice, prodSpec({ name: "hn-lab" }));
      expect(asked.json()).toMatchObject({ phase: "AwaitingApproval", namespace: "byt-hn-lab" });
      await expectRefused(t, 422, "name", "namespace-unique", () => t.call("POST", HN, hana, hnSpec("lab")));
      expect((await t.call("DELETE", `${ENVS}/hn-lab`, t.tokens.alice, undefined, ifMatch(asked.json().version))).json()).toMatchObject({ phase: "Deleted" });
      const admitted = await t.call("POST", HN, hana, hnSpec("lab"));
      expect(admitted.statusCode, admitted.body).toBe(201);
      expect(admitted.json()).toMatchObject({ namespace: "byt-hn-lab" });
    });
  });
});
