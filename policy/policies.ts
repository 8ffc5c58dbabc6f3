import type { Policies, ReportViolation } from "@pulumi/policy";
import { checkDataClassZone } from "./data-class-zone.ts";
import { checkExternalServices } from "./external-services.ts";
import { checkResidency, type ResidencyConfig } from "./residency.ts";
import { checkTenantNamespaceGuards } from "./tenant-namespace-guards.ts";
import type { Violation } from "./_resources.ts";

const report = (violations: readonly Violation[], reportViolation: ReportViolation) => {
  for (const v of violations) reportViolation(v.message, v.urn);
};

/** The ndc policies, each mandatory: a violation stops `pulumi preview` and `pulumi up`. */
export const NDC_POLICIES: Policies = [
  {
    name: "tenant-namespace-guards",
    description: "Every tenant namespace has default deny both ways, Pod Security restricted and a ResourceQuota.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => report(checkTenantNamespaceGuards(args.resources), reportViolation),
  },
  {
    name: "data-class-zone",
    description: "Core data only in the restricted zone; important data in data or restricted (DOMAIN.md placement).",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => report(checkDataClassZone(args), reportViolation),
  },
  {
    name: "no-external-services-unless-entitled",
    description: "No LoadBalancer or NodePort services in tenant namespaces unless the organization is entitled.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => report(checkExternalServices(args.resources), reportViolation),
  },
  {
    name: "residency-configured-sites",
    description: "No site label, replica or image registry outside the configured sites (data residency).",
    enforcementLevel: "mandatory",
    configSchema: {
      properties: {
        sites: { type: "array", items: { type: "string" } },
        registrySuffixes: { type: "array", items: { type: "string" } },
      },
    },
    validateStack: (args, reportViolation) => report(checkResidency(args.resources, args.getConfig<ResidencyConfig>()), reportViolation),
  },
];
