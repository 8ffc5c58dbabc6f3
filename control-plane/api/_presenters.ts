import { formatBytes, formatCpu, type ResourceAmounts } from "../../model/index.ts";
import type { EnvironmentRecord } from "../store/index.ts";
import { NdcError } from "./errors.ts";
import type { EnvironmentResource } from "./schemas.ts";

/** A stored environment as the API shows it. */
export function environmentResource(e: EnvironmentRecord): EnvironmentResource {
  const pools = new Map(e.plan.placements.map((p) => [p.site, p.pool]));
  const sites: EnvironmentResource["sites"] = {};
  for (const s of e.sites) {
    const pool = pools.get(s.site);
    sites[s.site] = { phase: s.phase, namespace: s.namespace, ...(pool ? { pool } : {}), message: s.message, observedGeneration: s.observedGeneration };
  }
  return {
    id: e.id,
    org: e.org,
    name: e.name,
    namespace: e.namespace,
    stage: e.spec.stage,
    zone: e.spec.zone,
    dataClass: e.plan.dataClass,
    personalData: e.spec.personalData,
    securityLevel: e.spec.securityLevel,
    resources: e.spec.resources,
    owners: e.spec.owners,
    purpose: e.spec.purpose,
    spec: e.spec,
    phase: e.phase,
    conditions: [...e.conditions],
    sites,
    complianceExceptions: [...e.plan.complianceExceptions],
    requestedBy: e.requestedBy,
    modifiedBy: e.modifiedBy,
    pendingChange: e.pendingChange ? { spec: e.pendingChange.spec, complianceExceptions: [...e.pendingChange.plan.complianceExceptions] } : null,
    approvedBy: e.approvedBy,
    reason: e.reason,
    generation: e.generation,
    observedGeneration: e.observedGeneration,
    retainUntil: e.retainUntil,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    version: e.version,
  };
}

/** Canonical amounts with their Kubernetes renderings. */
export function amountsView(a: ResourceAmounts): {
  cpu: string;
  memory: string;
  gpu: number;
  cpuMillis: number;
  memoryBytes: number;
  storage?: Record<string, string>;
} {
  const storage = Object.fromEntries(Object.entries(a.storageBytes).map(([tier, bytes]) => [tier, formatBytes(bytes)]));
  return {
    cpu: formatCpu(a.cpuMillis),
    memory: formatBytes(a.memoryBytes),
    gpu: a.gpu,
    cpuMillis: a.cpuMillis,
    memoryBytes: a.memoryBytes,
    ...(Object.keys(storage).length ? { storage } : {}),
  };
}

/** `ETag` value for a version (a strong validator, quoted per RFC 9110). */
export function etag(version: number): string {
  return `"${version}"`;
}

/**
 * The version an `If-Match` names: `"3"`, `3` or `W/"3"`; `*` means any (undefined). The route's
 * header schema (IF_MATCH_PATTERN) refused every other form already, naming the rule etag-format.
 * @throws NdcError NDC_ERR_VALIDATION when it is none of these (a caller that skipped the schema)
 */
export function parseIfMatch(header: string | undefined): number | undefined | "absent" {
  if (header === undefined) return "absent";
  if (header === "*") return undefined;
  const m = /^(?:[0-9]{1,12}|"([0-9]{1,12})"|W\/"([0-9]{1,12})")$/.exec(header);
  if (!m) {
    throw new NdcError("NDC_ERR_VALIDATION", `If-Match must name the environment's version, e.g. "3" (its ETag); got ${JSON.stringify(header)}`, [
      { field: "header.if-match", rule: "etag-format", message: 'must be the version from the ETag, e.g. "3"', value: header },
    ]);
  }
  return Number(m[1] ?? m[2] ?? header);
}

/** The cursor of the next page: the last item's key, as CURSOR_PATTERNS describes it. */
export function encodeCursor(key: string | number | readonly [string, string]): string {
  return typeof key === "object" ? `${key[0]}/${key[1]}` : String(key);
}

/**
 * The key a cursor holds (its form was checked by the query schema).
 * @throws NdcError NDC_ERR_VALIDATION when it is not of this list's form
 */
export function decodeCursor<T extends string | number | readonly [string, string]>(
  cursor: string | undefined,
  kind: "string" | "number" | "pair",
): T | undefined {
  if (cursor === undefined) return undefined;
  const pair = cursor.split("/");
  if (kind === "string" && pair.length === 1 && cursor !== "") return cursor as T;
  if (kind === "pair" && pair.length === 2 && pair.every((p) => p !== "")) return pair as unknown as T;
  if (kind === "number" && /^(?:0|[1-9][0-9]{0,14})$/.test(cursor)) return Number(cursor) as T;
  throw new NdcError("NDC_ERR_VALIDATION", "cursor is not one this API returned; start again without it", [
    { field: "query.cursor", rule: "cursor-format", message: "must be a nextCursor from a previous page", value: cursor },
  ]);
}
