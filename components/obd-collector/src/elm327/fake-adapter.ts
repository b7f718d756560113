/**
 * Test support: a scripted ELM327 on the other side of an `Elm327Transport`, and helpers that
 * print CAN answers the way an adapter with headers on does (ISO-TP FF/CF, padding).
 */
import { hex2, toHex } from '../obd/pids';
import type { Elm327Transport } from './session';

/** Reply bytes for a command (prompt included), chunks to deliver one by one, or null for silence. */
export type AdapterHandler = (command: string) => string | string[] | null;

export class FakeAdapter implements Elm327Transport {
  readonly written: string[] = [];
  closed = false;
  private dataCb: ((chunk: string) => void) | undefined;
  private closeCb: ((err?: Error) => void) | undefined;
  private chunkSeed = 0;

  constructor(private handler: AdapterHandler) {}

  /** Commands written so far, terminator removed. */
  get commands(): string[] {
    return this.written.map((w) => w.replace(/\r$/, ''));
  }

  setHandler(handler: AdapterHandler): void {
    this.handler = handler;
  }

  write(data: string): void {
    if (this.closed) throw new Error('write after close');
    this.written.push(data);
    const reply = this.handler(data.replace(/\r$/, ''));
    if (reply === null) return;
    for (const chunk of Array.isArray(reply) ? reply : this.split(reply)) this.emit(chunk);
  }

  /** Delivers bytes from the adapter on a later turn of the event loop (in order). */
  emit(data: string): void {
    setImmediate(() => this.dataCb?.(data));
  }

  /** The adapter goes away (unplugged, TCP reset). */
  drop(err?: Error): void {
    this.closed = true;
    this.closeCb?.(err);
  }

  onData(cb: (chunk: string) => void): void {
    this.dataCb = cb;
  }

  onClose(cb: (err?: Error) => void): void {
    this.closeCb = cb;
  }

  close(): void {
    this.closed = true;
  }

  /** Splits a reply into chunks of 1-7 bytes, as a serial line delivers it. */
  private split(reply: string): string[] {
    const out: string[] = [];
    for (let i = 0; i < reply.length; ) {
      const n = 1 + (this.chunkSeed++ % 7);
      out.push(reply.slice(i, i + n));
      i += n;
    }
    return out;
  }
}

/** The frames an adapter prints (headers on, spaces on) for one ECU's ISO-TP answer. */
export function canFrames(ecu: string, payload: readonly number[], pad = 0xaa): string[] {
  if (payload.length <= 7) return [`${ecu} ${hex2(payload.length)} ${toHex(payload)}`];
  const lines = [`${ecu} ${toHex([0x10 | (payload.length >> 8), payload.length & 0xff, ...payload.slice(0, 6)])}`];
  let seq = 1;
  for (let i = 6; i < payload.length; i += 7, seq = (seq + 1) & 0xf) {
    const part = payload.slice(i, i + 7);
    while (part.length < 7) part.push(pad);
    lines.push(`${ecu} ${toHex([0x20 | seq, ...part])}`);
  }
  return lines;
}

/** A whole reply: lines joined by CR, a space before each CR, then CR `>`. */
export function replyOf(lines: readonly string[]): string {
  return lines.map((l) => `${l} \r`).join('') + '\r>';
}

export interface CarOptions {
  /** ECU id → PID → data bytes. */
  ecus: Record<string, Record<number, number[]>>;
  /** How multi-PID requests are answered: properly, only the first PID (obdsim), or `?`. */
  multiPid?: 'yes' | 'first-only' | 'question';
  /** Replies to AT commands (normalised command → reply body without prompt). */
  at?: Record<string, string>;
}

/** A small car: answers Mode 01 from a table per ECU, with multi-PID behaviour to choose. */
export function carHandler(car: CarOptions): AdapterHandler {
  return (command) => {
    const cmd = command.replace(/\s+/g, '').toUpperCase();
    if (cmd.startsWith('AT')) return `${car.at?.[cmd] ?? 'OK'}\r\r>`;
    if (!/^01([0-9A-F]{2})+[0-9A-F]?$/.test(cmd)) return '?\r\r>';
    const hex = cmd.slice(2);
    const pids: number[] = [];
    for (let i = 0; i + 1 < hex.length; i += 2) pids.push(parseInt(hex.slice(i, i + 2), 16));
    if (pids.length > 1 && car.multiPid === 'question') return '?\r\r>';
    const asked = pids.length > 1 && car.multiPid === 'first-only' ? pids.slice(0, 1) : pids;
    const lines: string[] = [];
    for (const [ecu, table] of Object.entries(car.ecus)) {
      const payload = [0x41];
      for (const pid of asked) {
        const data = table[pid];
        if (data) payload.push(pid, ...data);
      }
      if (payload.length > 1) lines.push(...canFrames(ecu, payload));
    }
    return lines.length === 0 ? 'NO DATA\r\r>' : replyOf(lines);
  };
}
