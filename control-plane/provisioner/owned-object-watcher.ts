import type { KubernetesObject } from "../../model/index.ts";
import { backoffDelay } from "./backoff.ts";
import { KubeApiError } from "./kube-transport.ts";
import { OWNED_KINDS } from "./owned-kinds.ts";
import { OWNED_SELECTOR, type SiteConnection, type WatchEventType } from "./site-connection.ts";

/** A change to an object we own: which namespace (environment) it belongs to. */
export interface OwnedObjectEvent {
  readonly site: string;
  readonly namespace: string;
  readonly type: WatchEventType;
  readonly object: KubernetesObject;
}

/**
 * Watches every object the control plane owns at one site: one watch per kind, selected by label,
 * restarted with backoff when the server ends it. Events go to `onEvent`; deciding whether an
 * event is drift is the caller's (it knows the desired state).
 */
export class OwnedObjectWatcher {
  private readonly stops = new Map<string, () => void>();
  private readonly resourceVersions = new Map<string, string>();
  private stopped = false;

  constructor(
    private readonly conn: SiteConnection,
    private readonly onEvent: (event: OwnedObjectEvent) => void,
    private readonly onError: (kind: string, error: unknown) => void = () => {},
  ) {}

  /** Starts all watches (each connects in the background and restarts itself on failure). */
  async start(): Promise<void> {
    await Promise.all(OWNED_KINDS.map((kind) => this.watchKind(kind.kind, 0)));
  }

  stop(): void {
    this.stopped = true;
    for (const stop of this.stops.values()) stop();
    this.stops.clear();
  }

  private async watchKind(kindName: string, failures: number): Promise<void> {
    if (this.stopped) return;
    const kind = OWNED_KINDS.find((k) => k.kind === kindName)!;
    const restart = (error: unknown) => {
      if (this.stopped) return;
      if (error) this.onError(kindName, error);
      // 410 Gone: the version we resume from is too old; list again from the start.
      if (error instanceof KubeApiError && error.status === 410) this.resourceVersions.delete(kindName);
      // No jitter: each kind restarts on its own schedule anyway.
      const delay = error ? backoffDelay(failures + 1, { baseMs: 250, maxMs: 10_000, random: () => 1 }) : 0;
      setTimeout(() => void this.watchKind(kindName, error ? failures + 1 : 0).catch(() => {}), delay);
    };
    try {
      const resourceVersion = this.resourceVersions.get(kindName);
      const stop = await this.conn.watch(kind, OWNED_SELECTOR, {
        ...(resourceVersion ? { resourceVersion } : {}),
        onEvent: (type, object) => {
          const namespace = kind.namespaced ? object.metadata.namespace : object.metadata.name;
          if (namespace) this.onEvent({ site: this.conn.site, namespace, type, object });
        },
        // Resume from the last version seen, so a restarted watch does not list everything again.
        onProgress: (rv) => this.resourceVersions.set(kindName, rv),
        onExpired: () => this.resourceVersions.delete(kindName),
        onEnd: restart,
      });
      this.stops.set(kindName, stop);
    } catch (error) {
      restart(error);
    }
  }
}
