import * as net from 'node:net';
import { MockBinding } from '@serialport/binding-mock';
import { SerialPortMock } from 'serialport';
import { Backoff } from '../../../core/src';
import { GpsdFake, waitFor } from '../testing/gpsd-fake';
import { gpsdRecord, gpsdSource, GPSD_WATCH } from './gpsd';
import { nmeaSerialSource, type SerialPortFactory } from './nmea-serial';
import { nmeaTcpSource } from './nmea-tcp';
import type { GpsRecord, SourceEvents, SourceState } from './source';

function recorder(): SourceEvents & { records: GpsRecord[]; states: { state: SourceState; delayMs?: number; error?: Error }[] } {
  const records: GpsRecord[] = [];
  const states: { state: SourceState; delayMs?: number; error?: Error }[] = [];
  return {
    records,
    states,
    record: (r) => records.push(r),
    state: (state, info) => states.push({ state, delayMs: info.delayMs, error: info.error }),
  };
}

const fastBackoff = (): Backoff => new Backoff({ initialMs: 20, maxMs: 100 });

describe('NMEA over TCP', () => {
  let server: net.Server;
  let port: number;
  let sockets: net.Socket[];

  beforeEach(async () => {
    sockets = [];
    server = net.createServer((s) => {
      sockets.push(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as net.AddressInfo).port;
  });
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });

  test('reads lines split across packets and reconnects after the peer drops the connection', async () => {
    const ev = recorder();
    const source = nmeaTcpSource({ host: '127.0.0.1', port, backoff: fastBackoff() });
    source.start(ev);
    try {
      await waitFor(() => sockets.length === 1, 3000, 'first connection');
      sockets[0]!.write('$GPGGA,1*00\r\n$GPR');
      sockets[0]!.write('MC,2*00\r\n');
      await waitFor(() => ev.records.length === 2, 3000, 'two lines');
      expect(ev.records).toEqual([
        { kind: 'nmea', line: '$GPGGA,1*00' },
        { kind: 'nmea', line: '$GPRMC,2*00' },
      ]);
      sockets[0]!.destroy();
      await waitFor(() => sockets.length === 2, 3000, 'reconnection');
      const backoffs = ev.states.filter((s) => s.state === 'backing_off');
      expect(backoffs.length).toBeGreaterThanOrEqual(1);
      expect(backoffs[0]!.delayMs).toBeLessThanOrEqual(100);
    } finally {
      await source.stop();
    }
  });

  test('a refused connection backs off (capped, never a tight loop) and stop() ends it', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const ev = recorder();
    const source = nmeaTcpSource({ host: '127.0.0.1', port: closed, backoff: new Backoff({ initialMs: 50, maxMs: 50, jitter: 'none' }) });
    source.start(ev);
    await new Promise((r) => setTimeout(r, 400));
    await source.stop();
    const attempts = ev.states.filter((s) => s.state === 'connecting').length;
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThanOrEqual(12); // 400 ms / 50 ms: not a tight loop
    expect(ev.states.find((s) => s.state === 'backing_off')!.error!.message).toMatch(/ECONNREFUSED/);
    const after = ev.states.length;
    await new Promise((r) => setTimeout(r, 120));
    expect(ev.states.length).toBe(after);
  });

  test('an idle connection is closed and reopened', async () => {
    const ev = recorder();
    const source = nmeaTcpSource({ host: '127.0.0.1', port, backoff: fastBackoff(), idleTimeoutMs: 100 });
    source.start(ev);
    try {
      await waitFor(() => sockets.length >= 2, 3000, 'reconnect after idle');
      expect(ev.states.find((s) => s.state === 'backing_off')!.error!.message).toMatch(/no data/);
    } finally {
      await source.stop();
    }
  });
});

describe('NMEA over serial', () => {
  afterEach(() => MockBinding.reset());

  test('reads lines from the port; a missing port is retried', async () => {
    const factory: SerialPortFactory = (o) => new SerialPortMock(o);
    const ev = recorder();
    const source = nmeaSerialSource({ path: '/dev/ttyGPS0', baudRate: 4800, backoff: fastBackoff(), portFactory: factory, idleTimeoutMs: 0 });
    source.start(ev);
    try {
      await waitFor(() => ev.states.some((s) => s.state === 'backing_off'), 3000, 'backoff on missing port');
      MockBinding.createPort('/dev/ttyGPS0', { echo: false, record: false });
      await waitFor(() => ev.states.some((s) => s.state === 'connected'), 3000, 'open');
      await new Promise((r) => setTimeout(r, 20));
      const port = (source as unknown as { stream: SerialPortMock }).stream;
      port.port!.emitData('$GPGGA,1*00\r\n$GPRMC,2*00\r\n');
      await waitFor(() => ev.records.length === 2, 3000, 'lines');
      expect(ev.records[1]).toEqual({ kind: 'nmea', line: '$GPRMC,2*00' });
    } finally {
      await source.stop();
    }
  });

  test('a silent port is closed and the same path opens again (the device is released)', async () => {
    const factory: SerialPortFactory = (o) => new SerialPortMock(o);
    MockBinding.createPort('/dev/ttyGPS1', { echo: false, record: false });
    const ev = recorder();
    const source = nmeaSerialSource({ path: '/dev/ttyGPS1', baudRate: 4800, backoff: fastBackoff(), portFactory: factory, idleTimeoutMs: 100 });
    source.start(ev);
    try {
      await waitFor(() => ev.states.filter((s) => s.state === 'connected').length >= 2, 3000, 'reopened after the idle timeout');
      await new Promise((r) => setTimeout(r, 20));
      const port = (source as unknown as { stream: SerialPortMock }).stream;
      port.port!.emitData('$GPGGA,3*00\r\n');
      await waitFor(() => ev.records.length === 1, 3000, 'a line after the reopen');
    } finally {
      await source.stop();
    }
  });
});

describe('gpsd JSON protocol', () => {
  test('sends ?WATCH, reads TPV and SKY, skips the rest, reconnects when gpsd drops it', async () => {
    const gpsd = new GpsdFake();
    await gpsd.start();
    const ev = recorder();
    const source = gpsdSource({ host: '127.0.0.1', port: gpsd.port, backoff: fastBackoff() });
    source.start(ev);
    try {
      await waitFor(() => gpsd.watchers === 1, 3000, 'watch');
      expect(gpsd.commands[0]).toBe(GPSD_WATCH.trim());
      gpsd.send({ class: 'TPV', mode: 3, time: '2024-05-01T12:00:00.000Z', lat: 1.5, lon: 2.5 });
      gpsd.send('not json\n');
      gpsd.send({ class: 'SKY', hdop: 0.9, nSat: 10, uSat: 7 });
      await waitFor(() => ev.records.length === 2, 3000, 'reports');
      expect(ev.records.map((r) => r.kind)).toEqual(['tpv', 'sky']);
      gpsd.dropClients();
      await waitFor(() => gpsd.watchers === 1 && gpsd.commands.length === 2, 3000, 'rewatch');
    } finally {
      await source.stop();
      await gpsd.stop();
    }
  });

  test('gpsdRecord never throws', () => {
    for (const l of ['{', '{"class":"TPV"', 'null', '{"class":"VERSION"}', '[]', '{"class":"SKY"}']) expect(() => gpsdRecord(l)).not.toThrow();
    expect(gpsdRecord('{"class":"VERSION"}')).toBeUndefined();
  });
});
