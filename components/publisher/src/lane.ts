/**
 * A lane is one (source stream, destination) pair: it reads the stream from its durable
 * checkpoint, keeps at most the in-flight window of records in memory, hands records to the
 * destination worker, and moves the checkpoint only past records whose outcome is final
 * (delivered, or dead-lettered with the reason).
 *
 * Entries are kept in sequence order. The checkpoint is the sequence number of the first entry
 * that is not final (or the next one to read when none is pending), so after a crash at most the
 * in-flight window is sent again.
 */
import {
  Backoff,
  type BackoffOptions,
  type CheckpointStore,
  type Clock,
  type Counters,
  type Logger,
  type Sample,
  type StrategyName,
  type StreamMessage,
  type StreamReader,
  decodeBatch,
  errorCode,
  errorMessage,
  sleep,
} from '../../core/src';
import type { DeadLetterSink, DeadLetter } from './dead-letter';
import type { DeliveryRecord, Outcome, RouteMapping } from './destination';

export interface LaneSettings {
  readonly route: string;
  readonly stream: string;
  readonly destination: string;
  readonly priority: string;
  /** 0 = highest. */
  readonly rank: number;
  readonly weight: number;
  readonly mapping: RouteMapping;
  /** Most records held (read and not yet final). */
  readonly maxRecords: number;
  /** Most payload bytes held. */
  readonly maxBytes: number;
  /** Most messages per stream read. */
  readonly readBatch: number;
  /** Long-poll wait of a read. */
  readonly readWaitMs: number;
  /** Per-record retry delays (after `retry` outcomes). */
  readonly retry: BackoffOptions;
}

export interface LaneDeps {
  readonly reader: StreamReader;
  readonly checkpoints: CheckpointStore;
  readonly deadLetters: DeadLetterSink;
  readonly counters: Counters;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Called when records became ready to send. */
  readonly onReady: () => void;
}

type EntryState = 'queued' | 'inflight' | 'finishing' | 'done';

export interface LaneEntry {
  readonly lane: Lane;
  readonly seq: number;
  readonly ingestTime: number;
  readonly size: number;
  /** What the destination gets; undefined when nothing in the message is deliverable. */
  readonly record: DeliveryRecord | undefined;
  /** Parts already known to be undeliverable (invalid samples, undecodable payload). */
  readonly invalid: DeadLetter[];
  state: EntryState;
  attempts: number;
  notBefore: number;
}

interface CheckpointDoc {
  next: number;
}

export class Lane {
  readonly key: string;
  private readonly entries: LaneEntry[] = [];
  private head = 0;
  private queue: LaneEntry[] = [];
  private heldBytes = 0;
  private nextRead = 0;
  private committed = 0;
  private saved = 0;
  private saving: Promise<void> | undefined;
  private hadCheckpoint = false;
  private running = false;
  private readLoopDone: Promise<void> | undefined;
  private wakeReader: (() => void) | undefined;
  private readonly readBackoff = new Backoff({ initialMs: 200, maxMs: 10_000 });
  private readonly abort = new AbortController();
  private strategy: StrategyName | undefined;
  private newest = -1;
  private lastReadError: string | undefined;
  private readonly labels: { stream: string; destination: string };

  constructor(
    readonly settings: LaneSettings,
    private readonly deps: LaneDeps,
  ) {
    this.key = `${settings.stream}@${settings.destination}`;
    this.labels = { stream: settings.stream, destination: settings.destination };
  }

  /** Load the checkpoint; throws `checkpoint_corrupt` rather than starting over silently. */
  async open(): Promise<void> {
    const doc = await this.deps.checkpoints.load<CheckpointDoc>(this.key);
    if (doc && Number.isInteger(doc.next) && doc.next >= 0) {
      this.nextRead = this.committed = this.saved = doc.next;
      this.hadCheckpoint = true;
    }
    this.deps.logger.info('Lane opened.', { lane: this.key, priority: this.settings.priority, from: this.nextRead, checkpoint: this.hadCheckpoint });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.readLoopDone = this.readLoop();
  }

  /** Stop reading; what is queued stays (the worker may still finish in-flight records). */
  async stopReading(): Promise<void> {
    this.running = false;
    this.abort.abort();
    this.wakeReader?.();
    await this.readLoopDone;
  }

  /** Save the checkpoint if it moved (call at shutdown). */
  async flush(): Promise<void> {
    await this.saving;
    if (this.committed !== this.saved) await this.saveCheckpoint();
  }

  get checkpoint(): number {
    return this.committed;
  }

  get queuedCount(): number {
    return this.queue.length;
  }

  /** Code of the last failed stream read, until a read succeeds again. */
  get readError(): string | undefined {
    return this.lastReadError;
  }

  get heldCount(): number {
    return this.entries.length - this.head;
  }

  /** Messages in the stream not yet final for this lane (as of the last read / describe). */
  get backlog(): number {
    return Math.max(0, this.newest + 1 - this.committed);
  }

  /** Ingest time of the oldest record not yet final, or undefined. */
  oldestPendingIngestTime(): number | undefined {
    return this.head < this.entries.length ? this.entries[this.head]!.ingestTime : undefined;
  }

  /** Earliest time a queued record becomes eligible again, or undefined when one is eligible now / none queued. */
  nextEligibleAt(now: number): number | undefined {
    let earliest: number | undefined;
    for (const e of this.queue) {
      if (e.notBefore <= now) return undefined;
      if (earliest === undefined || e.notBefore < earliest) earliest = e.notBefore;
    }
    return earliest;
  }

  /** Count of queued records eligible now. */
  eligibleCount(now: number): number {
    let n = 0;
    for (const e of this.queue) if (e.notBefore <= now) n++;
    return n;
  }

  /**
   * Take up to `maxRecords` eligible records within `maxBytes`, in sequence order; marks them in
   * flight. With `atLeastOne`, a first record larger than `maxBytes` is still taken (a batch of one).
   */
  take(maxRecords: number, maxBytes: number, now: number, atLeastOne = true): LaneEntry[] {
    const taken: LaneEntry[] = [];
    if (maxRecords <= 0) return taken;
    const rest: LaneEntry[] = [];
    let bytes = 0;
    for (const e of this.queue) {
      if (taken.length < maxRecords && e.notBefore <= now && (bytes + e.size <= maxBytes || (atLeastOne && taken.length === 0))) {
        e.state = 'inflight';
        bytes += e.size;
        taken.push(e);
      } else {
        rest.push(e);
      }
    }
    this.queue = rest;
    return taken;
  }

  /** Apply a destination's outcome to an entry taken from this lane. */
  async settle(entry: LaneEntry, outcome: Outcome): Promise<void> {
    const { counters } = this.deps;
    if (outcome.kind === 'retry') {
      entry.attempts++;
      entry.state = 'queued';
      entry.notBefore = this.deps.clock.now() + retryDelay(this.settings.retry, entry.attempts);
      this.requeue(entry);
      counters.inc('retries', { destination: this.settings.destination, code: outcome.code });
      this.deps.onReady();
      return;
    }
    entry.state = 'finishing';
    const letters: DeadLetter[] = [...entry.invalid];
    if (outcome.kind === 'rejected') {
      letters.push({ code: outcome.code, message: outcome.message, samples: entry.record ? [...entry.record.samples] : [] });
    } else {
      for (const r of outcome.rejectedSamples ?? []) letters.push({ code: r.code, message: r.message, samples: [...r.samples] });
      const delivered = (entry.record?.samples.length ?? 0) - (outcome.rejectedSamples ?? []).reduce((n, r) => n + r.samples.length, 0);
      counters.inc('delivered', this.labels);
      counters.inc('delivered_samples', this.labels, Math.max(0, delivered));
    }
    if (letters.length > 0) await this.deadLetter(entry, letters);
    this.finish(entry);
  }

  private requeue(entry: LaneEntry): void {
    // Keep the queue in sequence order so older records go first once eligible.
    let i = this.queue.length;
    while (i > 0 && this.queue[i - 1]!.seq > entry.seq) i--;
    this.queue.splice(i, 0, entry);
  }

  private async deadLetter(entry: LaneEntry, letters: DeadLetter[]): Promise<void> {
    await this.deps.deadLetters.write(
      letters.map((l) => ({ ...l, origin: { stream: this.settings.stream, sequenceNumber: entry.seq }, destination: this.settings.destination, route: this.settings.route })),
    );
    for (const l of letters) this.deps.counters.inc('dead_lettered', { destination: this.settings.destination, code: l.code });
  }

  private finish(entry: LaneEntry): void {
    entry.state = 'done';
    this.heldBytes -= entry.size;
    let moved = false;
    while (this.head < this.entries.length && this.entries[this.head]!.state === 'done') {
      this.committed = this.entries[this.head]!.seq + 1;
      this.head++;
      moved = true;
    }
    if (this.head === this.entries.length) {
      this.entries.length = 0;
      this.head = 0;
      if (this.committed < this.nextRead) {
        this.committed = this.nextRead;
        moved = true;
      }
    } else if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
    if (moved) {
      this.wakeReader?.();
      this.scheduleSave();
    }
  }

  private scheduleSave(): void {
    if (this.saving) return;
    this.saving = this.saveCheckpoint().finally(() => {
      this.saving = undefined;
      if (this.committed !== this.saved && this.running) this.scheduleSave();
    });
  }

  private async saveCheckpoint(): Promise<void> {
    const next = this.committed;
    try {
      await this.deps.checkpoints.save(this.key, { next } satisfies CheckpointDoc);
      this.saved = next;
      this.wakeReader?.();
    } catch (err) {
      this.deps.counters.inc('checkpoint_errors', this.labels);
      this.deps.logger.warn('Could not save the checkpoint; records after it may be sent again after a restart.', {
        lane: this.key,
        code: errorCode(err),
        error: errorMessage(err),
      });
    }
  }

  /**
   * The window counts from the last *saved* checkpoint, not the in-memory one: a slow disk then
   * slows reading down instead of letting a crash resend more than the window.
   */
  private windowFull(): boolean {
    return this.heldCount >= this.settings.maxRecords || this.heldBytes >= this.settings.maxBytes || this.nextRead - this.saved >= this.settings.maxRecords;
  }

  private async readLoop(): Promise<void> {
    const { reader, logger, counters } = this.deps;
    if (this.strategy === undefined) await this.describe();
    while (this.running) {
      if (this.windowFull()) {
        await new Promise<void>((resolve) => {
          this.wakeReader = resolve;
          if (!this.running || !this.windowFull()) resolve();
        });
        this.wakeReader = undefined;
        continue;
      }
      let messages: StreamMessage[];
      try {
        const room = Math.min(this.settings.readBatch, this.settings.maxRecords - this.heldCount, this.settings.maxRecords - (this.nextRead - this.saved));
        messages = await reader.read(this.settings.stream, { start: this.nextRead, min: 1, max: Math.max(1, room), waitMs: this.settings.readWaitMs });
        this.readBackoff.reset();
        this.lastReadError = undefined;
      } catch (err) {
        if (!this.running) break;
        const code = errorCode(err);
        counters.inc('read_errors', { stream: this.settings.stream, code });
        if (this.lastReadError !== code) {
          if (code === 'stream_not_found') logger.info('The stream does not exist yet; waiting for its producer to create it.', { lane: this.key });
          else logger.warn('Cannot read the stream; retrying.', { lane: this.key, code, error: errorMessage(err) });
          this.lastReadError = code;
        }
        await sleep(this.readBackoff.next(), this.abort.signal, this.deps.clock).catch(() => undefined);
        if (code === 'stream_not_found') this.strategy = undefined;
        continue;
      }
      if (messages.length === 0) continue;
      let added = 0;
      for (const m of messages) {
        if (m.sequenceNumber < this.nextRead) continue;
        if (m.sequenceNumber > this.nextRead) this.gap(m.sequenceNumber - this.nextRead);
        this.nextRead = m.sequenceNumber + 1;
        if (m.sequenceNumber > this.newest) this.newest = m.sequenceNumber;
        this.add(m);
        added++;
      }
      this.hadCheckpoint = true;
      if (added > 0) {
        counters.inc('received', { stream: this.settings.stream, destination: this.settings.destination }, added);
        this.deps.onReady();
      }
    }
  }

  /** Refresh what the lane knows of its stream (overflow policy, newest sequence number). */
  async describe(): Promise<void> {
    try {
      const s = await this.deps.reader.describe(this.settings.stream);
      this.strategy = s.spec.strategyOnFull;
      if (s.newest > this.newest) this.newest = s.newest;
      if (this.nextRead < s.oldest && this.head === this.entries.length) {
        // Nothing held; the stream no longer has what the checkpoint points at.
        if (this.hadCheckpoint) this.gap(s.oldest - this.nextRead);
        else this.deps.logger.info('No checkpoint yet; starting at the oldest retained message.', { lane: this.key, oldest: s.oldest });
        this.nextRead = s.oldest;
        this.committed = Math.max(this.committed, s.oldest);
        this.scheduleSave();
      }
      this.hadCheckpoint = true;
    } catch {
      // Read errors are reported by the read loop.
    }
  }

  private gap(count: number): void {
    if (!this.hadCheckpoint) return;
    const reason = this.strategy === 'OverwriteOldestData' ? 'overwritten' : 'expired';
    this.deps.counters.inc('dropped', { reason, stream: this.settings.stream, destination: this.settings.destination }, count);
    this.deps.logger.error('Records were removed from the stream before they were delivered.', {
      lane: this.key,
      reason,
      count,
      from: this.nextRead,
    });
  }

  private add(m: StreamMessage): void {
    const decoded = decodeBatch(m.payload);
    const invalid: DeadLetter[] = [];
    let samples: Sample[] = [];
    if (!decoded.ok) {
      invalid.push({ code: decoded.code, message: decoded.problems.join('; '), samples: [], payload: m.payload });
      this.deps.counters.inc('invalid', { stream: this.settings.stream, reason: decoded.code });
    } else {
      samples = decoded.samples;
      if (decoded.invalid.length > 0) {
        invalid.push({
          code: 'envelope_invalid',
          message: decoded.invalid.map((s) => `sample ${s.index}: ${s.problems.join('; ')}`).join(' | '),
          samples: [],
          payload: m.payload,
        });
        this.deps.counters.inc('invalid', { stream: this.settings.stream, reason: 'envelope_invalid' });
      }
    }
    const record: DeliveryRecord | undefined =
      samples.length > 0
        ? {
            origin: { stream: this.settings.stream, sequenceNumber: m.sequenceNumber },
            priority: this.settings.priority,
            samples,
            size: m.payload.length,
            mapping: this.settings.mapping,
          }
        : undefined;
    const entry: LaneEntry = { lane: this, seq: m.sequenceNumber, ingestTime: m.ingestTime, size: m.payload.length, record, invalid, state: 'queued', attempts: 0, notBefore: 0 };
    this.entries.push(entry);
    this.heldBytes += entry.size;
    if (record) {
      this.queue.push(entry);
    } else {
      entry.state = 'finishing';
      this.deadLetter(entry, invalid).then(
        () => this.finish(entry),
        () => undefined, // only when stopping: the entry stays unfinished, so the checkpoint stays before it
      );
    }
  }
}

/** Full-jitter exponential delay for the n-th retry of one record. */
export function retryDelay(options: BackoffOptions, attempt: number): number {
  const initial = options.initialMs ?? 100;
  const max = options.maxMs ?? 30_000;
  const factor = options.factor ?? 2;
  const ceiling = Math.min(max, initial * Math.pow(factor, Math.max(0, attempt - 1)));
  return Math.round((options.random ?? Math.random)() * ceiling);
}
