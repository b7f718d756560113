import { Backoff, Health, MemoryLogSink, TributaryError, createLogger, decodeBatch, type Sample } from '../../core/src';
import { waitFor } from '../../../test/helpers/wait';
import { SampleSink, SinkMetric, type SampleWriter } from './sample-sink';

const spec = { name: 'tributary.opcua.raw', strategyOnFull: 'OverwriteOldestData' as const };
const sample = (i: number): Sample => ({ device: 'd', source: 'opcua', name: `Line1/Tag${i}`, value: i, quality: 'GOOD', ts: 1_700_000_000_000 + i, alias: `/p/Line1/Tag${i}` });

class FakeWriter implements SampleWriter {
  payloads: Buffer[] = [];
  ensured = 0;
  failNext = 0;
  rejectNext = 0;
  async ensureStream(): Promise<void> {
    this.ensured++;
  }
  async append(_stream: string, payload: Buffer): Promise<number> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new TributaryError('stream_unavailable', 'down', { retryable: true });
    }
    if (this.rejectNext > 0) {
      this.rejectNext--;
      throw new TributaryError('stream_invalid_request', 'refused', { retryable: false });
    }
    this.payloads.push(payload);
    return this.payloads.length - 1;
  }
  samples(): Sample[] {
    return this.payloads.flatMap((p) => {
      const d = decodeBatch(p);
      if (!d.ok) throw new Error('bad payload');
      return d.samples;
    });
  }
}

function sink(writer: FakeWriter, over: Partial<ConstructorParameters<typeof SampleSink>[0]> = {}): { s: SampleSink; health: Health } {
  const health = new Health({ component: 't' });
  const s = new SampleSink({
    writer,
    stream: spec,
    maxBatchBytes: 4096,
    maxBatchDelayMs: 20,
    maxBufferedSamples: 10_000,
    health,
    logger: createLogger({ component: 't', stream: new MemoryLogSink(), env: {} }),
    backoff: new Backoff({ initialMs: 5, maxMs: 10 }),
    ...over,
  });
  return { s, health };
}

test('batches by size, in order, stream created first', async () => {
  const w = new FakeWriter();
  const { s, health } = sink(w);
  s.start();
  for (let i = 0; i < 2500; i++) s.push(sample(i));
  await waitFor(() => health.counters.counter(SinkMetric.SamplesWritten) === 2500, 5000, 'all written');
  expect(w.ensured).toBe(1);
  expect(w.payloads.every((p) => p.length <= 4096)).toBe(true);
  expect(w.samples().map((x) => x.value)).toEqual(Array.from({ length: 2500 }, (_, i) => i));
  await s.stop(1000);
});

test('a few samples are written after maxBatchDelayMs without more arriving', async () => {
  const w = new FakeWriter();
  const { s, health } = sink(w);
  s.start();
  s.push([sample(1), sample(2)]);
  await waitFor(() => health.counters.counter(SinkMetric.SamplesWritten) === 2, 5000, 'written by the timer');
  expect(w.payloads).toHaveLength(1);
  await s.stop(1000);
});

test('failures are retried in order; a refused batch is counted, not retried; overflow drops the oldest', async () => {
  const w = new FakeWriter();
  w.failNext = 3;
  const { s, health } = sink(w, { maxBufferedSamples: 100 });
  s.start();
  for (let i = 0; i < 150; i++) s.push(sample(i));
  await waitFor(() => health.counters.counter(SinkMetric.SamplesWritten) === 100, 5000, 'written after retries');
  expect(health.counters.counter(SinkMetric.Dropped, { reason: 'buffer_full' })).toBe(50);
  expect(w.samples()[0]!.value).toBe(50);
  w.rejectNext = 1;
  s.push(sample(999));
  await waitFor(() => health.counters.counter(SinkMetric.Dropped, { reason: 'rejected' }) === 1, 5000, 'rejected');
  await s.stop(1000);
  expect(health.counters.gauge('backlog')).toBe(0);
});

test('stop writes what is queued; what cannot be written is dropped{shutdown}', async () => {
  const w = new FakeWriter();
  const { s, health } = sink(w, { maxBatchDelayMs: 60_000 });
  s.start();
  s.push([sample(1), sample(2)]);
  await s.stop(1000);
  expect(health.counters.counter(SinkMetric.SamplesWritten)).toBe(2);
  const w2 = new FakeWriter();
  w2.failNext = 100;
  const b = sink(w2, { maxBatchDelayMs: 60_000 });
  b.s.start();
  b.s.push([sample(1), sample(2), sample(3)]);
  await b.s.stop(200);
  expect(b.health.counters.counter(SinkMetric.Dropped, { reason: 'shutdown' })).toBe(3);
});
