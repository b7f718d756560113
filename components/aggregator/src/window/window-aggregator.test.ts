import { encodeBatch, type Sample } from '../../../core/src/envelope';
import { isTributaryError } from '../../../core/src/errors';
import { summaryToSamples, windowLabel } from './summary-samples';
import { WindowAggregator, type WindowSnapshot, type WindowSummary } from './window-aggregator';

function sample(ts: number, value: Sample['value'], over: Partial<Sample> = {}): Sample {
  return { device: 'V1', source: 'obd', name: 'rpm', value, unit: 'rpm', quality: 'GOOD', ts, ...over };
}

describe('WindowAggregator', () => {
  it('reports every configuration problem at once', () => {
    let caught: unknown;
    try {
      new WindowAggregator({ sizeMs: 0, allowedLatenessMs: -1, maxValuesPerWindow: 0, stats: ['mean', 'p99' as 'mean'] });
    } catch (err) {
      caught = err;
    }
    expect(isTributaryError(caught) && caught.code).toBe('window_config_invalid');
    const message = (caught as Error).message;
    for (const part of ['sizeMs', 'allowedLatenessMs', 'maxValuesPerWindow', 'p99']) expect(message).toContain(part);
  });

  it('is numerically stable for large offsets (Welford)', () => {
    const agg = new WindowAggregator({ sizeMs: 60_000, allowedLatenessMs: 0 });
    const base = 1e12;
    [4, 7, 13, 16].forEach((d, i) => agg.add(sample(i, base + d)));
    const [s] = agg.flush();
    expect(s.mean).toBe(base + 10);
    expect(s.variance).toBeCloseTo(22.5, 6);
    expect(s.stdev).toBeCloseTo(Math.sqrt(22.5), 6);
  });

  it('keeps median close on a reservoir and says it is approximate', () => {
    const agg = new WindowAggregator({ sizeMs: 1_000_000, allowedLatenessMs: 0, maxValuesPerWindow: 1001 });
    for (let i = 0; i < 100_000; i++) agg.add(sample(i, i));
    const [s] = agg.flush();
    expect(s.approximate).toBe(true);
    expect(s.count).toBe(100_000);
    expect(s.mean).toBeCloseTo(49_999.5, 6);
    expect(Math.abs(s.median - 49_999.5)).toBeLessThan(5_000);
  });

  it('never moves the watermark back', () => {
    const agg = new WindowAggregator({ sizeMs: 1000, allowedLatenessMs: 0, autoAdvance: false });
    agg.add(sample(100, 1));
    expect(agg.advance(5000)).toHaveLength(1);
    expect(agg.advance(1000)).toEqual([]);
    expect(agg.watermark).toBe(5000);
    agg.add(sample(4500, 1));
    expect(agg.counters().total.late).toBe(1);
  });

  it('snapshots as plain JSON and restores to the same state', () => {
    const agg = new WindowAggregator({ sizeMs: 1000, allowedLatenessMs: 500, maxValuesPerWindow: 3 });
    for (let i = 0; i < 10; i++) agg.add(sample(i * 50, i, { name: i % 2 ? 'rpm' : 'load' }));
    const snap = agg.snapshot();
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
    const other = new WindowAggregator({ sizeMs: 1000, allowedLatenessMs: 500, maxValuesPerWindow: 3 });
    other.restore(JSON.parse(JSON.stringify(snap)) as WindowSnapshot);
    expect(other.snapshot()).toEqual(snap);
    expect(other.openWindows).toBe(2);
    expect(other.flush()).toEqual(agg.flush());
  });

  it('refuses a snapshot of another window size or version', () => {
    const snap = new WindowAggregator({ sizeMs: 1000, allowedLatenessMs: 0 }).snapshot();
    const agg = new WindowAggregator({ sizeMs: 2000, allowedLatenessMs: 0 });
    expect(() => agg.restore(snap)).toThrow(expect.objectContaining({ code: 'window_snapshot_mismatch' }));
    expect(() => agg.restore({ ...snap, v: 2 } as unknown as WindowSnapshot)).toThrow(expect.objectContaining({ code: 'window_snapshot_invalid' }));
  });

  // Throughput belongs to the benchmark (a shared, noisy machine); this checks many keys and
  // dense windows come out complete.
  it('many keys with one value per window, and dense windows, each give every summary', () => {
    const agg = new WindowAggregator({ sizeMs: 1000, allowedLatenessMs: 2000 });
    const keys = 100;
    const n = 50_000;
    let summaries = 0;
    for (let i = 0; i < n; i++) summaries += agg.add(sample(1_795_481_186_000 + i * 10, (i * 7919) % 5000, { name: `tag${i % keys}` })).length;
    summaries += agg.flush().length;
    // 100 keys, 1 s windows, samples 10 ms apart: one value per window and key.
    expect(summaries).toBe(n);

    // Dense: 10 keys, 60 s windows, 1 ms apart → 5,000 values per window and key.
    const dense = new WindowAggregator({ sizeMs: 60_000, allowedLatenessMs: 1000 });
    let denseSummaries = 0;
    for (let i = 0; i < n; i++) denseSummaries += dense.add(sample(1_795_481_160_000 + Math.floor(i / 10), (i * 7919) % 5000, { name: `tag${i % 10}` })).length;
    const closed = dense.flush();
    denseSummaries += closed.length;
    expect(denseSummaries).toBe(10 * Math.ceil(n / 10 / 60_000));
    expect(closed.every((w) => w.count === n / 10)).toBe(true);
  });
});
