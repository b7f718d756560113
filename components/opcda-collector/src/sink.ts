/**
 * SampleSink: the collector's way out. Samples are queued (bounded; the oldest are dropped and
 * counted when the stream manager stays away too long), packed into envelope batches of at most
 * `maxBatchBytes`, and appended in order to one stream, which is created from its spec first.
 * Every sample ends up written or counted in `dropped{reason}`.
 */
import {
  Backoff,
  defaultRetryable,
  errorCode,
  errorMessage,
  sleep,
  splitIntoBatches,
  StreamErrorCode,
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

export interface SinkDeps {
  writer: SampleWriter;
  clock: Clock;
  logger: Logger;
  health: Health;
  stream: StreamSpec;
  maxBufferedSamples: number;
  maxBatchBytes: number;
  /** Waits between failed writes. Default 200 ms growing to 10 s, full jitter. */
  backoff?: Backoff;
}

export const SinkMetric = {
  SamplesWritten: 'samples_written',
  BatchesWritten: 'batches_written',
  Dropped: 'dropped', // {reason="buffer_full" | "invalid" | "rejected" | "shutdown"}
  Backlog: 'backlog',
} as const;

const SAMPLES_PER_PUMP = 1000;

export class SampleSink {
  private readonly d: SinkDeps;
  private readonly backoff: Backoff;
  private queue: Sample[] = [];
  private inflight = 0;
  private ensured = false;
  private running = false;
  private pumping?: Promise<void>;
  private generation = 0;
  private abort = new AbortController();
  private up = true;

  constructor(deps: SinkDeps) {
    this.d = deps;
    this.backoff = deps.backoff ?? new Backoff({ initialMs: 200, maxMs: 10_000 });
  }

  /** Samples not yet written (queued and in flight). */
  get backlog(): number {
    return this.queue.length + this.inflight;
  }

  /** Whether the last write attempt succeeded. */
  get connected(): boolean {
    return this.up;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.kick();
  }

  push(samples: readonly Sample[]): void {
    if (samples.length === 0) return;
    this.queue.push(...samples);
    const over = this.backlog - this.d.maxBufferedSamples;
    if (over > 0) {
      const n = Math.min(over, this.queue.length);
      this.queue.splice(0, n);
      this.d.health.counters.inc(SinkMetric.Dropped, { reason: 'buffer_full' }, n);
      this.d.logger
        .rateLimited('buffer_full', 60_000)
        .error('Buffer full while the stream manager is away: oldest samples dropped.', { dropped: n, max: this.d.maxBufferedSamples, stream: this.d.stream.name });
    }
    this.gauge();
    this.kick();
  }

  /**
   * Stops writing: waits for the write in flight and tries once more for what is queued, all
   * within `deadlineMs`; what is left is counted as dropped{reason="shutdown"}.
   */
  async stop(deadlineMs: number): Promise<void> {
    const wasRunning = this.running;
    this.running = false;
    this.abort.abort();
    if (!wasRunning && this.backlog === 0) return;
    let timer: TimerHandle | undefined;
    const expired = new Promise<false>((resolve) => {
      timer = this.d.clock.setTimeout(() => resolve(false), deadlineMs);
    });
    const inTime = (work: Promise<unknown> | undefined): Promise<boolean> =>
      work === undefined ? Promise.resolve(true) : Promise.race([work.then(() => true, () => true), expired]);
    let late = false;
    try {
      late = !(await inTime(this.pumping));
      if (!late && this.queue.length > 0) late = !(await inTime(this.pump(true)));
    } finally {
      this.d.clock.clearTimeout(timer);
    }
    if (late) {
      this.generation++; // the write in flight cannot be cancelled: whatever it does later changes nothing
      this.pumping = undefined;
      this.d.logger.warn('Stop deadline reached with a write to the stream manager still in flight; not waiting for it.', { deadlineMs, stream: this.d.stream.name });
    }
    const lost = this.queue.length + this.inflight;
    if (lost > 0) {
      this.d.logger.error('Samples could not be written before stopping; they are lost.', { count: lost, stream: this.d.stream.name });
      this.d.health.counters.inc(SinkMetric.Dropped, { reason: 'shutdown' }, lost);
    }
    this.queue = [];
    this.inflight = 0;
    this.gauge();
  }

  private kick(): void {
    if (this.pumping || !this.running || this.queue.length === 0) return;
    const pumping: Promise<void> = this.pump(false).finally(() => {
      if (this.pumping !== pumping) return;
      this.pumping = undefined;
      if (this.queue.length > 0 && this.running) this.kick();
    });
    this.pumping = pumping;
  }

  /** Writes what is queued, in order. `once`: one attempt, no waiting (at stop). */
  private async pump(once: boolean): Promise<void> {
    const spec = this.d.stream;
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
        const split = splitIntoBatches(chunk, this.d.maxBatchBytes);
        const bad = split.invalid.length + split.oversized.length;
        this.inflight = chunk.length - bad;
        if (bad > 0) {
          this.d.health.counters.inc(SinkMetric.Dropped, { reason: 'invalid' }, bad);
          this.d.logger
            .rateLimited('invalid', 60_000)
            .error('Samples that cannot be encoded were dropped.', { count: bad, problems: split.invalid.flatMap((i) => i.problems).slice(0, 5), oversized: split.oversized.length });
        }
        let done = 0;
        try {
          for (const b of split.batches) {
            try {
              await this.d.writer.append(spec.name, b.payload);
            } catch (err) {
              if (abandoned()) return;
              if (errorCode(err) === StreamErrorCode.NotFound) this.ensured = false;
              else if (!defaultRetryable(err)) {
                done++;
                this.inflight -= b.samples.length;
                this.d.health.counters.inc(SinkMetric.Dropped, { reason: 'rejected' }, b.samples.length);
                this.d.health.recordError(err);
                this.d.logger
                  .rateLimited('rejected', 60_000)
                  .error('The stream manager refused a batch; its samples are dropped.', { code: errorCode(err), error: errorMessage(err), samples: b.samples.length, stream: spec.name });
                continue;
              }
              throw err;
            }
            if (abandoned()) return;
            done++;
            this.inflight -= b.samples.length;
            this.d.health.counters.inc(SinkMetric.SamplesWritten, undefined, b.samples.length);
            this.d.health.counters.inc(SinkMetric.BatchesWritten);
          }
        } finally {
          if (!abandoned()) {
            this.queue.unshift(...split.batches.slice(done).flatMap((b) => b.samples));
            this.inflight = 0;
          }
        }
        if (!this.up) this.d.logger.info('Writing to the stream manager again.', { stream: spec.name, backlog: this.queue.length });
        this.up = true;
        this.d.health.setStatus('stream_manager', 'connected');
        this.backoff.reset();
      } catch (err) {
        if (abandoned()) return;
        // Also a stream that cannot be created (definition conflict): keep the samples, back off, report.
        this.up = false;
        const delayMs = this.backoff.next();
        this.d.health.setStatus('stream_manager', 'backing_off', { error: err, attempts: this.backoff.attempts });
        this.d.logger
          .rateLimited('write_failed', 30_000)
          .warn('Cannot write to the stream manager; buffering and retrying.', { code: errorCode(err), error: errorMessage(err), backlog: this.backlog, delayMs, stream: spec.name });
        if (once) return;
        try {
          await sleep(delayMs, this.abort.signal, this.d.clock);
        } catch {
          return;
        }
      } finally {
        if (!abandoned()) this.gauge();
      }
    }
  }

  private gauge(): void {
    this.d.health.counters.set(SinkMetric.Backlog, this.backlog);
  }
}
