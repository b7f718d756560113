/**
 * Drives one destination: builds batches from its lanes in priority order (shareBatch), keeps
 * up to `maxConcurrency` sends in flight, applies each record's outcome to its lane, and backs
 * off (capped, jittered) when the destination fails as a whole. Each destination has its own
 * worker, so one that is down does not hold up routes to the others.
 *
 * When lanes of more than one class feed the destination and it allows 3 or more sends at once,
 * the last send slot is kept for the highest class: a backlog of lower classes fills at most
 * `maxConcurrency - 1` slots (still at least 2, so the destination stays pipelined), and a
 * critical record that arrives while a backlog drains goes out at once in a batch of its class
 * instead of waiting for a slot, then for a full batch of bulk records to be processed.
 */
import { Backoff, type BackoffOptions, type Clock, type Health, type Logger, type TimerHandle, errorCode, errorMessage, TributaryError } from '../../core/src';
import type { Destination, Outcome } from './destination';
import type { Lane, LaneEntry } from './lane';
import { shareBatch } from './priority';

export interface PriorityClassSpec {
  readonly name: string;
  readonly weight: number;
}

export interface DestinationWorkerOptions {
  readonly destination: Destination;
  readonly lanes: readonly Lane[];
  readonly priorities: readonly PriorityClassSpec[];
  readonly health: Health;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Pause after a send in which nothing got through. */
  readonly backoff: BackoffOptions;
}

export class DestinationWorker {
  readonly name: string;
  private running = false;
  private inflight = 0;
  private pausedUntil = 0;
  private wake: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;
  private readonly backoff: Backoff;
  private classes: { spec: PriorityClassSpec; lanes: Lane[]; next: number }[] = [];
  /** Index in `classes` of the class the last send slot is kept for, or -1 (no slot kept). */
  private reservedFor = -1;
  private readonly sends = new Set<Promise<void>>();
  private lastState = '';

  constructor(private readonly options: DestinationWorkerOptions) {
    this.name = options.destination.name;
    this.backoff = new Backoff({ initialMs: 500, maxMs: 30_000, ...options.backoff });
  }

  get lanes(): readonly Lane[] {
    return this.options.lanes;
  }

  async start(): Promise<void> {
    this.running = true;
    this.classes = this.options.priorities.map((spec) => ({ spec, lanes: this.options.lanes.filter((l) => l.settings.priority === spec.name), next: 0 }));
    const fed = this.classes.filter((c) => c.lanes.length > 0);
    this.reservedFor = this.options.destination.maxConcurrency >= 3 && fed.length > 1 ? this.classes.indexOf(fed[0]!) : -1;
    this.updateHealth();
    await this.options.destination.start();
    for (const lane of this.options.lanes) lane.start();
    this.loopDone = this.loop();
  }

  /** New records are queued (called by lanes). */
  notify = (): void => {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  };

  /**
   * Stop: no new reads or batches; wait up to `deadlineMs` for sends in flight, save checkpoints,
   * release the destination. Records not final by then are sent again after a restart.
   */
  async stop(deadlineMs: number): Promise<void> {
    this.running = false;
    this.notify();
    await Promise.all(this.options.lanes.map((l) => l.stopReading()));
    await this.loopDone;
    let timer: TimerHandle | undefined;
    await Promise.race([
      Promise.allSettled([...this.sends]),
      new Promise<void>((resolve) => {
        timer = this.options.clock.setTimeout(resolve, deadlineMs);
      }),
    ]);
    this.options.clock.clearTimeout(timer);
    await this.options.destination.stop();
    await Promise.all(this.options.lanes.map((l) => l.flush()));
  }

  /** Sends still in flight. */
  get inFlight(): number {
    return this.inflight;
  }

  private async loop(): Promise<void> {
    const { clock, destination } = this.options;
    while (this.running) {
      const now = clock.now();
      if (now < this.pausedUntil) {
        await this.sleep(this.pausedUntil - now);
        continue;
      }
      if (this.inflight >= destination.maxConcurrency) {
        await this.sleep();
        continue;
      }
      // Last free slot: only for the highest class (see the file comment).
      const only = this.reservedFor >= 0 && this.inflight === destination.maxConcurrency - 1 ? this.reservedFor : -1;
      if (only < 0 && this.inflight > 0 && this.shouldLinger(now)) {
        // A send is in flight and the batch would be partial with nothing urgent in it: wait for
        // more records (the lane's next read) or for that send to finish. Under a backlog this
        // makes full batches (fewer, cheaper calls); when idle nothing waits, since a lone
        // send has nothing in flight beside it.
        await this.sleep();
        continue;
      }
      const batch = this.buildBatch(now, only);
      if (batch.length === 0) {
        let earliest: number | undefined;
        for (const lane of only >= 0 ? this.classes[only]!.lanes : this.options.lanes) {
          const t = lane.nextEligibleAt(now);
          if (t !== undefined && (earliest === undefined || t < earliest)) earliest = t;
        }
        await this.sleep(earliest === undefined ? undefined : Math.max(1, earliest - now));
        continue;
      }
      this.inflight++;
      const p = this.send(batch).finally(() => {
        this.inflight--;
        this.sends.delete(p);
        this.notify();
      });
      this.sends.add(p);
    }
  }

  /** True when the next batch would be partial and holds no record of the highest class. */
  private shouldLinger(now: number): boolean {
    const max = this.options.destination.maxBatchRecords;
    let eligible = 0;
    for (let i = 0; i < this.classes.length; i++) {
      for (const lane of this.classes[i]!.lanes) {
        if (lane.queuedCount === 0) continue;
        const n = lane.eligibleCount(now);
        if (n > 0 && i === 0) return false;
        eligible += n;
        if (eligible >= max) return false;
      }
    }
    return eligible > 0;
  }

  /** Wait until notified, or `ms` passed. */
  private sleep(ms?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: TimerHandle | undefined;
      const done = (): void => {
        this.options.clock.clearTimeout(timer);
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      if (ms !== undefined) timer = this.options.clock.setTimeout(done, ms);
      this.wake = done;
      if (!this.running) done();
    });
  }

  /** A batch from every class by weight, or (`only` ≥ 0) from that class alone. */
  private buildBatch(now: number, only = -1): LaneEntry[] {
    const { destination } = this.options;
    const demand = this.classes.map((c, i) => ({
      weight: c.spec.weight,
      queued: only >= 0 && i !== only ? 0 : c.lanes.reduce((n, l) => n + (l.queuedCount > 0 ? l.eligibleCount(now) : 0), 0),
    }));
    const quotas = shareBatch(demand, destination.maxBatchRecords);
    const batch: LaneEntry[] = [];
    let bytes = 0;
    for (let i = 0; i < this.classes.length; i++) {
      let quota = quotas[i]!;
      const cls = this.classes[i]!;
      // Round-robin over the class's lanes so streams of one class share fairly.
      for (let k = 0; k < cls.lanes.length && quota > 0 && (only < 0 || i === only); k++) {
        const lane = cls.lanes[(cls.next + k) % cls.lanes.length]!;
        const room = destination.maxBatchBytes - bytes;
        if (room <= 0) break;
        const taken = lane.take(quota, room, now, batch.length === 0);
        for (const e of taken) {
          bytes += e.size;
          batch.push(e);
        }
        quota -= taken.length;
      }
      if (cls.lanes.length > 0) cls.next = (cls.next + 1) % cls.lanes.length;
    }
    return batch;
  }

  private async send(entries: LaneEntry[]): Promise<void> {
    const { destination, logger, clock } = this.options;
    const counters = this.options.health.counters;
    counters.inc('send_calls', { destination: destination.name });
    let outcomes: Outcome[];
    try {
      outcomes = await destination.send(entries.map((e) => e.record!));
      if (outcomes.length !== entries.length) {
        throw new TributaryError('destination_contract', `destination ${destination.name} answered ${outcomes.length} outcomes for ${entries.length} records`);
      }
    } catch (err) {
      const code = errorCode(err);
      outcomes = entries.map(() => ({ kind: 'retry', code, message: errorMessage(err) }));
    }
    let anyThrough = false;
    let retryAfter = 0;
    for (const o of outcomes) {
      if (o.kind !== 'retry') anyThrough = true;
      else if (o.retryAfterMs !== undefined && o.retryAfterMs > retryAfter) retryAfter = o.retryAfterMs;
    }
    if (anyThrough) {
      this.backoff.reset();
    } else {
      const delay = Math.max(this.backoff.next(), retryAfter);
      this.pausedUntil = Math.max(this.pausedUntil, clock.now() + delay);
      const first = outcomes[0] as Extract<Outcome, { kind: 'retry' }>;
      if (this.backoff.attempts === 1 || this.backoff.attempts % 10 === 0) {
        logger.warn('Destination did not take the batch; backing off.', {
          destination: destination.name,
          code: first.code,
          error: first.message,
          records: entries.length,
          delayMs: delay,
          attempts: this.backoff.attempts,
        });
      }
    }
    try {
      await Promise.all(entries.map((e, i) => e.lane.settle(e, outcomes[i]!)));
    } catch (err) {
      // Only when stopping (dead letters can no longer be written): those records stay unfinished.
      logger.debug('Outcome not applied while stopping.', { destination: destination.name, error: errorMessage(err) });
    }
    this.updateHealth(anyThrough ? undefined : outcomes[0]);
  }

  /** Publish the destination's current state in the health report (also when idle). */
  refreshHealth(): void {
    this.updateHealth();
  }

  private updateHealth(lastFailure?: Outcome): void {
    const { destination, health } = this.options;
    const st = destination.status();
    const paused = this.pausedUntil > this.options.clock.now();
    const state = paused && st.state === 'connected' ? 'backing_off' : st.state;
    const detail: Record<string, unknown> = { type: destination.type, inFlight: this.inflight };
    if (st.downSince !== undefined) detail.downSince = new Date(st.downSince).toISOString();
    if (paused) detail.retryAt = new Date(this.pausedUntil).toISOString();
    const error = lastFailure && lastFailure.kind === 'retry' ? new TributaryError(lastFailure.code, lastFailure.message) : undefined;
    health.setStatus(`destination:${destination.name}`, state, { attempts: this.backoff.attempts, detail, ...(error ? { error } : {}) });
    if (state !== this.lastState) {
      this.lastState = state;
      if (state === 'connected') this.options.logger.info('Destination is taking records.', { destination: destination.name });
    }
  }
}
