import { describe, expect, test } from "vitest";
import { controlPlaneObjects, landingObjects, zoneObjects } from "../../../components/index.ts";
import { admitEnvironment, buildEnvironmentObjects, type KubernetesObject } from "../../../model/index.ts";
import { testOrganization, testPlatform, testSiteStack, testSpec } from "../../../model/testing.ts";

const DENY = { podSelector: {}, policyTypes: ["Ingress", "Egress"] };
const DNS = {
  podSelector: {},
  policyTypes: ["Egress"],
  egress: [
    {
      to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
      ports: [
        { protocol: "UDP", port: 53 },
        { protocol: "TCP", port: 53 },
      ],
    },
  ],
};
const SAME_NAMESPACE = {
  podSelector: {},
  policyTypes: ["Ingress", "Egress"],
  ingress: [{ from: [{ podSelector: {} }] }],
  egress: [{ to: [{ podSelector: {} }] }],
};

const policy = (objects: readonly KubernetesObject[], name: string) => objects.find((o) => o.kind === "NetworkPolicy" && o.metadata.name === name)?.spec;

describe("network-policy building blocks", () => {
  const platform = testPlatform();
  const plan = admitEnvironment({ org: "byt", spec: testSpec() }, platform);
  const environment = buildEnvironmentObjects({ plan, site: platform.sites.get("ndc1")!.config!, organization: platform.organizations.get("byt")! });
  const config = testSiteStack();

  test("an environment starts from default deny, DNS and same-namespace", () => {
    expect(policy(environment, "ndc-default-deny")).toEqual(DENY);
    expect(policy(environment, "ndc-allow-dns")).toEqual(DNS);
    expect(policy(environment, "ndc-allow-same-namespace")).toEqual(SAME_NAMESPACE);
  });

  test("every baseline namespace gets the same default deny, and DNS where pods run", () => {
    for (const zone of config.site.zones) {
      expect(policy(zoneObjects(config.site, zone), "ndc-default-deny")).toEqual(DENY);
      expect(policy(zoneObjects(config.site, zone), "ndc-allow-dns")).toEqual(DNS);
    }
    const landing = landingObjects(config.site, testOrganization());
    expect(policy(landing, "ndc-default-deny")).toEqual(DENY);
    // The landing namespace runs nothing: no DNS egress.
    expect(policy(landing, "ndc-allow-dns")).toBeUndefined();
  });

  test("the control plane's namespace gets the same default deny and DNS", () => {
    const cp = controlPlaneObjects({ config: { ...config, controlPlane: { image: "ndc/control-plane:test" } }, stack: "test" });
    expect(policy(cp, "ndc-default-deny")).toEqual(DENY);
    expect(policy(cp, "ndc-allow-dns")).toEqual(DNS);
  });
});
