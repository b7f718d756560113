/**
 * SampleSink: samples in, stream messages out. Samples are queued (bounded: the oldest go first,
 * counted) and written in order as envelope batches of at most `maxBatchBytes`, as soon as a
 * batch is full or `maxBatchDelayMs` after the first queued sample. One write is in flight at a
 * time; failures are retried with capped, jittered backoff; a batch the stream manager refuses
 * for good is counted as dropped{reason="rejected"}, never retried forever.
 */
import {
  Backoff,
  defaultRetryable,
  errorCode,
  errorMessage,
  sleep,
  splitIntoBatches,
  systemClock,
  type Clock,
  type Health,
  type Logger,
  type Sample,
  type StreamSpec,
  type TimerHandle,
} from '../../core/src';

/** What the sink needs from the stream client. */
export interface SampleWriter {
  append(stream: string, payload: Buffer): Promise<number>;
  ensureStream?(spec: StreamSpec): Promise<unknown>;
}

export interface SampleSinkOptions {
  writer: SampleWriter;
  stream: StreamSpec;
  maxBatchBytes: number;
  maxBatchDelayMs: number;
  maxBufferedSamples: number;
  health: Health;
  logger: Logger;
  clock?: Clock;
  backoff?: Backoff;
}

export const SinkMetric = {
  SamplesWritten: 'samples_written',
  BatchesWritten: 'batches_written',
  Dropped: 'dropped',
} as const;

/** Samples taken from the queue per encode round (several batches). */
const CHUNK = 4000;
/** Queue length that triggers a write without waiting for the delay. */
const FLUSH_AT = 1000;

export class SampleSink {
  private readonly o: SampleSinkOptions;
  private readonly clock: Clock;
  private readonly backoff: Backoff;
  private queue: Sample[] = [];
  private head = 0;
  private inflight = 0;
  private timer?: TimerHandle;
  private pumping?: Promise<void>;
  private running = false;
  private ensured = false;
  private up = true;
  private abort = new AbortController();
  private generation = 0;
  private listener?: (up: boolean) => void;

  constructor(options: SampleSinkOptions) {
    this.o = options;
    this.clock = options.clock ?? systemClock;
    this.backoff = options.backoff ?? new Backoff({ initialMs: 200, maxMs: 10_000 });
  }

  /** Samples waiting (queued and in flight). */
  get backlog(): number {
    return this.queue.length - this.head + this.inflight;
  }

  /** True while the last write succeeded (or nothing was written yet). */
  get streamUp(): boolean {
    return this.up;
  }

  /** Called when writing starts failing (false) or works again (true). */
  onStreamState(listener: (up: boolean) => void): void {
    this.listener = listener;
  }

  start(): void {
    this.running = true;
    this.abort = new AbortController();
  }

  push(samples: Sample | Sample[]): void {
    if (Array.isArray(samples)) {
      for (const s of samples) this.queue.push(s);
    } else this.queue.push(samples);
    const over = this.backlog - this.o.maxBufferedSamples;
    if (over > 0) {
      const n = Math.min(over, this.queue.length - this.head);
      this.head += n;
      this.o.health.counters.inc(SinkMetric.Dropped, { reason: 'buffer_full' }, n);
      this.o.logger.rateLimited('buffer_full', 60_000).error('Buffer full while the stream manager is away: oldest samples dropped.', { dropped: n, max: this.o.maxBufferedSamples });
    }
    this.compact();
    if (!this.running) return;
    if (this.queue.length - this.head >= FLUSH_AT) this.kick();
    else if (!this.timer && !this.pumping) this.timer = this.clock.setTimeout(() => this.kick(), this.o.maxBatchDelayMs);
  }

  /** Writes what is queued (one attempt per batch) within `deadlineMs`; the rest is dropped{reason="shutdown"}. */
  async stop(deadlineMs: number): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    let t: TimerHandle | undefined;
    const expired = new Promise<false>((resolve) => (t = this.clock.setTimeout(() => resolve(false), deadlineMs)));
    const inTime = (p: Promise<unknown> | undefined): Promise<boolean> => (p ? Promise.race([p.then(() => true, () => true), expired]) : Promise.resolve(true));
    this.abort.abort();
    let late = !(await inTime(this.pumping));
    if (!late && this.backlog > 0) late = !(await inTime(this.pump(true)));
    this.clock.clearTimeout(t);
    if (late) {
      this.generation++;
      this.pumping = undefined;
      this.o.logger.warn('Stop deadline reached with a write to the stream manager in flight; not waiting for it.', { deadlineMs });
    }
    const lost = this.backlog;
    if (lost > 0) {
      this.o.logger.error('Samples could not be written before stopping; they are lost.', { count: lost, stream: this.o.stream.name });
      this.o.health.counters.inc(SinkMetric.Dropped, { reason: 'shutdown' }, lost);
    }
    this.queue = [];
    this.head = 0;
    this.inflight = 0;
    this.gauge();
  }

  private compact(): void {
    if (this.head > 10_000 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private kick(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pumping || !this.running) return;
    const p: Promise<void> = this.pump(false).finally(() => {
      if (this.pumping !== p) return;
      this.pumping = undefined;
      if (this.running && this.queue.length - this.head > 0) {
        if (this.queue.length - this.head >= FLUSH_AT) this.kick();
        else if (!this.timer) this.timer = this.clock.setTimeout(() => this.kick(), this.o.maxBatchDelayMs);
      }
    });
    this.pumping = p;
  }

  private take(n: number): Sample[] {
    const chunk = this.queue.slice(this.head, this.head + n);
    this.head += chunk.length;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    return chunk;
  }

  private giveBack(samples: Sample[]): void {
    if (samples.length === 0) return;
    this.queue = samples.concat(this.queue.slice(this.head));
    this.head = 0;
  }

  private async pump(once: boolean): Promise<void> {
    const spec = this.o.stream;
    const gen = this.generation;
    const abandoned = (): boolean => gen !== this.generation;
    const counters = this.o.health.counters;
    while (this.queue.length - this.head > 0 && (this.running || once)) {
      try {
        if (!this.ensured && this.o.writer.ensureStream) {
          await this.o.writer.ensureStream(spec);
          if (abandoned()) return;
          this.ensured = true;
        }
        const chunk = this.take(CHUNK);
        const split = splitIntoBatches(chunk, this.o.maxBatchBytes);
        const bad = split.invalid.length + split.oversized.length;
        if (bad > 0) {
          counters.inc(SinkMetric.Dropped, { reason: 'invalid' }, bad);
          this.o.logger.rateLimited('invalid', 60_000).error('Samples that cannot be encoded were dropped.', { count: bad, problems: split.invalid.flatMap((i) => i.problems).slice(0, 5) });
        }
        this.inflight = chunk.length - bad;
        let done = 0;
        try {
          for (const b of split.batches) {
            try {
              await this.o.writer.append(spec.name, b.payload);
            } catch (err) {
              if (abandoned()) return;
              if (errorCode(err) === 'stream_not_found') this.ensured = false;
              else if (!defaultRetryable(err)) {
                done++;
                this.inflight -= b.samples.length;
                counters.inc(SinkMetric.Dropped, { reason: 'rejected' }, b.samples.length);
                this.o.health.recordError(err);
                this.o.logger.rateLimited('rejected', 60_000).error('The stream manager refused a batch; its samples are dropped.', { code: errorCode(err), error: errorMessage(err), samples: b.samples.length });
                continue;
              }
              throw err;
            }
            if (abandoned()) return;
            done++;
            this.inflight -= b.samples.length;
            counters.inc(SinkMetric.SamplesWritten, undefined, b.samples.length);
            counters.inc(SinkMetric.BatchesWritten);
          }
        } finally {
          if (!abandoned()) {
            this.giveBack(split.batches.slice(done).flatMap((b) => b.samples));
            this.inflight = 0;
          }
        }
        if (!this.up) {
          this.up = true;
          this.o.logger.info('Writing to the stream manager again.', { stream: spec.name, backlog: this.backlog });
          this.listener?.(true);
        }
        this.o.health.setStatus('stream_manager', 'connected');
        this.backoff.reset();
      } catch (err) {
        if (abandoned()) return;
        if (this.up) {
          this.up = false;
          this.listener?.(false);
        }
        const delayMs = this.backoff.next();
        this.o.health.setStatus('stream_manager', 'backing_off', { error: err, attempts: this.backoff.attempts });
        this.o.logger.rateLimited('write_failed', 30_000).warn('Cannot write to the stream manager; buffering and retrying.', { code: errorCode(err), error: errorMessage(err), backlog: this.backlog, delayMs });
        if (once) return;
        try {
          await sleep(delayMs, this.abort.signal, this.clock);
        } catch {
          return;
        }
      } finally {
        if (!abandoned()) this.gauge();
      }
    }
  }

  private gauge(): void {
    this.o.health.counters.set('backlog', this.backlog);
  }
}
