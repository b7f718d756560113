/**
 * gpsd mode against the real gpsd (Debian's gpsd + gpsfake, which `.ci/run` installs): gpsfake
 * replays a real receiver's log through a gpsd on a free port; the collector's gpsd source
 * follows it, and every position it writes must be one gpsd's own regression output
 * (test/fixtures/gpsd-nmea/*.chk) reports for that log. Skipped where gpsfake is absent.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Backoff, Health, MemoryLogSink, createLogger, decodeBatch, systemClock, type Sample } from '../../core/src';
import { freePort } from '../../../test/helpers/stream-manager';
import { GpsCollector } from './collector';
import { streamSpecOf } from './config';
import { gpsdSource } from './sources/gpsd';
import { waitFor } from './testing/gpsd-fake';

const HAVE_GPSFAKE = ((): boolean => {
  try {
    execFileSync('which', ['gpsfake', 'gpsd'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const LOG = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'gpsd-nmea', 'neo-m8n.log');

(HAVE_GPSFAKE ? test : test.skip)('gpsd + gpsfake replaying a u-blox NEO-M8N log: positions match gpsd regression output', async () => {
  const expected = fs
    .readFileSync(`${LOG}.chk`, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"class":"TPV"'))
    .map((l) => JSON.parse(l) as { time?: string; lat?: number; lon?: number; mode: number })
    .filter((t) => t.time && t.lat !== undefined);
  expect(expected.length).toBeGreaterThan(10);
  const port = await freePort();
  // Its own process group, so that gpsfake and the gpsd it starts stop together.
  const fake = spawn('gpsfake', ['-q', '-P', String(port), '-c', '0.02', LOG], { stdio: 'ignore', detached: true });
  const writes: Sample[] = [];
  const collector = new GpsCollector({
    source: gpsdSource({ host: '127.0.0.1', port, backoff: new Backoff({ initialMs: 50, maxMs: 200 }) }),
    writer: {
      append: async (_s, p) => {
        const d = decodeBatch(p);
        if (d.ok) writes.push(...d.samples);
        return 0;
      },
    },
    clock: systemClock,
    logger: createLogger({ component: 'gps-collector', stream: new MemoryLogSink(), env: {} }),
    health: new Health({ component: 'gps-collector' }),
    settings: {
      deviceId: 'neo-m8n',
      rateHz: 50,
      stream: streamSpecOf({ name: 'tributary.gps.raw', strategyOnFull: 'OverwriteOldestData', persistence: 'File', maxSize: 16 << 20 }),
      maxBufferedSamples: 10000,
      maxBatchBytes: 64 * 1024,
      maxGoodHdop: 20,
      staleAfterMs: 0,
    },
  });
  try {
    collector.start();
    await waitFor(() => writes.filter((s) => s.name === 'lat').length >= 5, 15000, 'positions from gpsd');
    await collector.stop();
    const lats = writes.filter((s) => s.name === 'lat');
    for (const s of lats) {
      const iso = new Date(s.ts).toISOString();
      const match = expected.find((t) => t.time === iso);
      expect({ iso, found: match !== undefined }).toEqual({ iso, found: true });
      expect(Math.abs((s.value as number) - match!.lat!)).toBeLessThan(1e-6);
      const lon = writes.find((x) => x.name === 'lon' && x.ts === s.ts);
      expect(Math.abs((lon!.value as number) - match!.lon!)).toBeLessThan(1e-6);
    }
  } finally {
    await collector.stop();
    try {
      process.kill(-fake.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}, 30000);
