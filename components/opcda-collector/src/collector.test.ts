import { Backoff, Health, ManualClock, createLogger, decodeBatch, flushPromises, MemoryLogSink, type Sample, type SampleWriter, type StreamSpec } from '../../core/src';
import { Metric, OpcDaCollector, SERVER_STATUS, type CollectorSettings } from './collector';
import { FakeBackend } from './testing/fake-backend';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

class FakeWriter implements SampleWriter {
  batches: Sample[][] = [];
  specs: StreamSpec[] = [];
  async ensureStream(spec: StreamSpec): Promise<string> {
    this.specs.push(spec);
    return 'created';
  }
  async append(_stream: string, payload: Buffer): Promise<number> {
    const d = decodeBatch(payload);
    if (!d.ok) throw new Error('bad batch');
    this.batches.push(d.samples);
    return this.batches.length - 1;
  }
  get samples(): Sample[] {
    return this.batches.flat();
  }
}

function settings(over: Partial<CollectorSettings> = {}): CollectorSettings {
  return {
    site: 'plant1',
    area: 'hall2',
    process: 'mixing',
    machine: 'mixer-3',
    tags: ['Random.*'],
    pollIntervalMs: 1000,
    pollsPerWrite: 1,
    maxItems: 100,
    stream: { name: 'tributary.opcda.raw', strategyOnFull: 'OverwriteOldestData', persistence: 'File', maxSize: 1 << 20 },
    maxBufferedSamples: 1000,
    maxBatchBytes: 64 * 1024,
    ...over,
  };
}

function setup(backend: FakeBackend, over: Partial<CollectorSettings> = {}) {
  const clock = new ManualClock(T0);
  const logs = new MemoryLogSink();
  const logger = createLogger({ component: 'opcda-collector', stream: logs, clock, env: {} });
  const health = new Health({ component: 'opcda-collector', clock });
  const writer = new FakeWriter();
  const collector = new OpcDaCollector({
    backend,
    writer,
    clock,
    logger,
    health,
    settings: settings(over),
    reconnectBackoff: new Backoff({ initialMs: 500, maxMs: 4000, jitter: 'none' }),
    writeBackoff: new Backoff({ initialMs: 100, maxMs: 100, jitter: 'none' }),
  });
  return { clock, logs, health, writer, collector };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await flushPromises();
}

function randomItems(): FakeBackend {
  let n = 0;
  return new FakeBackend({
    'Random.Real8': { value: () => ++n * 1.5, timestamp: () => ({ ms: T0 + n, nanos: 300 }) },
    'Random.Int4': { value: 7 },
    'Random.String': { value: 'hello' },
    'Channel1.Device1.Tag1': { value: 1 },
  });
}

describe('OpcDaCollector', () => {
  test('reads every item each interval; pollsPerWrite readings go out as one write, grouped by item', async () => {
    const backend = randomItems();
    const { clock, writer, health, collector } = setup(backend, { pollsPerWrite: 3 });
    collector.start();
    await settle();
    expect(backend.reads).toHaveLength(1);
    expect(writer.batches).toHaveLength(0);
    await clock.advanceAsync(1000);
    await clock.advanceAsync(1000);
    await settle();
    expect(backend.reads).toHaveLength(3);
    expect(writer.batches).toHaveLength(1);
    const names = writer.samples.map((s) => s.name);
    expect(names).toEqual(['Random.Real8', 'Random.Real8', 'Random.Real8', 'Random.Int4', 'Random.Int4', 'Random.Int4', 'Random.String', 'Random.String', 'Random.String']);
    expect(writer.specs.map((s) => s.name)).toEqual(['tributary.opcda.raw']);
    const first = writer.samples[0]!;
    expect(first).toEqual({
      device: 'mixer-3',
      source: 'opcda',
      name: 'Random.Real8',
      value: 1.5,
      quality: 'GOOD',
      ts: T0 + 1,
      tsNanos: 300,
      alias: 'plant1/hall2/mixing/mixer-3/Random-Real8',
    });
    // No source timestamp: the read time, and the sample says so.
    expect(writer.samples[3]).toMatchObject({ name: 'Random.Int4', ts: T0, attrs: { tsOrigin: 'gateway' } });
    expect(health.counters.counter(Metric.Polls)).toBe(3);
    expect(health.counters.counter(Metric.SamplesWritten)).toBe(9);
    expect(health.state).toBe('running');
    await collector.stop();
  });

  test('wildcards are browsed once per connection, not every poll', async () => {
    const backend = randomItems();
    const { clock, health, collector } = setup(backend, { tags: ['Random.*', 'Channel1.Device1.Tag1', 'Random.Int4'] });
    collector.start();
    await settle();
    for (let i = 0; i < 5; i++) await clock.advanceAsync(1000);
    expect(backend.reads.length).toBe(6);
    expect(backend.browses).toBe(1);
    expect(backend.reads[0]).toEqual(['Random.Real8', 'Random.Int4', 'Random.String', 'Channel1.Device1.Tag1']);
    backend.failNextRead = true;
    await clock.advanceAsync(1000);
    expect(health.status(SERVER_STATUS)!.state).toBe('backing_off');
    await clock.advanceAsync(500);
    await settle();
    expect(backend.connects).toBe(2);
    expect(backend.browses).toBe(2);
    expect(health.counters.counter(Metric.Browses)).toBe(2);
    for (let i = 0; i < 3; i++) await clock.advanceAsync(1000);
    expect(backend.browses).toBe(2);
    await collector.stop();
  });

  test('explicit item ids are read without browsing', async () => {
    const backend = randomItems();
    const { collector } = setup(backend, { tags: ['Random.Int4', 'Channel1.Device1.Tag1'] });
    collector.start();
    await settle();
    expect(backend.browses).toBe(0);
    expect(backend.reads[0]).toEqual(['Random.Int4', 'Channel1.Device1.Tag1']);
    await collector.stop();
  });

  test('an unknown item id is reported by name and left out; the other items keep flowing', async () => {
    const backend = randomItems();
    const { clock, logs, health, writer, collector } = setup(backend, { tags: ['Random.Int4', 'No.Such.Item', 'Random.String'] });
    collector.start();
    await settle();
    await clock.advanceAsync(1000);
    await clock.advanceAsync(1000);
    await settle();
    expect(backend.reads[0]).toEqual(['Random.Int4', 'No.Such.Item', 'Random.String']);
    expect(backend.reads[1]).toEqual(['Random.Int4', 'Random.String']);
    const errors = logs.records().filter((r) => r.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ itemId: 'No.Such.Item', code: 'opcda_unknown_item' });
    expect(String(errors[0]!.msg)).toContain('"No.Such.Item"');
    expect(health.counters.counter(Metric.ItemErrors, { code: 'opcda_unknown_item' })).toBe(1);
    expect(health.status(SERVER_STATUS)!.detail).toMatchObject({ unknownItems: ['No.Such.Item'], items: 2 });
    expect(writer.samples.filter((s) => s.name === 'Random.Int4')).toHaveLength(3);
    expect(writer.samples.some((s) => s.name === 'No.Such.Item')).toBe(false);
    expect(health.state).toBe('running');
    await collector.stop();
  });

  test('an item that cannot be read this time stays in the set', async () => {
    const backend = new FakeBackend({ A: { value: 1 }, B: { value: 2, fails: 'opcda_item_failed' } });
    const { clock, health, collector } = setup(backend, { tags: ['A', 'B'] });
    collector.start();
    await settle();
    await clock.advanceAsync(1000);
    expect(backend.reads[1]).toEqual(['A', 'B']);
    expect(health.counters.counter(Metric.ItemErrors, { code: 'opcda_item_failed' })).toBe(2);
    await collector.stop();
  });

  test('DA quality maps to GOOD / UNCERTAIN / BAD, the quality word is kept when not plain GOOD', async () => {
    const backend = new FakeBackend({
      good: { value: 1, quality: 0xc0 },
      override: { value: 2, quality: 0xd8 },
      lastUsable: { value: 3, quality: 0x44 },
      limitedHigh: { value: 4, quality: 0x56 },
      comm: { value: 5, quality: 0x18 },
      waiting: { value: null, quality: 0x20 },
      nan: { value: Number.NaN, quality: 0xc0 },
      vendor: { value: 6, quality: 0x12c0 },
    });
    const { writer, health, collector } = setup(backend, { tags: ['**'] });
    collector.start();
    await settle();
    const by = Object.fromEntries(writer.samples.map((s) => [s.name, s]));
    expect(by.good).toMatchObject({ quality: 'GOOD' });
    expect(by.good!.attrs?.daQuality).toBeUndefined();
    expect(by.override).toMatchObject({ quality: 'GOOD', attrs: { daQuality: 0xd8, daQualityName: 'GOOD_LOCAL_OVERRIDE' } });
    expect(by.lastUsable).toMatchObject({ quality: 'UNCERTAIN', attrs: { daQuality: 0x44, daQualityName: 'UNCERTAIN_LAST_USABLE' } });
    expect(by.limitedHigh).toMatchObject({ quality: 'UNCERTAIN', attrs: { daQualityName: 'UNCERTAIN_EGU_EXCEEDED|HIGH' } });
    expect(by.comm).toMatchObject({ quality: 'BAD', value: 5, attrs: { daQualityName: 'BAD_COMM_FAILURE' } });
    expect(by.waiting).toMatchObject({ quality: 'BAD', value: null });
    expect(by.nan).toMatchObject({ quality: 'UNCERTAIN', value: null, attrs: { nonFinite: 'NaN' } });
    expect(by.vendor).toMatchObject({ quality: 'GOOD' });
    expect(health.counters.counter(Metric.Readings, { quality: 'BAD' })).toBe(2);
    await collector.stop();
  });

  test('reconnects with capped backoff while the server is away, and resets after a good read', async () => {
    const backend = randomItems();
    backend.failConnects = 4;
    const { clock, logs, health, collector } = setup(backend);
    collector.start();
    await settle();
    expect(backend.connects).toBe(1);
    expect(health.state).toBe('degraded');
    // Delays 500, 1000, 2000, 4000 (jitter none, capped at 4000).
    await clock.advanceAsync(500);
    expect(backend.connects).toBe(2);
    await clock.advanceAsync(1000);
    expect(backend.connects).toBe(3);
    await clock.advanceAsync(2000);
    expect(backend.connects).toBe(4);
    await clock.advanceAsync(3999);
    expect(backend.connects).toBe(4);
    await clock.advanceAsync(1);
    await settle();
    expect(backend.connects).toBe(5);
    expect(backend.reads).toHaveLength(1);
    expect(health.status(SERVER_STATUS)!.state).toBe('connected');
    expect(health.state).toBe('running');
    expect(health.counters.counter(Metric.ConnectionFailures, { code: 'opcda_connect_failed' })).toBe(4);
    // One warning per 30 s window, not one per attempt.
    expect(logs.withMsg('Cannot reach the OPC DA server; retrying.')).toHaveLength(1);
    // After a successful read the next failure waits the first delay again.
    backend.failNextRead = true;
    await clock.advanceAsync(1000);
    expect(logs.withMsg('Lost the OPC DA server; reconnecting.')).toHaveLength(1);
    await clock.advanceAsync(500);
    await settle();
    expect(backend.connects).toBe(6);
    await collector.stop();
  });

  test('readings not yet written when the connection drops or the collector stops are written, not lost', async () => {
    const backend = randomItems();
    const { clock, writer, health, collector } = setup(backend, { pollsPerWrite: 10, tags: ['Random.Int4'] });
    collector.start();
    await settle();
    await clock.advanceAsync(1000);
    backend.failNextRead = true;
    await clock.advanceAsync(1000);
    await settle();
    expect(writer.samples).toHaveLength(2);
    await clock.advanceAsync(500);
    await settle();
    await clock.advanceAsync(1000);
    const stopping = collector.stop();
    await settle();
    await stopping;
    expect(writer.samples).toHaveLength(4);
    expect(health.counters.counter(Metric.Dropped, { reason: 'shutdown' })).toBe(0);
    expect(health.state).toBe('stopped');
    expect(backend.closes).toBeGreaterThanOrEqual(2);
  });

  test('a read slower than the interval skips polls instead of piling them up', async () => {
    const backend = randomItems();
    const { clock, health, collector } = setup(backend, { tags: ['Random.Int4'] });
    collector.start();
    await settle();
    backend.hangReads = true;
    await clock.advanceAsync(1000);
    expect(backend.reads).toHaveLength(2);
    await clock.advanceAsync(2500);
    backend.hangReads = false;
    backend.release();
    await settle();
    expect(health.counters.counter(Metric.PollsSkipped, { reason: 'overrun' })).toBe(2);
    await clock.advanceAsync(500);
    expect(backend.reads).toHaveLength(3);
    await collector.stop();
  });

  test('stop does not wait for a read that hangs: it gives up after half the stop deadline; a late result is not used', async () => {
    const backend = randomItems();
    backend.hangReads = true;
    const { clock, writer, health, collector } = setup(backend, { tags: ['Random.Int4'], stopDeadlineMs: 2000 });
    collector.start();
    await settle();
    expect(backend.reads).toHaveLength(1);
    let stopped = false;
    const stopping = collector.stop().then(() => (stopped = true));
    await clock.advanceAsync(999);
    expect(stopped).toBe(false);
    await clock.advanceAsync(1);
    await settle();
    await stopping;
    expect(health.state).toBe('stopped');
    backend.release();
    await settle();
    expect(writer.samples).toHaveLength(0);
    expect(collector.backlog).toBe(0);
  });
});
