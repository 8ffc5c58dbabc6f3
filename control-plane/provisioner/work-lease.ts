import type { Store } from "../store/index.ts";

/** The worker's lease on an environment lapsed or was taken: it must not apply anything more. */
export class LeaseLostError extends Error {
  readonly reason = "LeaseLost";
  constructor(id: string, owner: string) {
    super(`the lease of ${owner} on environment ${id} lapsed; another worker may hold it now, so nothing more is applied`);
    this.name = "LeaseLostError";
  }
}

/**
 * A worker's claim on one environment, as the worker knows it: held until the time the last
 * successful renewal guarantees (counted from before the renewal was sent), and lost for good once
 * a renewal finds another owner. Checked before every write to a site.
 */
export class WorkLease {
  private validUntil: number;
  private lost = false;

  constructor(
    private readonly store: Pick<Store, "renewLease">,
    readonly id: string,
    readonly owner: string,
    private readonly leaseMs: number,
    expiresAt: string,
    private readonly clock: () => number = Date.now,
  ) {
    this.validUntil = Date.parse(expiresAt);
  }

  /** Extends the lease; false (and lost from then on) when another worker holds it now. */
  async renew(): Promise<boolean> {
    if (this.lost) return false;
    const sent = this.clock();
    const ok = await this.store.renewLease(this.id, this.owner, this.leaseMs, new Date(sent));
    if (ok) this.validUntil = sent + this.leaseMs;
    else this.lost = true;
    return ok;
  }

  /** Whether the worker may still write: never lost, and the last renewal has not run out. */
  held(): boolean {
    return !this.lost && this.clock() < this.validUntil;
  }

  /** @throws LeaseLostError when the lease is not held */
  check(): void {
    if (!this.held()) throw new LeaseLostError(this.id, this.owner);
  }
}
