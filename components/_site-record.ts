import type { KubernetesObject, SiteStackConfig } from "../model/index.ts";
import { baselineLabels } from "./_labels.ts";
import { zoneNamespaceName } from "./_zone-objects.ts";

/** Name of the ConfigMap (in the mgmt zone namespace) that says which sites this platform has. */
export const SITE_RECORD = "ndc-site";

/** The sites this stack knows: its own and its peers. The residency policy allows only these. */
export function configuredSites(config: SiteStackConfig): string[] {
  return [config.site.id, ...(config.peers ?? []).map((p) => p.id)];
}

/**
 * The site record: id, status, phase, peers. Written to the cluster so operators and the policy pack
 * can tell which sites are configured without the stack file. Undisclosed locations stay out of it.
 */
export function siteRecordObject(config: SiteStackConfig): KubernetesObject {
  const { site } = config;
  const location =
    site.location.disclosed === false
      ? { disclosed: false }
      : { name: site.location.name, latitude: site.location.latitude, longitude: site.location.longitude };
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: SITE_RECORD, namespace: zoneNamespaceName("mgmt"), labels: baselineLabels(site.id) },
    data: {
      "site.json": JSON.stringify(
        {
          id: site.id,
          name: site.name,
          status: site.status,
          phase: site.phase,
          location,
          sites: configuredSites(config),
          peers: (config.peers ?? []).map((p) => ({ id: p.id, status: p.status })),
        },
        null,
        2,
      ),
    },
  };
}
