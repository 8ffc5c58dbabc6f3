import type { EnvironmentSpec, Environment } from "./environment-spec.ts";
import { assemblePlatform, type Platform } from "./platform.ts";
import type { Organization, SiteStackConfig } from "./site-config.ts";

/**
 * Fixtures for tests: a small two-site platform and environment specs with overrides. Not used by
 * production code.
 */
export function testOrganization(overrides: Partial<Organization> = {}): Organization {
  return {
    slug: "byt",
    name: { vi: "Bộ Y tế", en: "Ministry of Health" },
    kind: "ministry",
    ownerGroups: ["byt-admins"],
    maxDataClass: "core",
    maxSecurityLevel: 5,
    maxEnvironments: 20,
    entitlements: {
      dmz: { cpu: "32", memory: "128Gi" },
      app: { cpu: "64", memory: "256Gi", gpu: 2, storage: { standard: "10Ti" } },
      data: { cpu: "64", memory: "512Gi", storage: { standard: "50Ti", fast: "10Ti" } },
      restricted: { cpu: "64", memory: "512Gi", storage: { fast: "10Ti" } },
      backup: { cpu: "8", memory: "32Gi", storage: { standard: "100Ti" } },
    },
    ...overrides,
  };
}

/** A site stack with shared and dedicated pools in every tenant zone. */
export function testSiteStack(overrides: Partial<SiteStackConfig["site"]> = {}, organizations: Organization[] = [testOrganization()]): SiteStackConfig {
  return {
    site: {
      id: "ndc1",
      name: { vi: "Trung tâm Dữ liệu quốc gia số 1", en: "National Data Center No. 1" },
      location: { name: "Khu Công nghệ cao Hòa Lạc, Hà Nội", latitude: 21.0127, longitude: 105.5253 },
      phase: 1,
      status: "active",
      zones: ["dmz", "app", "data", "restricted", "mgmt", "secops", "backup"],
      computePools: [
        { name: "general", zones: ["dmz", "app", "data", "backup"], nodes: 10, nodeCpu: "64", nodeMemory: "512Gi", nodeGpu: 1 },
        { name: "secure", zones: ["app", "data", "restricted"], dedicated: true, nodes: 4, nodeCpu: "64", nodeMemory: "512Gi" },
        { name: "platform", zones: ["mgmt", "secops"], nodes: 3, nodeCpu: "32", nodeMemory: "128Gi" },
      ],
      storageTiers: [
        { name: "standard", storageClass: "ndc-standard", provisioner: "csi.ndc.gov.vn", capacity: "2Pi" },
        { name: "fast", storageClass: "ndc-fast", provisioner: "csi.ndc.gov.vn", capacity: "200Ti", reclaimPolicy: "Retain" },
      ],
      overcommit: { cpu: 2, memory: 1 },
      ...overrides,
    },
    organizations,
    environments: [],
  };
}

/** A platform of one active site (ndc1) and, optionally, a second active one 100+ km away. */
export function testPlatform(options: { secondSite?: boolean; organizations?: Organization[] } = {}): Platform {
  const orgs = options.organizations ?? [testOrganization()];
  const stacks = [testSiteStack({}, orgs)];
  if (options.secondSite) {
    stacks.push(
      testSiteStack(
        {
          id: "ndc2",
          name: { vi: "Trung tâm Dữ liệu quốc gia số 2", en: "National Data Center No. 2" },
          location: { name: "Đà Nẵng", latitude: 16.0544, longitude: 108.2022 },
        },
        orgs,
      ),
    );
  }
  return assemblePlatform(stacks);
}

/** A valid low-risk environment spec. */
export function testSpec(overrides: Partial<EnvironmentSpec> = {}): EnvironmentSpec {
  return {
    name: "his-app",
    stage: "dev",
    zone: "app",
    dataClass: "other",
    personalData: "none",
    securityLevel: 2,
    sites: ["ndc1"],
    resources: { cpu: "4", memory: "16Gi", storage: { standard: "100Gi" } },
    owners: ["byt-his-team"],
    purpose: "Hệ thống thông tin bệnh viện (môi trường phát triển)",
    ...overrides,
  };
}

export function testEnvironment(overrides: Partial<EnvironmentSpec> = {}, org = "byt"): Environment {
  return { org, spec: testSpec(overrides) };
}
