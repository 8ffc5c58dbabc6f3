/**
 * How the workflow tells whoever does the work (the provisioner) that an environment has work queued,
 * once the change is committed. The provisioner subscribes; nothing inspects requests or URLs.
 */
export class WorkAnnouncer {
  private readonly listeners = new Set<() => void>();

  /** Calls `listener` after each committed change that queued work; returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells every subscriber; a listener that throws does not stop the others. */
  announce(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch {
        // A wake-up is a hint: workers look again on their own every idle interval.
      }
    }
  }
}
