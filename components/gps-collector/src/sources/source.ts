/**
 * The narrow interface every GPS source implements, and the reconnecting line source that the
 * NMEA (TCP, serial) and gpsd sources are built on.
 */
import type { Duplex } from 'node:stream';
import { Backoff, sleep, systemClock, type Clock } from '../../../core/src';

/** One record from a source: an NMEA line, or a gpsd report. */
export type GpsRecord = { kind: 'nmea'; line: string } | { kind: 'tpv'; tpv: GpsdTpv } | { kind: 'sky'; sky: GpsdSky };

/** gpsd's TPV report (the fields we use). */
export interface GpsdTpv {
  class: 'TPV';
  mode?: number;
  time?: string;
  lat?: number;
  lon?: number;
  alt?: number;
  altMSL?: number;
  altHAE?: number;
  geoidSep?: number;
  speed?: number;
  track?: number;
  status?: number;
}

/** gpsd's SKY report (the fields we use). */
export interface GpsdSky {
  class: 'SKY';
  hdop?: number;
  pdop?: number;
  vdop?: number;
  nSat?: number;
  uSat?: number;
  satellites?: { used?: boolean }[];
}

export type SourceState = 'connecting' | 'connected' | 'backing_off';

export interface SourceEvents {
  record(r: GpsRecord): void;
  /** Connection state changes; `error` is the reason for backing off, `delayMs` the wait. */
  state(state: SourceState, info: { attempts: number; error?: Error; delayMs?: number }): void;
}

export interface GpsSource {
  /** Where it reads from (`nmea-tcp 127.0.0.1:10110`), for logs. */
  readonly description: string;
  start(events: SourceEvents): void;
  /** Closes the connection and stops reconnecting; resolves once it has. */
  stop(): Promise<void>;
}

export interface LineSourceOptions {
  description: string;
  /** Opens a byte stream (TCP socket, serial port); rejects when it cannot. */
  open(): Promise<Duplex>;
  /** Called once per connection before reading (gpsd: send ?WATCH). */
  onOpen?(stream: Duplex): void;
  /** Turns one line into a record, or undefined to skip it. */
  toRecord(line: string): GpsRecord | undefined;
  /** Reconnect delays. Default 500 ms growing to 30 s, full jitter. */
  backoff?: Backoff;
  /** A connection silent this long is closed and reopened. Default 15 s; 0 disables. */
  idleTimeoutMs?: number;
  /** Lines longer than this are cut (and so fail parsing). Default 1024. */
  maxLineLength?: number;
  clock?: Clock;
}

/** Reads lines from a byte stream it (re)opens by itself with capped, jittered backoff. */
export class LineSource implements GpsSource {
  readonly description: string;
  private readonly opts: LineSourceOptions;
  private readonly backoff: Backoff;
  private readonly clock: Clock;
  private readonly abort = new AbortController();
  private stream?: Duplex;
  private loop?: Promise<void>;

  constructor(opts: LineSourceOptions) {
    this.opts = opts;
    this.description = opts.description;
    this.backoff = opts.backoff ?? new Backoff({ initialMs: 500, maxMs: 30_000 });
    this.clock = opts.clock ?? systemClock;
  }

  start(events: SourceEvents): void {
    if (this.loop) return;
    this.loop = this.run(events);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.stream?.destroy();
    await this.loop;
  }

  private async run(events: SourceEvents): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      events.state('connecting', { attempts: this.backoff.attempts });
      let error: Error | undefined;
      try {
        const stream = await this.opts.open();
        if (signal.aborted) {
          stream.destroy();
          break;
        }
        this.stream = stream;
        events.state('connected', { attempts: this.backoff.attempts });
        this.opts.onOpen?.(stream);
        const gotData = await this.read(stream, events);
        if (gotData) this.backoff.reset();
        error = stream.errored ?? this.lastError ?? new Error('connection closed');
      } catch (err) {
        error = err instanceof Error ? err : new Error(String(err));
      } finally {
        this.stream = undefined;
      }
      if (signal.aborted) break;
      const delayMs = this.backoff.next();
      events.state('backing_off', { attempts: this.backoff.attempts, error, delayMs });
      try {
        await sleep(delayMs, signal, this.clock);
      } catch {
        break;
      }
    }
  }

  private lastError?: Error;

  /** Reads until the stream closes; resolves with whether any data came. */
  private read(stream: Duplex, events: SourceEvents): Promise<boolean> {
    this.lastError = undefined;
    const maxLine = this.opts.maxLineLength ?? 1024;
    const idleMs = this.opts.idleTimeoutMs ?? 15_000;
    return new Promise((resolve) => {
      let partial = '';
      let gotData = false;
      let idle = idleMs > 0 ? this.clock.setTimeout(onIdle, idleMs) : undefined;
      const self = this;
      function onIdle(): void {
        self.lastError = new Error(`no data for ${idleMs} ms`);
        stream.destroy();
      }
      const emit = (line: string): void => {
        const l = line.replace(/\r$/, '');
        if (l.length === 0) return;
        let record: GpsRecord | undefined;
        try {
          record = this.opts.toRecord(l);
        } catch {
          record = undefined;
        }
        if (record) events.record(record);
      };
      stream.on('data', (chunk: Buffer | string) => {
        gotData = true;
        if (idle !== undefined) {
          this.clock.clearTimeout(idle);
          idle = this.clock.setTimeout(onIdle, idleMs);
        }
        const text = typeof chunk === 'string' ? chunk : chunk.toString('latin1');
        let from = 0;
        for (;;) {
          const nl = text.indexOf('\n', from);
          if (nl < 0) break;
          const piece = partial + text.slice(from, nl);
          partial = '';
          from = nl + 1;
          emit(piece.length > maxLine ? piece.slice(0, maxLine + 1) : piece);
        }
        partial += text.slice(from);
        if (partial.length > maxLine) {
          // Keep only enough to show it is too long; the parser drops it.
          partial = partial.slice(0, maxLine + 1);
        }
      });
      stream.on('error', (err: Error) => {
        this.lastError = err;
      });
      stream.once('close', () => {
        this.clock.clearTimeout(idle);
        resolve(gotData);
      });
    });
  }
}
