/**
 * The aggregator against the local stream manager (a real peer): raw streams → out streams,
 * dead letters, a restart in the middle of a window, a crash between the appends and the
 * checkpoint, a full output stream, a configuration update.
 */
import * as fs from 'node:fs';
import {
  Backoff,
  CheckpointStore,
  Health,
  MemoryLogSink,
  StreamClient,
  createLogger,
  encodeBatch,
  systemClock,
  type Sample,
} from '../../core/src';
import { startStreamManager, tempDir } from '../../../test/helpers/stream-manager';
import { waitFor } from '../../../test/helpers/wait';
import type { LocalStreamManager } from '../../../local/stream-manager/src/server';
import { Aggregator, Metric, type CheckpointStorage, type DeadLetter } from './aggregator';
import type { AggregatorConfig } from './config';
import { T0, readAllMessages, readAllSamples, sample, testConfig } from './testing/fixtures';

const OBD = 'tributary.obd.raw';
const GPS = 'tributary.gps.raw';
const OPCUA = 'tributary.opcua.raw';
const OUT = { critical: 'tributary.out.critical', telemetry: 'tributary.out.telemetry', summary: 'tributary.out.summary', deadletter: 'tributary.aggregator.deadletter' };

function config(over: Parameters<typeof testConfig>[0] = {}): AggregatorConfig {
  return testConfig({
    inputs: [OBD, GPS, OPCUA, 'tributary.opcda.raw'],
    read: { idleWaitMs: 20 },
    windows: { sizeMs: 10_000, allowedLatenessMs: 0, idleCloseMs: 0 },
    ...over,
  });
}

interface Instance {
  agg: Aggregator;
  client: StreamClient;
  health: Health;
  logs: MemoryLogSink;
}

let sm: LocalStreamManager;
let dir: string;
let writer: StreamClient;
let reader: StreamClient;
const instances: Instance[] = [];

function instance(c: AggregatorConfig, checkpoints?: CheckpointStorage): Instance {
  const logs = new MemoryLogSink();
  const client = new StreamClient({ port: sm.port, backoff: new Backoff({ initialMs: 20, maxMs: 100 }), requestTimeoutMs: 3000 });
  const health = new Health({ component: 'aggregator' });
  const agg = new Aggregator({
    config: c,
    streams: client,
    checkpoints: checkpoints ?? new CheckpointStore(`${dir}/checkpoints`),
    clock: systemClock,
    logger: createLogger({ component: 'aggregator', stream: logs, env: {} }),
    health,
    backoff: () => new Backoff({ initialMs: 20, maxMs: 100 }),
  });
  const i = { agg, client, health, logs };
  instances.push(i);
  return i;
}

async function write(stream: string, samples: Sample[] | Buffer): Promise<number> {
  await writer.ensureStream({ name: stream, strategyOnFull: 'OverwriteOldestData', maxSize: 16 << 20 });
  return writer.append(stream, Buffer.isBuffer(samples) ? samples : encodeBatch(samples));
}

const key = (s: Sample): string => `${s.device}|${s.name}|${s.ts}`;

beforeEach(async () => {
  dir = tempDir('tributary-aggregator-');
  sm = await startStreamManager({ dir: `${dir}/sm` });
  writer = new StreamClient({ port: sm.port });
  reader = new StreamClient({ port: sm.port });
});

afterEach(async () => {
  for (const i of instances.splice(0)) {
    await i.agg.stop();
    i.client.close();
  }
  writer.close();
  reader.close();
  await sm.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('raw streams → critical, telemetry (GPS-enriched), summary; malformed input dead-lettered, the rest flows', async () => {
  const { agg, health } = instance(config());
  agg.start();
  await write(GPS, ['lat', 'lon', 'speed', 'heading'].map((name, k) => sample({ device: 'V1', source: 'gps', name, value: [48.1, 11.5, 13.9, 90][k]!, ts: T0 })));
  // Inputs are read in order each round (OBD before GPS): let the fix be read before the OBD
  // records arrive, or the first ones would (rightly) go out without a position.
  await waitFor(() => health.counters.counter(Metric.Received, { stream: GPS }) === 4, 10_000, 'the GPS fix read');
  const obd: Sample[] = [];
  for (let i = 0; i < 20; i++) {
    const ts = T0 + i * 500;
    const cycle = [sample({ name: 'rpm', value: i < 10 ? 2000 : 3000, ts, unit: 'rpm' }), sample({ name: 'speed', value: 50 + i, ts, unit: 'km/h' }), sample({ name: 'absolute_load', value: 40, ts, quality: 'UNCERTAIN' })];
    obd.push(...cycle);
    await write(OBD, cycle);
    if (i === 5) await write(OBD, Buffer.from('not json at all'));
    if (i === 6) await write(OBD, Buffer.from(JSON.stringify({ v: 1, samples: [sample({ name: 'coolant_temp', value: 90, ts }), { name: 'broken' }] })));
  }
  obd.push(sample({ name: 'coolant_temp', value: 90, ts: T0 + 3000 }));
  // The OPC UA stream appears only now: it was waited for, not an error.
  await write(OPCUA, [sample({ device: 'plant-1', source: 'opcua', name: 'site/area/line1/filler/HighTempAlarm', value: true, ts: T0 + 2000 })]);
  await write(OBD, [sample({ name: 'rpm', value: 2900, ts: T0 + 10_000 })]); // closes the first window

  await waitFor(() => health.counters.counter(Metric.Written, { stream: OUT.summary }) > 0 && health.counters.counter(Metric.DeadLettered, { reason: 'sample_invalid' }) === 1, 10_000, 'summary and dead letters');
  await agg.stop();

  const telemetry = await readAllSamples(reader, OUT.telemetry);
  const obdOut = telemetry.filter((s) => s.source === 'obd');
  expect(obdOut.map(key).sort()).toEqual([...obd, sample({ name: 'rpm', value: 2900, ts: T0 + 10_000 })].map(key).sort());
  // Source timestamps and quality untouched; GPS attrs within maxAgeMs (5 s) of the fix.
  const load = obdOut.find((s) => s.name === 'absolute_load' && s.ts === T0 + 1000)!;
  expect(load).toEqual({ ...sample({ name: 'absolute_load', value: 40, ts: T0 + 1000, quality: 'UNCERTAIN' }), attrs: { gps_lat: 48.1, gps_lon: 11.5, gps_speed: 13.9, gps_heading: 90, gps_ts: T0 } });
  expect(obdOut.find((s) => s.name === 'rpm' && s.ts === T0 + 9500)!.attrs).toBeUndefined();
  expect(telemetry.filter((s) => s.source === 'gps')).toHaveLength(4);

  const critical = await readAllSamples(reader, OUT.critical);
  expect(critical.map((s) => `${s.name}=${s.value}@${s.ts - T0}`).sort()).toEqual(['event.high_rpm=active@5000', 'event.opc_alarm=active@2000']);

  const summary = await readAllSamples(reader, OUT.summary);
  const stat = (name: string): Sample['value'] | undefined => summary.find((s) => s.name === name && s.device === 'V1' && s.ts === T0)?.value;
  expect(stat('rpm.count')).toBe(20);
  expect(stat('rpm.mean')).toBeCloseTo(2500, 6);
  expect(stat('speed.max')).toBe(69);
  expect(summary.find((s) => s.name === 'absolute_load.mean')?.quality).toBe('UNCERTAIN');

  const dead = (await readAllMessages(reader, OUT.deadletter)).map((m) => JSON.parse(m.payload.toString()) as DeadLetter);
  expect(dead).toEqual([
    expect.objectContaining({ reason: 'envelope_unparseable', origin: expect.objectContaining({ stream: OBD, sequenceNumber: 6 }), payloadBase64: Buffer.from('not json at all').toString('base64') }),
    expect.objectContaining({ reason: 'sample_invalid', origin: expect.objectContaining({ stream: OBD, sequenceNumber: 8 }), samples: [expect.objectContaining({ index: 1, value: { name: 'broken' } })] }),
  ]);
  expect(health.counters.counter(Metric.DeadLettered, { reason: 'envelope_unparseable' })).toBe(1);
  expect(health.counters.counter(Metric.Received, { stream: OBD })).toBe(obd.length + 1);
  expect(health.counters.counter(Metric.Written, { stream: OUT.telemetry })).toBe(telemetry.length);
  expect(health.status(`input:tributary.opcda.raw`)?.state).toBe('waiting');
});

test('restart in the middle of a window: the open window is rebuilt and its summary emitted once, with every value', async () => {
  const c = config();
  const a = instance(c);
  a.agg.start();
  for (let i = 0; i < 6; i++) await write(OBD, [sample({ name: 'rpm', value: 1000 + i, ts: T0 + i * 1000 })]);
  await waitFor(() => a.agg.readPositions[OBD] === 6, 5000, 'first half read');
  await a.agg.stop();
  expect(await readAllSamples(reader, OUT.summary)).toEqual([]);

  const b = instance(c);
  b.agg.start();
  for (let i = 6; i < 10; i++) await write(OBD, [sample({ name: 'rpm', value: 1000 + i, ts: T0 + i * 1000 })]);
  await write(OBD, [sample({ name: 'rpm', value: 5000, ts: T0 + 10_000 })]);
  await waitFor(() => b.health.counters.counter(Metric.Summaries) >= 1, 5000, 'summary');
  await b.agg.stop();

  const counts = (await readAllSamples(reader, OUT.summary)).filter((s) => s.name === 'rpm.count');
  expect(counts).toEqual([expect.objectContaining({ ts: T0, value: 10 })]);
  const mean = (await readAllSamples(reader, OUT.summary)).find((s) => s.name === 'rpm.mean');
  expect(mean?.value).toBe(1004.5);
});

test('crash after the appends but before the checkpoint: the replay fills every gap, duplicates only the last round', async () => {
  const c = config({ checkpoint: { intervalMs: 0 } });
  // A store whose state saves hang once armed: the process "dies" there (kill -9 equivalent).
  const real = new CheckpointStore(`${dir}/checkpoints`);
  let armed = false;
  let hung = false;
  const hanging: CheckpointStorage = {
    load: (k) => real.load(k),
    save: (k, v) => {
      if (armed && k === 'state') {
        hung = true;
        return new Promise<void>(() => undefined);
      }
      return real.save(k, v);
    },
  };
  const a = instance(c, hanging);
  a.agg.start();
  const batch = (from: number, to: number): Sample[] => {
    const out: Sample[] = [];
    for (let i = from; i < to; i++) out.push(sample({ name: 'rpm', value: i < 15 ? 2000 : 3000, ts: T0 + i * 200 }), sample({ name: 'speed', value: i, ts: T0 + i * 200 }));
    return out;
  };
  await write(OBD, batch(0, 10));
  await waitFor(() => a.health.counters.counter(Metric.Checkpoints) >= 1 && a.agg.readPositions[OBD] === 1, 5000, 'first round checkpointed');
  armed = true;
  await write(OBD, batch(10, 20));
  await waitFor(() => hung, 5000, 'appends done, checkpoint hanging');
  const written = a.health.counters.counter(Metric.Written, { stream: OUT.telemetry });
  expect(written).toBe(40);
  a.client.close(); // the process is gone; its loop never resumes
  instances.splice(instances.indexOf(a), 1);

  const b = instance(c);
  b.agg.start();
  await write(OBD, batch(20, 30));
  await write(OBD, [sample({ name: 'rpm', value: 100, ts: T0 + 20_000 })]);
  await waitFor(() => b.health.counters.counter(Metric.Summaries) >= 2, 5000, 'summaries');
  await b.agg.stop();
  expect(b.health.counters.counter(Metric.ReplayedRounds)).toBe(1);

  const telemetry = await readAllSamples(reader, OUT.telemetry);
  const seen = new Map<string, number>();
  for (const s of telemetry) seen.set(key(s), (seen.get(key(s)) ?? 0) + 1);
  const input = [...batch(0, 30), sample({ name: 'rpm', value: 100, ts: T0 + 20_000 })];
  // No gap: every input sample is there; duplicates only from the replayed round (batch 2).
  for (const s of input) expect([key(s), (seen.get(key(s)) ?? 0) >= 1]).toEqual([key(s), true]);
  const dups = input.filter((s) => seen.get(key(s))! > 1).map(key);
  expect(dups).toEqual(batch(10, 20).map(key));
  // The detector state was rebuilt by the replay: one activation (re-appended by the replay, identical), one clearing.
  const events = (await readAllSamples(reader, OUT.critical)).map((s) => `${s.value}@${s.ts - T0}`);
  expect(events).toEqual(['active@3000', 'active@3000', 'cleared@20000']);
  // Summaries are emitted after the replay, from the rebuilt windows: each value counted once.
  const counts = (await readAllSamples(reader, OUT.summary)).filter((s) => s.name === 'rpm.count').map((s) => [s.ts - T0, s.value]);
  expect(counts).toEqual([[0, 30]]);
});

test('a full output stream (RejectNewData) holds the round and retries until there is room: nothing is dropped', async () => {
  const c = config({ outputs: { critical: { maxSize: 4096 } }, maxBatchBytes: 1024, events: { standard: ['high_rpm'] } });
  const { agg, health } = instance(c);
  agg.start();
  const input: Sample[] = [];
  for (let m = 0; m < 6; m++) {
    const batch: Sample[] = [];
    for (let i = 0; i < 10; i++) batch.push(sample({ name: 'rpm', value: (m * 10 + i) % 2 === 0 ? 3000 : 2000, ts: T0 + (m * 10 + i) * 100 }));
    input.push(...batch);
    await write(OBD, batch);
  }
  await waitFor(() => health.counters.counter(Metric.OutputFull, { stream: OUT.critical }) >= 2, 5000, 'appends refused as full');
  expect(health.state).toBe('degraded');
  expect(health.status(`output:${OUT.critical}`)?.state).toBe('full');
  // Make room, as an operator (or a draining consumer) would: the held round then goes through.
  await writer.ensureStream({ name: OUT.critical, strategyOnFull: 'RejectNewData', maxSize: 1 << 20 });
  await waitFor(() => agg.readPositions[OBD] === 6, 5000, 'every round written');
  await agg.stop();
  const critical = await readAllSamples(reader, OUT.critical);
  expect(critical.map((s) => [s.ts, s.value])).toEqual(input.map((s) => [s.ts, s.value === 3000 ? 'active' : 'cleared']));
  expect(health.counters.counter(Metric.Dropped, { reason: 'rejected' })).toBe(0);
  expect((await readAllSamples(reader, OUT.telemetry)).length).toBe(60);
});

test('a configuration update applies at a round boundary: open windows of the old size are closed, nothing is lost; a bad rule is refused', async () => {
  const { agg, health, logs } = instance(config());
  agg.start();
  const input: Sample[] = [];
  for (let i = 0; i < 5; i++) input.push(sample({ name: 'rpm', value: 1000 + i, ts: T0 + i * 1000 }));
  await write(OBD, input);
  await waitFor(() => agg.readPositions[OBD] === 1, 5000, 'first batch read');
  expect(agg.reconfigure(config({ events: { rules: [{ id: 'bad', when: 'speed >', severity: 'warning' }] } }))).toBe(false);
  expect(logs.withMsg('Configuration update refused: rules do not compile; keeping the current configuration.')[0]).toMatchObject({ problems: [expect.stringContaining('/events/rules/0/when: invalid expression speed >')] });
  expect(agg.reconfigure(config({ windows: { sizeMs: 5000, allowedLatenessMs: 0, idleCloseMs: 0 }, events: { rules: [{ id: 'speeding', when: 'speed > 120', severity: 'critical' }] } }))).toBe(true);
  // The update lands at the next round boundary: send the next records once it has (on a busy
  // machine they could otherwise be read in a round still under the old windows).
  await waitFor(() => logs.withMsg('Configuration applied.').length === 1, 5000, 'the update applied');
  const more = [sample({ name: 'rpm', value: 2000, ts: T0 + 6000 }), sample({ name: 'speed', value: 130, ts: T0 + 6000 }), sample({ name: 'rpm', value: 2100, ts: T0 + 11_000 })];
  await write(OBD, more);
  await waitFor(() => agg.readPositions[OBD] === 2 && health.counters.counter(Metric.Summaries) >= 3, 5000, 'second batch and summaries');
  await agg.stop();
  const summary = (await readAllSamples(reader, OUT.summary)).filter((s) => s.name === 'rpm.count').map((s) => [s.ts - T0, s.value, s.attrs?.window]);
  expect(summary).toEqual([
    [0, 5, '10s'],
    [5000, 1, '5s'],
  ]);
  expect((await readAllSamples(reader, OUT.critical)).map((s) => s.name)).toEqual(['event.speeding']);
  expect((await readAllSamples(reader, OUT.telemetry)).map(key)).toEqual([...input, ...more].map(key));
});

test('the stream manager going away and coming back: degraded meanwhile, then every record is written', async () => {
  const { agg, health } = instance(config());
  agg.start();
  const first = [sample({ name: 'rpm', value: 1000, ts: T0 })];
  await write(OBD, first);
  await waitFor(() => agg.readPositions[OBD] === 1, 5000, 'first record');
  const port = sm.port;
  await sm.close();
  await waitFor(() => health.state === 'degraded', 5000, 'degraded');
  expect(health.status('stream_manager')?.state).toBe('backing_off');
  sm = await startStreamManager({ dir: `${dir}/sm`, port });
  const second = [sample({ name: 'rpm', value: 1100, ts: T0 + 1000 })];
  // The test's own writer may still hold the dropped connection: its first request can fail with
  // the retryable stream_connection_lost (and the next one reconnects), as any producer sees.
  await write(OBD, second).catch(async (err: { code?: string }) => {
    if (err.code !== 'stream_connection_lost') throw err;
    await write(OBD, second);
  });
  await waitFor(() => agg.readPositions[OBD] === 2, 8000, 'second record after the restart');
  await waitFor(() => health.state === 'running', 5000, 'running again');
  await agg.stop();
  expect((await readAllSamples(reader, OUT.telemetry)).map(key)).toEqual([...first, ...second].map(key));
});

test('crash with several rounds logged since the checkpoint: only the last logged round is appended again', async () => {
  const c = config({ checkpoint: { intervalMs: 600_000 } });
  const real = new CheckpointStore(`${dir}/checkpoints`);
  let roundLogs = 0;
  let hung = false;
  // The 4th round log write never completes: the process dies before that round's appends.
  const hanging: CheckpointStorage = {
    load: (k) => real.load(k),
    save: (k, v) => {
      if (k === 'rounds' && ++roundLogs === 4) {
        hung = true;
        return new Promise<void>(() => undefined);
      }
      return real.save(k, v);
    },
  };
  const a = instance(c, hanging);
  a.agg.start();
  const msgs: Sample[][] = [];
  for (let r = 0; r < 4; r++) {
    msgs.push([sample({ name: 'rpm', value: 1000 + r, ts: T0 + r * 1000 }), sample({ name: 'speed', value: r, ts: T0 + r * 1000 })]);
    await write(OBD, msgs[r]!);
    if (r < 3) await waitFor(() => a.agg.readPositions[OBD] === r + 1, 5000, `round ${r + 1}`);
  }
  await waitFor(() => hung, 5000, 'round log hanging');
  a.client.close();
  instances.splice(instances.indexOf(a), 1);

  const b = instance(c);
  b.agg.start();
  await write(OBD, [sample({ name: 'rpm', value: 1, ts: T0 + 10_000 })]);
  await waitFor(() => b.agg.readPositions[OBD] === 5, 5000, 'everything read');
  await b.agg.stop();
  expect(b.health.counters.counter(Metric.ReplayedRounds)).toBe(3);
  const telemetry = (await readAllSamples(reader, OUT.telemetry)).map(key);
  expect(telemetry).toEqual([...msgs[0]!, ...msgs[1]!, ...msgs[2]!, ...msgs[2]!, ...msgs[3]!, sample({ name: 'rpm', value: 1, ts: T0 + 10_000 })].map(key));
  const counts = (await readAllSamples(reader, OUT.summary)).filter((s) => s.name === 'rpm.count').map((s) => s.value);
  expect(counts).toEqual([4]);
});

test('idle inputs: after idleCloseMs the watermark follows the clock, so the last window of a trip is written', async () => {
  const { agg, health } = instance(config({ windows: { sizeMs: 10_000, allowedLatenessMs: 0, idleCloseMs: 100 } }));
  agg.start();
  const ts = Math.floor((Date.now() - 60_000) / 10_000) * 10_000;
  await write(OBD, [sample({ name: 'rpm', value: 900, ts }), sample({ name: 'rpm', value: 1100, ts: ts + 1000 })]);
  await waitFor(() => health.counters.counter(Metric.Summaries) === 1, 5000, 'summary of the idle window');
  await agg.stop();
  const count = (await readAllSamples(reader, OUT.summary)).find((s) => s.name === 'rpm.count');
  expect(count).toMatchObject({ ts, value: 2 });
});
