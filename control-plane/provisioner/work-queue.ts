import { backoffDelay } from "./backoff.ts";

export interface WorkQueueOptions {
  /** Tasks running at once. @default 32 */
  readonly concurrency?: number;
  /** First retry delay; doubles each attempt. @default 200 ms */
  readonly baseDelayMs?: number;
  /** Longest retry delay. @default 30_000 ms */
  readonly maxDelayMs?: number;
  /** Whether a failure is worth another attempt. @default always */
  readonly shouldRetry?: (error: unknown) => boolean;
  /** Told about every failure, with the delay before the next attempt (undefined: gave up). */
  readonly onFailure?: (key: string, error: unknown, attempt: number, retryInMs: number | undefined) => void;
  /** Source of jitter, for tests. @default Math.random */
  readonly random?: () => number;
}

/**
 * A keyed work queue: a key is queued at most once, a key that changes while its task runs is run
 * again after it, at most `concurrency` tasks run at once, and failures are retried with
 * exponential backoff and jitter. Level-based: the handler reads the current desired state,
 * so merging repeated notifications loses nothing.
 */
export class WorkQueue {
  private readonly queued = new Set<string>();
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly attempts = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly handler: (key: string) => Promise<void>,
    private readonly options: WorkQueueOptions = {},
  ) {}

  /** Queues a key now (cancelling a pending retry delay). */
  add(key: string): void {
    if (this.stopped) return;
    const timer = this.timers.get(key);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(key);
    }
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    this.queued.add(key);
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
    for (const key of this.queued) {
      if (this.running.size >= limit) break;
      this.queued.delete(key);
      this.running.add(key);
      void this.run(key);
    }
  }

  private async run(key: string): Promise<void> {
    try {
      await this.handler(key);
      this.attempts.delete(key);
    } catch (error) {
      const attempt = (this.attempts.get(key) ?? 0) + 1;
      const retry = !this.stopped && (this.options.shouldRetry?.(error) ?? true);
      const delay = retry ? backoffDelay(attempt, { baseMs: this.options.baseDelayMs ?? 200, maxMs: this.options.maxDelayMs ?? 30_000, ...(this.options.random ? { random: this.options.random } : {}) }) : undefined;
      this.options.onFailure?.(key, error, attempt, delay);
      if (delay !== undefined) {
        this.attempts.set(key, attempt);
        if (!this.dirty.has(key)) {
          this.timers.set(key, setTimeout(() => {
            this.timers.delete(key);
            this.add(key);
          }, delay));
        }
      } else this.attempts.delete(key);
    } finally {
      this.running.delete(key);
      if (this.dirty.delete(key)) this.add(key);
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
