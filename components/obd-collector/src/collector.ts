/**
 * The ObdCollector: (re)connects to the adapter, initialises the ELM327 session, reads the VIN
 * once per connection, discovers the supported PIDs, then polls the configured PIDs on their own
 * intervals (skipping a cycle when the bus is slow rather than queueing requests), reads DTCs and
 * the MIL on a slower interval, follows the ignition, and writes samples (core envelope) to the
 * raw stream and ignition changes to the event stream, through a bounded buffer that survives a
 * stream manager outage.
 */
import {
  Backoff,
  TributaryError,
  defaultRetryable,
  sleep,
  splitIntoBatches,
  type Clock,
  type Health,
  type Logger,
  type Quality,
  type Sample,
  type SampleValue,
  type StreamWriter,
} from '../../core/src';
import {
  Elm327ErrorCode,
  pickEngineEcu,
  type AdapterInfo,
  type DtcReadResult,
  type Elm327Transport,
  type MilStatus,
  type PidReadResult,
  type SupportedPids,
} from './elm327';
import type { PidPlan } from './config';
import type { AdapterLink } from './transport';
import { StreamEnsureError } from './stream-writer';

/** What the collector needs from an ELM327 session (`Elm327Session` fits). */
export interface ObdSession {
  initialize(): Promise<AdapterInfo>;
  discoverSupportedPids(): Promise<SupportedPids>;
  readPids(pids: readonly number[]): Promise<PidReadResult>;
  readMilStatus(): Promise<MilStatus>;
  readDtcs(kind: 'stored' | 'pending'): Promise<DtcReadResult>;
  readVin(): Promise<string | null>;
  readVoltage(): Promise<number>;
  close(): void;
}

export type SessionFactory = (transport: Elm327Transport) => ObdSession;

export interface CollectorSettings {
  /** Fixed device id; default: the VIN, else `unknown-vehicle`. */
  deviceId?: string;
  pids: PidPlan[];
  /** PIDs per readPids call (the session packs them into one request on CAN); 1 when multi-PID is off. */
  pidsPerRead: number;
  dtcIntervalMs: number;
  ignitionOffPollMs: number;
  /** A silent ECU with the adapter voltage below this means ignition off. */
  ignitionOffVoltage: number;
  stream: string;
  eventStream: string;
  maxBufferedSamples: number;
  maxBatchBytes: number;
  /** Cycles in a row in which every request timed out before the connection is reopened. Default 3. */
  unresponsiveCyclesBeforeReconnect?: number;
  /**
   * The one deadline of stop() once polling has ended: how long it keeps trying to write what is
   * buffered, in-flight append included. Default 2000 ms (well inside Greengrass's 10 s stop budget).
   */
  stopFlushMs?: number;
}

export interface CollectorDeps {
  link: AdapterLink;
  sessionFactory: SessionFactory;
  writer: StreamWriter;
  clock: Clock;
  logger: Logger;
  health: Health;
  settings: CollectorSettings;
  /** Waits between failed stream writes. Default 200 ms growing to 10 s, full jitter. */
  writerBackoff?: Backoff;
}

export type IgnitionState = 'on' | 'off' | 'unknown';

/** Metric names (counters unless noted). */
export const Metric = {
  Requests: 'requests',
  Samples: 'samples',
  Written: 'written',
  Cycles: 'cycles',
  SkippedCycles: 'skipped_cycles',
  Timeouts: 'timeouts',
  Dropped: 'dropped',
  PidErrors: 'pid_errors',
  Reconnects: 'reconnects',
  Events: 'events',
  SilentCycles: 'silent_cycles',
  /** Gauges. */
  CycleMs: 'cycle_ms',
  UnsupportedPids: 'unsupported_pids',
  BufferedSamples: 'buffered_samples',
  AdapterVoltage: 'adapter_voltage',
} as const;

const NO_ANSWER = new Set<string>([Elm327ErrorCode.NoData, Elm327ErrorCode.UnableToConnect]);
const UNKNOWN_DEVICE = 'unknown-vehicle';

interface Scheduled extends PidPlan {
  nextDue: number;
}

/** Per-connection state. */
interface Conn {
  ready: boolean;
  vinRead: boolean;
  engineEcu: string | null | undefined;
  schedule: Scheduled[];
  nextDtc: number;
  unresponsive: number;
}

interface Pending {
  stream: string;
  payload: Buffer;
  samples: number;
}

/** A stream whose ensure failed: its messages wait (kept, not dropped) until `until`. */
interface HeldStream {
  backoff: Backoff;
  until: number;
  error: StreamEnsureError;
}

/** data: something answered; silent: nothing did, engine running; off: nothing did, ignition off; unresponsive: timeouts only. */
type CycleOutcome = 'data' | 'silent' | 'off' | 'unresponsive';

function codeOf(err: unknown): string {
  return err instanceof TributaryError ? err.code : 'unknown';
}

function isClosed(err: unknown): boolean {
  return codeOf(err) === Elm327ErrorCode.Closed;
}

/** Raised when the connection must be reopened. */
class ConnectionLost extends TributaryError {
  constructor(message: string, cause?: unknown) {
    super('obd_connection_lost', message, { retryable: true, cause });
  }
}

export class ObdCollector {
  private readonly s: CollectorSettings;
  private readonly log: Logger;
  private readonly abort = new AbortController();
  private readonly flushAbort = new AbortController();
  private readonly writerBackoff: Backoff;
  private loop: Promise<void> | undefined;
  private session: ObdSession | undefined;
  private vin: string | undefined;
  private ignitionState: IgnitionState = 'unknown';
  private readonly loggedUnsupported = new Set<number>();
  private readonly queue: Pending[] = [];
  private buffered = 0;
  private flushing: Promise<void> | undefined;
  /** The message whose append is awaited, if any. */
  private inFlight: Pending | undefined;
  /** Wakes the flush loop's current sleep (stop, or new data while only held streams wait). */
  private wake: AbortController | undefined;
  private napKind: 'backoff' | 'held' | undefined;
  private stopping = false;
  /** Health was set degraded because a stream cannot be created (not because of the adapter). */
  private degradedByStreams = false;
  /** Set when stop() has counted what is left as dropped: late append results are ignored. */
  private closed = false;
  private readonly held = new Map<string, HeldStream>();

  constructor(private readonly deps: CollectorDeps) {
    this.s = deps.settings;
    this.log = deps.logger;
    this.writerBackoff = deps.writerBackoff ?? new Backoff({ initialMs: 200, maxMs: 10_000 });
  }

  /** The device id samples carry: configured, else the VIN, else `unknown-vehicle`. */
  get deviceId(): string {
    return this.s.deviceId ?? this.vin ?? UNKNOWN_DEVICE;
  }

  get ignition(): IgnitionState {
    return this.ignitionState;
  }

  /** Samples waiting to be written. */
  get bufferedSamples(): number {
    return this.buffered;
  }

  start(): void {
    if (this.loop) return;
    this.deps.health.setState('starting');
    this.loop = this.run();
  }

  /**
   * Stops polling, closes the adapter, and tries to write what is buffered until one deadline
   * (`stopFlushMs` after polling ended): a write backoff in progress is cut short and writes are
   * tried again at once; an append still in flight at the deadline (a hung stream manager) is not
   * waited for. What is unwritten then is counted as dropped{reason=shutdown}.
   */
  async stop(): Promise<void> {
    const { clock } = this.deps;
    this.stopping = true;
    this.retrySoon();
    this.abort.abort();
    this.session?.close();
    await this.loop;
    const flushMs = this.s.stopFlushMs ?? 2000;
    if (this.queue.length > 0 && flushMs > 0) {
      this.retrySoon();
      this.kickFlush();
      let timer: ReturnType<Clock['setTimeout']> | undefined;
      const deadline = new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, flushMs)));
      await Promise.race([this.flushing ?? Promise.resolve(), deadline]);
      clock.clearTimeout(timer);
    }
    this.flushAbort.abort();
    this.wake?.abort();
    this.closed = true;
    if (this.queue.length > 0) {
      const lost = this.buffered;
      this.drop('shutdown', this.queue.splice(0));
      this.log.error('Stopped with samples not written; they are counted as dropped.', { samples: lost, inFlight: this.inFlight !== undefined });
    }
    this.deps.health.setState('stopped');
  }

  /** Stopping: back to the first delay, end the current write backoff, and lift stream holds. */
  private retrySoon(): void {
    this.writerBackoff.reset();
    for (const h of this.held.values()) {
      h.backoff.reset();
      h.until = 0;
    }
    this.wake?.abort();
  }

  // ---- connection loop ----

  private async run(): Promise<void> {
    const { link, sessionFactory, health } = this.deps;
    while (!this.abort.signal.aborted) {
      let transport: Elm327Transport;
      try {
        transport = await link.connect(this.abort.signal);
      } catch {
        break; // aborted
      }
      const session = sessionFactory(transport);
      this.session = session;
      try {
        await this.runSession(session);
      } catch (err) {
        if (this.abort.signal.aborted) break;
        health.counters.inc(Metric.Reconnects);
        health.setState('degraded', 'adapter connection lost');
        this.degradedByStreams = false;
        this.log.rateLimited('session-lost', 60_000).warn('The adapter connection was lost; reconnecting.', { code: codeOf(err), error: (err as Error).message });
        link.lost(err);
      } finally {
        session.close();
        this.session = undefined;
      }
    }
  }

  /** One adapter connection; returns only when stopping, throws when the connection must be reopened. */
  private async runSession(session: ObdSession): Promise<void> {
    const { health, clock } = this.deps;
    const info = await session.initialize();
    health.setStatus('adapter', 'connected', {
      detail: { elmVersion: info.elmVersion, protocol: info.protocol?.name, voltage: info.voltage },
    });
    if (info.voltage !== undefined) health.counters.set(Metric.AdapterVoltage, info.voltage);
    const conn: Conn = { ready: false, vinRead: false, engineEcu: undefined, schedule: [], nextDtc: 0, unresponsive: 0 };
    while (!this.abort.signal.aborted) {
      if (!conn.ready && !(await this.setup(session, conn))) {
        await this.pause(this.s.ignitionOffPollMs);
        continue;
      }
      if (this.ignitionState === 'off') {
        if (!(await this.probe(session, conn))) {
          await this.pause(this.s.ignitionOffPollMs);
          continue;
        }
        this.resume(conn);
        this.setIgnition('on', clock.now());
      }
      const outcome = await this.cycle(session, conn);
      if (outcome === 'unresponsive') {
        if (++conn.unresponsive >= (this.s.unresponsiveCyclesBeforeReconnect ?? 3)) {
          throw new ConnectionLost(`The adapter did not answer for ${conn.unresponsive} cycles.`);
        }
      } else conn.unresponsive = 0;
      if (outcome === 'off') {
        this.setIgnition('off', clock.now());
        await this.pause(this.s.ignitionOffPollMs);
        continue;
      }
      if (outcome === 'data') this.setRunning();
      await this.waitForNextDue(conn);
    }
  }

  /**
   * Supported-PID discovery and the VIN (once per connection). False when the ECU does not
   * answer (ignition off, or no vehicle yet); throws when the connection is gone.
   */
  private async setup(session: ObdSession, conn: Conn): Promise<boolean> {
    const { health, clock } = this.deps;
    let supported: SupportedPids;
    try {
      supported = await session.discoverSupportedPids();
    } catch (err) {
      if (isClosed(err)) throw err;
      this.noteError(err);
      if (NO_ANSWER.has(codeOf(err))) {
        if (await this.silentMeansOff(session)) this.setIgnition('off', clock.now());
      } else if (codeOf(err) === Elm327ErrorCode.Timeout && ++conn.unresponsive >= (this.s.unresponsiveCyclesBeforeReconnect ?? 3)) {
        throw new ConnectionLost('The adapter did not answer PID discovery.', err);
      } else {
        this.log.rateLimited('discovery', 60_000).warn('Supported-PID discovery failed; trying again.', { code: codeOf(err), error: (err as Error).message });
      }
      return false;
    }
    conn.unresponsive = 0;
    conn.engineEcu = pickEngineEcu(supported);
    const engine = (conn.engineEcu !== undefined ? supported.get(conn.engineEcu) : undefined) ?? new Set<number>();
    const all = new Set<number>();
    for (const set of supported.values()) for (const p of set) all.add(p);
    const unsupported = this.s.pids.filter((p) => !engine.has(p.pid) && !all.has(p.pid));
    const fresh = unsupported.filter((p) => !this.loggedUnsupported.has(p.pid));
    for (const p of fresh) this.loggedUnsupported.add(p.pid);
    if (fresh.length > 0) {
      this.log.info('The vehicle does not support some configured PIDs; they are skipped.', { pids: fresh.map((p) => p.name) });
    }
    health.counters.set(Metric.UnsupportedPids, unsupported.length);
    const now = clock.now();
    conn.schedule = this.s.pids.filter((p) => !unsupported.includes(p)).map((p) => ({ ...p, nextDue: now }));
    conn.nextDtc = now;
    conn.ready = true;
    if (!conn.vinRead) await this.readVin(session, conn);
    health.setStatus('vehicle', 'answering', { detail: { vin: this.vin ?? null, ecu: conn.engineEcu ?? null, pids: conn.schedule.length } });
    this.setIgnition('on', clock.now());
    return true;
  }

  private async readVin(session: ObdSession, conn: Conn): Promise<void> {
    conn.vinRead = true;
    try {
      const vin = await session.readVin();
      if (vin) {
        if (vin !== this.vin) this.log.info('Vehicle identified.', { vin, deviceId: this.s.deviceId ?? vin });
        this.vin = vin;
        this.enqueue(this.s.stream, [this.sample('vin', vin, undefined, 'GOOD', this.deps.clock.now())]);
      }
    } catch (err) {
      if (isClosed(err)) throw err;
      this.noteError(err);
      this.log.rateLimited('vin', 3_600_000).warn('The VIN could not be read.', { code: codeOf(err), deviceId: this.deviceId });
    }
  }

  /** While off: one cheap request; true when the ECU answers. */
  private async probe(session: ObdSession, conn: Conn): Promise<boolean> {
    const first = conn.schedule[0];
    if (!first) {
      try {
        await session.readMilStatus();
        return true;
      } catch (err) {
        if (isClosed(err)) throw err;
        this.noteError(err);
        return false;
      }
    }
    const res = await session.readPids([first.pid]);
    this.deps.health.counters.inc(Metric.Requests, undefined, res.requests);
    for (const e of res.errors) this.noteError(e);
    if (res.errors.some(isClosed)) throw new ConnectionLost('The adapter connection closed.', res.errors.find(isClosed));
    return res.signals.length > 0;
  }

  private resume(conn: Conn): void {
    const now = this.deps.clock.now();
    for (const p of conn.schedule) p.nextDue = now;
    conn.nextDtc = now;
  }

  /** A silent ECU means ignition off when the adapter's voltage (engine not charging) is low or unknown. */
  private async silentMeansOff(session: ObdSession): Promise<boolean> {
    const { health } = this.deps;
    health.counters.inc(Metric.SilentCycles);
    let voltage: number | undefined;
    try {
      voltage = await session.readVoltage();
      health.counters.set(Metric.AdapterVoltage, voltage);
    } catch (err) {
      if (isClosed(err)) throw err;
    }
    const off = voltage === undefined || voltage < this.s.ignitionOffVoltage;
    if (!off) this.log.rateLimited('silent-running', 60_000).warn('The ECU does not answer although the engine seems to run.', { voltage });
    return off;
  }

  private setIgnition(state: 'on' | 'off', ts: number): void {
    if (state === this.ignitionState) return;
    const previous = this.ignitionState;
    this.ignitionState = state;
    this.deps.health.setStatus('vehicle', state === 'on' ? 'ignition_on' : 'ignition_off', {});
    this.deps.health.counters.inc(Metric.Events);
    this.log.info(state === 'on' ? 'Ignition on: the ECU answers.' : 'Ignition off: the ECU stopped answering; polling slowly.', { previous, deviceId: this.deviceId });
    this.enqueue(this.s.eventStream, [this.sample('ignition', state, undefined, 'GOOD', ts)]);
  }

  // ---- polling ----

  private async cycle(session: ObdSession, conn: Conn): Promise<CycleOutcome> {
    const { clock, health } = this.deps;
    const counters = health.counters;
    const start = clock.now();
    const samples: Sample[] = [];
    const bad: Sample[] = [];
    let answered = 0;
    let unanswered = 0;
    let timedOut = 0;
    let closed: unknown;

    if (conn.nextDtc <= start) {
      conn.nextDtc = start + this.s.dtcIntervalMs;
      const r = await this.readDiagnostics(session);
      samples.push(...r.samples);
      bad.push(...r.bad);
      answered += r.answered;
      unanswered += r.unanswered;
      timedOut += r.timedOut;
    }

    const due = conn.schedule.filter((p) => p.nextDue <= start);
    let voltageChecked = false;
    let cutShort: CycleOutcome | undefined;
    for (let i = 0; i < due.length && closed === undefined && cutShort === undefined; i += this.s.pidsPerRead) {
      const chunk = due.slice(i, i + this.s.pidsPerRead);
      const res = await session.readPids(chunk.map((p) => p.pid));
      const ts = clock.now();
      counters.inc(Metric.Requests, undefined, res.requests);
      for (const e of res.errors) {
        this.noteError(e);
        if (isClosed(e)) closed = e;
        else if (codeOf(e) === Elm327ErrorCode.Timeout) timedOut++;
        else if (NO_ANSWER.has(codeOf(e))) unanswered++;
      }
      for (const plan of chunk) {
        const candidates = res.signals.filter((sig) => sig.pid === plan.pid && sig.name === plan.name);
        const sig = candidates.find((c) => c.ecu === conn.engineEcu) ?? candidates[0];
        if (sig && (typeof sig.value === 'number' || typeof sig.value === 'boolean')) {
          answered++;
          samples.push(this.sample(plan.name, sig.value, sig.unit, Number.isFinite(sig.value as number) || typeof sig.value === 'boolean' ? 'GOOD' : 'BAD', ts));
        } else {
          bad.push(this.sample(plan.name, null, plan.unit, 'BAD', ts));
        }
      }
      // A request nobody answered costs the adapter's timeout per PID (the session also asks the
      // PIDs of a failed multi-PID request one by one): do not spend a whole cycle finding out
      // that the ignition is off or the adapter hangs.
      if (answered === 0 && res.signals.length === 0 && res.errors.length > 0 && closed === undefined) {
        const codes = res.errors.map(codeOf);
        if (codes.every((c) => c === Elm327ErrorCode.Timeout)) cutShort = 'unresponsive';
        else if (codes.every((c) => NO_ANSWER.has(c)) && !voltageChecked) {
          voltageChecked = true;
          if (await this.silentMeansOff(session)) cutShort = 'off';
        }
      }
    }
    if (closed !== undefined) throw new ConnectionLost('The adapter connection closed.', closed);
    if (cutShort !== undefined) return cutShort;

    const end = clock.now();
    counters.set(Metric.CycleMs, end - start);
    this.reschedule(due, end);

    if (answered === 0 && (due.length > 0 || bad.length > 0)) {
      if (timedOut > 0) return 'unresponsive';
      if (unanswered > 0) return !voltageChecked && (await this.silentMeansOff(session)) ? 'off' : 'silent';
    }
    const all = [...samples, ...bad];
    counters.inc(Metric.Cycles);
    if (all.length > 0) {
      counters.inc(Metric.Samples, undefined, all.length);
      this.enqueue(this.s.stream, all);
    }
    return 'data';
  }

  /** MIL (0101), stored (03) and pending (07) DTCs as samples. */
  private async readDiagnostics(session: ObdSession): Promise<{ samples: Sample[]; bad: Sample[]; answered: number; unanswered: number; timedOut: number }> {
    const out = { samples: [] as Sample[], bad: [] as Sample[], answered: 0, unanswered: 0, timedOut: 0 };
    const note = (err: unknown, names: string[]) => {
      if (isClosed(err)) throw err;
      this.noteError(err);
      this.deps.health.counters.inc(Metric.Requests);
      if (codeOf(err) === Elm327ErrorCode.Timeout) out.timedOut++;
      else if (NO_ANSWER.has(codeOf(err))) out.unanswered++;
      const ts = this.deps.clock.now();
      for (const n of names) out.bad.push(this.sample(n, null, undefined, 'BAD', ts));
    };
    try {
      const mil = await session.readMilStatus();
      const ts = this.deps.clock.now();
      this.deps.health.counters.inc(Metric.Requests);
      out.answered++;
      out.samples.push(this.sample('mil', mil.mil, undefined, 'GOOD', ts), this.sample('dtc_count', mil.dtcCount, undefined, 'GOOD', ts));
    } catch (err) {
      note(err, ['mil', 'dtc_count']);
    }
    for (const kind of ['stored', 'pending'] as const) {
      try {
        const r = await session.readDtcs(kind);
        const ts = this.deps.clock.now();
        this.deps.health.counters.inc(Metric.Requests);
        out.answered++;
        out.samples.push(this.sample(`dtc_${kind}`, r.codes.join(','), undefined, r.problems.length > 0 ? 'UNCERTAIN' : 'GOOD', ts));
      } catch (err) {
        note(err, [`dtc_${kind}`]);
      }
    }
    return out;
  }

  /**
   * Next due time of each PID just read: one interval on; when the cycle ran past that (a slow
   * bus), the missed slots are skipped instead of queued, and counted.
   */
  private reschedule(due: Scheduled[], end: number): void {
    let skipped = 0;
    for (const p of due) {
      let next = p.nextDue + p.intervalMs;
      if (next < end) {
        const k = Math.floor((end - next) / p.intervalMs) + 1;
        next += k * p.intervalMs;
        skipped = Math.max(skipped, k);
      }
      p.nextDue = next;
    }
    if (skipped > 0) {
      this.deps.health.counters.inc(Metric.SkippedCycles, undefined, skipped);
      this.log.rateLimited('slow-bus', 60_000).info('The bus is slower than the polling interval; skipping cycles rather than queueing requests.', {
        cycleMs: this.deps.health.counters.gauge(Metric.CycleMs),
        skipped,
      });
    }
  }

  private async waitForNextDue(conn: Conn): Promise<void> {
    const next = Math.min(conn.nextDtc, ...conn.schedule.map((p) => p.nextDue));
    const wait = next - this.deps.clock.now();
    if (wait > 0) await this.pause(wait);
  }

  private async pause(ms: number): Promise<void> {
    try {
      await sleep(ms, this.abort.signal, this.deps.clock);
    } catch {
      // stopping: the loop checks the signal
    }
  }

  /** Running, unless a stream cannot be created (that stays visible as degraded). */
  private setRunning(): void {
    const bad = [...this.held.keys()];
    if (bad.length > 0) this.degradeForStreams(bad);
    else this.deps.health.setState('running');
  }

  private degradeForStreams(streams: string[]): void {
    if (this.stopping) return;
    this.deps.health.setState('degraded', `stream ${streams.join(', ')} cannot be created`);
    this.degradedByStreams = true;
  }

  private noteError(err: unknown): void {
    if (this.abort.signal.aborted) return; // the session was closed to stop
    const code = codeOf(err);
    const counters = this.deps.health.counters;
    if (code === Elm327ErrorCode.Timeout) counters.inc(Metric.Timeouts);
    counters.inc(Metric.PidErrors, { code });
  }

  private sample(name: string, value: SampleValue, unit: string | undefined, quality: Quality, ts: number): Sample {
    const s: Sample = { device: this.deviceId, source: 'obd', name, value, quality, ts: Math.floor(ts) };
    if (unit !== undefined && unit !== '') s.unit = unit;
    return s;
  }

  // ---- writing ----

  /** Packs samples into messages and queues them; the buffer is bounded (oldest raw data goes first). */
  private enqueue(stream: string, samples: Sample[]): void {
    if (this.closed) {
      this.deps.health.counters.inc(Metric.Dropped, { reason: 'shutdown' }, samples.length);
      return;
    }
    const split = splitIntoBatches(samples, this.s.maxBatchBytes);
    const rejected = split.invalid.length + split.oversized.length;
    if (rejected > 0) {
      this.deps.health.counters.inc(Metric.Dropped, { reason: 'invalid' }, rejected);
      this.log.rateLimited('invalid-sample', 60_000).error('Samples that cannot be encoded were dropped.', {
        problems: split.invalid.flatMap((i) => i.problems).slice(0, 5),
        oversized: split.oversized.length,
      });
    }
    for (const b of split.batches) {
      this.queue.push({ stream, payload: b.payload, samples: b.samples.length });
      this.buffered += b.samples.length;
    }
    while (this.buffered > this.s.maxBufferedSamples && this.queue.length > 1) {
      // Never the message whose write is in flight; raw data before events.
      let idx = this.queue.findIndex((p) => p !== this.inFlight && p.stream !== this.s.eventStream);
      if (idx === -1) idx = this.queue.findIndex((p) => p !== this.inFlight);
      this.drop('buffer_full', this.queue.splice(idx, 1));
      this.log.rateLimited('buffer-full', 60_000).error('The write buffer is full; dropping the oldest samples.', { maxBufferedSamples: this.s.maxBufferedSamples });
    }
    this.deps.health.counters.set(Metric.BufferedSamples, this.buffered);
    this.kickFlush();
  }

  private drop(reason: string, items: Pending[]): void {
    for (const p of items) {
      this.buffered -= p.samples;
      this.deps.health.counters.inc(Metric.Dropped, { reason }, p.samples);
    }
    this.deps.health.counters.set(Metric.BufferedSamples, this.buffered);
  }

  private kickFlush(): void {
    if (this.flushAbort.signal.aborted) return;
    if (this.flushing) {
      // Only held streams were waiting: new data for another stream is written now.
      if (this.napKind === 'held') this.wake?.abort();
      return;
    }
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = undefined;
    });
  }

  private async flushLoop(): Promise<void> {
    const { writer, health, clock } = this.deps;
    while (this.queue.length > 0 && !this.flushAbort.signal.aborted) {
      const now = clock.now();
      const item = this.queue.find((p) => !this.isHeld(p.stream, now));
      if (!item) {
        // Every queued message belongs to a stream that cannot be created yet.
        const until = this.queue.reduce((m, p) => Math.min(m, this.held.get(p.stream)?.until ?? now), Number.POSITIVE_INFINITY);
        if (!(await this.nap(until - now, 'held'))) return;
        continue;
      }
      this.inFlight = item;
      try {
        await writer.append(item.stream, item.payload);
        this.inFlight = undefined;
        const at = this.queue.indexOf(item);
        if (at === -1) continue; // counted as dropped meanwhile (stop's deadline passed)
        this.queue.splice(at, 1);
        this.buffered -= item.samples;
        health.counters.inc(Metric.Written, undefined, item.samples);
        health.counters.set(Metric.BufferedSamples, this.buffered);
        this.release(item.stream);
        if (this.writerBackoff.attempts > 0) {
          this.writerBackoff.reset();
          health.setStatus('stream_manager', 'connected');
          this.log.info('Writing to the stream manager again.', { buffered: this.buffered });
        }
      } catch (err) {
        this.inFlight = undefined;
        if (this.closed || !this.queue.includes(item)) continue;
        if (err instanceof StreamEnsureError) {
          this.hold(item.stream, err);
          continue;
        }
        this.release(item.stream); // the stream was ensured: whatever failed now is not its definition
        if (!defaultRetryable(err)) {
          const at = this.queue.indexOf(item);
          if (at !== -1) this.drop('rejected', this.queue.splice(at, 1));
          this.log.rateLimited(`rejected:${item.stream}`, 60_000).error('The stream manager rejected a message; its samples are dropped.', {
            stream: item.stream,
            code: codeOf(err),
            error: (err as Error).message,
          });
          continue;
        }
        const delayMs = this.writerBackoff.next();
        health.setStatus('stream_manager', 'backing_off', { attempts: this.writerBackoff.attempts, error: err, detail: { delayMs } });
        this.log.rateLimited('write-failed', 60_000).warn('Cannot write to the stream manager; buffering and retrying.', { code: codeOf(err), buffered: this.buffered });
        if (!(await this.nap(delayMs, 'backoff'))) return;
      }
    }
  }

  /** Sleeps on the clock; false when the flush was aborted (stop's deadline), true when done or woken. */
  private async nap(ms: number, kind: 'backoff' | 'held'): Promise<boolean> {
    if (this.flushAbort.signal.aborted) return false;
    const wake = new AbortController();
    this.wake = wake;
    this.napKind = kind;
    try {
      await sleep(Math.max(0, ms), wake.signal, this.deps.clock);
    } catch {
      // woken
    } finally {
      if (this.wake === wake) {
        this.wake = undefined;
        this.napKind = undefined;
      }
    }
    return !this.flushAbort.signal.aborted;
  }

  private isHeld(stream: string, now: number): boolean {
    const h = this.held.get(stream);
    return h !== undefined && h.until > now;
  }

  /**
   * The stream could not be created (definition conflict, invalid spec): its messages are kept and
   * the ensure is retried with backoff; the problem shows in health (degraded, `stream:<name>`
   * sub-status with the stream manager's error) and in an error log line at most once a minute.
   */
  private hold(stream: string, err: StreamEnsureError): void {
    const { health, clock } = this.deps;
    let h = this.held.get(stream);
    if (!h) {
      const b = this.writerBackoff;
      h = { backoff: new Backoff({ initialMs: b.initialMs, maxMs: b.maxMs, factor: b.factor, jitter: b.jitter }), until: 0, error: err };
      this.held.set(stream, h);
    }
    h.error = err;
    const delayMs = h.backoff.next();
    h.until = clock.now() + delayMs;
    const cause = (err.cause as unknown) ?? err;
    health.setStatus(`stream:${stream}`, 'ensure_failed', { attempts: h.backoff.attempts, error: cause, detail: { delayMs } });
    this.degradeForStreams([...this.held.keys()]);
    this.log.rateLimited(`ensure-failed:${stream}`, 60_000).error('The stream cannot be created or checked; its samples are kept and it is tried again.', {
      stream,
      code: codeOf(cause),
      error: cause instanceof Error ? cause.message : String(cause),
      buffered: this.buffered,
    });
  }

  private release(stream: string): void {
    const h = this.held.get(stream);
    if (!h) return;
    this.held.delete(stream);
    this.deps.health.setStatus(`stream:${stream}`, 'ready', { attempts: 0 });
    this.log.info('The stream could be created; writing its samples again.', { stream, buffered: this.buffered });
    if (!this.stopping && this.held.size === 0 && this.degradedByStreams && this.deps.health.state === 'degraded') {
      this.degradedByStreams = false;
      this.deps.health.setState('running');
    }
  }
}
