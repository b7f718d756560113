/**
 * Time as a dependency. Code that waits or timestamps takes a `Clock`, so tests drive time
 * with `ManualClock` instead of sleeping or mocking globals.
 */

declare const timerBrand: unique symbol;

/** Opaque handle returned by `Clock.setTimeout`; only meaningful to the clock that made it. */
export type TimerHandle = { readonly [timerBrand]: true };

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

/** The real clock: `Date.now` and the global timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms) as unknown as TimerHandle,
  clearTimeout: (handle) => {
    if (handle !== undefined) clearTimeout(handle as unknown as NodeJS.Timeout);
  },
};

interface ManualTimer {
  readonly id: number;
  readonly dueAt: number;
  readonly fn: () => void;
}

/**
 * A clock that only moves when told to. `advance(ms)` fires every timer that falls due in
 * that window, in due-time order (ties in scheduling order), with `now()` set to each timer's
 * due time while it runs. Timers scheduled by a firing timer fire too if they fall due
 * inside the window.
 */
export class ManualClock implements Clock {
  private current: number;
  private nextId = 1;
  private timers: ManualTimer[] = [];

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer: ManualTimer = { id: this.nextId++, dueAt: this.current + delay, fn };
    this.timers.push(timer);
    return timer.id as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle === undefined) return;
    const id = handle as unknown as number;
    this.timers = this.timers.filter((t) => t.id !== id);
  }

  /** Number of timers scheduled and not yet fired or cleared. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing due timers synchronously. */
  advance(ms: number): void {
    const target = this.current + Math.max(0, ms);
    for (let timer = this.takeDue(target); timer; timer = this.takeDue(target)) {
      this.current = timer.dueAt;
      timer.fn();
    }
    this.current = target;
  }

  /**
   * Like `advance`, but lets pending promise callbacks run after each timer fires, so async
   * code awaiting a timer (sleep, retry, a reconnect loop) gets to schedule its next timer.
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.current + Math.max(0, ms);
    await flushPromises();
    for (let timer = this.takeDue(target); timer; timer = this.takeDue(target)) {
      this.current = timer.dueAt;
      timer.fn();
      await flushPromises();
    }
    this.current = target;
  }

  /** Sets the time without firing anything (for tests of timestamps only). */
  setNow(ms: number): void {
    this.current = ms;
  }

  private takeDue(target: number): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const t of this.timers) {
      if (t.dueAt <= target && (!best || t.dueAt < best.dueAt || (t.dueAt === best.dueAt && t.id < best.id))) best = t;
    }
    if (best) this.timers = this.timers.filter((t) => t !== best);
    return best;
  }
}

/** Resolves after queued promise callbacks (and the I/O callbacks they start) have run. */
export function flushPromises(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
