/**
 * The ELM327 command interpreter: one adapter's settings + one command line in, the exact
 * bytes the adapter would send back out (echo, reply lines ended by CR, CR, `>`). No I/O and
 * no timers: the reply says how long the adapter would take (`delayMs`) and whether the
 * connection drops, and the server (or a test) acts on it.
 *
 * Byte format follows the real captures in /work/shared/fixtures/elm327/transcripts/.
 */
import { FaultInjector, FaultKind } from './faults';
import { ENGINE_PIDS, MODE01_ENCODERS, PidContext, isRangePid, pidBitmask, withRangePids } from './pids';
import { Vehicle, encodeDtc } from './vehicle';

/** `can`: ISO 15765-4 CAN 11-bit 500 kbaud (protocol 6). `legacy`: ISO 9141-2 (protocol 3). */
export type Elm327Profile = 'can' | 'legacy';

export interface Elm327EmulatorOptions {
  /** The car behind the adapter; several adapters may share one. Default: a new `Vehicle`. */
  vehicle?: Vehicle;
  profile?: Elm327Profile;
  /** Faults for OBD requests; several adapters may share one injector. */
  faults?: FaultInjector;
  /** Answer to ATZ / ATI. Default `ELM327 v1.5`. */
  version?: string;
  /** ECU answer time added to every answered OBD request. Default 50 ms. */
  ecuLatencyMs?: number;
  /**
   * Extra wait of an answered request sent without a reply-count digit (a real ELM waits for
   * more ECUs until its timeout; `010C1` returns at once). Default 0.
   */
  uncountedWaitMs?: number;
  /** Extra time the first request takes while the protocol search runs. Default 0. */
  searchMs?: number;
  /** Extra time ATZ takes. Default 0 (a real adapter takes ~1 s). */
  resetMs?: number;
  /** Mode 01 PIDs of the engine ECU (7E8 / 10). Default: every PID in `MODE01_ENCODERS`. */
  enginePids?: readonly string[];
  /**
   * Mode 01 PIDs of a second ECU (7E9, CAN only); it also answers 0100 and modes 03/04/07.
   * `false` for a single-ECU car. Default ['01'].
   */
  secondEcuPids?: readonly string[] | false;
  /** Pad byte of the last ISO-TP consecutive frame. Default 0xAA. */
  padByte?: number;
  /**
   * How the legacy ECU treats a multi-PID request (J1979 allows them on CAN only):
   * `first` answers the first PID only, `none` ignores the request (NO DATA). Default `first`.
   */
  legacyMultiPid?: 'first' | 'none';
  /** Power-up default of ATL (linefeeds). Default false. */
  linefeedsDefault?: boolean;
}

/** What the adapter sends for one command line. */
export interface Elm327Reply {
  /** Sent at once (the echo of the command, empty with ATE0). */
  readonly echo: string;
  /** Sent after `delayMs`: reply lines, then CR `>` (empty when the command is left unanswered). */
  readonly text: string;
  readonly delayMs: number;
  /** The adapter drops the connection after the echo. */
  readonly close: boolean;
}

/** The adapter's settings, as AT commands change them. */
export interface Elm327Settings {
  echo: boolean;
  linefeeds: boolean;
  spaces: boolean;
  headers: boolean;
  /** True while the protocol is automatic (ATSP0 / ATSP An). */
  auto: boolean;
  /** Selected protocol number (0 = automatic, none chosen). */
  protocol: number;
  /** The protocol saved by ATSP (survives ATZ); ATTP does not save. */
  savedAuto: boolean;
  savedProtocol: number;
  /** A protocol was found (auto) or the bus initialised (manual K-line). */
  connected: boolean;
  /** ATST, in ms. */
  timeoutMs: number;
}

export const PROTOCOL_NAMES: Readonly<Record<number, string>> = {
  1: 'SAE J1850 PWM',
  2: 'SAE J1850 VPW',
  3: 'ISO 9141-2',
  4: 'ISO 14230-4 (KWP 5BAUD)',
  5: 'ISO 14230-4 (KWP FAST)',
  6: 'ISO 15765-4 (CAN 11/500)',
  7: 'ISO 15765-4 (CAN 29/500)',
  8: 'ISO 15765-4 (CAN 11/250)',
  9: 'ISO 15765-4 (CAN 29/250)',
  10: 'SAE J1939 (CAN 29/250)',
  11: 'USER1 CAN (11* /125)',
  12: 'USER2 CAN (11* /50)',
};

const DEFAULT_TIMEOUT_MS = 200;

/** AT commands accepted with `OK` and otherwise ignored. */
const NO_OP_AT =
  /^(AL|NL|AR|BI|SI|FI|LP|JE|JS|CEA|CAF[01]|CFC[01]|CSM[01]|M[01]|R[01]|V[01]|D[01]|KW[01]|IB(10|48|96)|SH([0-9A-F]{3}|[0-9A-F]{6}|[0-9A-F]{8})|CRA[0-9A-FX]*|SW[0-9A-F]{2}|SR[0-9A-F]{2}|CEA[0-9A-F]{2}|FCSM[0-2]|AT[012]|[012])$/;

const hex2 = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');

/** One ECU's answer: `ecu` 0 = engine (7E8 / 10), 1 = second ECU (7E9). */
interface EcuMessage {
  readonly ecu: number;
  readonly payload: readonly number[];
}

export class Elm327Emulator {
  readonly vehicle: Vehicle;
  readonly faults: FaultInjector;
  readonly profile: Elm327Profile;
  private readonly version: string;
  private readonly ecuLatencyMs: number;
  private readonly searchMs: number;
  private readonly uncountedWaitMs: number;
  private readonly resetMs: number;
  private readonly padByte: number;
  private readonly legacyMultiPid: 'first' | 'none';
  private readonly linefeedsDefault: boolean;
  private readonly enginePids: ReadonlySet<string>;
  private readonly secondEcuPids: ReadonlySet<string> | undefined;
  private state: Elm327Settings;
  private lastCommand = '';

  constructor(options: Elm327EmulatorOptions = {}) {
    this.vehicle = options.vehicle ?? new Vehicle();
    this.faults = options.faults ?? new FaultInjector();
    this.profile = options.profile ?? 'can';
    this.version = options.version ?? 'ELM327 v1.5';
    this.ecuLatencyMs = options.ecuLatencyMs ?? 50;
    this.searchMs = options.searchMs ?? 0;
    this.uncountedWaitMs = options.uncountedWaitMs ?? 0;
    this.resetMs = options.resetMs ?? 0;
    this.padByte = options.padByte ?? 0xaa;
    this.legacyMultiPid = options.legacyMultiPid ?? 'first';
    this.linefeedsDefault = options.linefeedsDefault ?? false;
    const engine = (options.enginePids ?? ENGINE_PIDS).map((p) => p.toUpperCase());
    for (const p of engine) {
      if (!isRangePid(p) && MODE01_ENCODERS[p] === undefined) throw new Error(`enginePids: PID ${p} has no encoder`);
    }
    this.enginePids = withRangePids(engine);
    const second = options.secondEcuPids ?? ['01'];
    this.secondEcuPids = second === false || this.profile === 'legacy' ? undefined : withRangePids(second.map((p) => p.toUpperCase()));
    this.state = {
      ...this.defaults(),
      auto: true,
      protocol: 0,
      savedAuto: true,
      savedProtocol: 0,
      connected: false,
    };
  }

  /** The protocol the car speaks: 6 (CAN 11/500) or 3 (ISO 9141-2). */
  get vehicleProtocol(): number {
    return this.profile === 'can' ? 6 : 3;
  }

  get settings(): Readonly<Elm327Settings> {
    return { ...this.state };
  }

  /** Echo + reply as one string (Latin-1 bytes), for tests. */
  static bytes(reply: Elm327Reply): string {
    return reply.echo + reply.text;
  }

  /** Handles one command line (without its CR). Bytes other than CR may be anything. */
  handleLine(raw: string): Elm327Reply {
    const rawLine = raw.replace(/\n/g, '');
    const echo = this.state.echo ? this.lf(rawLine + '\r') : '';
    let cmd = rawLine.replace(/[\s\x00-\x1f]/g, '').toUpperCase();
    if (cmd === '') cmd = this.lastCommand;
    if (cmd === '') return { echo, text: this.lf('\r>'), delayMs: 0, close: false };
    this.lastCommand = cmd;
    const out = cmd.startsWith('AT') ? this.at(cmd.slice(2)) : this.obd(cmd);
    return { echo, text: out.unanswered ? '' : this.lf(out.text), delayMs: out.delayMs, close: out.close };
  }

  private lf(text: string): string {
    return this.state.linefeeds ? text.replace(/\r/g, '\r\n') : text;
  }

  private defaults(): Pick<Elm327Settings, 'echo' | 'linefeeds' | 'spaces' | 'headers' | 'timeoutMs'> {
    return { echo: true, linefeeds: this.linefeedsDefault, spaces: true, headers: false, timeoutMs: DEFAULT_TIMEOUT_MS };
  }

  private static reply(lines: readonly string[], delayMs = 0): { text: string; delayMs: number; close: boolean; unanswered: boolean } {
    return { text: lines.map((l) => `${l}\r`).join('') + '\r>', delayMs, close: false, unanswered: false };
  }

  // ---- AT commands ------------------------------------------------------------------------

  private at(arg: string): { text: string; delayMs: number; close: boolean; unanswered: boolean } {
    const ok = Elm327Emulator.reply(['OK']);
    const s = this.state;
    const flag = /^([ELSH])([01])$/.exec(arg);
    if (flag) {
      const on = flag[2] === '1';
      if (flag[1] === 'E') s.echo = on;
      else if (flag[1] === 'L') s.linefeeds = on;
      else if (flag[1] === 'S') s.spaces = on;
      else s.headers = on;
      return ok;
    }
    switch (arg) {
      case 'Z':
      case 'WS':
        this.state = { ...s, ...this.defaults(), auto: s.savedAuto, protocol: s.savedProtocol, connected: false };
        this.lastCommand = '';
        return Elm327Emulator.reply(['', '', this.version], this.resetMs);
      case 'D':
        Object.assign(s, this.defaults());
        return ok;
      case 'I':
        return Elm327Emulator.reply([this.version]);
      case '@1':
        return Elm327Emulator.reply(['OBDII to RS232 Interpreter']);
      case 'RV':
        return Elm327Emulator.reply([`${this.vehicle.read().moduleVoltage.toFixed(1)}V`]);
      case 'DP': {
        const name = s.auto ? (s.connected ? `AUTO, ${PROTOCOL_NAMES[this.vehicleProtocol]}` : 'AUTO') : (PROTOCOL_NAMES[s.protocol] ?? 'AUTO');
        return Elm327Emulator.reply([name]);
      }
      case 'DPN': {
        const n = s.auto ? (s.connected ? this.vehicleProtocol : s.protocol) : s.protocol;
        return Elm327Emulator.reply([`${s.auto ? 'A' : ''}${n.toString(16).toUpperCase()}`]);
      }
      case 'PC':
        s.connected = false;
        return ok;
      default:
        break;
    }
    const proto = /^(SP|TP)(A?)([0-9A-C])$/.exec(arg);
    if (proto) {
      const n = parseInt(proto[3] as string, 16);
      const auto = n === 0 || proto[2] === 'A';
      s.auto = auto;
      s.protocol = n;
      s.connected = false;
      if (proto[1] === 'SP') {
        s.savedAuto = auto;
        s.savedProtocol = n;
      }
      return ok;
    }
    const st = /^ST([0-9A-F]{2})$/.exec(arg);
    if (st) {
      const v = parseInt(st[1] as string, 16);
      s.timeoutMs = v === 0 ? DEFAULT_TIMEOUT_MS : v * 4;
      return ok;
    }
    if (NO_OP_AT.test(arg)) return ok;
    return Elm327Emulator.reply(['?']);
  }

  // ---- OBD requests -----------------------------------------------------------------------

  private obd(cmd: string): { text: string; delayMs: number; close: boolean; unanswered: boolean } {
    if (!/^[0-9A-F]+$/.test(cmd)) return Elm327Emulator.reply(['?']);
    let hex = cmd;
    let maxReplies = Infinity;
    if (hex.length % 2 === 1) {
      maxReplies = parseInt(hex.slice(-1), 16);
      hex = hex.slice(0, -1);
      if (maxReplies === 0) return Elm327Emulator.reply(['?']);
    }
    if (hex.length < 2 || hex.length > 14) return Elm327Emulator.reply(['?']);
    const request: number[] = [];
    for (let i = 0; i < hex.length; i += 2) request.push(parseInt(hex.slice(i, i + 2), 16));

    const fault = this.faults.next();
    if (fault !== undefined) return this.faultReply(fault);

    const s = this.state;
    const prefix: string[] = [];
    let extraDelay = 0;
    const on = this.vehicle.ignition;
    const noData = Elm327Emulator.reply(['NO DATA'], s.timeoutMs);
    if (s.auto && !s.connected) {
      prefix.push('SEARCHING...');
      extraDelay = this.searchMs;
      if (!on) return Elm327Emulator.reply([...prefix, 'UNABLE TO CONNECT'], this.searchMs + s.timeoutMs);
      s.connected = true;
    } else if (!s.auto) {
      const mismatch = this.protocolMismatch(s.protocol);
      if (mismatch !== undefined) return Elm327Emulator.reply([mismatch], s.timeoutMs);
      if (this.profile === 'legacy' && !s.connected) {
        if (!on) return Elm327Emulator.reply(['BUS INIT: ...ERROR'], s.timeoutMs);
        prefix.push('BUS INIT: ...OK');
        extraDelay = this.searchMs;
      }
      s.connected = true;
    }
    if (!on) {
      // A K-line session times out with the ECU; the next request initialises again.
      if (this.profile === 'legacy' && !s.auto) s.connected = false;
      return noData;
    }
    const messages = this.answer(request).slice(0, maxReplies);
    if (messages.length === 0) return Elm327Emulator.reply([...prefix, 'NO DATA'], extraDelay + s.timeoutMs);
    const lines = this.profile === 'can' ? this.canLines(messages) : this.legacyLines(messages);
    const wait = maxReplies === Infinity ? this.uncountedWaitMs : 0;
    return Elm327Emulator.reply([...prefix, ...lines], extraDelay + this.ecuLatencyMs + wait);
  }

  /** What a manually selected protocol that the car does not speak prints, or undefined. */
  private protocolMismatch(selected: number): string | undefined {
    if (selected === this.vehicleProtocol) return undefined;
    if (selected === 1 || selected === 2) return 'NO DATA';
    if (selected === 3 || selected === 4) return 'BUS INIT: ...ERROR';
    if (selected === 5) return 'BUS INIT: ERROR';
    // CAN at the car's bit rate (7 = 29-bit 500k on an 11-bit 500k bus) hears nothing; other rates fail.
    if (this.profile === 'can' && selected === 7) return 'NO DATA';
    return 'CAN ERROR';
  }

  private faultReply(fault: FaultKind): { text: string; delayMs: number; close: boolean; unanswered: boolean } {
    switch (fault) {
      case 'noData':
        return Elm327Emulator.reply(['NO DATA'], this.state.timeoutMs);
      case 'canError':
        return Elm327Emulator.reply(['CAN ERROR'], this.ecuLatencyMs);
      case 'busInitError':
        return Elm327Emulator.reply(['BUS INIT: ...ERROR'], this.ecuLatencyMs);
      case 'stopped':
        return Elm327Emulator.reply(['STOPPED'], this.ecuLatencyMs);
      case 'garbage': {
        const n = 3 + Math.floor(this.faults.random() * 18);
        let junk = '';
        for (let i = 0; i < n; i += 1) {
          let b = Math.floor(this.faults.random() * 256);
          if (b === 0x3e || b === 0x0d || b === 0x0a) b = 0xfc;
          junk += String.fromCharCode(b);
        }
        return Elm327Emulator.reply([junk], this.ecuLatencyMs);
      }
      case 'unanswered':
        return { text: '', delayMs: 0, close: false, unanswered: true };
      case 'disconnect':
        return { text: '', delayMs: 0, close: true, unanswered: true };
    }
  }

  /** The ECUs' answers to a request, engine first. */
  private answer(req: readonly number[]): EcuMessage[] {
    const mode = req[0] as number;
    const args = req.slice(1);
    const ecus: { ecu: number; pids: ReadonlySet<string> }[] = [{ ecu: 0, pids: this.enginePids }];
    if (this.secondEcuPids) ecus.push({ ecu: 1, pids: this.secondEcuPids });
    const out: EcuMessage[] = [];
    switch (mode) {
      case 0x01: {
        if (args.length === 0 || args.length > 6) return [];
        let pids = args;
        if (this.profile === 'legacy' && args.length > 1) {
          if (this.legacyMultiPid === 'none') return [];
          pids = args.slice(0, 1);
        }
        const v = this.vehicle;
        const ctx: PidContext = { readings: v.read(), milOn: v.milOn, storedDtcCount: v.getDtcs('stored', 0).length };
        for (const { ecu, pids: supported } of ecus) {
          const payload: number[] = [0x41];
          for (const pid of pids) {
            const id = hex2(pid);
            if (pid === 0) {
              payload.push(pid, ...pidBitmask(0, supported));
            } else if (!supported.has(id)) {
              continue;
            } else if (isRangePid(id)) {
              payload.push(pid, ...pidBitmask(pid, supported));
            } else {
              const encode = MODE01_ENCODERS[id];
              if (encode) payload.push(pid, ...encode(ctx));
            }
          }
          if (payload.length > 1) out.push({ ecu, payload });
        }
        return out;
      }
      case 0x03:
      case 0x07: {
        if (args.length > 0) return [];
        const kind = mode === 0x03 ? 'stored' : 'pending';
        for (const { ecu } of ecus) {
          const codes = this.vehicle.getDtcs(kind, ecu).flatMap((c) => encodeDtc(c));
          if (this.profile === 'can') {
            out.push({ ecu, payload: [mode + 0x40, codes.length / 2, ...codes] });
          } else {
            // Legacy: three codes per message, no count byte, padded with 00 00.
            const frames = Math.max(1, Math.ceil(codes.length / 6));
            for (let f = 0; f < frames; f += 1) {
              const chunk = codes.slice(f * 6, f * 6 + 6);
              while (chunk.length < 6) chunk.push(0);
              out.push({ ecu, payload: [mode + 0x40, ...chunk] });
            }
          }
        }
        return out;
      }
      case 0x04:
        if (args.length > 0) return [];
        this.vehicle.clearDtcs();
        return ecus.map(({ ecu }) => ({ ecu, payload: [0x44] }));
      case 0x09: {
        if (args.length !== 1) return [];
        const vin = [...this.vehicle.vin].map((ch) => ch.charCodeAt(0));
        if (args[0] === 0x00) return [{ ecu: 0, payload: [0x49, 0x00, 0x40, 0x00, 0x00, 0x00] }];
        if (args[0] === 0x01) return [{ ecu: 0, payload: [0x49, 0x01, this.profile === 'can' ? 0x01 : 0x05] }];
        if (args[0] !== 0x02) return [];
        if (this.profile === 'can') return [{ ecu: 0, payload: [0x49, 0x02, 0x01, ...vin] }];
        const padded = [0, 0, 0, ...vin];
        for (let n = 0; n < 5; n += 1) out.push({ ecu: 0, payload: [0x49, 0x02, n + 1, ...padded.slice(n * 4, n * 4 + 4)] });
        return out;
      }
      default:
        return [];
    }
  }

  private tokens(tokens: readonly string[]): string {
    return this.state.spaces ? tokens.map((t) => `${t} `).join('') : tokens.join('');
  }

  /** CAN lines: ISO-TP frames, ECUs' frames interleaved round-robin (first frames first). */
  private canLines(messages: readonly EcuMessage[]): string[] {
    const perEcu = messages.map((m) => this.isoTpLines(m));
    const lines: string[] = [];
    const longest = Math.max(...perEcu.map((l) => l.length));
    for (let i = 0; i < longest; i += 1) {
      for (const l of perEcu) {
        const line = l[i];
        if (line !== undefined) lines.push(line);
      }
    }
    return lines;
  }

  /** One message's printed lines (the headers-off first frame prints the length line too). */
  private isoTpLines(m: EcuMessage): string[] {
    const id = (0x7e8 + m.ecu).toString(16).toUpperCase();
    const { headers } = this.state;
    const p = m.payload;
    if (p.length <= 7) {
      const bytes = headers ? [p.length, ...p] : p;
      return [this.tokens([...(headers ? [id] : []), ...bytes.map(hex2)])];
    }
    const frames: { index: number; pci: number[]; data: number[] }[] = [];
    frames.push({ index: 0, pci: [0x10 | (p.length >> 8), p.length & 0xff], data: p.slice(0, 6) });
    for (let off = 6, seq = 1; off < p.length; off += 7, seq += 1) {
      const data = p.slice(off, off + 7);
      while (data.length < 7) data.push(this.padByte);
      frames.push({ index: seq & 0x0f, pci: [0x20 | (seq & 0x0f)], data });
    }
    if (headers) return frames.map((f) => this.tokens([id, ...[...f.pci, ...f.data].map(hex2)]));
    const lenLine = this.tokens([p.length.toString(16).toUpperCase().padStart(3, '0')]);
    const lines = frames.map((f) => this.tokens([`${f.index.toString(16).toUpperCase()}:`, ...f.data.map(hex2)]));
    return [`${lenLine}`, ...lines].reduce<string[]>((acc, l, i) => {
      // Keep the length line and frame 0 together so round-robin interleaving does not split them.
      if (i === 1) acc[0] = `${acc[0]}\r${l}`;
      else acc.push(l);
      return acc;
    }, []);
  }

  /** ISO 9141-2 lines: `48 6B 10` + data + checksum with headers on. */
  private legacyLines(messages: readonly EcuMessage[]): string[] {
    return messages.map((m) => {
      if (!this.state.headers) return this.tokens(m.payload.map(hex2));
      const frame = [0x48, 0x6b, 0x10 + m.ecu * 8, ...m.payload];
      const checksum = frame.reduce((a, b) => a + b, 0) & 0xff;
      return this.tokens([...frame, checksum].map(hex2));
    });
  }
}
