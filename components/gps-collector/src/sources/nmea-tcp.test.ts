import * as net from 'node:net';
import { openTcp } from './nmea-tcp';

describe('openTcp', () => {
  let server: net.Server;
  let port: number;
  const accepted: net.Socket[] = [];

  beforeAll(async () => {
    server = net.createServer((s) => accepted.push(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });

  afterAll(async () => {
    for (const s of accepted) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('once connected, leaves no listener of its own on the socket (its error listener is really removed)', async () => {
    const socket = (await openTcp({ host: '127.0.0.1', port })) as net.Socket;
    try {
      expect(socket.listenerCount('error')).toBe(0);
      expect(socket.listenerCount('connect')).toBe(0);
    } finally {
      socket.destroy();
    }
  });

  test('a refused connection rejects with the socket error', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(openTcp({ host: '127.0.0.1', port: freePort })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
