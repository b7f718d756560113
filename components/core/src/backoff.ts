/**
 * Capped, jittered exponential backoff, an abortable sleep, and a retry loop.
 *
 * Jitter modes (see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/):
 * - `full` (default): attempt n (0-based) waits a uniform random time in
 *   [0, min(maxMs, initialMs * factor^n)). Spreads reconnecting clients out best.
 * - `decorrelated`: waits min(maxMs, uniform random in [initialMs, previous * factor)),
 *   starting from previous = initialMs; never shorter than initialMs.
 * - `none`: exactly min(maxMs, initialMs * factor^n); for tests and fixed schedules.
 */
import { Clock, TimerHandle, systemClock } from './clock';
import { TributaryError, abortedError } from './errors';

export type Jitter = 'full' | 'decorrelated' | 'none';

export interface BackoffOptions {
  /** First delay ceiling (full/none) or floor (decorrelated). Default 100 ms. */
  initialMs?: number;
  /** Cap on any single delay. Default 60 000 ms. */
  maxMs?: number;
  /** Growth per attempt. Default 2 (decorrelated: 3 is the usual choice). */
  factor?: number;
  /** Default `full`. */
  jitter?: Jitter;
  /** Uniform random in [0, 1). Default Math.random. */
  random?: () => number;
}

export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  readonly jitter: Jitter;
  private readonly random: () => number;
  private count = 0;
  private previous: number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 100;
    this.maxMs = options.maxMs ?? 60_000;
    this.factor = options.factor ?? 2;
    this.jitter = options.jitter ?? 'full';
    this.random = options.random ?? Math.random;
    if (!(this.initialMs > 0)) throw new RangeError(`Backoff initialMs must be > 0, got ${this.initialMs}`);
    if (!(this.maxMs >= this.initialMs)) throw new RangeError(`Backoff maxMs must be >= initialMs, got ${this.maxMs}`);
    if (!(this.factor >= 1)) throw new RangeError(`Backoff factor must be >= 1, got ${this.factor}`);
    this.previous = this.initialMs;
  }

  /** Number of delays handed out since construction or the last reset(). */
  get attempts(): number {
    return this.count;
  }

  /** The delay before the next attempt, in whole milliseconds. */
  next(): number {
    const n = this.count++;
    switch (this.jitter) {
      case 'none':
        return Math.round(this.ceiling(n));
      case 'full':
        return Math.floor(this.random() * this.ceiling(n));
      case 'decorrelated': {
        const upper = Math.min(this.maxMs, this.previous * this.factor);
        const delay = Math.min(this.maxMs, this.initialMs + this.random() * Math.max(0, upper - this.initialMs));
        this.previous = delay;
        return Math.floor(delay);
      }
    }
  }

  /** Back to the first delay; call after a success. */
  reset(): void {
    this.count = 0;
    this.previous = this.initialMs;
  }

  private ceiling(attempt: number): number {
    return Math.min(this.maxMs, this.initialMs * Math.pow(this.factor, attempt));
  }
}

/**
 * Resolves after `ms`, or rejects with a TributaryError (code `aborted`) as soon as `signal`
 * aborts (at once if it already has).
 */
export function sleep(ms: number, signal?: AbortSignal, clock: Clock = systemClock): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortedError(signal));
  return new Promise((resolve, reject) => {
    let timer: TimerHandle | undefined = undefined;
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      reject(abortedError(signal));
    };
    timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryOptions {
  backoff: Backoff;
  signal?: AbortSignal;
  /**
   * Whether to try again after `err`. Default: TributaryErrors by their `isRetryable` flag,
   * any other error (a socket error from a library) retried.
   */
  retryable?: (err: unknown) => boolean;
  /** Total attempts including the first. Default: unlimited. */
  maxAttempts?: number;
  /** Called before each wait, e.g. to log (rate-limited) or update health. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  clock?: Clock;
}

export function defaultRetryable(err: unknown): boolean {
  return err instanceof TributaryError ? err.isRetryable : true;
}

/**
 * Calls `fn` until it resolves, waiting `backoff.next()` between attempts. Rethrows the
 * error when it is not retryable or attempts run out; rejects with code `aborted` when the
 * signal fires. Resets the backoff after a success. `attempt` counts from 1.
 */
export async function retry<T>(fn: (attempt: number, signal?: AbortSignal) => Promise<T>, options: RetryOptions): Promise<T> {
  const retryable = options.retryable ?? defaultRetryable;
  const maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw abortedError(options.signal);
    try {
      const result = await fn(attempt, options.signal);
      options.backoff.reset();
      return result;
    } catch (err) {
      if (options.signal?.aborted) throw abortedError(options.signal);
      if (attempt >= maxAttempts || !retryable(err)) throw err;
      const delayMs = options.backoff.next();
      options.onRetry?.(err, attempt, delayMs);
      await sleep(delayMs, options.signal, options.clock);
    }
  }
}
