import { LABELS, objectKey, type KubernetesObject } from "../../model/index.ts";
import type { KubeCredentials } from "./kube-credentials.ts";
import { KubeApiError, KubeTransport, type KubeTransportOptions } from "./kube-transport.ts";
import { collectionPath, objectPath, ownedKind, type OwnedKind } from "./owned-kinds.ts";

/** The field manager of every server-side apply the control plane makes. */
export const FIELD_MANAGER = "ndc-control-plane";
/** Selects every object the control plane owns. */
export const OWNED_SELECTOR = `${LABELS.managedBy}=${FIELD_MANAGER}`;

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

/** What a metadata-only list returns per object. */
export interface ObjectMetadata {
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly resourceVersion: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly deletionTimestamp?: string;
  readonly managedFields?: readonly ManagedFieldsEntry[];
}

/** Who last set which fields of an object, as the API server records it (server-side apply). */
export interface ManagedFieldsEntry {
  readonly manager?: string;
  readonly operation?: string;
  readonly subresource?: string;
  readonly time?: string;
  readonly fieldsV1?: unknown;
}

/**
 * One site's Kubernetes API as the provisioner uses it: apply, read, delete, list and watch the
 * kinds it owns. Apply is server-side apply with our field manager over kept-alive connections.
 */
export class SiteConnection {
  /** resourceVersion of each object as our last apply left it: the watch event of our own write. */
  private readonly ownWrites = new Map<string, string>();

  private constructor(
    readonly site: string,
    private readonly transport: KubeTransport,
  ) {}

  static open(site: string, credentials: KubeCredentials, options?: KubeTransportOptions): SiteConnection {
    return new SiteConnection(site, KubeTransport.fromCredentials(credentials, options));
  }

  /**
   * Server-side apply; `force` takes fields from other managers (drift repair). With `stillOwner`,
   * the write is remembered as our own only if the caller still owned the work when the answer came:
   * a stale worker's apply is then seen by the watch as drift, not dropped as ours.
   */
  async apply(o: KubernetesObject, options: { dryRun?: boolean; force?: boolean; stillOwner?: () => boolean } = {}): Promise<KubernetesObject> {
    const query = new URLSearchParams({ fieldManager: FIELD_MANAGER, force: String(options.force ?? true) });
    if (options.dryRun) query.set("dryRun", "All");
    const res = await this.transport.send("PATCH", `${objectPath(o)}?${query}`, o, "application/apply-patch+yaml");
    const live = res.body as KubernetesObject;
    const rv = live.metadata?.resourceVersion;
    if (rv && !options.dryRun && (options.stillOwner?.() ?? true)) {
      // Bounded: entries are taken by their watch events; a burst the watch never saw is dropped.
      if (this.ownWrites.size > 100_000) this.ownWrites.clear();
      this.ownWrites.set(objectKey(o), rv);
    }
    return live;
  }

  /**
   * Whether a watch event shows exactly what our own last apply wrote (so it cannot be drift).
   * Each write is recognised once.
   */
  isOwnWrite(o: KubernetesObject): boolean {
    const key = objectKey(o);
    const rv = this.ownWrites.get(key);
    if (rv === undefined || rv !== o.metadata.resourceVersion) return false;
    this.ownWrites.delete(key);
    return true;
  }

  /** Reads one object; undefined when it does not exist. */
  async get(o: Pick<KubernetesObject, "kind" | "metadata">): Promise<KubernetesObject | undefined> {
    try {
      return (await this.transport.send("GET", objectPath(o))).body as KubernetesObject;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** Deletes one object; true when it was there. Background propagation, like kubectl. */
  async delete(o: Pick<KubernetesObject, "kind" | "metadata">): Promise<boolean> {
    try {
      await this.transport.send("DELETE", objectPath(o), { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" });
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return false;
      throw error;
    }
  }

  /** Lists objects of a kind by label selector, in one namespace or all. */
  async list(kind: string, labelSelector: string, namespace?: string): Promise<KubernetesObject[]> {
    const k = ownedKind(kind);
    const res = await this.transport.send("GET", `${collectionPath(k, namespace)}?${new URLSearchParams({ labelSelector })}`);
    const items = (res.body as { items?: KubernetesObject[] }).items ?? [];
    // List items carry no kind/apiVersion; put them back so keys and paths work.
    return items.map((i) => ({ ...i, kind: k.kind, apiVersion: k.apiVersion }));
  }

  /**
   * Lists only the metadata (name, namespace, labels, resourceVersion, managedFields) of every object of a kind
   * that carries the selector, across namespaces, page by page: what the resync compares, without
   * the objects' bodies. Calls `onPage` per page; returns the number of API calls made.
   */
  async listMetadata(kind: string, labelSelector: string, onPage: (items: readonly ObjectMetadata[]) => void, pageSize = 500): Promise<number> {
    const path = collectionPath(ownedKind(kind));
    let calls = 0;
    let next: string | undefined;
    do {
      const query = new URLSearchParams({ labelSelector, limit: String(pageSize), ...(next ? { continue: next } : {}) });
      const res = await this.transport.send(
        "GET",
        `${path}?${query}`,
        undefined,
        undefined,
        "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json",
      );
      calls++;
      const body = res.body as { items?: { metadata: ObjectMetadata }[]; metadata?: { continue?: string } };
      onPage((body.items ?? []).map((i) => i.metadata));
      next = body.metadata?.continue || undefined;
    } while (next);
    return calls;
  }

  /**
   * A request outside the owned kinds (a tenant's workloads during retention): `path` is an API
   * path, `body` JSON, sent as `contentType` (a merge patch by default for PATCH).
   */
  async request(method: "GET" | "PATCH" | "DELETE", path: string, body?: unknown, contentType = "application/merge-patch+json"): Promise<unknown> {
    return (await this.transport.send(method, path, body, method === "PATCH" ? contentType : "application/json")).body;
  }

  /** Whether the API server answers /readyz. */
  async ready(): Promise<boolean> {
    try {
      await this.transport.send("GET", "/readyz");
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Watches every object of a kind that carries the selector, across namespaces: one watch per
   * kind per site, never one per namespace. From `resourceVersion` when given (a resumed watch sees
   * only what changed since); without it the server first sends every existing object as ADDED.
   * `onProgress` receives each resourceVersion seen (bookmarks included), `onExpired` a 410 Gone
   * (the version is too old: resume without one). Returns a stop function.
   */
  watch(
    kind: OwnedKind,
    labelSelector: string,
    handlers: {
      readonly resourceVersion?: string;
      readonly onEvent: (type: WatchEventType, o: KubernetesObject) => void;
      readonly onProgress: (resourceVersion: string) => void;
      readonly onExpired: () => void;
      readonly onEnd: (err: unknown) => void;
    },
  ): () => void {
    // The server ends a watch after timeoutSeconds (spread so kinds do not all restart together);
    // the caller resumes from the last resourceVersion it saw.
    const query = new URLSearchParams({
      watch: "1",
      labelSelector,
      allowWatchBookmarks: "true",
      timeoutSeconds: String(300 + Math.floor(Math.random() * 300)),
    });
    if (handlers.resourceVersion) query.set("resourceVersion", handlers.resourceVersion);
    return this.transport.stream(
      `${collectionPath(kind)}?${query}`,
      ({ type, object }) => {
        const obj = object as KubernetesObject & { code?: number };
        if (type === "ERROR") {
          if (obj.code === 410) handlers.onExpired();
          return;
        }
        const rv = obj.metadata?.resourceVersion;
        if (type === "ADDED" || type === "MODIFIED" || type === "DELETED") handlers.onEvent(type, { ...obj, kind: kind.kind, apiVersion: kind.apiVersion });
        if (rv) handlers.onProgress(rv);
      },
      handlers.onEnd,
    );
  }

  close(): void {
    this.transport.close();
  }
}
