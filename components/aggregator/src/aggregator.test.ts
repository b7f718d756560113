/** The aggregator with an in-memory stream fake: final refusals are counted, the round goes on. */
import { Health, MemoryLogSink, StreamError, StreamErrorCode, createLogger, encodeBatch, systemClock, Backoff, type StreamMessage, type StreamSpec } from '../../core/src';
import { Aggregator, Metric, type AggregatorStreams, type CheckpointStorage } from './aggregator';
import { T0, sample, testConfig } from './testing/fixtures';
import { waitFor } from '../../../test/helpers/wait';

class FakeStreams implements AggregatorStreams {
  readonly streams = new Map<string, Buffer[]>();
  refuseNext = 0;
  async read(stream: string, o: { start: number; max?: number }): Promise<StreamMessage[]> {
    const s = this.streams.get(stream);
    if (!s) throw new StreamError(StreamErrorCode.NotFound, `${stream} not found`);
    return s.slice(o.start, o.start + (o.max ?? 100)).map((payload, i) => ({ stream, sequenceNumber: o.start + i, ingestTime: Date.now(), payload }));
  }
  async append(stream: string, payload: Buffer): Promise<number> {
    if (this.refuseNext > 0) {
      this.refuseNext--;
      throw new StreamError(StreamErrorCode.InvalidRequest, 'refused for good');
    }
    const s = this.streams.get(stream)!;
    s.push(payload);
    return s.length - 1;
  }
  async ensureStream(spec: StreamSpec): Promise<unknown> {
    if (!this.streams.has(spec.name)) this.streams.set(spec.name, []);
    return 'created';
  }
}

class MemoryCheckpoints implements CheckpointStorage {
  readonly docs = new Map<string, string>();
  async load<T>(key: string): Promise<T | undefined> {
    const d = this.docs.get(key);
    return d === undefined ? undefined : (JSON.parse(d) as T);
  }
  async save(key: string, value: unknown): Promise<void> {
    this.docs.set(key, JSON.stringify(value));
  }
}

test('a message the stream manager refuses for good is counted as dropped{rejected} and the pipeline goes on', async () => {
  const streams = new FakeStreams();
  streams.streams.set('tributary.obd.raw', [encodeBatch([sample({ name: 'rpm', value: 1, ts: T0 })]), encodeBatch([sample({ name: 'rpm', value: 2, ts: T0 + 1 })])]);
  const health = new Health({ component: 'aggregator' });
  const logs = new MemoryLogSink();
  const agg = new Aggregator({
    config: testConfig({ inputs: ['tributary.obd.raw'], read: { maxMessages: 1, idleWaitMs: 10 } }),
    streams,
    checkpoints: new MemoryCheckpoints(),
    clock: systemClock,
    logger: createLogger({ component: 'aggregator', stream: logs, env: {} }),
    health,
    backoff: () => new Backoff({ initialMs: 1, maxMs: 5 }),
  });
  streams.refuseNext = 2; // the first attempt (pipelined) and the retry
  agg.start();
  await waitFor(() => agg.readPositions['tributary.obd.raw'] === 2, 3000, 'both messages');
  await agg.stop();
  expect(health.counters.counter(Metric.Dropped, { reason: 'rejected' })).toBe(1);
  expect(streams.streams.get('tributary.out.telemetry')).toHaveLength(1);
  expect(logs.withMsg('The stream manager refused an output message; it is dropped.')).toHaveLength(1);
});

test('a message the processing throws on is dead-lettered (processing_failed) and the rest flows', async () => {
  const streams = new FakeStreams();
  streams.streams.set('tributary.obd.raw', [1, 2, 3].map((v) => encodeBatch([sample({ name: 'rpm', value: v, ts: T0 + v })])));
  const health = new Health({ component: 'aggregator' });
  const agg = new Aggregator({
    config: testConfig({ inputs: ['tributary.obd.raw'], read: { idleWaitMs: 10 } }),
    streams,
    checkpoints: new MemoryCheckpoints(),
    clock: systemClock,
    logger: createLogger({ component: 'aggregator', stream: new MemoryLogSink(), env: {} }),
    health,
  });
  const processor = (agg as unknown as { processor: { process: (s: Array<{ value: unknown }>, ...rest: unknown[]) => void } }).processor;
  const real = processor.process.bind(processor);
  processor.process = (s, ...rest) => {
    if (s[0]?.value === 2) throw new Error('boom');
    real(s, ...rest);
  };
  agg.start();
  await waitFor(() => agg.readPositions['tributary.obd.raw'] === 3, 3000, 'all read');
  await agg.stop();
  expect(health.counters.counter(Metric.DeadLettered, { reason: 'processing_failed' })).toBe(1);
  const dead = JSON.parse(streams.streams.get('tributary.aggregator.deadletter')![0]!.toString()) as { origin: { sequenceNumber: number }; problems: string[] };
  expect(dead).toMatchObject({ origin: { sequenceNumber: 1 }, problems: ['/: boom'] });
  expect(health.counters.counter(Metric.Written, { stream: 'tributary.out.telemetry' })).toBe(2);
});
