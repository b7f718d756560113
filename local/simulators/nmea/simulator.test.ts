import * as net from 'node:net';
import { NmeaReader } from '../../../components/gps-collector/src/nmea/reader';
import { distance, Route, DEFAULT_ROUTE } from './route';
import { NmeaSimulator, socatAvailable } from './simulator';

const START = new Date(Date.UTC(2025, 5, 1, 8, 0, 0));

describe('NmeaSimulator', () => {
  test('epochs parse into 3D fixes that move along the route at the configured speed', () => {
    const sim = new NmeaSimulator({ startTime: START, speed: 10, rateHz: 1 });
    const reader = new NmeaReader();
    const fixes = [];
    for (let i = 0; i < 20; i++) fixes.push(...reader.feed(sim.nextEpoch().join('\r\n') + '\r\n'));
    fixes.push(...reader.flush());
    expect(reader.stats).toMatchObject({ badChecksum: 0, invalid: 0 });
    expect(fixes).toHaveLength(20);
    expect(fixes.every((f) => f.mode === 3)).toBe(true);
    expect(fixes[0]!.time).toBe(START.getTime());
    expect(fixes[19]!.time).toBe(START.getTime() + 19_000);
    expect(fixes[5]!.speed).toBeCloseTo(10, 1);
    const moved = distance({ lat: fixes[0]!.lat!, lon: fixes[0]!.lon! }, { lat: fixes[10]!.lat!, lon: fixes[10]!.lon! });
    expect(moved).toBeGreaterThan(95);
    expect(moved).toBeLessThan(101);
    expect(fixes[0]!.satellitesInView).toBe(12);
  });

  test('faults: bad checksums, truncated lines, garbage and loss of fix are injected and counted', () => {
    const sim = new NmeaSimulator({ startTime: START, seed: 7, faults: { badChecksumRate: 0.1, truncateRate: 0.1, garbageRate: 0.2, lossOfFix: { everyEpochs: 10, forEpochs: 3 } } });
    const reader = new NmeaReader();
    const fixes = [];
    for (let i = 0; i < 50; i++) fixes.push(...reader.feed(sim.nextEpoch().join('\r\n') + '\r\n'));
    fixes.push(...reader.flush());
    expect(sim.injected.badChecksum).toBeGreaterThan(5);
    expect(sim.injected.truncated).toBeGreaterThan(5);
    expect(sim.injected.noFixEpochs).toBe(15);
    expect(reader.stats.badChecksum).toBe(sim.injected.badChecksum);
    expect(reader.stats.invalid + reader.stats.badChecksum).toBeGreaterThanOrEqual(sim.injected.truncated + sim.injected.badChecksum - 5);
    expect(fixes.some((f) => f.mode === 1 && f.lat === undefined)).toBe(true);
    expect(fixes.filter((f) => f.mode === 3).length).toBeGreaterThan(20);
  });

  test('route wraps around', () => {
    const r = new Route(DEFAULT_ROUTE);
    const a = r.at(0);
    const b = r.at(r.length);
    expect(distance(a, b)).toBeLessThan(0.01);
    expect(r.length).toBeGreaterThan(1000);
  });

  test('serves NMEA over TCP at the configured rate and stops by itself', async () => {
    const sim = new NmeaSimulator({ rateHz: 10 });
    await sim.start();
    let text = '';
    const socket = net.createConnection({ host: '127.0.0.1', port: sim.port });
    try {
      socket.on('data', (d) => (text += d.toString('latin1')));
      await new Promise((r) => setTimeout(r, 450));
      const rmc = text.split('\r\n').filter((l) => l.startsWith('$GPRMC'));
      expect(rmc.length).toBeGreaterThanOrEqual(2);
      expect(rmc.length).toBeLessThanOrEqual(6);
    } finally {
      socket.destroy();
      await sim.stop();
    }
  });

  (socatAvailable() ? test : test.skip)('serves NMEA over a pty (socat)', async () => {
    const fs = await import('node:fs');
    const sim = new NmeaSimulator({ rateHz: 10, pty: true });
    await sim.start();
    try {
      expect(sim.ptyPath).toBeDefined();
      const stream = fs.createReadStream(sim.ptyPath!);
      let text = '';
      stream.on('data', (d) => (text += d.toString()));
      // A pty read fails with EIO while its other side is not (yet, or no longer) open.
      stream.on('error', () => undefined);
      for (let i = 0; i < 30 && !/\$GPGGA/.test(text); i++) await new Promise((r) => setTimeout(r, 100));
      stream.destroy();
      expect(text).toMatch(/\$GPGGA/);
    } finally {
      await sim.stop();
    }
  });
});

describe('simulator command line', () => {
  test('options from argv', async () => {
    const { optionsFromArgv } = await import('./main');
    expect(optionsFromArgv(['--port', '0', '--rate', '5', '--faults'])).toMatchObject({ port: 0, rateHz: 5, faults: { badChecksumRate: 0.02 } });
    expect(optionsFromArgv([])).toMatchObject({ port: 10110, rateHz: 1, pty: false });
    expect(() => optionsFromArgv(['--rate', 'x'])).toThrow(/--rate/);
  });
});
