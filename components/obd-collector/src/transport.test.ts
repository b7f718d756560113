import * as net from 'node:net';
import { MockBinding } from '@serialport/binding-mock';
import { SerialPortMock } from 'serialport';
import { Backoff, Health, ManualClock, flushPromises } from '../../core/src';
import type { Elm327Transport } from './elm327';
import { nullTransport } from './testing/fakes';
import { AdapterConnector, openSerialTransport, openTcpTransport, type SerialPortFactory } from './transport';

import { waitFor } from '../../../test/helpers/wait';

describe('TCP transport', () => {
  test('writes and reads bytes as latin1, reports the close, and rejects a refused connection', async () => {
    const received: Buffer[] = [];
    let peer: net.Socket | undefined;
    const server = net.createServer((s) => {
      peer = s;
      s.on('data', (d) => received.push(d));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    let t: Elm327Transport | undefined;
    try {
      t = await openTcpTransport({ host: '127.0.0.1', port });
      const chunks: string[] = [];
      let closed = false;
      t.onData((c) => chunks.push(c));
      t.onClose(() => (closed = true));
      t.write('ATZ\r');
      await waitFor(() => received.length > 0 && peer !== undefined, 2000, 'bytes at the adapter');
      expect(Buffer.concat(received).toString('latin1')).toBe('ATZ\r');
      peer!.write(Buffer.from([0x34, 0x31, 0xfc, 0x3e]));
      await waitFor(() => chunks.join('').length === 4, 2000, 'bytes from the adapter');
      expect(chunks.join('')).toBe('41\u00fc>');
      peer!.destroy();
      await waitFor(() => closed, 2000, 'close');
      expect(() => t!.write('0100\r')).toThrow();
    } finally {
      t?.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
    await expect(openTcpTransport({ host: '127.0.0.1', port })).rejects.toThrow();
  });
});

describe('serial transport', () => {
  afterEach(() => MockBinding.reset());

  test('opens the port, passes bytes both ways; a missing port rejects', async () => {
    let port: SerialPortMock | undefined;
    const factory: SerialPortFactory = (o) => (port = new SerialPortMock(o));
    await expect(openSerialTransport({ path: '/dev/rfcomm0', baudRate: 38400 }, factory)).rejects.toThrow();
    MockBinding.createPort('/dev/rfcomm0', { echo: false, record: true });
    const t = await openSerialTransport({ path: '/dev/rfcomm0', baudRate: 38400 }, factory);
    const chunks: string[] = [];
    t.onData((c) => chunks.push(c));
    t.write('ATRV\r');
    await waitFor(() => (port!.port?.recording.length ?? 0) > 0, 2000, 'recording');
    expect(port!.port!.recording.toString('latin1')).toBe('ATRV\r');
    port!.port!.emitData(Buffer.from('12.6V\r\r>', 'latin1'));
    await waitFor(() => chunks.join('') === '12.6V\r\r>', 2000, 'reply');
    let closed = false;
    t.onClose(() => (closed = true));
    t.close();
    await waitFor(() => closed, 2000, 'close');
    // The device was released: a reconnect opens the same path again (serialport's destroy alone keeps it locked).
    const again = await openSerialTransport({ path: '/dev/rfcomm0', baudRate: 38400 }, factory);
    again.close();
  });
});

describe('AdapterConnector', () => {
  test('retries a failing open with capped, jittered backoff (never a tight loop) and reports it to Health', async () => {
    const clock = new ManualClock(0);
    const health = new Health({ component: 'obd-collector', clock });
    const opens: number[] = [];
    let failures = 5;
    const connector = new AdapterConnector({
      description: 'tcp test',
      open: async () => {
        opens.push(clock.now());
        if (failures-- > 0) throw new Error('ECONNREFUSED');
        return nullTransport;
      },
      backoff: new Backoff({ initialMs: 100, maxMs: 400, random: () => 0.5 }),
      floorMs: 60,
      health,
      clock,
    });
    const abort = new AbortController();
    let got: Elm327Transport | undefined;
    void connector.connect(abort.signal).then((t) => (got = t));
    await flushPromises();
    expect(health.status('adapter')?.state).toBe('backing_off');
    await clock.advanceAsync(2000);
    expect(got).toBe(nullTransport);
    // Full jitter at 0.5: 50 (floored to 60), 100, 200, 200 (cap 400 × 0.5), 200.
    const gaps = opens.slice(1).map((t, i) => t - opens[i]!);
    expect(gaps).toEqual([60, 100, 200, 200, 200]);
    expect(health.status('adapter')).toMatchObject({ state: 'connected', attempts: 0 });

    // A lost connection: the next connect waits first, and Health says the adapter is down.
    connector.lost(new Error('socket closed'));
    expect(health.status('adapter')?.state).toBe('down');
    const before = opens.length;
    void connector.connect(abort.signal);
    await flushPromises();
    expect(opens.length).toBe(before);
    await clock.advanceAsync(1000);
    expect(opens.length).toBe(before + 1);
  });

  test('connect rejects once aborted', async () => {
    const clock = new ManualClock(0);
    const connector = new AdapterConnector({ description: 'x', open: () => Promise.reject(new Error('no')), backoff: new Backoff({ initialMs: 100, maxMs: 100 }), clock });
    const abort = new AbortController();
    const p = connector.connect(abort.signal);
    await flushPromises();
    abort.abort();
    await expect(p).rejects.toBeDefined();
  });
});
