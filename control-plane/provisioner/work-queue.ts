import { backoffDelay } from "./backoff.ts";

/** How a key is told apart from others: given for any key type but a plain string. */
export type WorkQueueKeyOption<K> = [K] extends [string] ? { readonly keyString?: (key: K) => string } : { readonly keyString: (key: K) => string };

interface WorkQueueSettings<K> {
  /** Tasks running at once. @default 32 */
  readonly concurrency?: number;
  /** First retry delay; doubles each attempt. @default 200 ms */
  readonly baseDelayMs?: number;
  /** Longest retry delay. @default 30_000 ms */
  readonly maxDelayMs?: number;
  /** Whether a failure is worth another attempt. @default always */
  readonly shouldRetry?: (error: unknown) => boolean;
  /** Told about every failure, with the delay before the next attempt (undefined: gave up). */
  readonly onFailure?: (key: K, error: unknown, attempt: number, retryInMs: number | undefined) => void;
  /** Source of jitter, for tests. @default Math.random */
  readonly random?: () => number;
}

export type WorkQueueOptions<K = string> = WorkQueueSettings<K> & WorkQueueKeyOption<K>;

/**
 * A keyed work queue: a key (told apart by its `keyString`) is queued at most once, a key that changes while its task runs is run
 * again after it, at most `concurrency` tasks run at once, and failures are retried with
 * exponential backoff and jitter. Level-based: the handler reads the current desired state,
 * so merging repeated notifications loses nothing.
 */
export class WorkQueue<K = string> {
  /** Keys by their string, so that equal keys built separately are one key. */
  private readonly queued = new Map<string, K>();
  private readonly running = new Map<string, K>();
  private readonly dirty = new Set<string>();
  private readonly attempts = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly keyString: (key: K) => string;
  private idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly handler: (key: K) => Promise<void>,
    private readonly options: WorkQueueOptions<K> = {} as WorkQueueOptions<K>,
  ) {
    this.keyString = (options as { keyString?: (key: K) => string }).keyString ?? ((key) => key as string);
  }

  /** Queues a key now (cancelling a pending retry delay). */
  add(key: K): void {
    if (this.stopped) return;
    const id = this.keyString(key);
    const timer = this.timers.get(id);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(id);
    }
    if (this.running.has(id)) {
      this.dirty.add(id);
      return;
    }
    this.queued.set(id, key);
    this.pump();
  }

  /** Keys waiting, running or waiting for a retry. */
  get depth(): number {
    return this.queued.size + this.running.size + this.timers.size;
  }

  /** Resolves when nothing is queued, running or scheduled for retry. */
  idle(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking work and cancels retries; running tasks finish. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.queued.clear();
    this.checkIdle();
  }

  private pump(): void {
    const limit = this.options.concurrency ?? 32;
    for (const [id, key] of this.queued) {
      if (this.running.size >= limit) break;
      this.queued.delete(id);
      this.running.set(id, key);
      void this.run(id, key);
    }
  }

  private async run(id: string, key: K): Promise<void> {
    try {
      await this.handler(key);
      this.attempts.delete(id);
    } catch (error) {
      const attempt = (this.attempts.get(id) ?? 0) + 1;
      const retry = !this.stopped && (this.options.shouldRetry?.(error) ?? true);
      const delay = retry
        ? backoffDelay(attempt, {
            baseMs: this.options.baseDelayMs ?? 200,
            maxMs: this.options.maxDelayMs ?? 30_000,
            ...(this.options.random ? { random: this.options.random } : {}),
          })
        : undefined;
      this.options.onFailure?.(key, error, attempt, delay);
      if (delay !== undefined) {
        this.attempts.set(id, attempt);
        if (!this.dirty.has(id)) {
          this.timers.set(
            id,
            setTimeout(() => {
              this.timers.delete(id);
              this.add(key);
            }, delay),
          );
        }
      } else this.attempts.delete(id);
    } finally {
      this.running.delete(id);
      if (this.dirty.delete(id)) this.add(key);
      this.pump();
      this.checkIdle();
    }
  }

  private checkIdle(): void {
    if (this.depth > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
