// How an environment reads in a table and in `env get`.
import type { EnvironmentResource } from "../api/index.ts";
import { age, renderFields, renderTable, type Column } from "./output.ts";

/** `site:phase` for every site, e.g. `ndc1:Ready ndc2:Degraded`. */
export function sitePhases(e: EnvironmentResource): string {
  const entries = Object.entries(e.sites);
  return entries.length === 0 ? "-" : entries.map(([site, s]) => `${site}:${s.phase}`).join(" ");
}

export const ENVIRONMENT_COLUMNS: readonly Column<EnvironmentResource>[] = [
  { header: "environment", value: (e) => `${e.org}/${e.name}` },
  { header: "phase", value: (e) => e.phase },
  { header: "stage", value: (e) => e.stage },
  { header: "zone", value: (e) => e.zone },
  { header: "level", value: (e) => e.securityLevel },
  { header: "sites", value: sitePhases },
  { header: "cpu", value: (e) => e.resources.cpu },
  { header: "memory", value: (e) => e.resources.memory },
  { header: "version", value: (e) => e.version },
  { header: "age", value: (e) => age(e.createdAt) },
  { header: "purpose", value: (e) => e.purpose, max: 50 },
];

/** The list as a table. */
export function environmentTable(items: readonly EnvironmentResource[]): string {
  return items.length === 0 ? "no environments" : renderTable(items, ENVIRONMENT_COLUMNS);
}

/** One environment: its fields, then a row per site. */
export function environmentDetail(e: EnvironmentResource): string {
  const storage = Object.entries(e.resources.storage ?? {})
    .map(([tier, size]) => `${tier}=${size}`)
    .join(" ");
  const fields = renderFields([
    ["environment", `${e.org}/${e.name}`],
    ["namespace", e.namespace],
    ["phase", e.phase],
    ["reason", e.reason],
    ["stage", e.stage],
    ["zone", e.zone],
    ["data class", `${e.dataClass} (personal data: ${e.personalData})`],
    ["security level", e.securityLevel],
    [
      "resources",
      `cpu ${e.resources.cpu}, memory ${e.resources.memory}${storage ? `, storage ${storage}` : ""}${e.resources.gpu ? `, gpu ${e.resources.gpu}` : ""}`,
    ],
    ["owners", e.owners.join(", ")],
    ["purpose", e.purpose],
    ["requested by", e.requestedBy],
    ["approved by", e.approvedBy],
    ["version", `${e.version} (generation ${e.generation}, observed ${e.observedGeneration})`],
    ["retain until", e.retainUntil],
    ["created", e.createdAt],
    ["updated", e.updatedAt],
  ]);
  const sites = Object.entries(e.sites);
  const siteTable =
    sites.length === 0
      ? "sites: none yet"
      : renderTable(sites, [
          { header: "site", value: ([site]) => site },
          { header: "phase", value: ([, s]) => s.phase },
          { header: "namespace", value: ([, s]) => s.namespace },
          { header: "pool", value: ([, s]) => s.pool },
          { header: "message", value: ([, s]) => s.message, max: 80 },
        ]);
  const exceptions = e.complianceExceptions.map((x) => `compliance exception ${x.rule}: ${x.message}`);
  return [fields, "", siteTable, ...exceptions].join("\n");
}
