// Issue 10, second review: what an attacker found after the first sixteen items were closed, each
// hole proven closed through the HTTP API on SQLite and PostgreSQL. A refused request names the field
// and the rule and leaves the store as it was.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { testSpec } from "../../../model/testing.ts";
import { applyTransition } from "../../../control-plane/workflow/index.ts";
import type { LifecycleEvent } from "../../../control-plane/workflow/index.ts";
import { BACKENDS, expectRefused, prodSpec, snapshot, startTestApp, type TestApp } from "./_harness.ts";

const ENVS = "/v1/organizations/byt/environments";

describe.each(BACKENDS)("security, second review (%s)", (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(backend);
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  const refused = (status: number, field: string, rule: string, send: () => ReturnType<TestApp["call"]>) => expectRefused(t, status, field, rule, send);
  const mint = async (by: string, body: Record<string, unknown>) => {
    const res = await t.call("POST", "/v1/tokens", by, body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { token: string; id: string; expiresAt: string };
  };
  const versionOf = async (name: string) => String((await t.call("GET", `${ENVS}/${name}`, t.tokens.admin)).json().version);
  /** The provisioner's part, through the store interface it uses: one lifecycle event. */
  const provisioner = async (name: string, event: LifecycleEvent) => {
    const env = await t.store.getEnvironment("byt", name);
    const next = await t.store.transaction([], (tx) =>
      applyTransition(tx, env!.id, env!.version, event, { subject: "provisioner" }, new Date().toISOString(), { observedGeneration: env!.generation }),
    );
    expect(next, `${event} on ${name} (${env!.phase})`).toBeDefined();
    return next!;
  };
  /** A prod environment alice asked for, oscar approved and the provisioner built. */
  const readyProd = async (name: string, overrides: Parameters<typeof prodSpec>[0] = {}) => {
    expect((await t.call("POST", ENVS, t.tokens.alice, prodSpec({ name, ...overrides }))).statusCode).toBe(201);
    expect((await t.decide("approve", `${ENVS}/${name}`, t.tokens.oscar)).statusCode).toBe(200);
    await provisioner(name, "start-provisioning");
    return provisioner(name, "provisioned");
  };
  const ifMatch = (version: number | string) => ({ "if-match": `"${version}"` });

  describe("item 1: four eyes hold across a chain of minted tokens", () => {
    // pam is a platform admin the installation's admin handed a token to: a person of her own.
    let pam: string;
    beforeAll(async () => {
      pam = (await mint(t.tokens.admin, { subject: "pam", role: "platform-admin" })).token;
    });

    test("a token minted by a token pam minted cannot approve or reject pam's request; another person's operator can", async () => {
      expect((await t.call("POST", ENVS, pam, prodSpec({ name: "chain-own" }))).statusCode).toBe(201);
      const deputy = (await mint(pam, { subject: "pam-deputy", role: "platform-admin" })).token;
      const ops = (await mint(deputy, { subject: "pam-ops", role: "operator" })).token;
      const version = await versionOf("chain-own");
      for (const action of ["approve", "reject"]) {
        const problem = await refused(403, "approver", "approver-token-minted-by-requester", () =>
          t.call("POST", `${ENVS}/chain-own/${action}`, ops, action === "reject" ? { reason: "mine" } : undefined, { "if-match": version }),
        );
        expect(problem.detail).toBe(
          "pam-ops's token was minted by pam (or a token of theirs), who requested byt/chain-own; an operator with a token of their own must decide",
        );
      }
      expect((await t.decide("approve", `${ENVS}/chain-own`, t.tokens.oscar)).statusCode).toBe(200);
    });

    test("two tokens pam minted are one person: the requester token's request is not approved by the operator token", async () => {
      const ci = (await mint(pam, { subject: "pam-ci", role: "requester", org: "byt" })).token;
      const ops = (await mint(pam, { subject: "pam-ops2", role: "operator" })).token;
      expect((await t.call("POST", ENVS, ci, prodSpec({ name: "chain-siblings" }))).statusCode).toBe(201);
      const problem = await refused(403, "approver", "approver-same-root", () =>
        t.call("POST", `${ENVS}/chain-siblings/approve`, ops, undefined, { "if-match": "2" }),
      );
      expect(problem.detail).toBe(
        "pam-ops2 and pam-ci, who requested byt/chain-siblings, both act for pam (their tokens trace back to one person); an operator of another person must decide",
      );
      // pam herself minted the requester's token, so could have filed it.
      await refused(403, "approver", "approver-minted-requester-token", () =>
        t.call("POST", `${ENVS}/chain-siblings/approve`, pam, undefined, { "if-match": "2" }),
      );
      const approved = await t.decide("approve", `${ENVS}/chain-siblings`, t.tokens.olga);
      expect(approved.statusCode, approved.body).toBe(200);
      expect(approved.json()).toMatchObject({ phase: "Approved", approvedBy: "olga", requestedBy: "pam-ci" });
    });

    test("a pending change pam made to alice's environment is not decided by a token down pam's chain", async () => {
      expect((await t.call("POST", ENVS, t.tokens.alice, prodSpec({ name: "chain-change" }))).statusCode).toBe(201);
      expect((await t.decide("approve", `${ENVS}/chain-change`, t.tokens.oscar)).statusCode).toBe(200);
      const patched = await t.call("PATCH", `${ENVS}/chain-change`, pam, { resources: { cpu: "6" } }, { "if-match": await versionOf("chain-change") });
      expect(patched.statusCode, patched.body).toBe(200);
      expect(patched.json()).toMatchObject({ modifiedBy: "pam", pendingChange: { spec: { resources: { cpu: "6" } } } });
      const deputy = (await mint(pam, { subject: "pam-deputy2", role: "platform-admin" })).token;
      const ops = (await mint(deputy, { subject: "pam-ops3", role: "operator" })).token;
      const version = await versionOf("chain-change");
      for (const action of ["approve", "reject"]) {
        await refused(403, "approver", "approver-token-minted-by-requester", () =>
          t.call("POST", `${ENVS}/chain-change/${action}`, ops, action === "reject" ? { reason: "mine" } : undefined, { "if-match": version }),
        );
      }
      const decided = await t.decide("approve", `${ENVS}/chain-change`, t.tokens.olga);
      expect(decided.statusCode, decided.body).toBe(200);
      expect(decided.json()).toMatchObject({ pendingChange: null, spec: { resources: { cpu: "6" } } });
    });

    test("the token row records the root person and the minters; the audit record of the minting shows them", async () => {
      const deputy = await mint(pam, { subject: "pam-deputy3", role: "platform-admin" });
      const row = await t.raw.get("SELECT root_subject, lineage, minted_with, created_by FROM api_tokens WHERE id = ?", [deputy.id]);
      expect(row).toMatchObject({ root_subject: "pam", created_by: "pam" });
      expect(JSON.parse(String(row!.lineage))).toEqual({ root: "pam", minters: [expect.stringMatching(/^bootstrap:[0-9a-f]{12}$/), "admin", "pam"] });
      const pamRow = await t.raw.get("SELECT id FROM api_tokens WHERE subject = 'pam'");
      expect(row!.minted_with).toBe(pamRow!.id);
      const audit = (await t.call("GET", `/v1/audit?action=token.create&target=${encodeURIComponent(`token ${deputy.id}`)}`, t.tokens.audrey)).json().items[0];
      expect(audit.after).toMatchObject({ subject: "pam-deputy3", root: "pam", minters: [expect.stringMatching(/^bootstrap:/), "admin", "pam"] });
    });

    test("a token minted before lineages were kept (migration 5) is traced to the one minter recorded", async () => {
      const ops = await mint(pam, { subject: "pam-legacy-ops", role: "operator" });
      await t.raw.run("UPDATE api_tokens SET lineage = NULL, root_subject = NULL, minted_with = NULL WHERE id = ?", [ops.id]);
      expect((await t.call("POST", ENVS, pam, prodSpec({ name: "chain-legacy" }))).statusCode).toBe(201);
      // The token cache keeps a lookup for 5 s; a fresh app is not needed: this token was never used.
      await refused(403, "approver", "approver-token-minted-by-requester", () =>
        t.call("POST", `${ENVS}/chain-legacy/approve`, ops.token, undefined, { "if-match": "2" }),
      );
    });

    test("revoking a token revokes every token minted with it, down the line", async () => {
      const deputy = await mint(pam, { subject: "pam-deputy4", role: "platform-admin" });
      const child = await mint(deputy.token, { subject: "pam-deputy4-ci", role: "requester", org: "byt" });
      const grandchild = await mint(deputy.token, { subject: "pam-deputy4-ops", role: "operator" });
      const other = await mint(pam, { subject: "pam-other", role: "auditor" });
      expect((await t.call("GET", ENVS, child.token)).statusCode).toBe(200);
      const revoked = await t.call("DELETE", `/v1/tokens/${deputy.id}`, t.tokens.admin);
      expect(revoked.statusCode, revoked.body).toBe(200);
      expect([...revoked.json().alsoRevoked].sort()).toEqual([child.id, grandchild.id].sort());
      for (const token of [deputy.token, child.token, grandchild.token]) {
        const res = await t.call("GET", "/v1/sites", token);
        expect(res.statusCode).toBe(401);
        expect(res.json().errors[0].rule).toBe("token-revoked");
      }
      expect((await t.call("GET", "/v1/sites", other.token)).statusCode).toBe(200);
    });

    test("a token may not mint a token that outlives it; without expiresIn the new one ends with it", async () => {
      const short = await mint(pam, { subject: "pam-short", role: "platform-admin", expiresIn: "1h" });
      const problem = await refused(422, "expiresIn", "lifetime-within-minter", () =>
        t.call("POST", "/v1/tokens", short.token, { subject: "pam-long", role: "auditor", expiresIn: "30d" }),
      );
      expect(problem.errors[0]!.message).toBe(
        `must end by ${short.expiresAt}, when the token minting it expires; a token may not outlive the one that minted it`,
      );
      const plain = await mint(short.token, { subject: "pam-plain", role: "auditor" });
      expect(Date.parse(plain.expiresAt)).toBeLessThanOrEqual(Date.parse(short.expiresAt));
      expect(Date.parse(plain.expiresAt)).toBeGreaterThan(Date.now() + 3_500_000);
    });

    test("(held before, kept as a regression) an admin confined to an organization mints neither for another organization nor platform-wide", async () => {
      const confined = (await mint(t.tokens.admin, { subject: "byt-admin", role: "platform-admin", org: "byt" })).token;
      await refused(422, "org", "same-organization", () => t.call("POST", "/v1/tokens", confined, { subject: "x-ops", role: "operator", org: "bct" }));
      await refused(422, "org", "same-organization", () => t.call("POST", "/v1/tokens", confined, { subject: "x-ops", role: "operator" }));
    });
  });

  describe("item 2: lowering what an operator approved needs an operator; decommission looks at the strictest spec", () => {
    /** A change within auto-approval on its own: dev, level 1, small. */
    const toDev = { stage: "dev", securityLevel: 1 } as const;

    test("a built prod environment patched to dev waits for an operator, and its decommission still needs one", async () => {
      const ready = await readyProd("down-prod");
      const patched = await t.call("PATCH", `${ENVS}/down-prod`, t.tokens.alice, toDev, ifMatch(ready.version));
      expect(patched.statusCode, patched.body).toBe(200);
      expect(patched.json()).toMatchObject({ phase: "Ready", stage: "prod", securityLevel: 3, pendingChange: { spec: { stage: "dev", securityLevel: 1 } } });
      expect(patched.json().reason).toBe(
        "change needs approval: lowers stage prod -> dev of an environment an operator approved (policy downgradeApproval); lowers securityLevel 3 -> 1 of an environment an operator approved (policy downgradeApproval)",
      );
      // The attack went on with a decommission that no longer looked like prod: it still does.
      await refused(428, "header.if-match", "decommission-version-required", () => t.call("DELETE", `${ENVS}/down-prod`, t.tokens.alice));
      const deleted = await t.call("DELETE", `${ENVS}/down-prod`, t.tokens.alice, undefined, ifMatch(patched.json().version));
      expect(deleted.statusCode, deleted.body).toBe(202);
      expect(deleted.json()).toMatchObject({ phase: "AwaitingDecommission", stage: "prod" });
      expect(deleted.json().reason).toBe("decommission needs an operator: stage prod, other data (policy decommissionApproval)");
    });

    test("lowering only the security level of an operator-approved environment waits too; an operator's approval applies it", async () => {
      const ready = await readyProd("down-level", { stage: "staging", securityLevel: 3 });
      const patched = await t.call("PATCH", `${ENVS}/down-level`, t.tokens.alice, { securityLevel: 1, stage: "dev" }, ifMatch(ready.version));
      expect(patched.json()).toMatchObject({ phase: "Ready", securityLevel: 3, pendingChange: { spec: { securityLevel: 1 } } });
      expect(patched.json().reason).toContain("lowers securityLevel 3 -> 1 of an environment an operator approved (policy downgradeApproval)");
      const decided = await t.decide("approve", `${ENVS}/down-level`, t.tokens.olga);
      expect(decided.statusCode, decided.body).toBe(200);
      expect(decided.json()).toMatchObject({ phase: "Updating", securityLevel: 1, stage: "dev", pendingChange: null, approvedBy: "olga" });
    });

    test("a dev environment policy approved is lowered from test to dev at once (nothing an operator decided)", async () => {
      const created = await t.call("POST", ENVS, t.tokens.alice, testSpec({ name: "down-test", stage: "test", securityLevel: 2 }));
      expect(created.json()).toMatchObject({ phase: "Approved", approvedBy: "policy:auto-approval" });
      const patched = await t.call("PATCH", `${ENVS}/down-test`, t.tokens.alice, { stage: "dev", securityLevel: 1 }, ifMatch(created.json().version));
      expect(patched.json()).toMatchObject({ phase: "Approved", stage: "dev", securityLevel: 1, pendingChange: null, approvedBy: "policy:auto-approval" });
    });

    test("a dev environment with a change to prod waiting needs If-Match and an operator to be decommissioned", async () => {
      const created = await t.call("POST", ENVS, t.tokens.alice, testSpec({ name: "up-pending" }));
      await provisioner("up-pending", "start-provisioning");
      const ready = await provisioner("up-pending", "provisioned");
      expect(created.json().stage).toBe("dev");
      const patched = await t.call("PATCH", `${ENVS}/up-pending`, t.tokens.alice, { stage: "prod", securityLevel: 3 }, ifMatch(ready.version));
      expect(patched.json()).toMatchObject({ phase: "Ready", stage: "dev", pendingChange: { spec: { stage: "prod" } } });
      const problem = await refused(428, "header.if-match", "decommission-version-required", () => t.call("DELETE", `${ENVS}/up-pending`, t.tokens.alice));
      expect(problem.errors[0]!.message).toBe(
        `must name the version you reviewed, e.g. If-Match: "${patched.json().version}": decommissioning a prod environment with other data needs it`,
      );
      const deleted = await t.call("DELETE", `${ENVS}/up-pending`, t.tokens.alice, undefined, ifMatch(patched.json().version));
      expect(deleted.json()).toMatchObject({ phase: "AwaitingDecommission" });
      expect(deleted.json().reason).toBe(
        "decommission needs an operator: stage prod, other data (the change waiting for approval) (policy decommissionApproval)",
      );
    });
  });

  describe("item 3: a stale or decided change answers 409 problem+json naming the rule, never 500, and changes nothing", () => {
    /** A built prod environment with a change waiting (more CPU). */
    const withChange = async (name: string) => {
      const ready = await readyProd(name);
      const patched = await t.call("PATCH", `${ENVS}/${name}`, t.tokens.alice, { resources: { cpu: "6" } }, ifMatch(ready.version));
      expect(patched.json()).toMatchObject({ phase: "Ready", pendingChange: { spec: { resources: { cpu: "6" } } } });
      return patched.json() as { version: number };
    };
    const decideAt = (action: "approve" | "reject", name: string, token: string, version: number | string) =>
      t.call("POST", `${ENVS}/${name}/${action}`, token, action === "reject" ? { reason: "no" } : undefined, ifMatch(version));

    test("a change left waiting when the decommission was approved is dropped with it; deciding it then is 409", async () => {
      const { version } = await withChange("stale-decom");
      const deleted = await t.call("DELETE", `${ENVS}/stale-decom`, t.tokens.alice, undefined, ifMatch(version));
      expect(deleted.json()).toMatchObject({ phase: "AwaitingDecommission", pendingChange: { spec: { resources: { cpu: "6" } } } });
      const decommissioned = await t.decide("approve", `${ENVS}/stale-decom`, t.tokens.olga);
      expect(decommissioned.statusCode, decommissioned.body).toBe(200);
      expect(decommissioned.json()).toMatchObject({ phase: "Decommissioning", pendingChange: null, resources: { cpu: "4" } });
      // It holds what it built (4 CPUs at ndc1), not the larger amount held while the change waited.
      const held = await t.raw.all("SELECT site, cpu_millis FROM commitments c JOIN environments e ON e.id = c.environment_id WHERE e.name = 'stale-decom'");
      expect(held.map((r) => `${String(r.site)}:${Number(r.cpu_millis)}`)).toEqual(["ndc1:4000"]);
      for (const action of ["approve", "reject"] as const) {
        const problem = await refused(409, "phase", "transition-allowed", () => decideAt(action, "stale-decom", t.tokens.oscar, decommissioned.json().version));
        expect(problem.detail).toMatch(new RegExp(`^environment byt/stale-decom: cannot ${action} an environment in phase Decommissioning`));
      }
    });

    test("a change dropped by a decommission that needed no operator cannot be decided afterwards either", async () => {
      const created = await t.call("POST", ENVS, t.tokens.alice, testSpec({ name: "stale-dev" }));
      await provisioner("stale-dev", "start-provisioning");
      const ready = await provisioner("stale-dev", "provisioned");
      expect(created.json().stage).toBe("dev");
      const patched = await t.call("PATCH", `${ENVS}/stale-dev`, t.tokens.alice, { resources: { cpu: "20" } }, ifMatch(ready.version));
      expect(patched.json()).toMatchObject({ phase: "Ready", pendingChange: { spec: { resources: { cpu: "20" } } } });
      const deleted = await t.call("DELETE", `${ENVS}/stale-dev`, t.tokens.alice, undefined, ifMatch(patched.json().version));
      expect(deleted.json()).toMatchObject({ phase: "Decommissioning", pendingChange: null });
      await refused(409, "phase", "transition-allowed", () => decideAt("approve", "stale-dev", t.tokens.oscar, deleted.json().version));
      await refused(409, "phase", "transition-allowed", () => decideAt("reject", "stale-dev", t.tokens.oscar, deleted.json().version));
    });

    test("a change already decided: deciding it again at the new version is 409, at the version reviewed 412", async () => {
      const { version } = await withChange("stale-twice");
      const first = await decideAt("reject", "stale-twice", t.tokens.oscar, version);
      expect(first.statusCode, first.body).toBe(200);
      expect(first.json()).toMatchObject({ phase: "Ready", pendingChange: null, resources: { cpu: "4" } });
      for (const action of ["approve", "reject"] as const) {
        const problem = await refused(409, "phase", "transition-allowed", () => decideAt(action, "stale-twice", t.tokens.olga, first.json().version));
        expect(problem.detail).toMatch(new RegExp(`cannot ${action} an environment in phase Ready`));
        await refused(412, "header.if-match", "version-match", () => decideAt(action, "stale-twice", t.tokens.olga, version));
      }
    });

    test("a change changed again since it was reviewed is 412 with the version to GET; the newer one decides", async () => {
      const { version } = await withChange("stale-spec");
      const again = await t.call("PATCH", `${ENVS}/stale-spec`, t.tokens.alice, { resources: { memory: "32Gi" } }, ifMatch(version));
      expect(again.json()).toMatchObject({ pendingChange: { spec: { resources: { cpu: "6", memory: "32Gi" } } } });
      const problem = await refused(412, "header.if-match", "version-match", () => decideAt("approve", "stale-spec", t.tokens.oscar, version));
      expect(problem.detail).toBe(
        `environment byt/stale-spec is at version ${again.json().version}, not ${version}; GET it again and retry with If-Match: "${again.json().version}"`,
      );
      expect((await decideAt("approve", "stale-spec", t.tokens.oscar, again.json().version)).json()).toMatchObject({
        resources: { cpu: "6", memory: "32Gi" },
        pendingChange: null,
      });
    });

    test("eight operators deciding one change at once: exactly one decision, the others 409 or 412, never 500", async () => {
      const { version } = await withChange("stale-race");
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => decideAt(i % 2 === 0 ? "approve" : "reject", "stale-race", i % 4 < 2 ? t.tokens.oscar : t.tokens.olga, version)),
      );
      const statuses = answers.map((a) => a.statusCode);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      for (const a of answers.filter((x) => x.statusCode !== 200)) {
        expect([409, 412], a.body).toContain(a.statusCode);
        expect(a.headers["content-type"]).toContain("application/problem+json");
        expect(a.json().errors[0].rule).toMatch(/^(version-match|transition-allowed)$/);
      }
      const winner = answers.find((a) => a.statusCode === 200)!.json();
      const audit = await t.call("GET", `/v1/audit?target=${encodeURIComponent("environment byt/stale-race")}&limit=100`, t.tokens.audrey);
      const decisions = (audit.json().items as { action: string }[]).map((r) => r.action).filter((a) => a.endsWith("-change"));
      expect(decisions).toEqual(["environment.request-change", winner.phase === "Updating" ? "environment.approve-change" : "environment.reject-change"]);
      expect((await t.call("GET", `${ENVS}/stale-race`, t.tokens.admin)).json()).toMatchObject({ version: version + 1, pendingChange: null });
    });
  });

  describe("item 4: restore (POST …/restore, Retained -> Restoring -> Ready) through the API", () => {
    // A fresh app: byt's environment limit (20) is spent by the items above.
    let previous: TestApp;
    beforeAll(async () => {
      previous = t;
      t = await startTestApp(backend);
    });
    afterAll(async () => {
      await t.cleanup();
      t = previous;
    });
    /** A dev environment alice asked for, built, decommissioned and retained by the provisioner. */
    const retained = async (name: string) => {
      expect((await t.call("POST", ENVS, t.tokens.alice, testSpec({ name }))).statusCode).toBe(201);
      await provisioner(name, "start-provisioning");
      const ready = await provisioner(name, "provisioned");
      const deleted = await t.call("DELETE", `${ENVS}/${name}`, t.tokens.alice, undefined, ifMatch(ready.version));
      expect(deleted.json()).toMatchObject({ phase: "Decommissioning" });
      const kept = await provisioner(name, "decommissioned");
      expect(kept).toMatchObject({ phase: "Retained" });
      return kept;
    };
    /** A 404 problem that changes nothing but, where it hides another organization, its audit record; returns its type and title. */
    const refused404 = async (send: () => ReturnType<TestApp["call"]>) => {
      const before = await snapshot(t.raw);
      const res = await send();
      expect(res.statusCode, res.body).toBe(404);
      expect(res.headers["content-type"]).toContain("application/problem+json");
      const after = await snapshot(t.raw);
      expect((after.audit as number) - (before.audit as number)).toBeLessThanOrEqual(1);
      expect({ ...after, audit: 0 }).toEqual({ ...before, audit: 0 });
      return `${res.json().type} ${res.json().title}`;
    };
    const restore = (name: string, token: string, headers: Record<string, string> = {}, org = "byt") =>
      t.call("POST", `/v1/organizations/${org}/environments/${name}/restore`, token, undefined, headers);

    test("an operator restores a Retained environment before its deadline; it is audited and the provisioner brings it back", async () => {
      const kept = await retained("restore-ok");
      expect(Date.parse(kept.retainUntil!)).toBeGreaterThan(Date.now() + 29 * 86_400_000);
      const res = await restore("restore-ok", t.tokens.oscar, ifMatch(kept.version));
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers.etag).toBe(`"${kept.version + 1}"`);
      expect(res.json()).toMatchObject({ phase: "Restoring", version: kept.version + 1 });
      expect(res.json().conditions).toContainEqual(
        expect.objectContaining({ type: "Decommissioned", status: "False", reason: "Restored", message: "restored by oscar before its retention ended" }),
      );
      const audit = (
        await t.call("GET", `/v1/audit?action=environment.restore&target=${encodeURIComponent("environment byt/restore-ok")}`, t.tokens.audrey)
      ).json().items;
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        actor: "oscar",
        actorRole: "operator",
        outcome: "allowed",
        org: "byt",
        before: { phase: "Retained" },
        after: { phase: "Restoring" },
      });
      expect(await provisioner("restore-ok", "provisioned")).toMatchObject({ phase: "Ready" });
    });

    test("fails without If-Match (428) and with a version that moved (412); nothing changes", async () => {
      const kept = await retained("restore-version");
      await refused(428, "header.if-match", "reviewed-version-required", () => restore("restore-version", t.tokens.oscar));
      await refused(428, "header.if-match", "reviewed-version-required", () => restore("restore-version", t.tokens.oscar, { "if-match": "*" }));
      await refused(412, "header.if-match", "version-match", () => restore("restore-version", t.tokens.oscar, ifMatch(kept.version - 1)));
    });

    test.each([
      ["alice", "requester"],
      ["carol", "org-admin"],
      ["audrey", "auditor"],
    ] as const)("fails for %s (%s of the tenant or read-only): 403 role-required, audited as denied", async (who, _role) => {
      const kept = await retained(`restore-${who}`);
      const problem = await refused(403, "header.authorization", "role-required", () => restore(`restore-${who}`, t.tokens[who], ifMatch(kept.version)));
      expect(problem.detail).toContain("environments:approve needs one of the roles operator, platform-admin");
      const denied = (await t.call("GET", `/v1/audit?action=request.denied&actor=${who}`, t.tokens.audrey)).json().items.at(-1);
      expect(denied).toMatchObject({ outcome: "denied", status: 403 });
    });

    test("another organization's caller gets 404, as for an environment that does not exist; nothing changes", async () => {
      const kept = await retained("restore-other-org");
      const bctOperator = (await mint(t.tokens.admin, { subject: "bct-ops", role: "operator", org: "bct" })).token;
      const seen = await refused404(() => restore("restore-other-org", bctOperator, ifMatch(kept.version)));
      expect(seen).toBe(await refused404(() => restore("no-such-env", bctOperator, ifMatch(1))));
      await refused404(() => restore("restore-other-org", t.tokens.bob, ifMatch(kept.version)));
      // Named through the other organization's path, it does not exist there.
      await refused404(() => restore("restore-other-org", t.tokens.oscar, ifMatch(kept.version), "bct"));
    });

    test.each(["Ready", "Decommissioning"] as const)("fails when the environment is %s, not Retained: 409 transition-allowed", async (phase) => {
      const name = `restore-${phase.toLowerCase()}`;
      expect((await t.call("POST", ENVS, t.tokens.alice, testSpec({ name }))).statusCode).toBe(201);
      await provisioner(name, "start-provisioning");
      let env = await provisioner(name, "provisioned");
      if (phase === "Decommissioning") env = (await t.call("DELETE", `${ENVS}/${name}`, t.tokens.alice, undefined, ifMatch(env.version))).json();
      const problem = await refused(409, "phase", "transition-allowed", () => restore(name, t.tokens.oscar, ifMatch(env.version)));
      expect(problem.detail).toMatch(new RegExp(`^environment byt/${name}: cannot restore an environment in phase ${phase}; allowed from ${phase}: `));
    });

    test("fails after retainUntil: 409 retention-running, and the environment stays Retained for deletion", async () => {
      const kept = await retained("restore-late");
      const past = new Date(Date.now() - 60_000).toISOString();
      await t.raw.run("UPDATE environments SET retain_until = ? WHERE id = ?", [past, kept.id]);
      const problem = await refused(409, "phase", "retention-running", () => restore("restore-late", t.tokens.oscar, ifMatch(kept.version)));
      expect(problem.detail).toBe(`the retention of byt/restore-late ended at ${past}; it is being deleted and cannot be restored`);
      expect((await t.call("GET", `${ENVS}/restore-late`, t.tokens.admin)).json()).toMatchObject({ phase: "Retained", version: kept.version });
    });
  });
});
