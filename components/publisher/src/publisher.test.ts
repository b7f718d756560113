/**
 * The publisher engine against the real local stream manager (official client underneath) with
 * a scriptable destination: checkpoints, retries, dead letters, priority, gaps, bounded window.
 */
import { CheckpointStore, Health, MemoryLogSink, StreamClient, createLogger, encodeBatch, systemClock, type Sample, type StreamSpec } from '../../core/src';
import type { LocalStreamManager } from '../../../local/stream-manager/src/server';
import { startStreamManager, tempDir } from '../../../test/helpers/stream-manager';
import { waitFor } from '../../../test/helpers/wait';
import type { DeadLetterMessage } from './dead-letter';
import { Publisher, type PublisherSettings } from './publisher';
import { FakeDestination } from './testing/fake-destination';

const CRITICAL = 'tributary.out.critical';
const TELEMETRY = 'tributary.out.telemetry';
const BULK = 'tributary.out.summary';
const DLQ = 'tributary.publisher.deadletter';

function spec(name: string, strategyOnFull: StreamSpec['strategyOnFull'] = 'RejectNewData', maxSize = 64 << 20): StreamSpec {
  return { name, persistence: 'File', maxSize, segmentSize: Math.min(16 << 20, maxSize / 4), strategyOnFull };
}

function settings(over: Partial<PublisherSettings> = {}): PublisherSettings {
  return {
    routes: [
      { name: 'critical', streams: [CRITICAL], destination: 'd1', priority: 'critical', mapping: {} },
      { name: 'telemetry', streams: [TELEMETRY], destination: 'd1', priority: 'telemetry', mapping: {} },
      { name: 'bulk', streams: [BULK], destination: 'd1', priority: 'bulk', mapping: {} },
    ],
    priorities: [
      { name: 'critical', weight: 8 },
      { name: 'telemetry', weight: 4 },
      { name: 'bulk', weight: 1 },
    ],
    streams: [spec(CRITICAL), spec(TELEMETRY), spec(BULK, 'OverwriteOldestData')],
    deadLetter: spec(DLQ),
    window: { maxRecords: 1000, maxBytes: 8 << 20 },
    readBatch: 200,
    readWaitMs: 200,
    recordRetry: { initialMs: 5, maxMs: 50 },
    destinationBackoff: { initialMs: 10, maxMs: 100 },
    stopDeadlineMs: 2000,
    gaugeIntervalMs: 100,
    ...over,
  };
}

function sample(i: number, extra: Partial<Sample> = {}): Sample {
  return { device: 'car-1', source: 'obd', name: 'rpm', value: i, quality: 'GOOD', ts: 1_700_000_000_000 + i, ...extra };
}

let sm: LocalStreamManager;
let client: StreamClient;
let dir: string;
const running: Publisher[] = [];

beforeEach(async () => {
  dir = tempDir('tributary-publisher-');
  sm = await startStreamManager({ dir: `${dir}/streams` });
  client = new StreamClient({ port: sm.port });
  for (const s of settings().streams) await client.ensureStream(s);
});

afterEach(async () => {
  for (const p of running.splice(0)) await p.stop().catch(() => undefined);
  client.close();
  await sm.close();
});

function make(dest: FakeDestination[] | FakeDestination, over: Partial<PublisherSettings> = {}, sink = new MemoryLogSink()) {
  const logger = createLogger({ component: 'publisher', stream: sink, level: 'debug', env: {} });
  const health = new Health({ component: 'publisher' });
  const streams = new StreamClient({ port: sm.port });
  const publisher = new Publisher(settings(over), {
    streams,
    destinations: Array.isArray(dest) ? dest : [dest],
    checkpoints: new CheckpointStore(`${dir}/checkpoints`),
    health,
    logger,
    clock: systemClock,
  });
  running.push(publisher);
  const stop = async (): Promise<void> => {
    await publisher.stop();
    streams.close();
  };
  return { publisher, health, sink, stop, streams };
}

async function append(stream: string, from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) {
    // After a stream manager restart the first request on the old connection may fail with the
    // retryable stream_connection_lost; the next one reconnects (as any producer sees).
    await client.append(stream, encodeBatch([sample(i)])).catch(async (err: { code?: string }) => {
      if (err.code !== 'stream_connection_lost') throw err;
      await client.append(stream, encodeBatch([sample(i)]));
    });
  }
}

function lane(p: { publisher: Publisher }, stream: string) {
  return p.publisher.lanes.find((l) => l.settings.stream === stream)!;
}

async function deadLetters(): Promise<DeadLetterMessage[]> {
  const msgs = await client.read(DLQ, { start: 0, min: 1, max: 1000, waitMs: 0 }).catch(() => []);
  return msgs.map((m) => JSON.parse(m.payload.toString('utf8')) as DeadLetterMessage);
}

describe('Publisher engine', () => {
  it('delivers every record of every route with its origin, and a restart resumes after the checkpoint', async () => {
    await append(CRITICAL, 0, 5);
    await append(TELEMETRY, 0, 30);
    const dest = new FakeDestination('d1');
    const first = make(dest);
    await first.publisher.start();
    await waitFor(() => dest.accepted.length === 35, 10_000, '35 records accepted');
    expect(new Set(dest.acceptedIds()).size).toBe(35);
    expect(dest.accepted.find((r) => r.origin.stream === CRITICAL)!.priority).toBe('critical');
    await first.stop();
    running.length = 0;

    await append(TELEMETRY, 30, 3);
    const again = new FakeDestination('d1');
    const second = make(again);
    await second.publisher.start();
    await waitFor(() => again.accepted.length === 3, 10_000, 'the 3 new records');
    await new Promise((r) => setTimeout(r, 300));
    expect(again.acceptedIds()).toEqual([`${TELEMETRY}#30`, `${TELEMETRY}#31`, `${TELEMETRY}#32`]);
  });

  it('sends again what the destination asked to retry, and only that, until it is taken', async () => {
    await append(TELEMETRY, 0, 10);
    const dest = new FakeDestination('d1');
    const tries = new Map<number, number>();
    dest.policy = (r) => {
      const n = (tries.get(r.origin.sequenceNumber) ?? 0) + 1;
      tries.set(r.origin.sequenceNumber, n);
      return r.origin.sequenceNumber % 3 === 0 && n < 3 ? { kind: 'retry', code: 'kinesis_throttled', message: 'ProvisionedThroughputExceeded' } : { kind: 'accepted' };
    };
    const p = make(dest);
    await p.publisher.start();
    await waitFor(() => dest.accepted.length === 10, 10_000, 'all 10 accepted');
    expect([...tries.entries()].filter(([, n]) => n > 1).map(([s]) => s).sort((a, b) => a - b)).toEqual([0, 3, 6, 9]);
    expect([...tries.values()].every((n) => n <= 3)).toBe(true);
    expect(p.health.counters.counter('retries', { destination: 'd1', code: 'kinesis_throttled' })).toBe(8);
  });

  it('backs off while the destination is down, reports it in health, and delivers everything once it is back', async () => {
    await append(CRITICAL, 0, 20);
    const dest = new FakeDestination('d1');
    dest.failWith = new Error('connect ECONNREFUSED 127.0.0.1:4567');
    const p = make(dest);
    await p.publisher.start();
    await waitFor(() => dest.calls.length >= 3, 10_000, 'a few failed sends');
    await p.publisher.refreshGauges();
    const snap = p.health.snapshot();
    expect(snap.statuses['destination:d1']).toMatchObject({ state: 'down' });
    expect(snap.state).toBe('degraded');
    expect(snap.gauges['backlog{destination="d1",stream="tributary.out.critical"}']).toBe(20);
    dest.failWith = undefined;
    await waitFor(() => dest.accepted.length === 20, 10_000, 'all 20 after recovery');
    await p.publisher.refreshGauges();
    expect(p.health.snapshot().state).toBe('running');
    expect(p.health.snapshot().gauges['backlog{destination="d1",stream="tributary.out.critical"}']).toBe(0);
  });

  it('dead-letters rejected records and undecodable messages with the reason and origin, and the rest flows', async () => {
    await append(TELEMETRY, 0, 3);
    await client.append(TELEMETRY, Buffer.from('this is not an envelope'));
    await client.append(TELEMETRY, Buffer.from(JSON.stringify({ v: 1, samples: [sample(4), { ...sample(5), quality: 'SO-SO' }] })));
    await append(TELEMETRY, 6, 2);
    const dest = new FakeDestination('d1');
    dest.policy = (r) =>
      r.origin.sequenceNumber === 1
        ? { kind: 'rejected', code: 'kinesis_record_too_large', message: 'record of 2 MiB is over the 1 MiB limit' }
        : r.origin.sequenceNumber === 6
          ? { kind: 'accepted', rejectedSamples: [{ samples: r.samples, code: 'TimestampOutOfRangeException', message: 'too old' }] }
          : { kind: 'accepted' };
    const p = make(dest);
    await p.publisher.start();
    await waitFor(async () => (await deadLetters()).length === 4, 10_000, '4 dead letters');
    await waitFor(() => lane(p, TELEMETRY).checkpoint === 7, 10_000, 'checkpoint past everything');
    const letters = await deadLetters();
    const byCode = Object.fromEntries(letters.map((l) => [l.code, l]));
    expect(byCode.kinesis_record_too_large).toMatchObject({ origin: { stream: TELEMETRY, seq: 1 }, destination: 'd1', route: 'telemetry' });
    expect(byCode.kinesis_record_too_large!.samples).toHaveLength(1);
    expect(byCode.envelope_unparseable).toMatchObject({ origin: { seq: 3 } });
    expect(Buffer.from(byCode.envelope_unparseable!.payloadBase64!, 'base64').toString()).toBe('this is not an envelope');
    expect(byCode.envelope_invalid).toMatchObject({ origin: { seq: 4 } });
    expect(byCode.envelope_invalid!.message).toContain('sample 1');
    expect(byCode.TimestampOutOfRangeException).toMatchObject({ origin: { seq: 6 }, message: 'too old' });
    // The valid sample of message 4 was delivered.
    expect(dest.accepted.find((r) => r.origin.sequenceNumber === 4)!.samples.map((s) => s.value)).toEqual([4]);
    expect(dest.acceptedIds()).not.toContain(`${TELEMETRY}#1`);
    expect(p.health.counters.counter('dead_lettered', { destination: 'd1', code: 'kinesis_record_too_large' })).toBe(1);
    expect(p.sink.withMsg('Record dead-lettered: it will not be delivered.').length).toBeGreaterThan(0);
  });

  it('sends critical records that arrive while a bulk backlog drains ahead of that backlog, and bulk still moves', async () => {
    await append(BULK, 0, 3000);
    const dest = new FakeDestination('d1', 100);
    let release!: () => void;
    dest.gate = new Promise((r) => (release = r));
    const p = make(dest, { window: { maxRecords: 5000, maxBytes: 64 << 20 } });
    await p.publisher.start();
    await waitFor(() => dest.calls.length === 1, 10_000, 'first bulk batch in flight');
    await append(CRITICAL, 0, 5);
    await new Promise((r) => setTimeout(r, 300)); // let the critical lane read them
    dest.gate = undefined;
    release();
    await waitFor(() => dest.accepted.length === 3005, 20_000, 'everything');
    const order = dest.acceptedIds();
    const lastCritical = Math.max(...[0, 1, 2, 3, 4].map((i) => order.indexOf(`${CRITICAL}#${i}`)));
    // Only the batch already in flight (100 bulk records) and at most the bulk share of the next one go first.
    expect(lastCritical).toBeLessThan(200);
    // Under a critical flood bulk still gets its share of every batch.
    expect(dest.calls.every((c) => c.length > 0)).toBe(true);
  });

  it('keeps the last send slot for critical records: a bulk backlog fills the others, a critical record goes out at once on its own', async () => {
    await append(BULK, 0, 300);
    const dest = new FakeDestination('d1', 50, 5 << 20, 3);
    let release!: () => void;
    dest.gate = new Promise((r) => (release = r));
    const p = make(dest, { window: { maxRecords: 5000, maxBytes: 64 << 20 } });
    await p.publisher.start();
    await waitFor(() => dest.calls.length === 2, 10_000, 'two bulk batches in flight');
    await new Promise((r) => setTimeout(r, 300));
    expect(dest.calls.length).toBe(2); // the third slot stays free for critical records
    await append(CRITICAL, 0, 2);
    await waitFor(() => dest.calls.length === 3, 10_000, 'a critical batch in the kept slot');
    expect(dest.calls[2]!.every((r) => r.origin.stream === CRITICAL)).toBe(true);
    dest.gate = undefined;
    release();
    await waitFor(() => dest.accepted.length === 302, 20_000, 'everything');
    expect(dest.maxInFlightSeen).toBe(3);
  });

  it('uses every send slot for a backlog when one class alone feeds the destination, or when it allows only 2 sends', async () => {
    await append(BULK, 0, 300);
    const dest = new FakeDestination('d1', 50, 5 << 20, 3);
    let release!: () => void;
    dest.gate = new Promise((r) => (release = r));
    const p = make(dest, { routes: [{ name: 'bulk', streams: [BULK], destination: 'd1', priority: 'bulk', mapping: {} }], window: { maxRecords: 5000, maxBytes: 64 << 20 } });
    await p.publisher.start();
    await waitFor(() => dest.calls.length === 3, 10_000, 'three bulk batches in flight');
    dest.gate = undefined;
    release();
    await waitFor(() => dest.accepted.length === 300, 20_000, 'everything');
    await p.stop();
    running.length = 0;

    await append(BULK, 300, 300);
    const two = new FakeDestination('d1', 50, 5 << 20, 2);
    two.gate = new Promise((r) => (release = r));
    const q = make(two, { window: { maxRecords: 5000, maxBytes: 64 << 20 } });
    await q.publisher.start();
    await waitFor(() => two.calls.length === 2, 10_000, 'two bulk batches in flight');
    two.gate = undefined;
    release();
    await waitFor(() => two.accepted.length === 300, 20_000, 'the other 300');
  });

  it('keeps lower classes moving while a higher class has a large backlog', async () => {
    await append(CRITICAL, 0, 1000);
    await append(BULK, 0, 100);
    const dest = new FakeDestination('d1', 100);
    const p = make(dest);
    await p.publisher.start();
    await waitFor(() => dest.calls.length >= 3, 10_000, '3 batches');
    const firstThree = dest.calls.slice(0, 3).flat();
    expect(firstThree.some((r) => r.origin.stream === BULK)).toBe(true);
    await waitFor(() => dest.accepted.length === 1100, 20_000, 'all');
  });

  it('never holds more than the in-flight window, and after a crash sends again at most that window', async () => {
    await append(TELEMETRY, 0, 500);
    const dest = new FakeDestination('d1', 20, 5 << 20, 2);
    let release!: () => void;
    dest.gate = new Promise((r) => (release = r));
    const p = make(dest, { window: { maxRecords: 50, maxBytes: 8 << 20 } });
    await p.publisher.start();
    await waitFor(() => dest.calls.length === 2, 10_000, 'two batches in flight');
    await new Promise((r) => setTimeout(r, 300));
    expect(lane(p, TELEMETRY).heldCount).toBeLessThanOrEqual(50);
    dest.gate = undefined;
    release();
    await waitFor(() => dest.accepted.length >= 200, 10_000, '200 delivered');
    // Crash: no stop(), the instance is simply abandoned; checkpoints are what they are.
    const stuck = new Promise<void>(() => undefined);
    dest.gate = stuck;
    const delivered = new Set(dest.acceptedIds());
    running.length = 0;
    p.publisher.lanes.forEach((l) => void l.stopReading());
    await new Promise((r) => setTimeout(r, 200)); // a checkpoint write already under way may still land

    const after = new FakeDestination('d1', 100);
    const q = make(after);
    await q.publisher.start();
    await waitFor(() => new Set([...delivered, ...after.acceptedIds()]).size === 500, 20_000, 'all 500 delivered across the crash');
    const duplicates = after.acceptedIds().filter((id) => delivered.has(id));
    expect(duplicates.length).toBeLessThanOrEqual(50);
    running.push(p.publisher as Publisher); // release the abandoned instance's connections after the test
    p.streams.close();
  });

  it('counts records overwritten before delivery as dropped{overwritten} and carries on', async () => {
    // A small OverwriteOldestData stream, a checkpoint at 0, and far more data than it holds.
    const small = 'tributary.out.small';
    const smallSpec: StreamSpec = { name: small, persistence: 'File', maxSize: 64 * 1024, segmentSize: 16 * 1024, strategyOnFull: 'OverwriteOldestData' };
    await client.ensureStream(smallSpec);
    await new CheckpointStore(`${dir}/checkpoints`).save(`${small}@d1`, { next: 0 });
    for (let i = 0; i < 600; i++) await client.append(small, encodeBatch([sample(i, { attrs: { pad: 'x'.repeat(200) } })]));
    const status = await client.describe(small);
    expect(status.oldest).toBeGreaterThan(0);
    const dest = new FakeDestination('d1');
    const p = make(dest, { routes: [{ name: 'small', streams: [small], destination: 'd1', priority: 'bulk', mapping: {} }], streams: [smallSpec] });
    await p.publisher.start();
    await waitFor(() => dest.accepted.length === status.newest - status.oldest + 1, 10_000, 'what is retained');
    expect(p.health.counters.counter('dropped', { reason: 'overwritten', stream: small, destination: 'd1' })).toBe(status.oldest);
  });

  it('routes one stream to two destinations with separate checkpoints; one down does not hold up the other', async () => {
    await append(CRITICAL, 0, 10);
    const up = new FakeDestination('d1');
    const down = new FakeDestination('d2');
    down.failWith = new Error('ECONNREFUSED');
    const p = make([up, down], {
      routes: [
        { name: 'a', streams: [CRITICAL], destination: 'd1', priority: 'critical', mapping: {} },
        { name: 'b', streams: [CRITICAL], destination: 'd2', priority: 'critical', mapping: { topic: 'x/{device}' } },
      ],
    });
    await p.publisher.start();
    await waitFor(() => up.accepted.length === 10, 10_000, 'd1 gets all');
    expect(down.accepted).toHaveLength(0);
    down.failWith = undefined;
    await waitFor(() => down.accepted.length === 10, 10_000, 'd2 catches up');
    expect(down.accepted[0]!.mapping).toEqual({ topic: 'x/{device}' });
  });

  it('reports degraded while the stream manager cannot be read, and running again once it can', async () => {
    await append(CRITICAL, 0, 3);
    const dest = new FakeDestination('d1');
    const p = make(dest, { routes: [{ name: 'critical', streams: [CRITICAL], destination: 'd1', priority: 'critical', mapping: {} }] });
    await p.publisher.start();
    await waitFor(() => dest.accepted.length === 3, 10_000, 'first records');
    await p.publisher.refreshGauges();
    expect(p.health.snapshot().state).toBe('running');
    const port = sm.port;
    await sm.close();
    await waitFor(() => p.publisher.lanes[0]!.readError !== undefined, 10_000, 'a failed read');
    await p.publisher.refreshGauges();
    expect(p.health.snapshot()).toMatchObject({ state: 'degraded' });
    sm = await startStreamManager({ dir: `${dir}/streams`, port });
    await append(CRITICAL, 3, 2);
    await waitFor(() => dest.accepted.length === 5, 20_000, 'records after the restart');
    await p.publisher.refreshGauges();
    expect(p.health.snapshot().state).toBe('running');
  });

  it('creates its streams with their explicit overflow policies', async () => {
    await client.delete(BULK);
    const p = make(new FakeDestination('d1'));
    await p.publisher.start();
    await waitFor(async () => (await client.list()).includes(DLQ) && (await client.list()).includes(BULK), 5000, 'streams');
    expect((await client.describe(BULK)).spec.strategyOnFull).toBe('OverwriteOldestData');
    expect((await client.describe(DLQ)).spec.strategyOnFull).toBe('RejectNewData');
  });
});
