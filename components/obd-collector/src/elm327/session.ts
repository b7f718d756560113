/**
 * An ELM327 session over a byte transport (serial port, TCP socket): `>` prompt framing, one
 * command at a time with a per-command timeout, the init sequence, supported-PID discovery,
 * multi-PID reads on CAN with fallback to one PID per request, DTCs, MIL state and VIN.
 */
import { systemClock, type Clock, type TimerHandle } from '../../../core/src/clock';
import type { Logger } from '../../../core/src/logger';
import { decodeSupportedPids, hex2, MODE01_PIDS, type DecodedSignal } from '../obd/pids';
import { dtcAnswer, mode01Signals, parseElmVersion, parseProtocolNumber, parseVoltage, vinAnswer, type ProtocolInfo } from './answers';
import { Elm327Error, Elm327ErrorCode } from './errors';
import { isAtCommand, normalizeCommand, parseReply, replyError, type DataReply, type ElmReply } from './reply';

/** The narrow transport a session needs. Data is text, one char per byte (latin1). */
export interface Elm327Transport {
  write(data: string): void;
  onData(cb: (chunk: string) => void): void;
  onClose(cb: (err?: Error) => void): void;
  close(): void;
}

export interface Elm327SessionOptions {
  clock?: Clock;
  logger?: Pick<Logger, 'debug' | 'info' | 'warn'>;
  /** Per-command timeout for OBD and AT commands. Default 2000 ms. */
  commandTimeoutMs?: number;
  /** Timeout for ATZ. Default 5000 ms. */
  resetTimeoutMs?: number;
  /** Timeout for the first OBD request after ATSP (the protocol search). Default 15000 ms. */
  searchTimeoutMs?: number;
  /** Timeout for 0902 (multi-frame). Default 5000 ms. */
  vinTimeoutMs?: number;
  /** How long to wait for a late prompt after a timeout before the next command. Default 1000 ms. */
  resyncTimeoutMs?: number;
  /** ATSP argument: `0` (automatic, default) or a protocol number 1-9, A-C. */
  protocol?: string;
  /** Keep spaces in replies (ATS1). Default false: ATS0. */
  spaces?: boolean;
  /** Headers on (ATH1, default true): needed to tell ECUs apart. */
  headers?: boolean;
  /** Ask for several PIDs per request on CAN. Default true. */
  multiPid?: boolean;
  /** PIDs per multi-PID request, 1-6. Default 6. */
  maxPidsPerRequest?: number;
  /** Append the expected reply (frame) count digit, e.g. `010C1`, so the ELM returns at once. Default false. */
  replyCountHint?: boolean;
  /** Consecutive bad multi-PID answers before the session uses one PID per request for good. Default 2. */
  multiPidFailuresBeforeFallback?: number;
}

export interface AdapterInfo {
  elmVersion: string | undefined;
  voltage: number | undefined;
  protocol: ProtocolInfo | undefined;
  /** The first OBD request (0100) got an answer: ignition on and a protocol found. */
  vehicleConnected: boolean;
  /** Code of the first OBD request's failure when `vehicleConnected` is false. */
  vehicleError?: string;
}

export type SupportedPids = Map<string | null, Set<number>>;

export interface EcuSignal extends DecodedSignal {
  ecu: string | null;
}

export interface PidReadResult {
  signals: EcuSignal[];
  /** Requested PIDs no ECU answered. */
  missing: number[];
  /** Failures met on the way (adapter conditions, timeouts, unknown PIDs). */
  errors: Elm327Error[];
  /** Requests written to the adapter. */
  requests: number;
}

export interface MilStatus {
  mil: boolean;
  dtcCount: number;
  byEcu: Record<string, { mil: boolean; dtcCount: number }>;
}

export interface DtcReadResult {
  codes: string[];
  byEcu: Record<string, string[]>;
  problems: string[];
}

export interface SessionCounters {
  commands: number;
  timeouts: number;
  /** Bytes that arrived with no command pending (discarded). */
  strayBytes: number;
  multiPidRequests: number;
  multiPidFallbacks: number;
}

interface Pending {
  command: string;
  buffer: string;
  resolve(raw: string): void;
  reject(err: Elm327Error): void;
  timer: TimerHandle;
}

export class Elm327Session {
  private readonly clock: Clock;
  private readonly opts: Required<Omit<Elm327SessionOptions, 'clock' | 'logger'>>;
  private readonly logger: Elm327SessionOptions['logger'];
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed: Elm327Error | undefined;
  /** Set after a timeout: bytes up to the next prompt are the late reply to the abandoned command. */
  private desynced = false;
  private promptWaiter: (() => void) | undefined;
  private multiPidBadStreak = 0;
  private multiPidDisabled = false;
  private protocolInfo: ProtocolInfo | undefined;
  readonly counters: SessionCounters = { commands: 0, timeouts: 0, strayBytes: 0, multiPidRequests: 0, multiPidFallbacks: 0 };

  constructor(
    private readonly transport: Elm327Transport,
    options: Elm327SessionOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
    this.opts = {
      commandTimeoutMs: options.commandTimeoutMs ?? 2000,
      resetTimeoutMs: options.resetTimeoutMs ?? 5000,
      searchTimeoutMs: options.searchTimeoutMs ?? 15000,
      vinTimeoutMs: options.vinTimeoutMs ?? 5000,
      resyncTimeoutMs: options.resyncTimeoutMs ?? 1000,
      protocol: (options.protocol ?? '0').toUpperCase(),
      spaces: options.spaces ?? false,
      headers: options.headers ?? true,
      multiPid: options.multiPid ?? true,
      maxPidsPerRequest: Math.min(6, Math.max(1, Math.floor(options.maxPidsPerRequest ?? 6))),
      replyCountHint: options.replyCountHint ?? false,
      multiPidFailuresBeforeFallback: Math.max(1, options.multiPidFailuresBeforeFallback ?? 2),
    };
    transport.onData((chunk) => this.onData(chunk));
    transport.onClose((err) => this.onClose(err));
  }

  /** The protocol read back with ATDPN during `initialize`. */
  get protocol(): ProtocolInfo | undefined {
    return this.protocolInfo;
  }

  /** False once multi-PID requests were given up for this session. */
  get multiPidActive(): boolean {
    return this.opts.multiPid && !this.multiPidDisabled && this.protocolInfo?.isCan !== false;
  }

  get isClosed(): boolean {
    return this.closed !== undefined;
  }

  /**
   * Sends one command (without terminator) and resolves with the parsed reply, also when the
   * reply is an ELM condition (`ok: false`). Rejects only with `elm327_timeout` or `elm327_closed`.
   * Calls are queued: one command is on the wire at a time.
   */
  send(command: string, timeoutMs?: number): Promise<ElmReply> {
    const run = async (): Promise<ElmReply> => {
      const raw = await this.exchange(command, timeoutMs ?? this.opts.commandTimeoutMs);
      const reply = parseReply(raw, { command, headers: isAtCommand(command) ? undefined : this.opts.headers });
      this.logger?.debug('ELM327 exchange.', { command, raw, kind: reply.kind, ...(reply.kind === 'error' ? { code: reply.code } : {}) });
      return reply;
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Closes the transport; a pending command fails with `elm327_closed`. */
  close(): void {
    this.fail(new Elm327Error(Elm327ErrorCode.Closed, 'The ELM327 session was closed.'));
    try {
      this.transport.close();
    } catch {
      // already closed
    }
  }

  /**
   * ATZ, ATE0, ATL0, ATS0/ATS1, ATH1/ATH0, ATSP<protocol>, ATRV, then 0100 (which makes the
   * adapter search for the protocol) and ATDPN. An AT command answered badly throws
   * (`elm327_unexpected_reply`); a vehicle that does not answer does not (see `vehicleConnected`).
   */
  async initialize(): Promise<AdapterInfo> {
    this.multiPidBadStreak = 0;
    this.multiPidDisabled = false;
    const reset = await this.send('ATZ', this.opts.resetTimeoutMs);
    const elmVersion = reset.kind === 'text' ? parseElmVersion(reset.lines) : undefined;
    await this.expectOk('ATE0');
    await this.expectOk('ATL0');
    await this.expectOk(this.opts.spaces ? 'ATS1' : 'ATS0');
    await this.expectOk(this.opts.headers ? 'ATH1' : 'ATH0');
    await this.expectOk(`ATSP${this.opts.protocol}`);
    const voltage = await this.readVoltage().catch(() => undefined);
    const first = await this.send('0100', this.opts.searchTimeoutMs).catch((err: unknown) => err as Elm327Error);
    const vehicleConnected = !(first instanceof Error) && first.ok;
    const dpn = await this.send('ATDPN');
    this.protocolInfo = dpn.kind === 'text' ? parseProtocolNumber(dpn.lines) : undefined;
    const info: AdapterInfo = { elmVersion, voltage, protocol: this.protocolInfo, vehicleConnected };
    if (!vehicleConnected) info.vehicleError = first instanceof Error ? first.code : first.kind === 'error' ? first.code : 'elm327_unexpected_reply';
    this.logger?.info('ELM327 initialised.', { ...info, protocol: this.protocolInfo?.name });
    return info;
  }

  /** ATRV: the adapter's supply voltage (answers with the ignition off too). */
  async readVoltage(): Promise<number> {
    const reply = await this.send('ATRV');
    const v = reply.kind === 'text' ? parseVoltage(reply.lines) : undefined;
    if (v === undefined) throw this.unexpected('ATRV', reply);
    return v;
  }

  /**
   * Asks 0100, then 0120, 0140 … while some ECU sets the range bit, and returns the supported
   * PIDs per ECU (range PIDs included). Throws the adapter condition when 0100 itself fails.
   */
  async discoverSupportedPids(): Promise<SupportedPids> {
    const out: SupportedPids = new Map();
    for (let base = 0x00; base <= 0xe0; base += 0x20) {
      const command = `01${hex2(base)}`;
      const reply = await this.send(command);
      if (!reply.ok) {
        if (base === 0) throw replyError(reply, command);
        break;
      }
      if (reply.kind !== 'data') throw this.unexpected(command, reply);
      let next = false;
      for (const m of reply.messages) {
        if (m.data[0] !== 0x41 || m.data[1] !== base || m.data.length < 6) continue;
        const pids = decodeSupportedPids(base, m.data.slice(2, 6));
        const set = out.get(m.ecu) ?? new Set<number>();
        for (const p of pids) set.add(p);
        out.set(m.ecu, set);
        if (pids.includes(base + 0x20)) next = true;
      }
      if (base === 0 && out.size === 0) throw this.unexpected(command, reply);
      if (!next) break;
    }
    return out;
  }

  /**
   * Reads Mode 01 PIDs. On CAN (or an unknown protocol) up to `maxPidsPerRequest` PIDs go in one
   * request; PIDs a multi-PID answer lacks are asked one by one, and after
   * `multiPidFailuresBeforeFallback` bad multi-PID answers in a row the session asks one PID per
   * request from then on. Never throws for adapter conditions: they are in `errors`.
   */
  async readPids(pids: readonly number[]): Promise<PidReadResult> {
    const result: PidReadResult = { signals: [], missing: [], errors: [], requests: 0 };
    const wanted: number[] = [];
    for (const pid of pids) {
      if (wanted.includes(pid)) continue;
      if (MODE01_PIDS.has(pid)) {
        wanted.push(pid);
        continue;
      }
      result.errors.push(new Elm327Error(Elm327ErrorCode.UnexpectedReply, `PID ${hex2(pid)} is not in the Mode 01 table.`, { details: { pid: hex2(pid) } }));
      result.missing.push(pid);
    }
    let i = 0;
    while (i < wanted.length) {
      const size = this.multiPidActive ? this.opts.maxPidsPerRequest : 1;
      const chunk = wanted.slice(i, i + size);
      i += chunk.length;
      const errorsBefore = result.errors.length;
      const got = await this.request(chunk, result);
      const condition = result.errors.length > errorsBefore ? result.errors[result.errors.length - 1] : undefined;
      if (chunk.length === 1) {
        if (!got.has(chunk[0]!)) result.missing.push(chunk[0]!);
        continue;
      }
      this.counters.multiPidRequests++;
      const lacking = chunk.filter((p) => !got.has(p));
      if (lacking.length === 0) {
        this.multiPidBadStreak = 0;
        this.multiPidWorked = true;
        continue;
      }
      // Nothing answered at all (NO DATA, UNABLE TO CONNECT, a timeout …) on a bus where multi-PID
      // requests have worked: the ECU is silent (ignition off), not confused by the request.
      // Asking each PID singly would only cost one adapter timeout per PID.
      if (got.size === 0 && this.multiPidWorked && silentCondition(condition)) {
        result.missing.push(...lacking);
        continue;
      }
      // Ask what the multi-PID answer lacked one by one. If the ECU answers those singly, the
      // adapter or bus mishandled the multi-PID request; if not, the PIDs are just unsupported.
      let recovered = 0;
      for (const pid of lacking) {
        const single = await this.request([pid], result);
        if (single.has(pid)) recovered++;
        else result.missing.push(pid);
      }
      if (recovered > 0) this.noteMultiPidFailure(chunk, lacking);
    }
    return result;
  }

  /** 0101: MIL on/off and the number of stored DTCs (summed over ECUs; MIL on when any says so). */
  async readMilStatus(): Promise<MilStatus> {
    const reply = await this.dataOrThrow('0101');
    const out: MilStatus = { mil: false, dtcCount: 0, byEcu: {} };
    for (const ecu of mode01Signals(reply.messages)) {
      const mil = ecu.signals.find((s) => s.name === 'mil')?.value;
      const count = ecu.signals.find((s) => s.name === 'dtc_count')?.value;
      if (typeof mil !== 'boolean' || typeof count !== 'number') continue;
      out.byEcu[String(ecu.ecu)] = { mil, dtcCount: count };
      out.mil ||= mil;
      out.dtcCount += count;
    }
    if (Object.keys(out.byEcu).length === 0) throw this.unexpected('0101', reply);
    return out;
  }

  /** Mode 03 (stored) or 07 (pending) DTCs of every ECU. Adapter conditions (NO DATA …) throw. */
  async readDtcs(kind: 'stored' | 'pending' = 'stored'): Promise<DtcReadResult> {
    const command = kind === 'stored' ? '03' : '07';
    const reply = await this.dataOrThrow(command);
    const answer = dtcAnswer(reply.messages, kind === 'stored' ? 0x43 : 0x47);
    if (Object.keys(answer.byEcu).length === 0) throw this.unexpected(command, reply);
    return { codes: answer.codes, byEcu: answer.byEcu, problems: answer.problems };
  }

  /** 0902: the VIN, or null when the vehicle answers without one. Adapter conditions throw. */
  async readVin(): Promise<string | null> {
    const reply = await this.dataOrThrow('0902', this.opts.vinTimeoutMs);
    if (!reply.messages.some((m) => m.data[0] === 0x49)) throw this.unexpected('0902', reply);
    return vinAnswer(reply.messages);
  }

  // ---- internals ----

  /** Set once a multi-PID request was answered in full on this session. */
  private multiPidWorked = false;

  private async request(pids: number[], result: PidReadResult): Promise<Set<number>> {
    let command = `01${pids.map(hex2).join('')}`;
    if (this.opts.replyCountHint) command += expectedFrames(pids).toString(16).toUpperCase();
    const got = new Set<number>();
    result.requests++;
    let reply: ElmReply;
    try {
      reply = await this.send(command);
    } catch (err) {
      result.errors.push(err as Elm327Error);
      return got;
    }
    if (!reply.ok) {
      result.errors.push(replyError(reply, command));
      // Complete answers before a condition (e.g. STOPPED) are still good data.
    }
    const messages = reply.kind === 'text' ? [] : reply.messages;
    for (const ecu of mode01Signals(messages)) {
      for (const s of ecu.signals) {
        if (!pids.includes(s.pid)) continue; // a stale answer to another request
        got.add(s.pid);
        result.signals.push({ ...s, ecu: ecu.ecu });
      }
      if (ecu.problem !== undefined) {
        result.errors.push(new Elm327Error(Elm327ErrorCode.UnexpectedReply, `Mode 01 answer from ${String(ecu.ecu)}: ${ecu.problem}.`, { details: { command, ecu: ecu.ecu } }));
      }
    }
    return got;
  }

  private noteMultiPidFailure(chunk: number[], lacking: number[]): void {
    this.counters.multiPidFallbacks++;
    this.multiPidBadStreak++;
    const give = this.multiPidBadStreak >= this.opts.multiPidFailuresBeforeFallback;
    if (give) this.multiPidDisabled = true;
    this.logger?.warn(give ? 'Multi-PID requests answered badly; using one PID per request from now on.' : 'A multi-PID request was answered badly; asking the PIDs one by one.', {
      requested: chunk.map(hex2),
      lacking: lacking.map(hex2),
    });
  }

  private async dataOrThrow(command: string, timeoutMs?: number): Promise<DataReply> {
    const reply = await this.send(command, timeoutMs);
    if (!reply.ok) throw replyError(reply, command);
    if (reply.kind !== 'data') throw this.unexpected(command, reply);
    return reply;
  }

  private async expectOk(command: string): Promise<void> {
    const reply = await this.send(command);
    if (reply.kind === 'text' && reply.lines.some((l) => /\bOK\b/i.test(l))) return;
    throw this.unexpected(command, reply);
  }

  private unexpected(command: string, reply: ElmReply): Elm327Error {
    if (reply.kind === 'error') return replyError(reply, command);
    return new Elm327Error(Elm327ErrorCode.UnexpectedReply, `Unexpected answer to ${command}: ${JSON.stringify(reply.lines)}.`, {
      details: { command, lines: reply.lines },
    });
  }

  /** Writes one command and resolves with the bytes before its prompt. */
  private async exchange(command: string, timeoutMs: number): Promise<string> {
    if (this.closed) throw this.closed;
    if (this.desynced) await this.waitForPrompt(this.opts.resyncTimeoutMs);
    if (this.closed) throw this.closed;
    return new Promise<string>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        if (this.pending?.timer !== timer) return;
        this.pending = undefined;
        this.counters.timeouts++;
        this.desynced = true;
        reject(
          new Elm327Error(Elm327ErrorCode.Timeout, `The adapter did not answer ${normalizeCommand(command)} within ${timeoutMs} ms.`, {
            details: { command: normalizeCommand(command), timeoutMs },
          }),
        );
      }, timeoutMs);
      this.pending = { command, buffer: '', resolve, reject, timer };
      this.counters.commands++;
      try {
        this.transport.write(`${command}\r`);
      } catch (err) {
        this.clock.clearTimeout(timer);
        this.pending = undefined;
        reject(new Elm327Error(Elm327ErrorCode.Closed, `Writing ${normalizeCommand(command)} failed.`, { cause: err }));
      }
    });
  }

  /** After a timeout: discard the late reply up to its prompt, or give up waiting after `ms`. */
  private waitForPrompt(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.clock.clearTimeout(timer);
        this.promptWaiter = undefined;
        this.desynced = false;
        resolve();
      };
      const timer = this.clock.setTimeout(done, ms);
      this.promptWaiter = done;
    });
  }

  private onData(chunk: string): void {
    if (typeof chunk !== 'string') chunk = String(chunk);
    let rest = chunk;
    while (rest.length > 0) {
      const at = rest.indexOf('>');
      const part = at === -1 ? rest : rest.slice(0, at);
      rest = at === -1 ? '' : rest.slice(at + 1);
      const p = this.pending;
      if (p && !this.desynced) {
        p.buffer += part;
        if (at !== -1) {
          this.pending = undefined;
          this.clock.clearTimeout(p.timer);
          p.resolve(p.buffer);
        }
      } else {
        this.counters.strayBytes += part.length + (at === -1 ? 0 : 1);
        if (at !== -1 && this.desynced && !p) this.promptWaiter?.();
      }
    }
  }

  private onClose(err?: Error): void {
    this.fail(new Elm327Error(Elm327ErrorCode.Closed, 'The ELM327 transport closed.', err ? { cause: err } : {}));
  }

  private fail(err: Elm327Error): void {
    this.closed ??= err;
    const p = this.pending;
    this.pending = undefined;
    if (p) {
      this.clock.clearTimeout(p.timer);
      p.reject(err);
    }
    this.promptWaiter?.();
  }
}

/** ISO-TP frames one ECU needs for the answer to these PIDs (for the reply-count digit). */
export function expectedFrames(pids: readonly number[]): number {
  const payload = 1 + pids.reduce((n, p) => n + 1 + (MODE01_PIDS.get(p)?.bytes ?? 4), 0);
  const frames = payload <= 7 ? 1 : 1 + Math.ceil((payload - 6) / 7);
  return Math.min(15, frames);
}

/** Conditions that mean no ECU answered, as opposed to an answer the adapter could not make of the request. */
function silentCondition(err: Elm327Error | undefined): boolean {
  if (!err) return false;
  return (
    err.code === Elm327ErrorCode.NoData ||
    err.code === Elm327ErrorCode.UnableToConnect ||
    err.code === Elm327ErrorCode.Timeout ||
    err.code === Elm327ErrorCode.Closed ||
    err.code === Elm327ErrorCode.CanError ||
    err.code === Elm327ErrorCode.BusInitError
  );
}
