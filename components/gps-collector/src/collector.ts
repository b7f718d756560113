/**
 * GpsCollector: reads a GPS source (NMEA lines or gpsd reports), assembles fixes, and writes
 * position samples to a stream at the configured rate, buffering while the stream manager is
 * away. Every dependency comes in as a narrow interface; start()/stop() own the timers.
 */
import {
  Backoff,
  defaultRetryable,
  errorCode,
  errorMessage,
  sleep,
  splitIntoBatches,
  type Clock,
  type Health,
  type Logger,
  type Quality,
  type Sample,
  type SplitResult,
  type StreamSpec,
  type TimerHandle,
} from '../../core/src';
import { fixFromTpv } from './gpsd-fix';
import type { GpsFix } from './nmea/fix';
import { NmeaReader, type NmeaStats } from './nmea/reader';
import type { GpsdSky, GpsRecord, GpsSource, SourceState } from './sources/source';

/** What the collector needs from the stream client. */
export interface SampleWriter {
  append(stream: string, payload: Buffer): Promise<number>;
  ensureStream?(spec: StreamSpec): Promise<unknown>;
}

export interface CollectorSettings {
  deviceId: string;
  rateHz: number;
  stream: StreamSpec;
  maxBufferedSamples: number;
  maxBatchBytes: number;
  maxGoodHdop: number;
  staleAfterMs: number;
  /**
   * How long stop() may take in all, default 2 s: closing the source, the write in flight and
   * one last attempt at what is buffered. What is not written by then is counted as
   * dropped{reason="shutdown"}. Keep it well under the process's stop budget (10 s).
   */
  stopDeadlineMs?: number;
}

export interface CollectorDeps {
  source: GpsSource;
  writer: SampleWriter;
  clock: Clock;
  logger: Logger;
  health: Health;
  settings: CollectorSettings;
  /** Waits between failed writes. Default 200 ms growing to 10 s, full jitter. */
  writeBackoff?: Backoff;
}

/** Counter names (with labels where noted), as reported in the health snapshot. */
export const Metric = {
  SentencesReceived: 'sentences_received',
  BadChecksums: 'bad_checksums',
  SentencesInvalid: 'sentences_invalid',
  SentencesUnsupported: 'sentences_unsupported',
  ReportsReceived: 'gpsd_reports_received',
  Fixes: 'fixes',
  FixesSkipped: 'fixes_skipped', // {reason="undated" | "rate"}
  SamplesWritten: 'samples_written',
  BatchesWritten: 'batches_written',
  Dropped: 'dropped', // {reason="buffer_full" | "invalid" | "rejected" | "shutdown"}
} as const;

const SAMPLES_PER_PUMP = 500;
export const DEFAULT_STOP_DEADLINE_MS = 2000;

export class GpsCollector {
  private readonly d: CollectorDeps;
  private readonly log: Logger;
  private readonly reader = new NmeaReader();
  private readonly seen: NmeaStats = { ...this.reader.stats };
  private readonly writeBackoff: Backoff;
  private latest?: GpsFix;
  private latestEmitted = true;
  private sky?: GpsdSky;
  private queue: Sample[] = [];
  private inflight = 0;
  private ensured = false;
  private running = false;
  private pumping?: Promise<void>;
  /** Bumped when stop() abandons a write still in flight: that pump then touches nothing. */
  private generation = 0;
  private tick?: TimerHandle;
  private abort = new AbortController();
  private sourceUp = false;
  private sourceState: SourceState | undefined;
  private streamUp = true;

  constructor(deps: CollectorDeps) {
    this.d = deps;
    this.log = deps.logger;
    this.writeBackoff = deps.writeBackoff ?? new Backoff({ initialMs: 200, maxMs: 10_000 });
  }

  /** Samples waiting to be written (buffered and in flight). */
  get backlog(): number {
    return this.queue.length + this.inflight;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.d.health.setStatus('source', 'connecting', { detail: { source: this.d.source.description } });
    this.d.source.start({ record: (r) => this.onRecord(r), state: (s, info) => this.onSourceState(s, info) });
    this.scheduleTick();
    this.log.info('GPS collector started.', { source: this.d.source.description, stream: this.d.settings.stream.name, rateHz: this.d.settings.rateHz });
  }

  /**
   * Stops reading, writes the last fix and what is buffered (one attempt), then counts the rest as
   * dropped. Never takes much longer than `stopDeadlineMs`: a write that hangs (the stream manager
   * stopped, not gone) is abandoned at the deadline, its samples counted as dropped.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.d.clock.clearTimeout(this.tick);
    const deadlineMs = this.d.settings.stopDeadlineMs ?? DEFAULT_STOP_DEADLINE_MS;
    let timer: TimerHandle | undefined;
    const expired = new Promise<false>((resolve) => {
      timer = this.d.clock.setTimeout(() => resolve(false), deadlineMs);
    });
    /** Waits for `work` (its failure included) unless the deadline comes first; false if it did. */
    const inTime = (work: Promise<unknown> | undefined): Promise<boolean> =>
      work === undefined ? Promise.resolve(true) : Promise.race([work.then(() => true, () => true), expired]);
    let late = false;
    try {
      late = !(await inTime(
        this.d.source.stop().catch((err: unknown) => {
          this.log.warn('The GPS source did not stop cleanly.', { source: this.d.source.description, error: errorMessage(err) });
        }),
      ));
      this.emitLatest();
      this.abort.abort();
      if (!late) late = !(await inTime(this.pumping));
      if (!late && this.queue.length > 0) late = !(await inTime(this.pump(true)));
    } finally {
      this.d.clock.clearTimeout(timer);
    }
    if (late) {
      // The write in flight cannot be cancelled: stop waiting for it, and make sure it changes nothing when it ends.
      this.generation++;
      this.pumping = undefined;
      this.log.warn('Stop deadline reached with a write to the stream manager still in flight; not waiting for it.', { deadlineMs, stream: this.d.settings.stream.name });
    }
    const lost = this.queue.length + this.inflight;
    if (lost > 0) {
      this.log.error('Samples could not be written before stopping; they are lost.', { count: lost, stream: this.d.settings.stream.name });
      this.d.health.counters.inc(Metric.Dropped, { reason: 'shutdown' }, lost);
    }
    this.queue = [];
    this.inflight = 0;
    this.updateGauges();
    this.d.health.setState('stopped');
  }

  /** Handles one record from the source; never throws. */
  onRecord(r: GpsRecord): void {
    try {
      if (r.kind === 'nmea') {
        for (const fix of this.reader.line(r.line)) this.onFix(fix);
        this.countNmea();
      } else if (r.kind === 'sky') {
        this.d.health.counters.inc(Metric.ReportsReceived, { class: 'SKY' });
        this.sky = r.sky;
      } else {
        this.d.health.counters.inc(Metric.ReportsReceived, { class: 'TPV' });
        const fix = fixFromTpv(r.tpv, this.sky);
        if (fix) this.onFix(fix);
      }
    } catch (err) {
      // A parser bug must not stop collection: count it and go on.
      this.d.health.counters.inc(Metric.SentencesInvalid);
      this.log.rateLimited('record_failed', 60_000).warn('A record could not be processed; skipped.', { error: errorMessage(err) });
    }
  }

  private countNmea(): void {
    const s = this.reader.stats;
    const c = this.d.health.counters;
    const delta = (k: keyof NmeaStats): number => s[k] - this.seen[k];
    if (delta('sentences')) c.inc(Metric.SentencesReceived, undefined, delta('sentences'));
    if (delta('badChecksum')) c.inc(Metric.BadChecksums, undefined, delta('badChecksum'));
    if (delta('invalid')) c.inc(Metric.SentencesInvalid, undefined, delta('invalid'));
    if (delta('unsupported')) c.inc(Metric.SentencesUnsupported, undefined, delta('unsupported'));
    Object.assign(this.seen, s);
  }

  private onFix(fix: GpsFix): void {
    this.d.health.counters.inc(Metric.Fixes, { mode: fix.mode });
    if (fix.time === undefined) {
      this.d.health.counters.inc(Metric.FixesSkipped, { reason: 'undated' });
      this.log.rateLimited('undated', 60_000).info('Fix without a known date (no RMC/ZDA yet); not written.', { mode: fix.mode });
      return;
    }
    if (!this.latestEmitted && this.latest) this.d.health.counters.inc(Metric.FixesSkipped, { reason: 'rate' });
    this.latest = fix;
    this.latestEmitted = false;
  }

  private scheduleTick(): void {
    if (!this.running) return;
    const period = Math.max(50, Math.round(1000 / this.d.settings.rateHz));
    this.tick = this.d.clock.setTimeout(() => {
      this.emitLatest();
      this.scheduleTick();
    }, period);
  }

  private emitLatest(): void {
    if (this.latestEmitted || !this.latest) return;
    this.latestEmitted = true;
    this.enqueue(this.samplesOf(this.latest));
  }

  /** The samples of one fix; ts is the fix time, as the receiver gave it. */
  samplesOf(fix: GpsFix): Sample[] {
    const ts = fix.time!;
    const device = this.d.settings.deviceId;
    const quality = this.qualityOf(fix);
    const out: Sample[] = [];
    const add = (name: string, value: number | undefined, unit?: string, attrs?: Record<string, string | number | boolean>): void => {
      if (value === undefined || !Number.isFinite(value)) return;
      const s: Sample = { device, source: 'gps', name, value, quality, ts };
      if (unit) s.unit = unit;
      if (attrs && Object.keys(attrs).length > 0) s.attrs = attrs;
      out.push(s);
    };
    if (fix.mode >= 2) {
      add('lat', fix.lat, 'deg');
      add('lon', fix.lon, 'deg');
      add('alt', fix.altMsl, 'm', fix.altHae !== undefined ? { datum: 'MSL', altHae: round(fix.altHae, 3) } : { datum: 'MSL' });
      add('speed', fix.speed, 'm/s');
      add('heading', fix.track, 'deg');
    }
    add('hdop', fix.hdop);
    add('satellites', fix.satellitesUsed, undefined, fix.satellitesInView !== undefined ? { inView: fix.satellitesInView } : undefined);
    const fixAttrs: Record<string, string | number | boolean> = { mode: fix.mode === 3 ? '3d' : fix.mode === 2 ? '2d' : 'none' };
    if (fix.quality !== undefined) fixAttrs.ggaQuality = fix.quality;
    if (fix.estimated) fixAttrs.estimated = true;
    add('fix', fix.mode, undefined, fixAttrs);
    return out;
  }

  /** GOOD with a 2D/3D fix; UNCERTAIN when estimated, hdop too high or the fix is old; BAD without a fix. */
  qualityOf(fix: GpsFix): Quality {
    if (fix.mode < 2) return 'BAD';
    const s = this.d.settings;
    if (fix.estimated) return 'UNCERTAIN';
    if (fix.hdop !== undefined && fix.hdop > s.maxGoodHdop) return 'UNCERTAIN';
    if (s.staleAfterMs > 0 && fix.time !== undefined && this.d.clock.now() - fix.time > s.staleAfterMs) return 'UNCERTAIN';
    return 'GOOD';
  }

  private enqueue(samples: Sample[]): void {
    this.queue.push(...samples);
    const over = this.queue.length + this.inflight - this.d.settings.maxBufferedSamples;
    if (over > 0) {
      const n = Math.min(over, this.queue.length);
      this.queue.splice(0, n);
      this.d.health.counters.inc(Metric.Dropped, { reason: 'buffer_full' }, n);
      this.log.rateLimited('buffer_full', 60_000).error('Buffer full while the stream manager is away: oldest samples dropped.', { dropped: n, max: this.d.settings.maxBufferedSamples });
    }
    this.updateGauges();
    this.kick();
  }

  private kick(): void {
    if (this.pumping || !this.running) return;
    const pumping: Promise<void> = this.pump(false).finally(() => {
      if (this.pumping !== pumping) return; // abandoned by stop()
      this.pumping = undefined;
      if (this.queue.length > 0 && this.running) this.kick();
    });
    this.pumping = pumping;
  }

  /**
   * Writes what is queued, in order. `once`: one attempt per batch, no waiting (on stop).
   * `inflight` counts the samples taken from the queue and not yet written or dropped.
   */
  private async pump(once: boolean): Promise<void> {
    const spec = this.d.settings.stream;
    const generation = this.generation;
    const abandoned = (): boolean => generation !== this.generation;
    while (this.queue.length > 0 && (this.running || once)) {
      try {
        if (!this.ensured && this.d.writer.ensureStream) {
          await this.d.writer.ensureStream(spec);
          if (abandoned()) return;
          this.ensured = true;
        }
        const chunk = this.queue.splice(0, SAMPLES_PER_PUMP);
        let split: SplitResult;
        try {
          split = splitIntoBatches(chunk, this.d.settings.maxBatchBytes);
        } catch (err) {
          // Not the stream manager's fault, and retrying would fail the same way: count them, go on.
          this.d.health.counters.inc(Metric.Dropped, { reason: 'invalid' }, chunk.length);
          this.d.health.recordError(err);
          this.log.rateLimited('split_failed', 60_000).error('Samples could not be packed into batches; they are dropped.', { count: chunk.length, error: errorMessage(err) });
          continue;
        }
        const bad = split.invalid.length + split.oversized.length;
        this.inflight = chunk.length - bad;
        if (bad > 0) {
          this.d.health.counters.inc(Metric.Dropped, { reason: 'invalid' }, bad);
          this.log.rateLimited('invalid', 60_000).error('Samples that cannot be encoded were dropped.', { count: bad, problems: split.invalid.flatMap((i) => i.problems).slice(0, 5) });
        }
        let done = 0;
        try {
          for (const b of split.batches) {
            try {
              await this.d.writer.append(spec.name, b.payload);
            } catch (err) {
              if (abandoned()) return;
              if (errorCode(err) === 'stream_not_found') this.ensured = false; // deleted under us: create it again
              else if (!defaultRetryable(err)) {
                // A final refusal of this batch (a TributaryError marked not retryable): count it, never retry it forever.
                done++;
                this.inflight -= b.samples.length;
                this.d.health.counters.inc(Metric.Dropped, { reason: 'rejected' }, b.samples.length);
                this.d.health.recordError(err);
                this.log.rateLimited('rejected', 60_000).error('The stream manager refused a batch; its samples are dropped.', { code: errorCode(err), error: errorMessage(err), samples: b.samples.length });
                continue;
              }
              throw err;
            }
            if (abandoned()) return;
            done++;
            this.inflight -= b.samples.length;
            this.d.health.counters.inc(Metric.SamplesWritten, undefined, b.samples.length);
            this.d.health.counters.inc(Metric.BatchesWritten);
          }
        } finally {
          if (!abandoned()) {
            // What was not written goes back to the front, in order.
            const rest = split.batches.slice(done).flatMap((b) => b.samples);
            this.queue.unshift(...rest);
            this.inflight = 0;
          }
        }
        if (!this.streamUp) {
          this.streamUp = true;
          this.log.info('Writing to the stream manager again.', { stream: spec.name, backlog: this.queue.length });
        }
        this.d.health.setStatus('stream_manager', 'connected');
        this.writeBackoff.reset();
        this.updateHealthState();
      } catch (err) {
        if (abandoned()) return;
        this.streamUp = false;
        const delayMs = this.writeBackoff.next();
        this.d.health.setStatus('stream_manager', 'backing_off', { error: err, attempts: this.writeBackoff.attempts });
        this.updateHealthState();
        this.log.rateLimited('write_failed', 30_000).warn('Cannot write to the stream manager; buffering and retrying.', { code: errorCode(err), error: errorMessage(err), backlog: this.backlog, delayMs });
        if (once) return;
        try {
          await sleep(delayMs, this.abort.signal, this.d.clock);
        } catch {
          return;
        }
      } finally {
        if (!abandoned()) this.updateGauges();
      }
    }
  }

  private onSourceState(state: SourceState, info: { attempts: number; error?: Error; delayMs?: number }): void {
    this.d.health.setStatus('source', state, { attempts: info.attempts, ...(info.error ? { error: info.error } : {}), detail: { source: this.d.source.description } });
    const up = state === 'connected';
    if (up && !this.sourceUp) this.log.info('GPS source connected.', { source: this.d.source.description });
    if (state === 'backing_off')
      this.log.rateLimited('source_down', 30_000).warn('GPS source unavailable; retrying.', { source: this.d.source.description, error: info.error?.message, delayMs: info.delayMs, attempts: info.attempts });
    this.sourceUp = up;
    this.sourceState = state;
    this.updateHealthState();
  }

  private updateHealthState(): void {
    if (!this.running) return;
    // The first connection attempt is part of starting, not a failure: stay `starting` until it
    // succeeds or fails.
    if (!this.sourceUp && this.sourceState === 'connecting' && this.d.health.snapshot().state === 'starting') return;
    this.d.health.setState(this.sourceUp && this.streamUp ? 'running' : 'degraded', !this.sourceUp ? 'source unavailable' : !this.streamUp ? 'stream manager unavailable' : undefined);
  }

  private updateGauges(): void {
    this.d.health.counters.set('backlog', this.backlog);
  }
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
