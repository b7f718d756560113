/**
 * Integration: the ELM327 emulator over TCP → ObdCollector (real TCP transport, real
 * Elm327Session, AdapterConnector) → the local stream manager (real peer, via core StreamClient),
 * read back with decodeBatch. Also: the adapter dropping the connection and the collector
 * reconnecting by itself; the emulator going away and coming back on the same port.
 */
import { Backoff, Health, MemoryLogSink, StreamClient, createLogger, decodeBatch, systemClock, type Sample } from '../../core/src';
import { freePort, startStreamManager, tempDir } from '../../../test/helpers/stream-manager';
import { Elm327Server } from '../../../local/simulators/elm327/src/server';
import { ObdCollector, Metric } from './collector';
import { DRIVING_SET, resolvePids, streamSpecOf } from './config';
import { Elm327Session } from './elm327';
import { EnsuringStreamWriter } from './stream-writer';
import { AdapterConnector, openSerialTransport, openTcpTransport } from './transport';
import { execFileSync } from 'node:child_process';

const HAVE_SOCAT = ((): boolean => {
  try {
    execFileSync('which', ['socat'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const RAW = 'tributary.obd.raw';
const EVENTS = 'tributary.obd.events';
const spec = (name: string) => streamSpecOf({ name, persistence: 'File', strategyOnFull: 'OverwriteOldestData', maxSize: 16 << 20 });

async function readAll(client: StreamClient, stream: string): Promise<Sample[]> {
  const out: Sample[] = [];
  let start = 0;
  for (;;) {
    const msgs = await client.read(stream, { start, max: 100, waitMs: 0 });
    if (msgs.length === 0) return out;
    for (const m of msgs) {
      const d = decodeBatch(m.payload);
      if (!d.ok) throw new Error(`undecodable message ${m.sequenceNumber}`);
      out.push(...d.samples);
      start = m.sequenceNumber + 1;
    }
  }
}

import { waitFor } from '../../../test/helpers/wait';

async function setup(opts: { streamManagerLater?: boolean; pty?: boolean } = {}) {
  const dir = tempDir();
  const smPort = await freePort();
  let sm = opts.streamManagerLater ? undefined : await startStreamManager({ dir, port: smPort });
  const startSm = async () => (sm = await startStreamManager({ dir, port: smPort }));
  const emulator = new Elm327Server({ ecuLatencyMs: 5, ...(opts.pty ? { pty: true } : {}) });
  await emulator.start();
  const port = emulator.port;
  const ptyPath = emulator.ptyPath;
  const client = new StreamClient({ port: smPort, backoff: new Backoff({ initialMs: 50, maxMs: 200 }) });
  const health = new Health({ component: 'obd-collector' });
  const sink = new MemoryLogSink();
  const logger = createLogger({ component: 'obd-collector', stream: sink, env: {} });
  const link = new AdapterConnector({
    description: opts.pty ? `serial ${ptyPath}` : `tcp 127.0.0.1:${port}`,
    open: () =>
      opts.pty && ptyPath ? openSerialTransport({ path: ptyPath, baudRate: 38400 }) : openTcpTransport({ host: '127.0.0.1', port, connectTimeoutMs: 1000 }),
    backoff: new Backoff({ initialMs: 50, maxMs: 200 }),
    floorMs: 20,
    health,
    logger,
  });
  const { plans } = resolvePids(DRIVING_SET.map((pid) => ({ pid, intervalMs: 200 })));
  const collector = new ObdCollector({
    link,
    sessionFactory: (t) => new Elm327Session(t, { replyCountHint: true, commandTimeoutMs: 500, resetTimeoutMs: 1000, searchTimeoutMs: 1000 }),
    writer: new EnsuringStreamWriter(client, [spec(RAW), spec(EVENTS)]),
    clock: systemClock,
    logger,
    health,
    writerBackoff: new Backoff({ initialMs: 50, maxMs: 200 }),
    settings: {
      pids: plans,
      pidsPerRead: 6,
      dtcIntervalMs: 60_000,
      ignitionOffPollMs: 300,
      ignitionOffVoltage: 13,
      stream: RAW,
      eventStream: EVENTS,
      maxBufferedSamples: 10_000,
      maxBatchBytes: 64 * 1024,
    },
  });
  const reader = new StreamClient({ port: smPort });
  const close = async () => {
    await collector.stop();
    client.close();
    reader.close();
    await emulator.stop();
    await sm?.close();
  };
  return { startSm, emulator, client, reader, health, collector, link, sink, close, port };
}

describe('ObdCollector with real peers', () => {
  test('emulator over TCP → collector → local stream manager: the driving set read back with names, values and units', async () => {
    const r = await setup();
    try {
      r.emulator.vehicle.addDtc('P0420', 'stored');
      r.collector.start();
      await waitFor(() => r.health.counters.counter(Metric.Written) >= 60, 8000, 'samples written');
      await r.collector.stop();
      const samples = await readAll(r.reader, RAW);
      const vin = r.emulator.vehicle.vin;
      expect(samples.length).toBeGreaterThanOrEqual(60);
      expect(new Set(samples.map((s) => s.device))).toEqual(new Set([vin]));
      expect(samples.find((s) => s.name === 'vin')?.value).toBe(vin);
      const byName = new Map<string, Sample>();
      for (const s of samples) byName.set(s.name, s);
      const units: Record<string, string | undefined> = {
        rpm: 'rpm',
        speed: 'km/h',
        engine_load: '%',
        coolant_temp: '°C',
        intake_temp: '°C',
        maf: 'g/s',
        throttle_pos: '%',
        fuel_level: '%',
        absolute_load: '%',
        timing_advance: '°',
        ambient_air_temp: '°C',
        oil_temp: '°C',
        fuel_rate: 'L/h',
        control_module_voltage: 'V',
        barometric_pressure: 'kPa',
      };
      for (const [name, unit] of Object.entries(units)) {
        const s = byName.get(name);
        expect(s).toBeDefined();
        expect(s!.unit).toBe(unit);
        expect(s!.quality).toBe('GOOD');
        expect(typeof s!.value).toBe('number');
      }
      expect(byName.get('control_module_voltage')!.value as number).toBeGreaterThan(13);
      expect(byName.get('barometric_pressure')!.value as number).toBeGreaterThan(80);
      expect(byName.get('dtc_stored')!.value as string).toContain('P0420');
      expect(byName.get('mil')!.value).toBe(true);
      const events = await readAll(r.reader, EVENTS);
      expect(events.map((e) => [e.name, e.value])).toEqual([['ignition', 'on']]);
      expect(r.health.counters.counter(Metric.Dropped, { reason: 'buffer_full' })).toBe(0);
    } finally {
      await r.close();
    }
  }, 20_000);

  (HAVE_SOCAT ? test : test.skip)('emulator over a pty (socat, like a USB or Bluetooth adapter) → serial transport → collector → stream manager', async () => {
    const r = await setup({ pty: true });
    try {
      expect(r.emulator.ptyPath).toBeDefined();
      r.collector.start();
      await waitFor(() => r.health.counters.counter(Metric.Written) >= 30, 10000, 'samples written over the pty');
      await r.collector.stop();
      const samples = await readAll(r.reader, RAW);
      expect(new Set(samples.map((s) => s.device))).toEqual(new Set([r.emulator.vehicle.vin]));
      expect(samples.map((s) => s.name)).toEqual(expect.arrayContaining(['rpm', 'speed', 'coolant_temp', 'fuel_level']));
      expect(samples.filter((s) => s.name === 'rpm').every((s) => s.quality === 'GOOD' && typeof s.value === 'number')).toBe(true);
    } finally {
      await r.close();
    }
  }, 20_000);

  test('the adapter drops the connection: the collector reconnects by itself and polling goes on', async () => {
    const r = await setup();
    try {
      r.collector.start();
      await waitFor(() => r.health.counters.counter(Metric.Cycles) >= 3, 5000, 'first cycles');
      r.emulator.faults.inject('disconnect');
      await waitFor(() => r.health.counters.counter(Metric.Reconnects) >= 1, 5000, 'the drop to be seen');
      const cyclesAtDrop = r.health.counters.counter(Metric.Cycles);
      await waitFor(() => r.health.counters.counter(Metric.Cycles) >= cyclesAtDrop + 3, 5000, 'cycles after reconnecting');
      expect(r.emulator.faults.fired('disconnect')).toBe(1);
      expect(r.health.status('adapter')?.state).toBe('connected');
      // The emulator goes away entirely and comes back on the same port.
      await r.emulator.stop();
      await waitFor(() => r.health.status('adapter')?.state !== 'connected', 5000, 'adapter down');
      const back = new Elm327Server({ port: r.port, ecuLatencyMs: 5 });
      await back.start();
      try {
        const cycles = r.health.counters.counter(Metric.Cycles);
        await waitFor(() => r.health.counters.counter(Metric.Cycles) >= cycles + 3, 8000, 'cycles after the emulator came back');
        expect(r.health.status('adapter')?.state).toBe('connected');
        await r.collector.stop();
      } finally {
        await back.stop();
      }
      const rpm = (await readAll(r.reader, RAW)).filter((s) => s.name === 'rpm');
      expect(rpm.length).toBeGreaterThan(6);
      expect(rpm.every((s) => s.quality === 'GOOD')).toBe(true);
    } finally {
      await r.close();
    }
  }, 20_000);

  test('ignition off in the emulator: an off event, slow polling, and on again', async () => {
    const r = await setup();
    try {
      r.collector.start();
      await waitFor(() => r.health.counters.counter(Metric.Cycles) >= 2, 5000, 'first cycles');
      r.emulator.vehicle.setIgnition(false);
      await waitFor(() => r.collector.ignition === 'off', 5000, 'ignition off');
      r.emulator.vehicle.setIgnition(true);
      await waitFor(() => r.collector.ignition === 'on', 5000, 'ignition on');
      await waitFor(() => r.health.counters.counter(Metric.Written) > 0 && r.collector.bufferedSamples === 0, 3000, 'writes');
      const events = await readAll(r.reader, EVENTS);
      expect(events.map((e) => e.value)).toEqual(['on', 'off', 'on']);
    } finally {
      await r.close();
    }
  }, 20_000);
});

describe('ObdCollector and a stream manager that is not there yet', () => {
  test('samples are buffered while the stream manager is away, then written (streams created on the way)', async () => {
    const r = await setup({ streamManagerLater: true });
    try {
      r.collector.start();
      await waitFor(() => r.health.counters.counter(Metric.Cycles) >= 5, 5000, 'cycles without a stream manager');
      expect(r.health.counters.counter(Metric.Written)).toBe(0);
      expect(r.collector.bufferedSamples).toBeGreaterThan(0);
      expect(r.health.status('stream_manager')?.state).toBe('backing_off');
      await r.startSm();
      await waitFor(() => r.health.counters.counter(Metric.Written) > 0 && r.collector.bufferedSamples === 0, 8000, 'the backlog to be written');
      await r.collector.stop();
      const samples = await readAll(r.reader, RAW);
      const rpm = samples.filter((s) => s.name === 'rpm');
      // Several cycles' worth (a loaded machine may fit fewer cycles in the wait); that none was
      // lost is the Written check below.
      expect(rpm.length).toBeGreaterThanOrEqual(3);
      // In order, source timestamps kept.
      expect(rpm.map((s) => s.ts)).toEqual([...rpm.map((s) => s.ts)].sort((a, b) => a - b));
      expect(r.health.counters.counter(Metric.Written)).toBe(samples.length + (await readAll(r.reader, EVENTS)).length);
      expect(r.health.counters.counter(Metric.Dropped, { reason: 'buffer_full' })).toBe(0);
    } finally {
      await r.close();
    }
  }, 20_000);
});
