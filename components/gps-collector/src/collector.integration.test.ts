/**
 * Integration: the NMEA simulator over TCP → GpsCollector (real TCP source) → the local stream
 * manager (real peer, via core StreamClient), read back with decodeBatch. Also: the stream
 * manager going away and coming back (buffering), and a source spewing garbage.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { Backoff, Health, StreamClient, createLogger, decodeBatch, MemoryLogSink, systemClock, type Sample } from '../../core/src';
import { startStreamManager, tempDir } from '../../../test/helpers/stream-manager';
import { NmeaSimulator } from '../../../local/simulators/nmea/simulator';
import { GpsCollector, Metric, type CollectorSettings } from './collector';
import { streamSpecOf } from './config';
import { nmeaTcpSource } from './sources/nmea-tcp';
import { gpsdSource } from './sources/gpsd';
import { GpsdFake, waitFor } from './testing/gpsd-fake';

const STREAM = 'tributary.gps.raw';

function settings(over: Partial<CollectorSettings> = {}): CollectorSettings {
  return {
    deviceId: 'sim-car',
    rateHz: 5,
    stream: streamSpecOf({ name: STREAM, strategyOnFull: 'OverwriteOldestData', persistence: 'File', maxSize: 16 << 20 }),
    maxBufferedSamples: 10000,
    maxBatchBytes: 64 * 1024,
    maxGoodHdop: 20,
    staleAfterMs: 0,
    ...over,
  };
}

async function readAll(client: StreamClient): Promise<Sample[]> {
  const out: Sample[] = [];
  let start = 0;
  for (;;) {
    const msgs = await client.read(STREAM, { start, max: 100, waitMs: 0 });
    if (msgs.length === 0) return out;
    for (const m of msgs) {
      const d = decodeBatch(m.payload);
      if (!d.ok) throw new Error(`undecodable message ${m.sequenceNumber}`);
      out.push(...d.samples);
      start = m.sequenceNumber + 1;
    }
  }
}

describe('GpsCollector with real peers', () => {
  test('simulator → collector → local stream manager: samples read back with GPS timestamps', async () => {
    const dir = tempDir();
    const sm = await startStreamManager({ dir });
    const sim = new NmeaSimulator({ rateHz: 10, startTime: new Date(Date.UTC(2025, 5, 1, 8, 0, 0)), faults: { badChecksumRate: 0.05, truncateRate: 0.05, lossOfFix: { everyEpochs: 10, forEpochs: 2 } }, seed: 3 });
    await sim.start();
    const writer = new StreamClient({ port: sm.port });
    const reader = new StreamClient({ port: sm.port });
    const health = new Health({ component: 'gps-collector' });
    const collector = new GpsCollector({
      source: nmeaTcpSource({ host: '127.0.0.1', port: sim.port, backoff: new Backoff({ initialMs: 20, maxMs: 200 }) }),
      writer,
      clock: systemClock,
      logger: createLogger({ component: 'gps-collector', stream: new MemoryLogSink(), env: {} }),
      health,
      settings: settings({ rateHz: 10 }),
    });
    try {
      collector.start();
      await waitFor(() => health.counters.counter(Metric.SamplesWritten) >= 80, 8000, 'samples written').catch((e) => { throw new Error(e.message + JSON.stringify(health.snapshot())); });
      await collector.stop();
      const samples = await readAll(reader);
      expect(samples.length).toBe(health.counters.counter(Metric.SamplesWritten));
      const lats = samples.filter((s) => s.name === 'lat');
      expect(lats.length).toBeGreaterThan(5);
      expect(lats.every((s) => s.quality === 'GOOD' && s.device === 'sim-car' && s.source === 'gps')).toBe(true);
      // Timestamps are the simulator's GPS time (2025-06-01), not the wall clock.
      const day = Date.UTC(2025, 5, 1);
      expect(samples.every((s) => s.ts >= day && s.ts < day + 86_400_000)).toBe(true);
      expect(samples.some((s) => s.name === 'fix' && s.value === 1 && s.quality === 'BAD')).toBe(true);
      expect(health.counters.counter(Metric.BadChecksums)).toBeGreaterThan(0);
      const status = await reader.describe(STREAM);
      expect(status).toBeDefined();
    } finally {
      await collector.stop();
      writer.close();
      reader.close();
      await sim.stop();
      await sm.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('buffers while the stream manager is down and delivers after it comes back', async () => {
    const dir = tempDir();
    let sm = await startStreamManager({ dir });
    const port = sm.port;
    const sim = new NmeaSimulator({ rateHz: 10, startTime: new Date(Date.UTC(2025, 5, 1, 9, 0, 0)) });
    await sim.start();
    const writer = new StreamClient({ port, backoff: new Backoff({ initialMs: 20, maxMs: 100 }), requestTimeoutMs: 1000 });
    const health = new Health({ component: 'gps-collector' });
    const collector = new GpsCollector({
      source: nmeaTcpSource({ host: '127.0.0.1', port: sim.port }),
      writer,
      clock: systemClock,
      logger: createLogger({ component: 'gps-collector', stream: new MemoryLogSink(), env: {} }),
      health,
      settings: settings({ rateHz: 20 }),
      writeBackoff: new Backoff({ initialMs: 20, maxMs: 100 }),
    });
    let reader: StreamClient | undefined;
    try {
      collector.start();
      await waitFor(() => health.counters.counter(Metric.SamplesWritten) > 0, 5000, 'first write');
      await sm.close();
      await waitFor(() => collector.backlog > 30, 5000, 'backlog while down');
      expect(health.status('stream_manager')!.state).toBe('backing_off');
      sm = await startStreamManager({ dir, port });
      await waitFor(() => collector.backlog === 0, 8000, 'backlog drained');
      await collector.stop();
      reader = new StreamClient({ port });
      const samples = await readAll(reader);
      expect(health.counters.counter(Metric.Dropped, { reason: 'buffer_full' })).toBe(0);
      expect(samples.length).toBe(health.counters.counter(Metric.SamplesWritten));
      const ts = samples.filter((s) => s.name === 'lat').map((s) => s.ts);
      expect([...ts].sort((a, b) => a - b)).toEqual(ts);
      // No fix lost in the outage: every 3D fix is either written or was skipped by the rate limiter
      // (two fixes within one tick: the timers of simulator and collector are not in phase).
      const skipped = health.counters.counter(Metric.FixesSkipped, { reason: 'rate' });
      expect(ts.length + skipped).toBe(health.counters.counter(Metric.Fixes, { mode: 3 }));
      let missing = 0;
      for (let i = 1; i < ts.length; i++) {
        expect((ts[i]! - ts[i - 1]!) % 100).toBe(0);
        missing += (ts[i]! - ts[i - 1]!) / 100 - 1;
      }
      expect(missing).toBe(skipped);
    } finally {
      await collector.stop();
      writer.close();
      reader?.close();
      await sim.stop();
      await sm.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a TCP source sending random bytes never crashes the collector', async () => {
    const sockets: net.Socket[] = [];
    let seed = 99;
    const rnd = (): number => (seed = (seed * 48271) % 0x7fffffff) / 0x7fffffff;
    const server = net.createServer((s) => {
      sockets.push(s);
      s.on('error', () => undefined);
      const buf = Buffer.alloc(200_000);
      for (let i = 0; i < buf.length; i++) buf[i] = rnd() < 0.05 ? 0x0a : rnd() < 0.1 ? 0x24 : Math.floor(rnd() * 256);
      s.end(buf);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    const writes: Buffer[] = [];
    const health = new Health({ component: 'gps-collector' });
    const collector = new GpsCollector({
      source: nmeaTcpSource({ host: '127.0.0.1', port, backoff: new Backoff({ initialMs: 50, maxMs: 50 }) }),
      writer: { append: async (_s, p) => writes.push(p) },
      clock: systemClock,
      logger: createLogger({ component: 'gps-collector', stream: new MemoryLogSink(), env: {} }),
      health,
      settings: settings(),
    });
    try {
      collector.start();
      await waitFor(() => sockets.length >= 2, 5000, 'reconnect after the garbage peer hung up');
      await waitFor(() => health.counters.counter(Metric.SentencesInvalid) + health.counters.counter(Metric.BadChecksums) > 1000, 5000, 'garbage counted');
      expect(writes.length).toBe(0);
    } finally {
      await collector.stop();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  test('gpsd mode against a gpsd-protocol fake: TPV/SKY → samples; reconnects when gpsd drops the client', async () => {
    const gpsd = new GpsdFake();
    await gpsd.start();
    const writes: Sample[] = [];
    const health = new Health({ component: 'gps-collector' });
    const collector = new GpsCollector({
      source: gpsdSource({ host: '127.0.0.1', port: gpsd.port, backoff: new Backoff({ initialMs: 20, maxMs: 100 }) }),
      writer: {
        append: async (_s, p) => {
          const d = decodeBatch(p);
          if (d.ok) writes.push(...d.samples);
          return 0;
        },
      },
      clock: systemClock,
      logger: createLogger({ component: 'gps-collector', stream: new MemoryLogSink(), env: {} }),
      health,
      settings: settings({ rateHz: 20 }),
    });
    const t0 = Date.UTC(2025, 5, 1, 10, 0, 0);
    try {
      collector.start();
      await waitFor(() => gpsd.watchers === 1, 3000, 'watch');
      gpsd.send({ class: 'SKY', hdop: 0.8, nSat: 11, uSat: 9 });
      gpsd.send({ class: 'TPV', mode: 3, time: new Date(t0).toISOString(), lat: 48.1, lon: 11.5, altMSL: 520, altHAE: 567, speed: 12.5, track: 270 });
      await waitFor(() => writes.some((s) => s.name === 'lat'), 3000, 'samples');
      gpsd.dropClients();
      await waitFor(() => gpsd.watchers === 1 && gpsd.commands.length === 2, 3000, 're-watch');
      gpsd.send({ class: 'TPV', mode: 1, time: new Date(t0 + 1000).toISOString() });
      await waitFor(() => writes.some((s) => s.ts === t0 + 1000), 3000, 'no-fix samples');
      const first = writes.filter((s) => s.ts === t0);
      expect(Object.fromEntries(first.map((s) => [s.name, s.value]))).toEqual({ lat: 48.1, lon: 11.5, alt: 520, speed: 12.5, heading: 270, hdop: 0.8, satellites: 9, fix: 3 });
      const second = writes.filter((s) => s.ts === t0 + 1000);
      expect(second.find((s) => s.name === 'fix')).toMatchObject({ value: 1, quality: 'BAD' });
      expect(second.some((s) => s.name === 'lat')).toBe(false);
    } finally {
      await collector.stop();
      await gpsd.stop();
    }
  });
});
