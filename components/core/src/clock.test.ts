import { ManualClock, systemClock } from './clock';

describe('ManualClock', () => {
  it('starts at the given time and only moves when advanced', () => {
    const clock = new ManualClock(1_000);
    expect(clock.now()).toBe(1_000);
    clock.advance(250);
    expect(clock.now()).toBe(1_250);
  });

  it('fires due timers in due-time order, ties in scheduling order, with now() at the due time', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 30);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`late@${clock.now()}`), 100);
    clock.advance(50);
    expect(fired).toEqual(['a@10', 'b@10', 'c@30']);
    expect(clock.now()).toBe(50);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(50);
    expect(fired).toEqual(['a@10', 'b@10', 'c@30', 'late@100']);
  });

  it('fires timers scheduled by a timer when they fall due inside the window', () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    const tick = (): void => {
      fired.push(clock.now());
      clock.setTimeout(tick, 10);
    };
    clock.setTimeout(tick, 10);
    clock.advance(35);
    expect(fired).toEqual([10, 20, 30]);
    expect(clock.pendingTimers).toBe(1);
  });

  it('does not fire cleared timers', () => {
    const clock = new ManualClock();
    const fn = jest.fn();
    const handle = clock.setTimeout(fn, 5);
    clock.clearTimeout(handle);
    clock.clearTimeout(undefined);
    clock.advance(10);
    expect(fn).not.toHaveBeenCalled();
    expect(clock.pendingTimers).toBe(0);
  });

  it('treats negative and non-finite delays as zero', () => {
    const clock = new ManualClock(100);
    const fn = jest.fn();
    clock.setTimeout(fn, -5);
    clock.setTimeout(fn, Number.NaN);
    clock.advance(0);
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('advanceAsync lets async code schedule its next timer between firings', async () => {
    const clock = new ManualClock();
    const wait = (ms: number): Promise<void> => new Promise((resolve) => clock.setTimeout(resolve, ms));
    const seen: number[] = [];
    const loop = (async () => {
      for (let i = 0; i < 3; i++) {
        await wait(100);
        seen.push(clock.now());
      }
    })();
    await clock.advanceAsync(1_000);
    await loop;
    expect(seen).toEqual([100, 200, 300]);
  });
});

describe('systemClock', () => {
  it('runs and clears real timers', async () => {
    const before = systemClock.now();
    expect(Math.abs(before - Date.now())).toBeLessThan(1_000);
    const cleared = jest.fn();
    systemClock.clearTimeout(systemClock.setTimeout(cleared, 1));
    await new Promise<void>((resolve) => systemClock.setTimeout(resolve, 5));
    expect(cleared).not.toHaveBeenCalled();
  });
});
