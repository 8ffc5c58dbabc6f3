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
export function amountsView(a: ResourceAmounts): { cpu: string; memory: string; gpu: number; cpuMillis: number; memoryBytes: number; storage?: Record<string, string> } {
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
 * The version an `If-Match` names: `"3"`, `3` or `W/"3"`; `*` means any (undefined).
 * @throws NdcError NDC_ERR_VALIDATION when it is none of these
 */
export function parseIfMatch(header: string | undefined): number | undefined | "absent" {
  if (header === undefined) return "absent";
  const text = header.trim();
  if (text === "*") return undefined;
  const m = /^(?:W\/)?"?([0-9]{1,12})"?$/.exec(text);
  if (!m) {
    throw new NdcError("NDC_ERR_VALIDATION", `If-Match must name the environment's version, e.g. "3" (its ETag); got ${JSON.stringify(header)}`, [
      { field: "header.if-match", rule: "etag-format", message: 'must be the version from the ETag, e.g. "3"', value: header },
    ]);
  }
  return Number(m[1]);
}

/** Opaque cursors: base64url of the last key of the page. */
export function encodeCursor(key: string | number | readonly [string, string]): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

/**
 * The key a cursor holds, checked against the kind this list uses.
 * @throws NdcError NDC_ERR_VALIDATION when the cursor is not one this API returned
 */
export function decodeCursor<T extends string | number | readonly [string, string]>(cursor: string | undefined, kind: "string" | "number" | "pair"): T | undefined {
  if (cursor === undefined) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (kind === "pair" ? Array.isArray(key) && key.length === 2 && key.every((k) => typeof k === "string") : typeof key === kind) return key as T;
  } catch {
    // fall through to the error
  }
  throw new NdcError("NDC_ERR_VALIDATION", "cursor is not one this API returned; start again without it", [
    { field: "query.cursor", rule: "cursor-format", message: "must be a nextCursor from a previous page", value: cursor },
  ]);
}
