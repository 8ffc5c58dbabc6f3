import { ANNOTATIONS } from "../../model/index.ts";
import type { SiteConnection } from "./site-connection.ts";

const REPLICAS_BEFORE_RETENTION = ANNOTATIONS.replicasBeforeRetention;
const SUSPENDED_BEFORE_RETENTION = ANNOTATIONS.suspendedBeforeRetention;

/** A tenant's scalable and suspendable workloads, by API path. */
const SCALABLE = ["/apis/apps/v1/namespaces/{ns}/deployments", "/apis/apps/v1/namespaces/{ns}/statefulsets", "/apis/apps/v1/namespaces/{ns}/replicasets"];
const SUSPENDABLE = ["/apis/batch/v1/namespaces/{ns}/cronjobs", "/apis/batch/v1/namespaces/{ns}/jobs"];

interface Workload {
  readonly metadata: { readonly name: string; readonly annotations?: Record<string, string>; readonly ownerReferences?: readonly unknown[] };
  readonly spec?: { readonly replicas?: number; readonly suspend?: boolean };
}

/** What stopping a namespace's workloads did: counts for the condition that says what is true. */
export interface WorkloadsStopped {
  readonly scaledToZero: number;
  readonly suspended: number;
  readonly podsDeleted: number;
}

async function list(conn: SiteConnection, collection: string, namespace: string): Promise<Workload[]> {
  const body = (await conn.request("GET", collection.replace("{ns}", encodeURIComponent(namespace)))) as { items?: Workload[] };
  return body.items ?? [];
}

/**
 * Stops everything a tenant runs in `namespace`, keeping its volumes and definitions: deployments,
 * stateful sets and bare replica sets scaled to zero (the count before kept in an annotation),
 * cron jobs and jobs suspended, and every pod left deleted. With the retained quota at zero, nothing
 * can start again. Idempotent: an already stopped workload keeps its recorded count.
 */
export async function stopWorkloads(conn: SiteConnection, namespace: string): Promise<WorkloadsStopped> {
  let scaledToZero = 0;
  let suspended = 0;
  for (const collection of SCALABLE) {
    for (const w of await list(conn, collection, namespace)) {
      // Replica sets a deployment owns follow their deployment.
      if (collection.endsWith("/replicasets") && (w.metadata.ownerReferences?.length ?? 0) > 0) continue;
      const replicas = w.spec?.replicas ?? 1;
      if (replicas === 0) continue;
      await conn.request("PATCH", `${collection.replace("{ns}", encodeURIComponent(namespace))}/${encodeURIComponent(w.metadata.name)}`, {
        metadata: { annotations: { [REPLICAS_BEFORE_RETENTION]: String(replicas) } },
        spec: { replicas: 0 },
      });
      scaledToZero++;
    }
  }
  for (const collection of SUSPENDABLE) {
    for (const w of await list(conn, collection, namespace)) {
      if (w.spec?.suspend === true) continue;
      await conn.request("PATCH", `${collection.replace("{ns}", encodeURIComponent(namespace))}/${encodeURIComponent(w.metadata.name)}`, {
        metadata: { annotations: { [SUSPENDED_BEFORE_RETENTION]: "false" } },
        spec: { suspend: true },
      });
      suspended++;
    }
  }
  const pods = (await conn.request("GET", `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`)) as { items?: unknown[] };
  const podsDeleted = pods.items?.length ?? 0;
  if (podsDeleted > 0) await conn.request("DELETE", `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`);
  return { scaledToZero, suspended, podsDeleted };
}

/** Undoes `stopWorkloads` (an operator restores a Retained environment): counts and suspensions as they were. */
export async function resumeWorkloads(conn: SiteConnection, namespace: string): Promise<number> {
  let resumed = 0;
  for (const collection of SCALABLE) {
    for (const w of await list(conn, collection, namespace)) {
      const before = w.metadata.annotations?.[REPLICAS_BEFORE_RETENTION];
      if (before === undefined) continue;
      await conn.request("PATCH", `${collection.replace("{ns}", encodeURIComponent(namespace))}/${encodeURIComponent(w.metadata.name)}`, {
        metadata: { annotations: { [REPLICAS_BEFORE_RETENTION]: null } },
        spec: { replicas: Number(before) },
      });
      resumed++;
    }
  }
  for (const collection of SUSPENDABLE) {
    for (const w of await list(conn, collection, namespace)) {
      if (w.metadata.annotations?.[SUSPENDED_BEFORE_RETENTION] === undefined) continue;
      await conn.request("PATCH", `${collection.replace("{ns}", encodeURIComponent(namespace))}/${encodeURIComponent(w.metadata.name)}`, {
        metadata: { annotations: { [SUSPENDED_BEFORE_RETENTION]: null } },
        spec: { suspend: false },
      });
      resumed++;
    }
  }
  return resumed;
}
