export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
  /** Source of jitter in [0, 1); `() => 1` for none. @default Math.random */
  readonly random?: () => number;
}

/**
 * The delay before retry number `attempt` (1 for the first): exponential from `baseMs`, capped at
 * `maxMs`, with equal jitter (between half and all of it) so many keys retrying together spread out.
 * One rule for every retry in the provisioner: work claims, drift repairs and watches.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const cap = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 30));
  return Math.round(cap / 2 + (options.random ?? Math.random)() * (cap / 2));
}
