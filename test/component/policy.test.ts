import { describe, expect, test } from "vitest";
import type { ReportViolation, StackValidationPolicy, ResourceValidationPolicy } from "@pulumi/policy";
import { checkDataClassZone } from "../../policy/data-class-zone.ts";
import { checkExternalServices } from "../../policy/external-services.ts";
import { NDC_POLICIES } from "../../policy/policies.ts";
import { checkResidency, registryHost } from "../../policy/residency.ts";
import { checkTenantNamespaceGuards } from "../../policy/tenant-namespace-guards.ts";
import type { CheckedResource } from "../../policy/_resources.ts";
import { runSiteProgram, STACKS } from "./_site-program-mocks.ts";

/** The resources a stack's program registers, as policies see them (props = inputs under mocks). */
async function stackResources(stack: string): Promise<CheckedResource[]> {
  const run = await runSiteProgram(stack);
  if (run.error) throw run.error;
  return run.resources.map((r) => ({ type: r.type, name: r.name, urn: r.urn, props: structuredClone(r.inputs) }));
}

const find = (rs: CheckedResource[], type: string, namespace: string | undefined, name: string) => {
  const r = rs.find((x) => x.type === type && x.props.metadata?.namespace === namespace && x.props.metadata?.name === name);
  if (!r) throw new Error(`no ${type} ${namespace}/${name}`);
  return r;
};
const without = (rs: CheckedResource[], drop: CheckedResource) => rs.filter((r) => r !== drop);
const NS = "kubernetes:core/v1:Namespace";
const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const QUOTA = "kubernetes:core/v1:ResourceQuota";
const CM = "kubernetes:core/v1:ConfigMap";
const DEPLOY = "kubernetes:apps/v1:Deployment";

const stacks = new Map<string, CheckedResource[]>();
for (const stack of STACKS) stacks.set(stack, await stackResources(stack));
const local = () => structuredClone(stacks.get("local")!);

describe("every stack passes every policy", () => {
  test.each(STACKS)("%s", (stack) => {
    const rs = stacks.get(stack)!;
    expect(checkTenantNamespaceGuards(rs)).toEqual([]);
    expect(rs.flatMap((r) => checkDataClassZone(r))).toEqual([]);
    expect(checkExternalServices(rs)).toEqual([]);
    expect(checkResidency(rs)).toEqual([]);
  });
});

describe("checkTenantNamespaceGuards", () => {
  test("passes the local stack's tenant namespaces", () => {
    expect(checkTenantNamespaceGuards(local())).toEqual([]);
  });
  test("fails when a tenant namespace has no default deny", () => {
    const rs = local();
    const v = checkTenantNamespaceGuards(without(rs, find(rs, NETPOL, "byt-his-dev", "ndc-default-deny")));
    expect(v.map((x) => x.message)).toEqual([
      "tenant namespace byt-his-dev has no default-deny NetworkPolicy (empty podSelector, policyTypes Ingress and Egress, no rules)",
    ]);
    expect(v[0]!.urn).toContain("::local-env-byt-his-dev-namespace");
  });
  test("fails when the default deny only denies ingress", () => {
    const rs = local();
    find(rs, NETPOL, "bca-landing", "ndc-default-deny").props.spec.policyTypes = ["Ingress"];
    expect(checkTenantNamespaceGuards(rs).map((x) => x.message)).toEqual([
      "tenant namespace bca-landing has no default-deny NetworkPolicy (empty podSelector, policyTypes Ingress and Egress, no rules)",
    ]);
  });
  test("fails when Pod Security is not restricted", () => {
    const rs = local();
    find(rs, NS, undefined, "bca-csdlqg-dancu").props.metadata.labels["pod-security.kubernetes.io/enforce"] = "privileged";
    expect(checkTenantNamespaceGuards(rs).map((x) => x.message)).toEqual([
      'tenant namespace bca-csdlqg-dancu must enforce Pod Security "restricted" (label pod-security.kubernetes.io/enforce), got "privileged"',
    ]);
  });
  test("fails when a tenant namespace has no quota, or one that leaves services unbounded", () => {
    const rs = local();
    const quota = find(rs, QUOTA, "hanoi-landing", "ndc-quota");
    expect(checkTenantNamespaceGuards(without(rs, quota)).map((x) => x.message)).toEqual(["tenant namespace hanoi-landing has no ResourceQuota"]);
    delete quota.props.spec.hard["services.nodeports"];
    expect(checkTenantNamespaceGuards(rs).map((x) => x.message)).toEqual([
      "tenant namespace hanoi-landing leaves services.nodeports unbounded; its ResourceQuota must set them",
    ]);
  });
});

describe("checkDataClassZone", () => {
  test("passes core data in restricted", () => {
    expect(checkDataClassZone(find(local(), NS, undefined, "bca-csdlqg-dancu"))).toEqual([]);
  });
  test("fails when core data is outside restricted", () => {
    const ns = find(local(), NS, undefined, "bca-csdlqg-dancu");
    ns.props.metadata.labels["ndc.gov.vn/zone"] = "data";
    expect(checkDataClassZone(ns).map((x) => x.message)).toEqual([
      'namespace bca-csdlqg-dancu holds core data in zone "data"; core data may only be placed in restricted (Data Law 60/2024/QH15 Art. 30; Decree 165/2025/NĐ-CP (functional zones))',
    ]);
  });
  test("ignores namespaces without a data class", () => {
    expect(checkDataClassZone(find(local(), NS, undefined, "ndc-zone-app"))).toEqual([]);
  });
});

describe("checkExternalServices", () => {
  const lbService = (namespace: string, type = "LoadBalancer"): CheckedResource => ({
    type: "kubernetes:core/v1:Service",
    name: `svc-${namespace}`,
    urn: `urn:pulumi:local::ndc::kubernetes:core/v1:Service::svc-${namespace}`,
    props: { metadata: { name: "web", namespace }, spec: { type, ports: [{ port: 443 }] } },
  });
  test("fails when a tenant namespace has a LoadBalancer or NodePort service and the organization is not entitled", () => {
    const rs = local();
    expect(checkExternalServices([...rs, lbService("byt-his-dev")]).map((x) => x.message)).toEqual([
      "service web in tenant namespace byt-his-dev is of type LoadBalancer; byt is not entitled to LoadBalancer or NodePort services",
    ]);
    expect(checkExternalServices([...rs, lbService("byt-his-dev", "NodePort")])).toHaveLength(1);
  });
  test("fails when a tenant quota allows load balancers without the entitlement", () => {
    const rs = local();
    find(rs, QUOTA, "byt-his-dev", "ndc-quota").props.spec.hard["services.loadbalancers"] = "2";
    expect(checkExternalServices(rs).map((x) => x.message)).toEqual([
      "quota ndc-quota in tenant namespace byt-his-dev allows services.loadbalancers=2; byt is not entitled to LoadBalancer or NodePort services, it must be 0",
    ]);
  });
  test("passes when the organization's entitlement record allows them", () => {
    const rs = local();
    const record = find(rs, CM, "byt-landing", "ndc-entitlements");
    record.props.data["organization.json"] = JSON.stringify({ ...JSON.parse(record.props.data["organization.json"]), allowLoadBalancer: true });
    expect(checkExternalServices([...rs, lbService("byt-his-dev")])).toEqual([]);
  });
  test("ignores platform namespaces and ClusterIP services", () => {
    expect(checkExternalServices([...local(), lbService("ndc-zone-dmz"), lbService("byt-his-dev", "ClusterIP")])).toEqual([]);
  });
});

describe("checkResidency", () => {
  test("passes images from the national registries and configured site labels", () => {
    expect(checkResidency(local())).toEqual([]);
  });
  test("fails when an image comes from a registry abroad or Docker Hub", () => {
    const rs = local();
    const deployment = find(rs, DEPLOY, "ndc-control-plane", "ndc-control-plane");
    deployment.props.spec.template.spec.containers[0].image = "ghcr.io/example/control-plane:1";
    expect(checkResidency(rs).map((x) => x.message)).toEqual([
      "kubernetes:apps/v1:Deployment ndc-control-plane runs image ghcr.io/example/control-plane:1 from ghcr.io; images must come from a registry at the national sites (.ndc.gov.vn)",
    ]);
    deployment.props.spec.template.spec.containers[0].image = "nginx:1.29";
    expect(checkResidency(rs)[0]!.message).toContain("from Docker Hub");
  });
  test("fails when a resource is labelled with a site that is not configured", () => {
    const rs = local();
    find(rs, NS, undefined, "byt-his-dev").props.metadata.labels["ndc.gov.vn/site"] = "aws-ap-southeast-1";
    expect(checkResidency(rs).map((x) => x.message)).toEqual([
      'kubernetes:core/v1:Namespace byt-his-dev is labelled site "aws-ap-southeast-1", which is not a configured site (local)',
    ]);
  });
  test("fails when there is no site record to verify against", () => {
    const rs = local();
    const v = checkResidency(without(rs, find(rs, CM, "ndc-zone-mgmt", "ndc-site")));
    expect(v.length).toBeGreaterThan(0);
    expect(v[0]!.message).toMatch(/residency cannot be verified$/);
  });
  test("uses the sites and registries the policy config names", () => {
    expect(checkResidency(local(), { sites: ["ndc1"] }).length).toBeGreaterThan(0);
    expect(checkResidency(local(), { registrySuffixes: [".example.org"] }).length).toBe(1);
  });
  test.each([
    ["registry.ndc1.ndc.gov.vn/ndc/control-plane:1", "registry.ndc1.ndc.gov.vn"],
    ["registry.ndc1.ndc.gov.vn:5000/x", "registry.ndc1.ndc.gov.vn"],
    ["localhost/x", "localhost"],
    ["library/nginx", undefined],
    ["nginx", undefined],
  ])("registryHost(%s) is %s", (image, host) => {
    expect(registryHost(image)).toBe(host);
  });
});

describe("NDC_POLICIES", () => {
  test("are all mandatory, with stable names", () => {
    expect(NDC_POLICIES.map((p) => [p.name, p.enforcementLevel])).toEqual([
      ["tenant-namespace-guards", "mandatory"],
      ["data-class-zone", "mandatory"],
      ["no-external-services-unless-entitled", "mandatory"],
      ["residency-configured-sites", "mandatory"],
    ]);
  });
  test("report each violation with its resource URN through the engine's callback", async () => {
    const rs = local();
    const reported: [string, string | undefined][] = [];
    const report: ReportViolation = (message, urn) => void reported.push([message, urn]);
    const guards = NDC_POLICIES[0] as StackValidationPolicy;
    await guards.validateStack({ resources: without(rs, find(rs, QUOTA, "bca-landing", "ndc-quota")), getConfig: () => ({}) } as never, report);
    expect(reported).toEqual([["tenant namespace bca-landing has no ResourceQuota", expect.stringContaining("::local-org-bca-namespace")]]);
    const zone = NDC_POLICIES[1] as ResourceValidationPolicy;
    const ns = find(rs, NS, undefined, "bca-csdlqg-dancu");
    ns.props.metadata.labels["ndc.gov.vn/zone"] = "app";
    reported.length = 0;
    await (zone.validateResource as (a: unknown, r: ReportViolation) => void)(ns, report);
    expect(reported).toHaveLength(1);
  });
});
