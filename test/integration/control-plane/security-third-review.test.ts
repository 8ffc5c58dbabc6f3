// Issue 10, third review: three holes an attacker found on main after the second review, each proven
// closed through the HTTP API on SQLite and PostgreSQL. A refused request is problem+json naming the
// field and the rule, and leaves the store as it was.
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { assemblePlatform, POLICY, type Organization, type Platform, type Policy, type Site } from "../../../model/index.ts";
import { testSpec } from "../../../model/testing.ts";
import { buildApp } from "../../../control-plane/api/index.ts";
import { applyTransition, type LifecycleEvent, type TransitionChanges } from "../../../control-plane/workflow/index.ts";
import { BACKENDS, BOOTSTRAP, expectRefused, prodSpec, startTestApp, testPlatformForApi, type TestApp } from "./_harness.ts";

const ENVS = "/v1/organizations/byt/environments";
const ifMatch = (version: number | string) => ({ "if-match": `"${version}"` });

/** The harness's platform with byt's catalog entry and one site's stack edited (what a changed stack file does). */
function platformWith(edit: { byt?: (o: Organization) => Organization; site?: readonly [string, (s: Site) => Site] } = {}): Platform {
  const base = testPlatformForApi();
  const organizations = [...base.organizations.values()].map((o) => (o.slug === "byt" && edit.byt ? edit.byt(o) : o));
  return assemblePlatform(
    [...base.sites.values()].map((s) => ({
      site: edit.site && s.id === edit.site[0] ? edit.site[1](s.config!) : s.config!,
      organizations,
      environments: [],
    })),
  );
}

describe.each(BACKENDS)("security, third review (%s)", (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(backend);
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  const refused = (status: number, field: string, rule: string, send: () => ReturnType<TestApp["call"]>) => expectRefused(t, status, field, rule, send);
  const versionOf = async (name: string) => (await t.call("GET", `${ENVS}/${name}`, t.tokens.admin)).json().version as number;
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

  describe("item 1: a platform admin cannot mint a token that acts as someone else (policy apiTokenSubjects)", () => {
    const tokenCount = async () => Number((await t.raw.get("SELECT COUNT(*) AS n FROM api_tokens"))!.n);
    /** A refused mint: 422 naming each field and rule, no token stored, nothing else changed. */
    const mintRefused = async (by: string, body: Record<string, unknown>, errors: { field: string; rule: string; message: string }[]) => {
      const tokens = await tokenCount();
      const problem = await refused(422, errors[0]!.field, errors[0]!.rule, () => t.call("POST", "/v1/tokens", by, body));
      expect(problem.errors.map(({ field, rule, message }) => ({ field, rule, message }))).toEqual(errors);
      expect(await tokenCount()).toBe(tokens);
      return problem;
    };
    const firstTokenOf = async (subject: string) =>
      ((await t.call("GET", `/v1/tokens?subject=${encodeURIComponent(subject)}&include=all`, t.tokens.admin)).json().items as { createdAt: string }[])[0]!;
    const another = "mint a token under another subject for another person, role or organization";
    let pam: string;
    beforeAll(async () => {
      const res = await t.call("POST", "/v1/tokens", t.tokens.admin, { subject: "pam", role: "platform-admin" });
      expect(res.statusCode, res.body).toBe(201);
      pam = res.json().token;
    });

    test("red while a subject's organization or role can be changed by minting: alice (requester of byt) as a bct requester or as an operator, oscar as an auditor", async () => {
      const alice = (await firstTokenOf("alice")).createdAt;
      const problem = await mintRefused(t.tokens.admin, { subject: "alice", role: "requester", org: "bct" }, [
        {
          field: "org",
          rule: "subject-bound",
          message: `alice acts for byt since its first token (${alice}); a token for it can only renew that; ${another}`,
        },
      ]);
      expect(problem.detail).toBe(
        "the token was not created: alice is bound by its first token to requester, byt, for alice; a token for it can only renew that (policy apiTokenSubjects): org (subject-bound)",
      );
      await mintRefused(t.tokens.admin, { subject: "alice", role: "operator" }, [
        {
          field: "role",
          rule: "subject-bound",
          message: `alice acts as requester since its first token (${alice}); a token for it can only renew that role; ${another}`,
        },
        { field: "org", rule: "subject-bound", message: `alice acts for byt since its first token (${alice}); a token for it can only renew that; ${another}` },
      ]);
      const oscar = (await firstTokenOf("oscar")).createdAt;
      await mintRefused(t.tokens.admin, { subject: "oscar", role: "auditor" }, [
        {
          field: "role",
          rule: "subject-bound",
          message: `oscar acts as operator since its first token (${oscar}); a token for it can only renew that role; ${another}`,
        },
      ]);
      // The operator "alice" would have passed four eyes as alice's own approver no longer: it acts as her.
      expect((await t.call("GET", "/v1/tokens?subject=alice&include=all", t.tokens.admin)).json().items).toHaveLength(1);
    });

    test("red while a second admin can mint a name another person holds: pam minting alice's very role and organization", async () => {
      const alice = (await firstTokenOf("alice")).createdAt;
      await mintRefused(pam, { subject: "alice", role: "requester", org: "byt" }, [
        {
          field: "subject",
          rule: "subject-bound",
          message: `alice stands for alice since its first token (${alice}); this token would stand for pam and act as alice; ${another}`,
        },
      ]);
    });

    test("red while the service's own names can be minted: policy:auto-approval (any case) is 422 subject-reserved", async () => {
      for (const subject of ["policy:auto-approval", "Policy:auto-approval"]) {
        await mintRefused(t.tokens.admin, { subject, role: "operator" }, [
          {
            field: "subject",
            rule: "subject-reserved",
            message:
              "must not start with bootstrap:, system:, oidc:, policy: (names the service gives itself, Kubernetes or the identity provider; policy apiTokenSubjects)",
          },
        ]);
      }
    });

    test("red while revoking a subject's token frees its name: ci:gone, revoked as an operator, is not minted again as an auditor", async () => {
      const minted = await t.call("POST", "/v1/tokens", t.tokens.admin, { subject: "ci:gone", role: "operator" });
      expect(minted.statusCode, minted.body).toBe(201);
      expect((await t.call("DELETE", `/v1/tokens/${minted.json().id}`, t.tokens.admin)).statusCode).toBe(200);
      const first = (await firstTokenOf("ci:gone")).createdAt;
      await mintRefused(t.tokens.admin, { subject: "ci:gone", role: "auditor" }, [
        {
          field: "role",
          rule: "subject-bound",
          message: `ci:gone acts as operator since its first token (${first}); a token for it can only renew that role; ${another}`,
        },
      ]);
    });

    test("red while two first tokens racing for one new subject can bind it two ways: exactly one of byt and bct wins", async () => {
      const answers = await Promise.all(
        ["byt", "bct"].map((org) => t.call("POST", "/v1/tokens", t.tokens.admin, { subject: "ci:race", role: "requester", org })),
      );
      expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 422]);
      expect(answers.find((a) => a.statusCode === 422)!.json().errors).toEqual([expect.objectContaining({ field: "org", rule: "subject-bound" })]);
      expect((await t.call("GET", "/v1/tokens?subject=ci:race&include=all", t.tokens.admin)).json().items).toHaveLength(1);
    });

    test("still allowed (red if the rule refused renewals or new names): the admin renews alice's token, pam mints and renews a name of her own", async () => {
      const renewed = await t.call("POST", "/v1/tokens", t.tokens.admin, { subject: "alice", role: "requester", org: "byt" });
      expect(renewed.statusCode, renewed.body).toBe(201);
      expect((await t.call("GET", "/v1/me", renewed.json().token)).json()).toEqual({ subject: "alice", roles: ["requester"], org: "byt", via: "token" });
      for (let i = 0; i < 2; i++) {
        const own = await t.call("POST", "/v1/tokens", pam, { subject: "pam-bot", role: "operator" });
        expect(own.statusCode, own.body).toBe(201);
      }
      expect((await t.call("GET", "/v1/tokens?subject=pam-bot", t.tokens.admin)).json().items).toHaveLength(2);
      // An OIDC caller (<issuer>#<sub>) stays out of reach: the subject format has no "#".
      await refused(400, "subject", "format", () => t.call("POST", "/v1/tokens", t.tokens.admin, { subject: "https://idp.example#alice", role: "operator" }));
    });
  });

  describe("item 2: rejecting a decommission returns the environment to the phase it held, its work and failure kept", () => {
    // A fresh app: only these environments, so what the provisioner can claim is known.
    let previous: TestApp;
    beforeAll(async () => {
      previous = t;
      t = await startTestApp(backend);
    });
    afterAll(async () => {
      await t.cleanup();
      t = previous;
    });
    /** A prod environment alice asked for and oscar approved, as far as the provisioner took it. */
    const prod = async (name: string) => {
      expect((await t.call("POST", ENVS, t.tokens.alice, prodSpec({ name }))).statusCode).toBe(201);
      expect((await t.decide("approve", `${ENVS}/${name}`, t.tokens.oscar)).statusCode).toBe(200);
      return provisioner(name, "start-provisioning");
    };
    /** Alice asks to decommission it (prod: If-Match, then an operator), and olga rejects. */
    const askAndReject = async (name: string) => {
      const asked = await t.call("DELETE", `${ENVS}/${name}`, t.tokens.alice, undefined, ifMatch(await versionOf(name)));
      expect(asked.statusCode, asked.body).toBe(202);
      expect(asked.json()).toMatchObject({ phase: "AwaitingDecommission" });
      const rejected = await t.call("POST", `${ENVS}/${name}/reject`, t.tokens.olga, { reason: "still needed" }, ifMatch(asked.json().version));
      expect(rejected.statusCode, rejected.body).toBe(200);
      expect(rejected.json().conditions).toContainEqual(
        expect.objectContaining({ type: "Decommissioned", status: "False", reason: "Rejected", message: "decommission rejected by olga: still needed" }),
      );
      const audit = (await t.call("GET", `/v1/audit?action=environment.reject&target=${encodeURIComponent(`environment byt/${name}`)}`, t.tokens.audrey)).json()
        .items as { before: { phase: string }; after: { phase: string } }[];
      return { rejected: rejected.json(), audit };
    };
    /** Every environment the provisioner can claim now (leases given back). */
    const claimable = async () => {
      const names: string[] = [];
      for (let item = await t.store.claimWork("test-worker"); item; item = await t.store.claimWork("test-worker")) names.push(item.environment.name);
      for (const name of names) {
        const env = await t.store.getEnvironment("byt", name);
        await t.store.releaseWork(env!.id, "test-worker");
      }
      return names.sort();
    };

    test("from Ready it is Ready again (red if a rejected decommission left Ready for another phase)", async () => {
      await prod("rej-ready");
      const ready = await provisioner("rej-ready", "provisioned");
      const { rejected, audit } = await askAndReject("rej-ready");
      expect(rejected).toMatchObject({ phase: "Ready", generation: ready.generation, resources: { cpu: "4" } });
      expect(audit.map((r) => `${r.before.phase}->${r.after.phase}`)).toEqual(["AwaitingDecommission->Ready"]);
    });

    test("from Updating it is Updating again with the approved change still queued (red while rejection sent it to Ready, the change never built)", async () => {
      await prod("rej-updating");
      const ready = await provisioner("rej-updating", "provisioned");
      const patched = await t.call("PATCH", `${ENVS}/rej-updating`, t.tokens.alice, { resources: { cpu: "6" } }, ifMatch(ready.version));
      expect(patched.json()).toMatchObject({ phase: "Ready", pendingChange: { spec: { resources: { cpu: "6" } } } });
      const updating = await t.decide("approve", `${ENVS}/rej-updating`, t.tokens.oscar);
      expect(updating.json()).toMatchObject({ phase: "Updating", resources: { cpu: "6" } });
      expect(await claimable()).toEqual(["rej-updating"]);
      const { rejected, audit } = await askAndReject("rej-updating");
      expect(rejected).toMatchObject({ phase: "Updating", resources: { cpu: "6" }, pendingChange: null });
      expect(rejected.generation).toBeGreaterThan(rejected.observedGeneration);
      expect(audit.map((r) => `${r.before.phase}->${r.after.phase}`)).toEqual(["AwaitingDecommission->Updating"]);
      // The provisioner has it to build again, and builds the change.
      expect(await claimable()).toEqual(["rej-updating"]);
      expect(await provisioner("rej-updating", "provisioned")).toMatchObject({ phase: "Ready", spec: { resources: { cpu: "6" } } });
    });

    test("from Failed it is Failed again with its failure shown (red while rejection sent a failed environment to Ready)", async () => {
      await prod("rej-failed");
      const failed = await provisioner("rej-failed", "fail", { reason: "ndc1: quota refused by the API server" });
      expect(failed.phase).toBe("Failed");
      const { rejected, audit } = await askAndReject("rej-failed");
      expect(rejected.phase).toBe("Failed");
      expect(rejected.conditions).toContainEqual(
        expect.objectContaining({ type: "Ready", status: "False", reason: "Failed", message: "ndc1: quota refused by the API server" }),
      );
      expect(audit.map((r) => `${r.before.phase}->${r.after.phase}`)).toEqual(["AwaitingDecommission->Failed"]);
      expect(await claimable()).toEqual([]);
      // Still a Failed environment: an operator retries it.
      const retried = await t.call("POST", `${ENVS}/rej-failed/retry`, t.tokens.oscar, undefined, ifMatch(rejected.version));
      expect(retried.statusCode, retried.body).toBe(200);
      expect(retried.json().phase).toBe("Updating");
    });
  });

  describe("item 3: restore admits the spec again, as a new request", () => {
    // A fresh app whose byt catalog lists the group his-ops (a later stack file drops it).
    let previous: TestApp;
    const withHisOps = (o: Organization): Organization => ({ ...o, ownerGroups: [...o.ownerGroups, "his-ops"] });
    beforeAll(async () => {
      previous = t;
      t = await startTestApp(backend, { platform: platformWith({ byt: withHisOps }) });
    });
    afterAll(async () => {
      await t.cleanup();
      t = previous;
    });
    /** The service started again on the same store with a changed stack or policy. */
    const restarted = async (platform: Platform, policy?: Policy) => {
      const app: FastifyInstance = await buildApp({
        store: t.store,
        platform,
        auth: { bootstrapToken: BOOTSTRAP },
        defaultMetrics: false,
        ...(policy ? { policy } : {}),
      });
      apps.push(app);
      return (name: string, token: string) =>
        app.inject({ method: "POST", url: `${ENVS}/${name}/restore`, headers: { authorization: `Bearer ${token}`, ...ifMatch(versions.get(name)!) } });
    };
    const apps: FastifyInstance[] = [];
    const versions = new Map<string, number>();
    afterAll(async () => {
      for (const app of apps) await app.close();
    });
    /** A dev environment `token` asked for (auto-approved), built, decommissioned and retained. */
    const retained = async (name: string, overrides: Parameters<typeof testSpec>[0] = {}, token = t.tokens.alice) => {
      const created = await t.call("POST", ENVS, token, testSpec({ name, ...overrides }));
      expect(created.statusCode, created.body).toBe(201);
      await provisioner(name, "start-provisioning");
      const ready = await provisioner(name, "provisioned");
      expect((await t.call("DELETE", `${ENVS}/${name}`, token, undefined, ifMatch(ready.version))).json()).toMatchObject({ phase: "Decommissioning" });
      const kept = await provisioner(name, "decommissioned");
      expect(kept.phase).toBe("Retained");
      versions.set(name, kept.version);
      return kept;
    };
    const held = async (name: string) =>
      (await t.raw.all("SELECT c.site, c.pool, c.cpu_millis FROM commitments c JOIN environments e ON e.id = c.environment_id WHERE e.name = ?", [name])).map(
        (r) => `${String(r.site)}:${String(r.pool)}:${Number(r.cpu_millis)}`,
      );

    test("red while restore skipped the capacity check: ndc2's pool shrank and what is left is taken, so restoring is 422 site-capacity and nothing changes", async () => {
      await retained("cap-kept", { sites: ["ndc2"] });
      const taker = await t.call("POST", ENVS, t.tokens.alice, testSpec({ name: "cap-taker", sites: ["ndc2"] }));
      expect(taker.statusCode, taker.body).toBe(201);
      // The stack now gives ndc2's general pool one node of 3 cores (6 with the 2x CPU overcommit).
      const shrunk = platformWith({
        byt: withHisOps,
        site: ["ndc2", (s) => ({ ...s, computePools: s.computePools.map((p) => (p.name === "general" ? { ...p, nodes: 1, nodeCpu: "3" } : p)) })],
      });
      const restore = await restarted(shrunk);
      const problem = await refused(422, "resources.cpu", "site-capacity", () => restore("cap-kept", t.tokens.oscar));
      expect(problem.errors).toEqual([
        { field: "resources.cpu", rule: "site-capacity", message: "exceeds the capacity of pool general at ndc2: 4 requested, 2 of 6 free", value: "4" },
      ]);
      expect(problem.detail).toBe(
        "environment byt/cap-kept cannot be restored: its spec is not admitted today (site-capacity), as a new request would not be; it stays Retained and nothing changed",
      );
      expect((await t.call("GET", `${ENVS}/cap-kept`, t.tokens.admin)).json()).toMatchObject({ phase: "Retained", version: versions.get("cap-kept") });
      expect(await held("cap-kept")).toEqual(["ndc2:general:4000"]);
      // With the capacity it had, the same restore goes through.
      const ok = await t.call("POST", `${ENVS}/cap-kept/restore`, t.tokens.oscar, undefined, ifMatch(versions.get("cap-kept")!));
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json()).toMatchObject({ phase: "Restoring" });
    });

    test("red while restore skipped the access check: his-ops left byt's catalog, so an environment it owns is 422 owners[0] group-of-organization", async () => {
      await retained("grp-kept", { owners: ["his-ops"] });
      const restore = await restarted(platformWith());
      const problem = await refused(422, "owners[0]", "group-of-organization", () => restore("grp-kept", t.tokens.oscar));
      expect(problem.errors).toEqual([
        {
          field: "owners[0]",
          rule: "group-of-organization",
          message: "is not a group of any organization; owners and viewers must be byt's own groups: byt-admins, byt-<team>",
          value: "his-ops",
        },
      ]);
      expect((await t.call("GET", `${ENVS}/grp-kept`, t.tokens.admin)).json()).toMatchObject({ phase: "Retained", version: versions.get("grp-kept") });
    });

    test("red while restore skipped the site check: ndc1 is draining, so restoring there is 422 sites[0] site-accepts", async () => {
      await retained("site-kept");
      const restore = await restarted(platformWith({ byt: withHisOps, site: ["ndc1", (s) => ({ ...s, status: "draining" })] }));
      const problem = await refused(422, "sites[0]", "site-accepts", () => restore("site-kept", t.tokens.oscar));
      expect(problem.errors).toEqual([{ field: "sites[0]", rule: "site-accepts", message: "is draining and accepts no environments", value: "ndc1" }]);
    });

    test("red while restore skipped the approval decision: under a policy that no longer auto-approves 4 cores, the restorer is its approver — not its requester", async () => {
      const pam = (await t.call("POST", "/v1/tokens", t.tokens.admin, { subject: "pam", role: "platform-admin" })).json().token as string;
      await retained("pol-kept", {}, pam);
      const stricter: Policy = { ...POLICY, autoApproval: { ...POLICY.autoApproval, maxCpuMillis: 2_000 } };
      const restore = await restarted(platformWith({ byt: withHisOps }), stricter);
      const problem = await refused(403, "approver", "approver-not-requester", () => restore("pol-kept", pam));
      expect(problem.detail).toBe("pam requested byt/pol-kept and cannot also decide on it; another operator must");
      const restored = await restore("pol-kept", t.tokens.olga);
      expect(restored.statusCode, restored.body).toBe(200);
      expect(restored.json()).toMatchObject({ phase: "Restoring", approvedBy: "olga", requestedBy: "pam" });
    });
  });
});
