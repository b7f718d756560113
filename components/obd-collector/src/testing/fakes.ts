/**
 * Test support for the collector: a fake car behind a fake ELM327 session (answers, latency on a
 * clock, ignition, a dropped connection), a fake adapter link, and an in-memory stream writer.
 */
import { StreamError, StreamErrorCode, decodeBatch, sleep, type Clock, type Sample, type StreamWriter } from '../../../core/src';
import { Elm327Error, Elm327ErrorCode, type AdapterInfo, type DtcReadResult, type Elm327Transport, type MilStatus, type PidReadResult, type SupportedPids } from '../elm327';
import { MODE01_PIDS } from '../obd';
import type { ObdSession } from '../collector';
import type { AdapterLink } from '../transport';

export class FakeCar {
  ignition = true;
  /** Adapter voltage with the engine running / off. */
  runningVoltage = 14.2;
  offVoltage = 12.3;
  /** Time every request to the car takes (on the session's clock). */
  latencyMs = 0;
  vin: string | null = '1HGCM82633A004352';
  supported = new Set<number>([0x0c, 0x0d, 0x04, 0x05, 0x0f, 0x10, 0x11, 0x2f, 0x43, 0x0e, 0x46, 0x5c, 0x5e, 0x42, 0x33]);
  values = new Map<number, number>([
    [0x0c, 2750],
    [0x0d, 88],
    [0x05, 90],
  ]);
  stored = ['P0133'];
  pending: string[] = [];
  mil = true;
  /** readPids calls: the time each was made and its PIDs. */
  readonly calls: { at: number; pids: number[] }[] = [];
  sessions = 0;
}

export class FakeSession implements ObdSession {
  closed = false;
  private readonly closing = new AbortController();

  constructor(
    private readonly car: FakeCar,
    private readonly clock: Clock,
  ) {
    car.sessions++;
  }

  private async bus(): Promise<void> {
    if (this.car.latencyMs > 0) await sleep(this.car.latencyMs, this.closing.signal, this.clock).catch(() => undefined);
    if (this.closed) throw new Elm327Error(Elm327ErrorCode.Closed, 'closed');
  }

  private silent(): Elm327Error {
    return new Elm327Error(Elm327ErrorCode.NoData, 'NO DATA');
  }

  async initialize(): Promise<AdapterInfo> {
    if (this.closed) throw new Elm327Error(Elm327ErrorCode.Closed, 'closed');
    return { elmVersion: 'ELM327 v1.5', voltage: await this.readVoltage(), protocol: undefined, vehicleConnected: this.car.ignition };
  }

  async discoverSupportedPids(): Promise<SupportedPids> {
    await this.bus();
    if (!this.car.ignition) throw this.silent();
    return new Map([['7E8', new Set([0x00, 0x20, 0x40, ...this.car.supported])]]);
  }

  async readPids(pids: readonly number[]): Promise<PidReadResult> {
    this.car.calls.push({ at: this.clock.now(), pids: [...pids] });
    const result: PidReadResult = { signals: [], missing: [], errors: [], requests: 1 };
    try {
      await this.bus();
    } catch (err) {
      result.errors.push(err as Elm327Error);
      result.missing.push(...pids);
      return result;
    }
    if (!this.car.ignition) {
      result.errors.push(this.silent());
      result.missing.push(...pids);
      return result;
    }
    for (const pid of pids) {
      const def = MODE01_PIDS.get(pid);
      if (!def || !this.car.supported.has(pid)) {
        result.missing.push(pid);
        continue;
      }
      result.signals.push({ pid, name: def.name, unit: def.unit, value: this.car.values.get(pid) ?? 1, ecu: '7E8' });
    }
    return result;
  }

  async readMilStatus(): Promise<MilStatus> {
    await this.bus();
    if (!this.car.ignition) throw this.silent();
    return { mil: this.car.mil, dtcCount: this.car.stored.length, byEcu: {} };
  }

  async readDtcs(kind: 'stored' | 'pending'): Promise<DtcReadResult> {
    await this.bus();
    if (!this.car.ignition) throw this.silent();
    const codes = kind === 'stored' ? this.car.stored : this.car.pending;
    return { codes: [...codes], byEcu: { '7E8': [...codes] }, problems: [] };
  }

  async readVin(): Promise<string | null> {
    await this.bus();
    if (!this.car.ignition) throw this.silent();
    return this.car.vin;
  }

  async readVoltage(): Promise<number> {
    if (this.closed) throw new Elm327Error(Elm327ErrorCode.Closed, 'closed');
    return this.car.ignition ? this.car.runningVoltage : this.car.offVoltage;
  }

  close(): void {
    this.closed = true;
    this.closing.abort();
  }
}

export const nullTransport: Elm327Transport = { write() {}, onData() {}, onClose() {}, close() {} };

/** A link that connects at once; `lost` calls are recorded. */
export class FakeLink implements AdapterLink {
  connects = 0;
  readonly lostErrors: unknown[] = [];
  async connect(signal: AbortSignal): Promise<Elm327Transport> {
    if (signal.aborted) throw new Error('aborted');
    this.connects++;
    return nullTransport;
  }
  lost(err?: unknown): void {
    this.lostErrors.push(err);
  }
}

/** Keeps what is written, decoded; `failing` makes appends fail like an absent stream manager. */
export class MemoryWriter implements StreamWriter {
  failing = false;
  appends = 0;
  readonly messages: { stream: string; samples: Sample[] }[] = [];

  async append(stream: string, payload: Buffer): Promise<number> {
    this.appends++;
    if (this.failing) throw new StreamError(StreamErrorCode.Unavailable, 'stream manager unavailable', { retryable: true });
    const d = decodeBatch(payload);
    if (!d.ok) throw new Error(`bad batch: ${d.code}`);
    this.messages.push({ stream, samples: d.samples });
    return this.messages.length - 1;
  }

  samples(stream: string, name?: string): Sample[] {
    return this.messages.filter((m) => m.stream === stream).flatMap((m) => m.samples).filter((s) => name === undefined || s.name === name);
  }
}
