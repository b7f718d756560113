import { Backoff, defaultRetryable, retry, sleep } from './backoff';
import { ManualClock } from './clock';
import { TributaryError } from './errors';

/** A deterministic "random" that cycles through the given values. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length];
}

describe('Backoff', () => {
  it('without jitter grows by the factor and stops at the cap', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1_000, factor: 2, jitter: 'none' });
    const delays = Array.from({ length: 7 }, () => b.next());
    expect(delays).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
    expect(b.attempts).toBe(7);
  });

  it('full jitter stays within [0, ceiling) and the ceiling grows to the cap', () => {
    const top = new Backoff({ initialMs: 100, maxMs: 1_000, factor: 2, random: () => 0.999999 });
    expect(Array.from({ length: 6 }, () => top.next())).toEqual([99, 199, 399, 799, 999, 999]);
    const bottom = new Backoff({ initialMs: 100, maxMs: 1_000, random: () => 0 });
    expect(Array.from({ length: 4 }, () => bottom.next())).toEqual([0, 0, 0, 0]);
    const half = new Backoff({ initialMs: 100, maxMs: 1_000, random: () => 0.5 });
    expect(Array.from({ length: 4 }, () => half.next())).toEqual([50, 100, 200, 400]);
  });

  it('full jitter with the real random stays within bounds over many draws', () => {
    const b = new Backoff({ initialMs: 50, maxMs: 5_000, factor: 3 });
    for (let i = 0; i < 200; i++) {
      const ceiling = Math.min(5_000, 50 * 3 ** i);
      const d = b.next();
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(ceiling);
    }
  });

  it('decorrelated jitter never goes below initialMs nor above the cap and grows from the previous delay', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 2_000, factor: 3, jitter: 'decorrelated', random: sequence(1 - 1e-9) });
    // Just under previous*3 each time, capped at 2000 (the upper bound is exclusive).
    expect(Array.from({ length: 4 }, () => b.next())).toEqual([299, 899, 1_999, 1_999]);
    const low = new Backoff({ initialMs: 100, maxMs: 2_000, factor: 3, jitter: 'decorrelated', random: () => 0 });
    expect(Array.from({ length: 3 }, () => low.next())).toEqual([100, 100, 100]);
    const real = new Backoff({ initialMs: 10, maxMs: 500, factor: 3, jitter: 'decorrelated' });
    for (let i = 0; i < 200; i++) {
      const d = real.next();
      expect(d).toBeGreaterThanOrEqual(10);
      expect(d).toBeLessThanOrEqual(500);
    }
  });

  it('reset starts over', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 10_000, jitter: 'none' });
    b.next();
    b.next();
    b.next();
    b.reset();
    expect(b.attempts).toBe(0);
    expect(b.next()).toBe(100);
    const d = new Backoff({ initialMs: 100, maxMs: 10_000, factor: 3, jitter: 'decorrelated', random: () => 0.5 });
    const first = d.next();
    d.next();
    d.reset();
    expect(d.next()).toBe(first);
  });

  it('does not overflow after very many attempts', () => {
    const b = new Backoff({ initialMs: 1, maxMs: 30_000, jitter: 'none' });
    for (let i = 0; i < 5_000; i++) b.next();
    expect(b.next()).toBe(30_000);
  });

  it('rejects nonsense options', () => {
    expect(() => new Backoff({ initialMs: 0 })).toThrow(RangeError);
    expect(() => new Backoff({ initialMs: 100, maxMs: 50 })).toThrow(RangeError);
    expect(() => new Backoff({ factor: 0.5 })).toThrow(RangeError);
  });
});

describe('sleep', () => {
  it('resolves after the delay on the given clock', async () => {
    const clock = new ManualClock();
    let done = false;
    const p = sleep(1_000, undefined, clock).then(() => (done = true));
    await clock.advanceAsync(999);
    expect(done).toBe(false);
    await clock.advanceAsync(1);
    await p;
    expect(done).toBe(true);
  });

  it('rejects with code aborted as soon as the signal aborts, and clears its timer', async () => {
    const clock = new ManualClock();
    const ac = new AbortController();
    const p = sleep(60_000, ac.signal, clock);
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'aborted' });
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects at once when the signal has already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(sleep(60_000, ac.signal, new ManualClock())).rejects.toMatchObject({ code: 'aborted' });
  });

  it('works with the real clock', async () => {
    const started = Date.now();
    await sleep(10);
    expect(Date.now() - started).toBeGreaterThanOrEqual(5);
  });
});

describe('retry', () => {
  const transient = (): TributaryError => new TributaryError('stream_unavailable', 'down', { retryable: true });

  it('retries retryable failures with backoff delays and resets the backoff on success', async () => {
    const clock = new ManualClock();
    const backoff = new Backoff({ initialMs: 100, maxMs: 1_000, jitter: 'none' });
    const retries: Array<[number, number]> = [];
    let calls = 0;
    const p = retry(
      async (attempt) => {
        calls++;
        if (attempt < 4) throw transient();
        return 'ok';
      },
      { backoff, clock, onRetry: (_err, attempt, delay) => retries.push([attempt, delay]) },
    );
    await clock.advanceAsync(100 + 200 + 400);
    await expect(p).resolves.toBe('ok');
    expect(calls).toBe(4);
    expect(retries).toEqual([
      [1, 100],
      [2, 200],
      [3, 400],
    ]);
    expect(clock.now()).toBe(700);
    expect(backoff.attempts).toBe(0);
  });

  it('rethrows a non-retryable error at once', async () => {
    const fatal = new TributaryError('config_invalid', 'no');
    const fn = jest.fn().mockRejectedValue(fatal);
    await expect(retry(fn, { backoff: new Backoff(), clock: new ManualClock() })).rejects.toBe(fatal);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('uses the given retryable predicate', async () => {
    const err = new Error('EPERM');
    const fn = jest.fn().mockRejectedValue(err);
    await expect(retry(fn, { backoff: new Backoff(), retryable: (e) => (e as Error).message !== 'EPERM' })).rejects.toBe(err);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const clock = new ManualClock();
    let n = 0;
    const p = retry(
      async () => {
        throw new Error(`fail ${++n}`);
      },
      { backoff: new Backoff({ jitter: 'none', initialMs: 10 }), maxAttempts: 3, clock },
    );
    const settled = expect(p).rejects.toThrow('fail 3');
    await clock.advanceAsync(1_000);
    await settled;
  });

  it('stops waiting when the signal aborts', async () => {
    const clock = new ManualClock();
    const ac = new AbortController();
    const fn = jest.fn().mockRejectedValue(transient());
    const p = retry(fn, { backoff: new Backoff({ initialMs: 10_000, jitter: 'none' }), signal: ac.signal, clock });
    const settled = expect(p).rejects.toMatchObject({ code: 'aborted' });
    await clock.advanceAsync(0);
    ac.abort();
    await settled;
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('passes the signal to fn and does not start when already aborted', async () => {
    const ac = new AbortController();
    const fn = jest.fn().mockResolvedValue(1);
    await expect(retry(fn, { backoff: new Backoff(), signal: ac.signal })).resolves.toBe(1);
    expect(fn).toHaveBeenCalledWith(1, ac.signal);
    ac.abort();
    await expect(retry(fn, { backoff: new Backoff(), signal: ac.signal })).rejects.toMatchObject({ code: 'aborted' });
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('defaultRetryable retries foreign errors and respects the TributaryError flag', () => {
    expect(defaultRetryable(new Error('ECONNRESET'))).toBe(true);
    expect(defaultRetryable(transient())).toBe(true);
    expect(defaultRetryable(new TributaryError('config_invalid', 'x'))).toBe(false);
  });
});
