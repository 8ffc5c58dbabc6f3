import type { Platform } from "./platform.ts";
import { POLICY, type Policy } from "./policy.ts";

/** Why a group may not be named owner or viewer of an organization's environment; undefined when it may. */
export interface TenantGroupRefusal {
  readonly rule: "group-reserved" | "group-of-organization";
  readonly message: string;
}

/**
 * Whether `group` is one of organization `org`'s own groups (policy `tenantGroups`): a refused
 * prefix (`system:`) never is; a group in the catalog's `ownerGroups` of `org` is; so is a group
 * `<org>-…`, unless a longer organization slug also prefixes it (`byt-his-…` belongs to an
 * organization `byt-his`, not `byt`) or another organization lists it in its catalog.
 */
export function refuseTenantGroup(group: string, org: string, platform: Platform, policy: Policy = POLICY): TenantGroupRefusal | undefined {
  const rule = policy.tenantGroups;
  const lower = group.toLowerCase();
  const reserved = rule.refusedPrefixes.find((p) => lower.startsWith(p.toLowerCase()));
  if (reserved !== undefined) {
    return {
      rule: "group-reserved",
      message: `names a group with the reserved prefix "${reserved}" (Kubernetes' own groups, e.g. system:authenticated); name a group of ${org}`,
    };
  }
  const listedBy = [...platform.organizations.values()].filter((o) => o.ownerGroups.includes(group)).map((o) => o.slug);
  if (listedBy.includes(org)) return undefined;
  const prefixedBy = [...platform.organizations.keys()].filter((slug) => group.startsWith(`${slug}${rule.orgPrefixSeparator}`));
  const longest = prefixedBy.sort((a, b) => b.length - a.length)[0];
  if (listedBy.length === 0 && longest === org) return undefined;
  const own = platform.organizations.get(org)?.ownerGroups ?? [];
  const owner = listedBy[0] ?? longest;
  return {
    rule: "group-of-organization",
    message: `${owner ? `belongs to organization ${owner}` : "is not a group of any organization"}; owners and viewers must be ${org}'s own groups: ${[...own, `${org}${rule.orgPrefixSeparator}<team>`].join(", ")}`,
  };
}
