// Issue 10 item 11: no tenant-facing role can write endpoints or endpointslices (CVE-2021-25740:
// whoever writes them steers a Service's traffic to any address, around network policies). Checked
// on the real API server: the ClusterRole as stored there, and the authorizer's answer for an owner
// and a viewer of a real environment namespace.
import { AuthorizationV1Api, CoreV1Api, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { admitEnvironment, assemblePlatform, buildEnvironmentObjects, TENANT_ADMIN_ROLE } from "../../model/index.ts";
import { testOrganization, testSiteStack, testSpec } from "../../model/testing.ts";
import { kubeCredentialsFrom, SiteConnection } from "../../control-plane/provisioner/index.ts";
import { adminKubeConfig, uniqueNamespacePrefix } from "./_cluster.ts";
import { installPlatformClusterRoles } from "./_control-plane-identity.ts";

const slug = `e${uniqueNamespacePrefix("").replace(/[^a-z0-9]/g, "")}`.slice(0, 12);
const org = testOrganization({ slug, ownerGroups: [`${slug}-admins`] });
const platform = assemblePlatform([testSiteStack({}, [org])]);
const spec = testSpec({ name: "web", owners: [`${slug}-admins`], viewers: [`${slug}-auditors`], resources: { cpu: "1", memory: "1Gi" } });
const plan = admitEnvironment({ org: slug, spec }, platform);
const objects = buildEnvironmentObjects({ plan, site: platform.sites.get("ndc1")!.config!, organization: org });
const WRITES = ["create", "update", "patch", "delete", "deletecollection"];
const STEERING = [
  { group: "", resource: "endpoints" },
  { group: "discovery.k8s.io", resource: "endpointslices" },
];

let site: SiteConnection;

beforeAll(async () => {
  await installPlatformClusterRoles(adminKubeConfig());
  site = SiteConnection.open("ndc1", kubeCredentialsFrom(adminKubeConfig()));
  const [ns, ...rest] = objects;
  await site.apply(ns!);
  for (const o of rest) await site.apply(o);
}, 120_000);

afterAll(async () => {
  await adminKubeConfig()
    .makeApiClient(CoreV1Api)
    .deleteNamespace({ name: plan.namespace })
    .catch(() => undefined);
  site?.close();
});

describe("tenant-facing roles and endpoints (issue 10 item 11)", () => {
  test("the tenant-admin ClusterRole on the API server names neither endpoints nor endpointslices", async () => {
    const role = await adminKubeConfig().makeApiClient(RbacAuthorizationV1Api).readClusterRole({ name: TENANT_ADMIN_ROLE });
    const resources = (role.rules ?? []).flatMap((r) => r.resources ?? []);
    expect(resources).toContain("pods");
    expect(resources).not.toContain("endpoints");
    expect(resources).not.toContain("endpointslices");
    expect(resources).not.toContain("*");
  });

  test.each([
    ["an owner (ndc-tenant-admin)", `${slug}-admins`],
    ["a viewer (view)", `${slug}-auditors`],
  ])("%s cannot write endpoints or endpointslices in its namespace, but can use services", async (_who, group) => {
    const authz = adminKubeConfig().makeApiClient(AuthorizationV1Api);
    const can = async (verb: string, groupName: string, resource: string): Promise<boolean> => {
      const review = await authz.createSubjectAccessReview({
        body: {
          apiVersion: "authorization.k8s.io/v1",
          kind: "SubjectAccessReview",
          spec: {
            user: `someone-in-${group}`,
            groups: [group, "system:authenticated"],
            resourceAttributes: { namespace: plan.namespace, verb, group: groupName, resource },
          },
        },
      });
      return review.status?.allowed === true;
    };
    for (const { group: g, resource } of STEERING)
      for (const verb of WRITES) expect({ verb, resource, allowed: await can(verb, g, resource) }).toEqual({ verb, resource, allowed: false });
    // The review can say yes: the role is bound (otherwise every answer above would be trivially no).
    expect(await can("get", "", "services")).toBe(true);
    expect(await can("create", "", "services")).toBe(group.endsWith("-admins"));
  });
});
