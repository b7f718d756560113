import { Backoff } from './backoff';
import { ManualClock, flushPromises } from './clock';
import { decodeBatch, type Sample } from './envelope';
import { Health } from './health';
import { MemoryLogSink, createLogger } from './logger';
import { SampleSink, SinkMetric, type SampleSinkOptions, type SampleWriter } from './sample-sink';
import { StreamError, StreamErrorCode, type StreamSpec } from './stream-client';

const T0 = Date.UTC(2025, 0, 1);
const spec: StreamSpec = { name: 'tributary.test.raw', strategyOnFull: 'OverwriteOldestData' };
const sample = (i: number): Sample => ({ device: 'd', source: 'opcua', name: `Line1/Tag${i}`, value: i, quality: 'GOOD', ts: T0 + i });
const samples = (from: number, n: number): Sample[] => Array.from({ length: n }, (_, i) => sample(from + i));

/** Records every call; can fail (retryable), refuse (for good), lose the stream or hang. */
class FakeWriter implements SampleWriter {
  payloads: Buffer[] = [];
  appends = 0;
  ensured: StreamSpec[] = [];
  failNext = 0;
  rejectNext = 0;
  notFoundNext = 0;
  hang = false;
  private hung: (() => void)[] = [];

  async ensureStream(s: StreamSpec): Promise<string> {
    this.ensured.push(s);
    return 'created';
  }

  async append(_stream: string, payload: Buffer): Promise<number> {
    this.appends++;
    if (this.hang) await new Promise<void>((resolve) => this.hung.push(resolve));
    if (this.failNext > 0) {
      this.failNext--;
      throw new StreamError(StreamErrorCode.Unavailable, 'down', { retryable: true });
    }
    if (this.rejectNext > 0) {
      this.rejectNext--;
      throw new StreamError(StreamErrorCode.InvalidRequest, 'refused', { retryable: false });
    }
    if (this.notFoundNext > 0) {
      this.notFoundNext--;
      throw new StreamError(StreamErrorCode.NotFound, 'gone', { retryable: true });
    }
    this.payloads.push(payload);
    return this.payloads.length - 1;
  }

  release(): void {
    this.hang = false;
    for (const r of this.hung.splice(0)) r();
  }

  values(): unknown[] {
    return this.payloads.flatMap((p) => {
      const d = decodeBatch(p);
      if (!d.ok) throw new Error('bad payload');
      return d.samples.map((s) => s.value);
    });
  }
}

function setup(over: Partial<SampleSinkOptions> = {}) {
  const clock = new ManualClock(T0);
  const logs = new MemoryLogSink();
  const health = new Health({ component: 't', clock });
  const writer = new FakeWriter();
  const sink = new SampleSink({
    writer,
    stream: spec,
    maxBatchBytes: 4096,
    maxBatchDelayMs: 200,
    maxBufferedSamples: 10_000,
    health,
    logger: createLogger({ component: 't', stream: logs, clock, env: {} }),
    clock,
    backoff: new Backoff({ initialMs: 100, maxMs: 400, jitter: 'none' }),
    ...over,
  });
  const written = (): number => health.counters.counter(SinkMetric.SamplesWritten);
  const dropped = (reason: string): number => health.counters.counter(SinkMetric.Dropped, { reason });
  return { clock, logs, health, writer, sink, written, dropped };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await flushPromises();
}

describe('SampleSink', () => {
  test('batches by size: full batches go out without waiting, in order, each within maxBatchBytes, the stream created first', async () => {
    const { writer, sink, written, health } = setup();
    sink.start();
    sink.push(samples(0, 2500));
    await settle();
    expect(written()).toBe(2500);
    expect(writer.ensured).toEqual([spec]);
    expect(writer.payloads.length).toBeGreaterThan(1);
    expect(writer.payloads.every((p) => p.length <= 4096)).toBe(true);
    expect(writer.values()).toEqual(samples(0, 2500).map((s) => s.value));
    expect(health.counters.counter(SinkMetric.BatchesWritten)).toBe(writer.payloads.length);
    expect(health.counters.gauge(SinkMetric.Backlog)).toBe(0);
    await sink.stop(1000);
  });

  test('batches by delay: a few samples wait maxBatchDelayMs after the first, then go out as one batch', async () => {
    const { clock, writer, sink, written } = setup();
    sink.start();
    sink.push(sample(1));
    await clock.advanceAsync(100);
    sink.push([sample(2), sample(3)]);
    await clock.advanceAsync(99);
    expect(writer.payloads).toHaveLength(0);
    expect(sink.backlog).toBe(3);
    await clock.advanceAsync(1);
    await settle();
    expect(writer.payloads).toHaveLength(1);
    expect(written()).toBe(3);
    expect(writer.values()).toEqual([1, 2, 3]);
    await sink.stop(1000);
  });

  test('without maxBatchDelayMs samples are written as soon as they are pushed', async () => {
    const { writer, sink } = setup({ maxBatchDelayMs: undefined });
    sink.start();
    sink.push([sample(1), sample(2)]);
    await settle();
    expect(writer.values()).toEqual([1, 2]);
    sink.push(sample(3));
    await settle();
    expect(writer.values()).toEqual([1, 2, 3]);
    await sink.stop(1000);
  });

  test('samples pushed before start are written at start', async () => {
    const { writer, sink } = setup({ maxBatchDelayMs: 0 });
    sink.push(samples(0, 3));
    await settle();
    expect(writer.appends).toBe(0);
    sink.start();
    await settle();
    expect(writer.values()).toEqual([0, 1, 2]);
    await sink.stop(1000);
  });

  test('a bounded queue drops the oldest, counts them, and writes the rest in order', async () => {
    const { clock, writer, sink, written, dropped, logs } = setup({ maxBufferedSamples: 100, maxBatchDelayMs: 0 });
    writer.failNext = 1;
    sink.start();
    sink.push(samples(0, 60));
    await settle();
    expect(sink.streamUp).toBe(false);
    sink.push(samples(60, 90));
    expect(dropped('buffer_full')).toBe(50);
    expect(sink.backlog).toBe(100);
    expect(logs.withMsg('Buffer full while the stream manager is away: oldest samples dropped.')[0]).toMatchObject({ dropped: 50, max: 100, stream: spec.name });
    await clock.advanceAsync(100);
    await settle();
    expect(written()).toBe(100);
    expect(writer.values()).toEqual(samples(50, 100).map((s) => s.value));
    await sink.stop(1000);
  });

  test('failed writes are retried with backoff, in order, until they succeed; the stream state is reported', async () => {
    const { clock, writer, sink, written, health, logs } = setup({ maxBatchDelayMs: 0 });
    const states: boolean[] = [];
    sink.onStreamState((up) => states.push(up));
    writer.failNext = 3;
    sink.start();
    sink.push(samples(0, 5));
    await settle();
    expect(writer.appends).toBe(1);
    expect(sink.streamUp).toBe(false);
    expect(health.status('stream_manager')!.state).toBe('backing_off');
    // Delays 100, 200, 400 (jitter none).
    await clock.advanceAsync(99);
    expect(writer.appends).toBe(1);
    await clock.advanceAsync(1);
    expect(writer.appends).toBe(2);
    await clock.advanceAsync(200);
    expect(writer.appends).toBe(3);
    sink.push(samples(5, 2));
    await clock.advanceAsync(399);
    expect(writer.appends).toBe(3);
    expect(sink.backlog).toBe(7);
    await clock.advanceAsync(1);
    await settle();
    expect(written()).toBe(7);
    expect(writer.values()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(sink.streamUp).toBe(true);
    expect(states).toEqual([false, true]);
    expect(health.status('stream_manager')!.state).toBe('connected');
    expect(logs.withMsg('Cannot write to the stream manager; buffering and retrying.')).toHaveLength(1);
    expect(logs.withMsg('Writing to the stream manager again.')).toHaveLength(1);
    // The backoff starts over after a success.
    writer.failNext = 1;
    sink.push(sample(7));
    await settle();
    await clock.advanceAsync(100);
    await settle();
    expect(written()).toBe(8);
    await sink.stop(1000);
  });

  test('a batch the stream manager refuses for good is counted, not retried; the next ones are written', async () => {
    const { clock, writer, sink, written, dropped, health } = setup({ maxBatchDelayMs: 0 });
    writer.rejectNext = 1;
    sink.start();
    sink.push(samples(0, 3));
    await settle();
    expect(dropped('rejected')).toBe(3);
    expect(writer.appends).toBe(1);
    expect(health.lastError?.code).toBe(StreamErrorCode.InvalidRequest);
    await clock.advanceAsync(10_000);
    expect(writer.appends).toBe(1);
    sink.push(samples(3, 2));
    await settle();
    expect(written()).toBe(2);
    expect(writer.values()).toEqual([3, 4]);
    expect(sink.backlog).toBe(0);
    await sink.stop(1000);
  });

  test('a stream that disappeared is created again before the retry', async () => {
    const { clock, writer, sink, written } = setup({ maxBatchDelayMs: 0 });
    sink.start();
    sink.push(sample(1));
    await settle();
    writer.notFoundNext = 1;
    sink.push(sample(2));
    await settle();
    await clock.advanceAsync(100);
    await settle();
    expect(writer.ensured).toHaveLength(2);
    expect(written()).toBe(2);
    await sink.stop(1000);
  });

  test('samples that cannot be encoded are counted as dropped{invalid}; the rest are written', async () => {
    const { writer, sink, dropped } = setup({ maxBatchDelayMs: 0 });
    sink.start();
    sink.push([sample(1), { ...sample(2), value: Number.NaN }, sample(3)]);
    await settle();
    expect(dropped('invalid')).toBe(1);
    expect(writer.values()).toEqual([1, 3]);
    await sink.stop(1000);
  });

  test('stop writes what is queued without waiting for the batch delay', async () => {
    const { writer, sink, written, dropped, clock } = setup({ maxBatchDelayMs: 60_000 });
    sink.start();
    sink.push(samples(0, 3));
    await sink.stop(1000);
    expect(written()).toBe(3);
    expect(dropped('shutdown')).toBe(0);
    expect(writer.values()).toEqual([0, 1, 2]);
    expect(clock.pendingTimers).toBe(0);
  });

  test('stop tries once when the stream manager is away and counts the rest as dropped{shutdown}', async () => {
    const { clock, writer, sink, dropped, health } = setup({ maxBatchDelayMs: 0 });
    writer.failNext = 1000;
    sink.start();
    sink.push(samples(0, 3));
    await settle();
    await clock.advanceAsync(100);
    const before = writer.appends;
    await sink.stop(1000);
    expect(writer.appends).toBe(before + 1);
    expect(dropped('shutdown')).toBe(3);
    expect(sink.backlog).toBe(0);
    expect(health.counters.gauge(SinkMetric.Backlog)).toBe(0);
  });

  test('stop does not wait past its deadline for a write that hangs; the late result changes nothing', async () => {
    const { clock, writer, sink, written, dropped, logs } = setup({ maxBatchDelayMs: 0 });
    writer.hang = true;
    sink.start();
    sink.push(samples(0, 4));
    await settle();
    expect(writer.appends).toBe(1);
    let stopped = false;
    const stopping = sink.stop(500).then(() => (stopped = true));
    await clock.advanceAsync(499);
    expect(stopped).toBe(false);
    await clock.advanceAsync(1);
    await stopping;
    expect(dropped('shutdown')).toBe(4);
    expect(logs.withMsg('Stop deadline reached with a write to the stream manager still in flight; not waiting for it.')).toHaveLength(1);
    expect(logs.withMsg('Samples could not be written before stopping; they are lost.')[0]).toMatchObject({ count: 4, stream: spec.name });
    writer.release();
    await settle();
    expect(written()).toBe(0);
    expect(sink.backlog).toBe(0);
    expect(dropped('shutdown')).toBe(4);
  });

  test('stop without start still tries once for what was pushed; with nothing queued it does nothing', async () => {
    const { sink, dropped, writer } = setup();
    await sink.stop(1000);
    expect(writer.appends).toBe(0);
    sink.push(samples(0, 2));
    await sink.stop(1000);
    expect(writer.values()).toEqual([0, 1]);
    expect(dropped('shutdown')).toBe(0);
  });
});
