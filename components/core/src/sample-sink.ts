/**
 * SampleSink: a collector's way out. Samples in, stream messages out. Samples are queued (bounded:
 * the oldest go first, counted) and written in order as envelope batches of at most
 * `maxBatchBytes` to one stream, which is created from its spec first. A batch is written as soon
 * as samples arrive, or, with `maxBatchDelayMs`, when 1000 samples are waiting or that long after
 * the first one was queued. One write is in flight at a time; failures are retried with capped,
 * jittered backoff; a batch the stream manager refuses for good is counted as
 * dropped{reason="rejected"}, never retried forever. Every sample ends up written or counted in
 * `dropped{reason}`.
 */
import { Backoff, defaultRetryable, sleep } from './backoff';
import { systemClock, type Clock, type TimerHandle } from './clock';
import { splitIntoBatches, type Sample } from './envelope';
import { errorCode, errorMessage } from './errors';
import type { Health } from './health';
import type { Logger } from './logger';
import { StreamErrorCode, type StreamSpec } from './stream-client';

/** What the sink needs from the stream client. */
export interface SampleWriter {
  append(stream: string, payload: Buffer): Promise<number>;
  ensureStream?(spec: StreamSpec): Promise<unknown>;
}

export interface SampleSinkOptions {
  writer: SampleWriter;
  stream: StreamSpec;
  /** Largest stream message. */
  maxBatchBytes: number;
  /**
   * Longest a sample waits for its batch (a batch is written earlier when 1000 samples are
   * waiting). 0 or absent: samples are written as soon as they are pushed.
   */
  maxBatchDelayMs?: number;
  /** Samples held while the stream manager is away; beyond, the oldest are dropped{reason="buffer_full"}. */
  maxBufferedSamples: number;
  health: Health;
  logger: Logger;
  clock?: Clock;
  /** Waits between failed writes. Default 200 ms growing to 10 s, full jitter. */
  backoff?: Backoff;
}

/** Counter and gauge names the sink reports in the health snapshot. */
export const SinkMetric = {
  SamplesWritten: 'samples_written',
  BatchesWritten: 'batches_written',
  Dropped: 'dropped', // {reason="buffer_full" | "invalid" | "rejected" | "shutdown"}
  Backlog: 'backlog', // gauge
} as const;

/** Samples taken from the queue per encode round (several batches). */
const CHUNK = 4000;
/** Queue length that triggers a write without waiting for `maxBatchDelayMs`. */
const FLUSH_AT = 1000;

export class SampleSink {
  private readonly o: SampleSinkOptions;
  private readonly clock: Clock;
  private readonly backoff: Backoff;
  private readonly delayMs: number;
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
    this.delayMs = Math.max(0, options.maxBatchDelayMs ?? 0);
  }

  /** Samples not yet written (queued and in flight). */
  get backlog(): number {
    return this.queued + this.inflight;
  }

  /** True while the last write succeeded (or nothing was written yet). */
  get streamUp(): boolean {
    return this.up;
  }

  /** Called when writing starts failing (false) or works again (true). */
  onStreamState(listener: (up: boolean) => void): void {
    this.listener = listener;
  }

  /** Starts writing, beginning with whatever was pushed before. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.schedule();
  }

  push(samples: Sample | readonly Sample[]): void {
    if (isSampleArray(samples)) {
      if (samples.length === 0) return;
      for (const s of samples) this.queue.push(s);
    } else this.queue.push(samples);
    const over = this.backlog - this.o.maxBufferedSamples;
    if (over > 0) {
      const n = Math.min(over, this.queued);
      this.head += n;
      this.o.health.counters.inc(SinkMetric.Dropped, { reason: 'buffer_full' }, n);
      this.o.logger
        .rateLimited('buffer_full', 60_000)
        .error('Buffer full while the stream manager is away: oldest samples dropped.', { dropped: n, max: this.o.maxBufferedSamples, stream: this.o.stream.name });
    }
    this.compact();
    this.gauge();
    this.schedule();
  }

  /**
   * Stops writing: waits for the write in flight and tries once more (one attempt per batch) for
   * what is queued, all within `deadlineMs`; what is left is counted as dropped{reason="shutdown"}.
   */
  async stop(deadlineMs: number): Promise<void> {
    const wasRunning = this.running;
    this.running = false;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort();
    if (!wasRunning && this.backlog === 0) return;
    let t: TimerHandle | undefined;
    const expired = new Promise<false>((resolve) => {
      t = this.clock.setTimeout(() => resolve(false), deadlineMs);
    });
    const inTime = (work: Promise<unknown> | undefined): Promise<boolean> =>
      work === undefined ? Promise.resolve(true) : Promise.race([work.then(() => true, () => true), expired]);
    let late = false;
    try {
      late = !(await inTime(this.pumping));
      if (!late && this.backlog > 0) late = !(await inTime(this.pump(true)));
    } finally {
      this.clock.clearTimeout(t);
    }
    if (late) {
      this.generation++; // the write in flight cannot be cancelled: whatever it does later changes nothing
      this.pumping = undefined;
      this.o.logger.warn('Stop deadline reached with a write to the stream manager still in flight; not waiting for it.', { deadlineMs, stream: this.o.stream.name });
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

  private get queued(): number {
    return this.queue.length - this.head;
  }

  private compact(): void {
    if (this.head > 10_000 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** Writes now (no delay configured, or enough waiting) or arms the delay timer. */
  private schedule(): void {
    if (!this.running || this.pumping || this.queued === 0) return;
    if (this.delayMs === 0 || this.queued >= FLUSH_AT) this.kick();
    else if (!this.timer) this.timer = this.clock.setTimeout(() => this.kick(), this.delayMs);
  }

  private kick(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pumping || !this.running || this.queued === 0) return;
    const p: Promise<void> = this.pump(false).finally(() => {
      if (this.pumping !== p) return;
      this.pumping = undefined;
      this.schedule();
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

  /** Writes what is queued, in order. `once`: one attempt, no waiting (at stop). */
  private async pump(once: boolean): Promise<void> {
    const spec = this.o.stream;
    const gen = this.generation;
    const abandoned = (): boolean => gen !== this.generation;
    const counters = this.o.health.counters;
    while (this.queued > 0 && (this.running || once)) {
      try {
        if (!this.ensured && this.o.writer.ensureStream) {
          await this.o.writer.ensureStream(spec);
          if (abandoned()) return;
          this.ensured = true;
        }
        const chunk = this.take(CHUNK);
        const split = splitIntoBatches(chunk, this.o.maxBatchBytes);
        const bad = split.invalid.length + split.oversized.length;
        this.inflight = chunk.length - bad;
        if (bad > 0) {
          counters.inc(SinkMetric.Dropped, { reason: 'invalid' }, bad);
          this.o.logger
            .rateLimited('invalid', 60_000)
            .error('Samples that cannot be encoded were dropped.', { count: bad, problems: split.invalid.flatMap((i) => i.problems).slice(0, 5), oversized: split.oversized.length });
        }
        let done = 0;
        try {
          for (const b of split.batches) {
            try {
              await this.o.writer.append(spec.name, b.payload);
            } catch (err) {
              if (abandoned()) return;
              if (errorCode(err) === StreamErrorCode.NotFound) this.ensured = false;
              else if (!defaultRetryable(err)) {
                done++;
                this.inflight -= b.samples.length;
                counters.inc(SinkMetric.Dropped, { reason: 'rejected' }, b.samples.length);
                this.o.health.recordError(err);
                this.o.logger
                  .rateLimited('rejected', 60_000)
                  .error('The stream manager refused a batch; its samples are dropped.', { code: errorCode(err), error: errorMessage(err), samples: b.samples.length, stream: spec.name });
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
        // Also a stream that cannot be created (definition conflict): keep the samples, back off, report.
        if (this.up) {
          this.up = false;
          this.listener?.(false);
        }
        const delayMs = this.backoff.next();
        this.o.health.setStatus('stream_manager', 'backing_off', { error: err, attempts: this.backoff.attempts });
        this.o.logger
          .rateLimited('write_failed', 30_000)
          .warn('Cannot write to the stream manager; buffering and retrying.', { code: errorCode(err), error: errorMessage(err), backlog: this.backlog, delayMs, stream: spec.name });
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
    this.o.health.counters.set(SinkMetric.Backlog, this.backlog);
  }
}

function isSampleArray(samples: Sample | readonly Sample[]): samples is readonly Sample[] {
  return Array.isArray(samples);
}
