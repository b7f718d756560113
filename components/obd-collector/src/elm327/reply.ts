/**
 * Parses what an ELM327 returns for one command: the raw text up to the `>` prompt.
 *
 * Handles echo, spaces on/off, CR/LF, `SEARCHING...`, `BUS INIT: ...OK`, headers on (CAN 11-bit
 * `7E8 06 41 0C …`, 29-bit `18 DA F1 10 …`, legacy `48 6B 10 41 0C … cs`) or off, several ECUs
 * (grouped by ECU id, in order of first appearance), ISO-TP multi-frame (first frame `1L LL`,
 * consecutive `2n`, cut to the announced length; the headers-off `014` / `0:` / `1:` form), and
 * every ELM condition string as a typed error result with a stable code. Never throws.
 */
import { Elm327Error, Elm327ErrorCode } from './errors';
import { hex2 } from '../obd/pids';

/** One ECU's complete answer: the ISO-TP payload (PCI bytes and padding removed). */
export interface ObdMessage {
  /** ECU id as printed without spaces (`7E8`, `18DAF110`, legacy source address `10`); null with headers off. */
  ecu: string | null;
  data: number[];
}

export interface ParseOptions {
  /** The command as written (terminator optional): recognises the echo, and AT commands answer text. */
  command?: string;
  /** Headers on (ATH1) or off (ATH0). Undefined: detected per line from the header shape. */
  headers?: boolean;
}

interface ReplyBase {
  /** The echoed command line, trimmed; null when echo was off. */
  echo: string | null;
  /** A `SEARCHING...` line came before the answer. */
  searching: boolean;
  /** Non-empty reply lines, trimmed, echo and prompt removed. */
  lines: string[];
  /** Non-fatal oddities: dropped frames, broken multi-frame sequences, lines that are neither data nor a known condition. */
  problems: string[];
}

export interface DataReply extends ReplyBase {
  ok: true;
  kind: 'data';
  messages: ObdMessage[];
}

export interface TextReply extends ReplyBase {
  ok: true;
  kind: 'text';
}

export interface ErrorReply extends ReplyBase {
  ok: false;
  kind: 'error';
  code: Elm327ErrorCode;
  /** The condition as printed (`NO DATA`, `BUS INIT: ...ERROR`), or a description for unparseable replies. */
  condition: string;
  /** Whatever complete messages arrived before the condition (e.g. data then `STOPPED`). */
  messages: ObdMessage[];
}

export type ElmReply = DataReply | TextReply | ErrorReply;

/** Condition strings from the ELM327 datasheet, matched against a whole trimmed line (upper-cased). */
const CONDITIONS: ReadonlyArray<[RegExp, Elm327ErrorCode]> = [
  [/^NO DATA$/, Elm327ErrorCode.NoData],
  [/^UNABLE TO CONNECT$/, Elm327ErrorCode.UnableToConnect],
  [/^STOPPED$/, Elm327ErrorCode.Stopped],
  [/^\?$/, Elm327ErrorCode.UnknownCommand],
  [/^CAN ERROR$/, Elm327ErrorCode.CanError],
  [/^BUS INIT:.*ERROR$/, Elm327ErrorCode.BusInitError],
  [/^BUFFER FULL$/, Elm327ErrorCode.BufferFull],
  [/^BUS BUSY$/, Elm327ErrorCode.BusBusy],
  [/^BUS ERROR$/, Elm327ErrorCode.BusError],
  [/^FB ERROR$/, Elm327ErrorCode.FbError],
  [/^<?DATA ERROR$/, Elm327ErrorCode.DataError],
  [/^<?RX ERROR$/, Elm327ErrorCode.RxError],
  [/^ERR\s?[0-9A-F]{2}$/, Elm327ErrorCode.InternalError],
  [/^(ACT ALERT|LP ALERT|LV RESET)$/, Elm327ErrorCode.Alert],
];

/** Conditions the ELM appends to a data line (`7E8 03 41 0D 00 <DATA ERROR`). */
const SUFFIX_CONDITIONS: ReadonlyArray<[string, Elm327ErrorCode]> = [
  ['<DATA ERROR', Elm327ErrorCode.DataError],
  ['<RX ERROR', Elm327ErrorCode.RxError],
];

/** Command text without terminator, spaces or control characters, upper-cased (`01 0D\r` → `010D`). */
export function normalizeCommand(command: string): string {
  return command.replace(/[^\x21-\x7e]/g, '').toUpperCase();
}

export function isAtCommand(command: string | undefined): boolean {
  return command !== undefined && normalizeCommand(command).startsWith('AT');
}

/** Parses one adapter reply. Never throws: anything it cannot use comes back as `elm327_unparseable`. */
export function parseReply(raw: string, options: ParseOptions = {}): ElmReply {
  try {
    return parse(typeof raw === 'string' ? raw : String(raw), options);
  } catch (err) {
    return {
      ok: false,
      kind: 'error',
      code: Elm327ErrorCode.Unparseable,
      condition: `parser failure: ${err instanceof Error ? err.message : String(err)}`,
      echo: null,
      searching: false,
      lines: [],
      problems: [],
      messages: [],
    };
  }
}

/** A TributaryError for an error reply, with the condition and lines as details. */
export function replyError(reply: ErrorReply, command?: string): Elm327Error {
  return new Elm327Error(reply.code, `The adapter answered ${JSON.stringify(reply.condition)}${command ? ` to ${JSON.stringify(normalizeCommand(command))}` : ''}.`, {
    details: { condition: reply.condition, lines: reply.lines, ...(command ? { command: normalizeCommand(command) } : {}) },
  });
}

function parse(raw: string, options: ParseOptions): ElmReply {
  let lines = raw
    .replace(/>/g, '\r')
    .split(/[\r\n]+/)
    .map((l) => l.replace(/[^\x20-\x7e]/g, '').trim())
    .filter((l) => l !== '');

  let echo: string | null = null;
  const cmd = options.command === undefined ? '' : normalizeCommand(options.command);
  if (cmd !== '' && lines.length > 0 && normalizeCommand(lines[0]!) === cmd) {
    echo = lines[0]!;
    lines = lines.slice(1);
  }
  const at = cmd.startsWith('AT');

  const problems: string[] = [];
  let searching = false;
  let condition: { code: Elm327ErrorCode; text: string } | undefined;
  const textLines: string[] = [];
  const frames = new FrameCollector(problems);

  for (const line of lines) {
    const upper = line.toUpperCase();
    if (upper.startsWith('SEARCHING')) {
      searching = true;
      continue;
    }
    const matched = CONDITIONS.find(([re]) => re.test(upper));
    if (matched) {
      condition ??= { code: matched[1], text: line };
      continue;
    }
    if (upper.startsWith('BUS INIT')) continue; // BUS INIT: ...OK / BUS INIT: OK before the data
    if (at) {
      textLines.push(line);
      continue;
    }
    let body = upper;
    const suffix = SUFFIX_CONDITIONS.find(([s]) => upper.includes(s));
    if (suffix) {
      condition ??= { code: suffix[1], text: suffix[0] };
      body = upper.slice(0, upper.indexOf(suffix[0])).trim();
      if (body === '') continue;
      problems.push(`frame with ${suffix[0]} dropped: ${body}`);
      continue;
    }
    if (!frames.add(body, options.headers)) textLines.push(line);
  }

  const messages = frames.finish();
  const base = { echo, searching, lines, problems };
  if (condition) return { ...base, ok: false, kind: 'error', code: condition.code, condition: condition.text, messages };
  if (at || (cmd === '' && frames.count === 0)) return { ...base, ok: true, kind: 'text' };
  for (const t of textLines) problems.push(`line is neither data nor an ELM condition: ${JSON.stringify(t)}`);
  if (messages.length === 0) {
    const why = lines.length === 0 ? 'empty reply' : frames.count > 0 ? 'no complete message in the reply' : 'no data in the reply';
    return { ...base, ok: false, kind: 'error', code: Elm327ErrorCode.Unparseable, condition: why, messages };
  }
  return { ...base, ok: true, kind: 'data', messages };
}

/** Collects frames line by line, groups them by ECU and reassembles ISO-TP. */
class FrameCollector {
  count = 0;
  private readonly order: Array<string | null> = [];
  private readonly done = new Map<string | null, number[][]>();
  private readonly pending = new Map<string, { len: number; buf: number[]; next: number }>();
  /** Headers-off multi-frame: `014` then `0: …`, `1: …`. */
  private indexed: { len: number | undefined; buf: number[]; next: number } | undefined;

  constructor(private readonly problems: string[]) {}

  /** Returns false when the line is not a frame. */
  add(line: string, headers: boolean | undefined): boolean {
    const count = /^([0-9A-F]{3})$/.exec(line);
    if (count) {
      this.flushIndexed();
      this.indexed = { len: parseInt(count[1]!, 16), buf: [], next: 0 };
      this.count++;
      return true;
    }
    const idx = /^([0-9A-F]):\s*([0-9A-F ]*)$/.exec(line);
    if (idx) {
      const bytes = hexBytes(idx[2]!);
      if (!bytes) return false;
      this.count++;
      this.indexed ??= { len: undefined, buf: [], next: 0 };
      const n = parseInt(idx[1]!, 16);
      if (n !== this.indexed.next) {
        this.problems.push(`multi-frame line ${n}: expected ${this.indexed.next}; message dropped`);
        this.indexed = { len: -1, buf: [], next: 0 };
        return true;
      }
      this.indexed.buf.push(...bytes);
      this.indexed.next = (n + 1) & 0xf;
      return true;
    }
    const compact = line.replace(/\s+/g, '');
    if (!/^[0-9A-F]+$/.test(compact)) return false;
    const tokens = line.split(/\s+/);
    const spaced = tokens.length > 1;

    if (headers !== false) {
      // CAN 11-bit: a 3-digit id (`7E8 06 41 …`, or `7E8064100…` with spaces off).
      if ((spaced && tokens[0]!.length === 3) || compact.length % 2 === 1) {
        const data = hexBytes(compact.slice(3));
        if (!data || data.length === 0) return this.bad(line, 'CAN frame without data');
        this.count++;
        this.canFrame(compact.slice(0, 3), data);
        return true;
      }
    }
    const bytes = hexBytes(compact);
    if (!bytes) return this.bad(line, 'odd number of hex digits');
    if (headers !== false) {
      if (bytes.length >= 5 && bytes[0] === 0x18 && (bytes[1] === 0xda || bytes[1] === 0xdb)) {
        this.count++;
        this.canFrame(bytes.slice(0, 4).map(hex2).join(''), bytes.slice(4));
        return true;
      }
      const legacy =
        bytes.length >= 5 &&
        ((bytes[1] === 0x6b && (bytes[0] === 0x41 || bytes[0] === 0x48 || bytes[0] === 0x68)) ||
          ((bytes[0]! & 0xc0) === 0x80 && bytes[1] === 0xf1));
      if (legacy) {
        this.count++;
        this.push(hex2(bytes[2]!), bytes.slice(3, -1)); // drop header (3 bytes) and checksum
        return true;
      }
      if (headers === true) this.problems.push(`header not recognised, line read as headerless: ${line}`);
    }
    this.count++;
    this.push(null, bytes);
    return true;
  }

  finish(): ObdMessage[] {
    this.flushIndexed();
    for (const [ecu, p] of this.pending) {
      this.problems.push(`incomplete multi-frame message from ${ecu}: ${p.buf.length} of ${p.len} bytes; dropped`);
    }
    this.pending.clear();
    const out: ObdMessage[] = [];
    for (const ecu of this.order) for (const data of this.done.get(ecu) ?? []) out.push({ ecu, data });
    return out;
  }

  private bad(line: string, why: string): boolean {
    this.problems.push(`${why}: ${line}`);
    this.count++;
    return true;
  }

  private push(ecu: string | null, data: number[]): void {
    if (!this.done.has(ecu)) {
      this.done.set(ecu, []);
      if (!this.order.includes(ecu)) this.order.push(ecu);
    }
    this.done.get(ecu)!.push(data);
  }

  private noteEcu(ecu: string): void {
    if (!this.order.includes(ecu)) this.order.push(ecu);
  }

  private canFrame(ecu: string, f: number[]): void {
    this.noteEcu(ecu);
    const pci = f[0]!;
    const type = pci >> 4;
    if (type === 0) {
      let len = pci & 0x0f;
      let start = 1;
      if (len === 0 && f.length > 1) {
        len = f[1]!; // CAN FD single frame escape
        start = 2;
      }
      if (len === 0 || f.length - start < len) {
        this.problems.push(`single frame from ${ecu} announces ${len} bytes, has ${f.length - start}; dropped`);
        return;
      }
      this.push(ecu, f.slice(start, start + len));
      return;
    }
    if (type === 1) {
      if (f.length < 2) {
        this.problems.push(`first frame from ${ecu} without length; dropped`);
        return;
      }
      if (this.pending.has(ecu)) this.problems.push(`multi-frame message from ${ecu} interrupted by a new first frame; dropped`);
      const len = ((pci & 0x0f) << 8) | f[1]!;
      const p = { len, buf: f.slice(2), next: 1 };
      if (p.buf.length >= len) this.push(ecu, p.buf.slice(0, len));
      else this.pending.set(ecu, p);
      return;
    }
    if (type === 2) {
      const p = this.pending.get(ecu);
      const seq = pci & 0x0f;
      if (!p) {
        this.problems.push(`consecutive frame ${seq} from ${ecu} without a first frame; dropped`);
        return;
      }
      if (seq !== p.next) {
        this.problems.push(`consecutive frame from ${ecu}: sequence ${seq}, expected ${p.next}; message dropped`);
        this.pending.delete(ecu);
        return;
      }
      p.buf.push(...f.slice(1));
      p.next = (p.next + 1) & 0x0f;
      if (p.buf.length >= p.len) {
        this.pending.delete(ecu);
        this.push(ecu, p.buf.slice(0, p.len));
      }
      return;
    }
    if (type === 3) return; // flow control: not an answer
    this.problems.push(`frame from ${ecu} with unknown PCI ${hex2(pci)}; dropped`);
  }

  private flushIndexed(): void {
    const m = this.indexed;
    this.indexed = undefined;
    if (!m || m.len === -1) return;
    if (m.len === undefined) {
      if (m.buf.length > 0) this.push(null, m.buf);
      return;
    }
    if (m.buf.length < m.len) {
      this.problems.push(`multi-frame message announced ${m.len} bytes, got ${m.buf.length}; dropped`);
      return;
    }
    this.push(null, m.buf.slice(0, m.len));
  }
}

function hexBytes(text: string): number[] | undefined {
  const compact = text.replace(/\s+/g, '');
  if (compact.length % 2 !== 0 || !/^[0-9A-Fa-f]*$/.test(compact)) return undefined;
  const out: number[] = [];
  for (let i = 0; i < compact.length; i += 2) out.push(parseInt(compact.slice(i, i + 2), 16));
  return out;
}
