/** The aggregator with an in-memory stream fake: final refusals are counted, the round goes on. */
import { Health, MemoryLogSink, StreamError, StreamErrorCode, createLogger, decodeBatch, encodeBatch, splitIntoBatches, systemClock, Backoff, type Sample, type StreamMessage, type StreamSpec } from '../../core/src';
import { Processor, emptyOutputs } from './processor';
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

describe('encoding the outputs', () => {
  /** OBD (some out of range, enriched), GPS fixes and a long name whose summaries the envelope refuses. */
  function input(): { obd: Buffer[]; gps: Buffer[] } {
    const obd: Buffer[] = [];
    const gps: Buffer[] = [];
    for (let t = 0; t < 40; t++) {
      const ts = T0 + t * 500;
      obd.push(
        encodeBatch([
          sample({ name: 'rpm', value: 2000 + ((t * 397) % 1500), unit: 'rpm', ts }),
          sample({ name: 'speed', value: t % 7 === 0 ? 400 : 50 + (t % 9), unit: 'km/h', ts }), // 400: marked BAD
          sample({ name: 'fuel_level', value: t % 10 < 5 ? 4 : 7, ts, attrs: { note: 'é' } }),
          sample({ name: 'n'.repeat(1018), value: t, ts }), // some of its summaries `n….mean` are longer than 1024: refused
        ]),
      );
      if (t % 2 === 0) gps.push(encodeBatch(['lat', 'lon', 'speed'].map((name, i) => sample({ source: 'gps', name, value: 48 + i + t * 1e-5, ts }))));
    }
    return { obd, gps };
  }

  /** What encoding every output at the end of the round, all samples checked, gives. */
  function expected(config: ReturnType<typeof testConfig>, msgs: { obd: Buffer[]; gps: Buffer[] }): Map<string, string[]> {
    const p = new Processor(config);
    const out = emptyOutputs();
    for (const [stream, list] of [['tributary.gps.raw', msgs.gps], ['tributary.obd.raw', msgs.obd]] as const) {
      for (const m of list) {
        const d = decodeBatch(m);
        if (d.ok) p.process(d.samples, out, stream);
      }
    }
    const byTarget = new Map<'critical' | 'telemetry' | 'summary', Sample[]>();
    const r = config.routes;
    for (const [target, samples] of [[r.events, out.events], [r.stateMetrics, out.stateMetrics], [r.summaries, out.summaries], [r.telemetry, out.telemetry]] as const) {
      byTarget.set(target, [...(byTarget.get(target) ?? []), ...samples]);
    }
    const result = new Map<string, string[]>();
    for (const [target, samples] of byTarget) {
      const payloads = splitIntoBatches(samples, config.maxBatchBytes).batches.map((b) => b.payload.toString('base64'));
      if (payloads.length > 0) result.set(config.outputs[target].name, payloads);
    }
    return result;
  }

  async function run(config: ReturnType<typeof testConfig>, msgs: { obd: Buffer[]; gps: Buffer[] }): Promise<{ streams: FakeStreams; health: Health }> {
    const streams = new FakeStreams();
    streams.streams.set('tributary.obd.raw', msgs.obd);
    streams.streams.set('tributary.gps.raw', msgs.gps);
    const health = new Health({ component: 'aggregator' });
    const agg = new Aggregator({ config, streams, checkpoints: new MemoryCheckpoints(), clock: systemClock, logger: createLogger({ component: 'aggregator', stream: new MemoryLogSink(), env: {} }), health });
    agg.start();
    await waitFor(() => agg.readPositions['tributary.obd.raw'] === msgs.obd.length && agg.readPositions['tributary.gps.raw'] === msgs.gps.length, 3000, 'all read');
    await agg.stop();
    return { streams, health };
  }

  const base = {
    inputs: ['tributary.gps.raw', 'tributary.obd.raw'], // GPS first: the fixes enrich the later OBD samples
    read: { maxMessages: 100, idleWaitMs: 10 }, // one round
    maxBatchBytes: 2048,
    filters: [{ tag: 'speed', validity: { min: 0, max: 300, action: 'mark' as const } }],
    windows: { sizeMs: 5000, allowedLatenessMs: 0, idleCloseMs: 0 },
  };

  for (const [what, routes] of [
    ['telemetry on its own output (encoded as each message is processed)', {}],
    ['telemetry sharing an output with the summaries (encoded at the end of the round)', { routes: { telemetry: 'summary' as const } }],
  ] as const) {
    test(`${what}: the same messages, byte for byte, as checking and encoding everything at the end`, async () => {
      const config = testConfig({ ...base, ...routes });
      const msgs = input();
      const { streams, health } = await run(config, msgs);
      const want = expected(config, msgs);
      expect(want.size).toBeGreaterThanOrEqual(2);
      for (const [name, payloads] of want) expect(streams.streams.get(name)?.map((p) => p.toString('base64'))).toEqual(payloads);
      // The refused summaries are dead letters, as before.
      expect(health.counters.counter(Metric.Dropped, { reason: 'unencodable' })).toBeGreaterThan(0);
      const telemetry = (streams.streams.get(config.outputs[config.routes.telemetry].name) ?? []).flatMap((p) => {
        const d = decodeBatch(p);
        return d.ok ? d.samples : [];
      });
      expect(telemetry.some((s) => s.attrs?.gps_lat !== undefined)).toBe(true);
      expect(telemetry.some((s) => s.quality === 'BAD' && s.attrs?.invalid === 'above maximum 300')).toBe(true);
    });
  }
});
