/** NMEA 0183 over TCP (a WiFi receiver, a ser2net bridge, the NMEA simulator). */
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { LineSource, type LineSourceOptions } from './source';

export interface TcpOptions {
  host: string;
  port: number;
  /** Default 5 s. */
  connectTimeoutMs?: number;
}

export function openTcp(opts: TcpOptions): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ host: opts.host, port: opts.port });
    const timer = setTimeout(() => {
      socket.destroy(new Error(`connect to ${opts.host}:${opts.port} timed out`));
    }, opts.connectTimeoutMs ?? 5000);
    // Named, so that the very listener added is the one removed once connected (the reader adds its own).
    const onError = (err: Error): void => {
      clearTimeout(timer);
      socket.removeListener('connect', onConnect);
      reject(err);
    };
    const onConnect = (): void => {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      socket.setKeepAlive(true, 10_000);
      resolve(socket);
    };
    socket.once('connect', onConnect);
    socket.once('error', onError);
  });
}

export function nmeaTcpSource(opts: TcpOptions & Partial<Omit<LineSourceOptions, 'open' | 'toRecord'>>): LineSource {
  return new LineSource({
    description: `nmea-tcp ${opts.host}:${opts.port}`,
    ...opts,
    open: () => openTcp(opts),
    toRecord: (line) => ({ kind: 'nmea', line }),
  });
}
