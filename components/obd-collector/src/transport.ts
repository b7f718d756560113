/**
 * Byte transports for the ELM327 session (TCP like a WiFi adapter, serial through `serialport`
 * like a USB or Bluetooth one), and the connector that (re)opens one with capped, jittered
 * backoff and reports the adapter connection to Health.
 */
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { Backoff, openSerialPort, sleep, systemClock, type Clock, type Health, type Logger, type SerialPortFactory as CoreSerialPortFactory } from '../../core/src';
import type { Elm327Transport } from './elm327';

/** Wraps a byte stream (socket, serial port) as an Elm327Transport: bytes ⇄ latin1 strings. */
export function streamTransport(stream: Duplex): Elm327Transport {
  let dataCb: ((chunk: string) => void) | undefined;
  let closeCb: ((err?: Error) => void) | undefined;
  const early: string[] = [];
  let closed = false;
  let closeErr: Error | undefined;
  stream.on('data', (buf: Buffer | string) => {
    const text = typeof buf === 'string' ? buf : buf.toString('latin1');
    if (dataCb) dataCb(text);
    else early.push(text);
  });
  stream.on('error', (err: Error) => {
    closeErr ??= err;
  });
  stream.on('close', () => {
    if (closed) return;
    closed = true;
    closeCb?.(closeErr);
  });
  return {
    write(data: string): void {
      if (closed || stream.destroyed) throw new Error('The adapter connection is closed.');
      stream.write(Buffer.from(data, 'latin1'));
    },
    onData(cb): void {
      dataCb = cb;
      for (const chunk of early.splice(0)) cb(chunk);
    },
    onClose(cb): void {
      closeCb = cb;
      if (closed) cb(closeErr);
    },
    close(): void {
      stream.destroy();
    },
  };
}

export interface TcpAdapterOptions {
  host: string;
  port: number;
  /** Default 5 s. */
  connectTimeoutMs?: number;
}

/** Connects to a WiFi ELM327 (or the emulator). Rejects when the connection cannot be made. */
export function openTcpTransport(opts: TcpAdapterOptions): Promise<Elm327Transport> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ host: opts.host, port: opts.port });
    const timer = setTimeout(() => socket.destroy(new Error(`Connecting to ${opts.host}:${opts.port} timed out.`)), opts.connectTimeoutMs ?? 5000);
    const onError = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 10_000);
      resolve(streamTransport(socket));
    });
  });
}

export interface SerialAdapterOptions {
  path: string;
  baudRate: number;
}

/** What we need from a serial port class (SerialPort, or SerialPortMock in tests). */
export type SerialPortFactory = CoreSerialPortFactory;

/** Opens a serial ELM327 (USB, Bluetooth rfcomm, a pty). Rejects when the port cannot be opened. */
export async function openSerialTransport(opts: SerialAdapterOptions, factory?: SerialPortFactory): Promise<Elm327Transport> {
  return streamTransport(await openSerialPort(opts, factory));
}

/** Opens a transport; rejects when it cannot. */
export type TransportOpener = () => Promise<Elm327Transport>;

/** What the collector needs from a connector. */
export interface AdapterLink {
  /** Resolves with an open transport, waiting between failed attempts; rejects only when `signal` aborts. */
  connect(signal: AbortSignal): Promise<Elm327Transport>;
  /** The transport last returned is gone (closed, or unusable); the next connect waits first. */
  lost(err?: unknown): void;
}

export interface AdapterConnectorOptions {
  open: TransportOpener;
  /** Where it connects (`tcp 192.168.0.10:35000`), for logs and health. */
  description: string;
  /** Default: 1 s growing to 30 s, full jitter. */
  backoff?: Backoff;
  /** Shortest wait before any reconnect, so a connection that drops at once never makes a tight loop. Default 100 ms. */
  floorMs?: number;
  /** A connection that lasted this long resets the backoff when it drops. Default 30 s. */
  stableMs?: number;
  /** Sub-status name in Health. Default `adapter`. */
  statusName?: string;
  health?: Health;
  logger?: Logger;
  clock?: Clock;
}

/** (Re)opens the adapter connection with capped, jittered backoff; reports it to Health. */
export class AdapterConnector implements AdapterLink {
  private readonly backoff: Backoff;
  private readonly clock: Clock;
  private readonly status: string;
  private mustWait = false;
  private attempts = 0;
  private connectedAt = 0;
  private lastError: unknown;

  constructor(private readonly opts: AdapterConnectorOptions) {
    this.backoff = opts.backoff ?? new Backoff({ initialMs: 1000, maxMs: 30_000 });
    this.clock = opts.clock ?? systemClock;
    this.status = opts.statusName ?? 'adapter';
  }

  async connect(signal: AbortSignal): Promise<Elm327Transport> {
    for (;;) {
      if (this.mustWait) {
        const delayMs = Math.max(this.opts.floorMs ?? 100, this.backoff.next());
        this.opts.health?.setStatus(this.status, 'backing_off', { attempts: this.attempts, detail: { adapter: this.opts.description, delayMs } });
        await sleep(delayMs, signal, this.clock);
      }
      if (signal.aborted) throw signal.reason ?? new Error('aborted');
      this.mustWait = true;
      this.opts.health?.setStatus(this.status, 'connecting', { attempts: this.attempts, detail: { adapter: this.opts.description } });
      try {
        const transport = await this.opts.open();
        if (signal.aborted) {
          transport.close();
          throw signal.reason ?? new Error('aborted');
        }
        this.attempts = 0;
        this.connectedAt = this.clock.now();
        this.opts.health?.setStatus(this.status, 'connected', { detail: { adapter: this.opts.description } });
        this.opts.logger?.info('Adapter connected.', { adapter: this.opts.description });
        return transport;
      } catch (err) {
        if (signal.aborted) throw err;
        this.attempts++;
        this.lastError = err;
        this.opts.health?.setStatus(this.status, 'down', { attempts: this.attempts, error: err });
        if (this.opts.health && this.opts.health.state !== 'stopped') this.opts.health.setState('degraded', 'adapter unreachable');
        this.opts.logger
          ?.rateLimited('adapter-connect', 60_000)
          .warn('Cannot open the adapter; retrying with backoff.', { adapter: this.opts.description, attempts: this.attempts, error: String((err as Error)?.message ?? err) });
      }
    }
  }

  lost(err?: unknown): void {
    if (this.clock.now() - this.connectedAt >= (this.opts.stableMs ?? 30_000)) this.backoff.reset();
    this.mustWait = true;
    this.attempts++;
    this.lastError = err;
    this.opts.health?.setStatus(this.status, 'down', err === undefined ? { attempts: this.attempts } : { attempts: this.attempts, error: err });
  }

  /** The last connection error, if any (for tests and logs). */
  get error(): unknown {
    return this.lastError;
  }
}
