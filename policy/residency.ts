import { LABELS } from "../model/index.ts";
import { SITE_RECORD } from "../components/index.ts";
import { labelsOf, nameOf, TYPES, violation, type CheckedResource, type Violation } from "./_resources.ts";

/** Policy configuration of the residency check. */
export interface ResidencyConfig {
  /** Sites allowed in `ndc.gov.vn/site` labels. @default the site record's `sites` (the stack's site and peers) */
  readonly sites?: readonly string[];
  /** Registry host suffixes images may come from. @default [".ndc.gov.vn"] (registries at the national sites) */
  readonly registrySuffixes?: readonly string[];
}

export const DEFAULT_REGISTRY_SUFFIXES: readonly string[] = [".ndc.gov.vn"];

/** The sites the stack's site record (`ndc-site` ConfigMap) lists; undefined without one. */
export function recordedSites(resources: readonly CheckedResource[]): string[] | undefined {
  const record = resources.find((r) => r.type === TYPES.configMap && nameOf(r) === SITE_RECORD);
  const text = record?.props?.data?.["site.json"];
  if (typeof text !== "string") return undefined;
  try {
    const sites = JSON.parse(text).sites;
    return Array.isArray(sites) ? sites.map(String) : undefined;
  } catch {
    return undefined;
  }
}

/** The registry host of an image reference; undefined for a Docker Hub short name (`nginx`, `library/nginx`). */
export function registryHost(image: string): string | undefined {
  const first = image.split("/")[0]!;
  const hasHost = image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  return hasHost ? first.replace(/:\d+$/, "") : undefined;
}

/** Container images of a workload resource (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod). */
export function imagesOf(r: CheckedResource): string[] {
  const spec = r.props?.spec ?? {};
  const podSpec = spec.jobTemplate?.spec?.template?.spec ?? spec.template?.spec ?? (r.type.endsWith(":Pod") ? spec : undefined);
  if (!podSpec) return [];
  return [...(podSpec.initContainers ?? []), ...(podSpec.containers ?? [])]
    .map((c: { image?: string }) => c.image)
    .filter((i): i is string => typeof i === "string");
}

/**
 * No residency outside the configured sites (DOMAIN.md): every `ndc.gov.vn/site` label names a
 * configured site, and every image comes from a registry at the national sites — a registry abroad
 * (or Docker Hub) is a cross-border dependency.
 */
export function checkResidency(resources: readonly CheckedResource[], config: ResidencyConfig = {}): Violation[] {
  const violations: Violation[] = [];
  const sites = config.sites ?? recordedSites(resources);
  const suffixes = config.registrySuffixes ?? DEFAULT_REGISTRY_SUFFIXES;
  for (const r of resources) {
    const site = labelsOf(r)[LABELS.site];
    if (site !== undefined) {
      if (sites === undefined)
        violations.push(
          violation(
            r,
            `${r.type} ${nameOf(r)} is labelled site ${site}, but the stack has no ${SITE_RECORD} record and the policy names no sites; residency cannot be verified`,
          ),
        );
      else if (!sites.includes(site))
        violations.push(violation(r, `${r.type} ${nameOf(r)} is labelled site ${JSON.stringify(site)}, which is not a configured site (${sites.join(", ")})`));
    }
    for (const image of imagesOf(r)) {
      const host = registryHost(image);
      if (host === undefined || !suffixes.some((s) => host.endsWith(s))) {
        violations.push(
          violation(
            r,
            `${r.type} ${nameOf(r)} runs image ${image} from ${host ?? "Docker Hub"}; images must come from a registry at the national sites (${suffixes.join(", ")})`,
          ),
        );
      }
    }
  }
  return violations;
}
