/**
 * The publisher: one lane per (source stream, destination) of every route, one worker per
 * destination. Streams are created with their explicit definitions (idempotent), lanes resume
 * from their checkpoints, and a timer refreshes backlog and lag gauges.
 */
import {
  Backoff,
  type BackoffOptions,
  type CheckpointStore,
  type Clock,
  type Health,
  type Logger,
  type StreamReader,
  type StreamSpec,
  type StreamWriter,
  type TimerHandle,
  errorCode,
  errorMessage,
  sleep,
} from '../../core/src';
import { StreamDeadLetterSink } from './dead-letter';
import type { Destination, RouteMapping } from './destination';
import { DestinationWorker, type PriorityClassSpec } from './destination-worker';
import { Lane } from './lane';

export interface RouteSettings {
  readonly name: string;
  readonly streams: readonly string[];
  readonly destination: string;
  readonly priority: string;
  readonly mapping: RouteMapping;
}

export interface PublisherSettings {
  readonly routes: readonly RouteSettings[];
  /** In rank order (first = highest). */
  readonly priorities: readonly PriorityClassSpec[];
  /** Stream definitions to create or update at start (source streams; may be empty). */
  readonly streams: readonly StreamSpec[];
  readonly deadLetter: StreamSpec;
  /** Per lane: most records / bytes read and not yet final. */
  readonly window: { readonly maxRecords: number; readonly maxBytes: number };
  readonly readBatch: number;
  readonly readWaitMs: number;
  /** Delay before a record the destination asked to retry is sent again. */
  readonly recordRetry: BackoffOptions;
  /** Pause of a destination after a send in which nothing got through. */
  readonly destinationBackoff: BackoffOptions;
  readonly stopDeadlineMs: number;
  /** How often backlog and lag gauges are refreshed. */
  readonly gaugeIntervalMs: number;
}

export interface StreamAdmin extends StreamReader, StreamWriter {
  ensureStream(spec: StreamSpec): Promise<'created' | 'updated' | 'unchanged'>;
}

export interface PublisherDeps {
  readonly streams: StreamAdmin;
  readonly destinations: readonly Destination[];
  readonly checkpoints: CheckpointStore;
  readonly health: Health;
  readonly logger: Logger;
  readonly clock: Clock;
}

export class Publisher {
  private readonly workers: DestinationWorker[] = [];
  private readonly deadLetters: StreamDeadLetterSink;
  private gaugeTimer: TimerHandle | undefined;
  private ensureDone: Promise<void> | undefined;
  private running = false;
  private readonly abort = new AbortController();

  constructor(
    private readonly settings: PublisherSettings,
    private readonly deps: PublisherDeps,
  ) {
    const { health, logger, clock } = deps;
    this.deadLetters = new StreamDeadLetterSink({ writer: deps.streams, stream: settings.deadLetter.name, logger: logger.child({ module: 'dead-letter' }), counters: health.counters, clock });
    const ranks = new Map(settings.priorities.map((p, i) => [p.name, i]));
    for (const destination of deps.destinations) {
      const lanes: Lane[] = [];
      const worker = new DestinationWorker({
        destination,
        lanes,
        priorities: settings.priorities,
        health,
        logger: logger.child({ destination: destination.name }),
        clock,
        backoff: settings.destinationBackoff,
      });
      for (const route of settings.routes.filter((r) => r.destination === destination.name)) {
        const priority = settings.priorities[ranks.get(route.priority)!]!;
        for (const stream of route.streams) {
          lanes.push(
            new Lane(
              {
                route: route.name,
                stream,
                destination: destination.name,
                priority: route.priority,
                rank: ranks.get(route.priority)!,
                weight: priority.weight,
                mapping: route.mapping,
                maxRecords: settings.window.maxRecords,
                maxBytes: settings.window.maxBytes,
                readBatch: settings.readBatch,
                readWaitMs: settings.readWaitMs,
                retry: settings.recordRetry,
              },
              {
                reader: deps.streams,
                checkpoints: deps.checkpoints,
                deadLetters: this.deadLetters,
                counters: health.counters,
                logger: logger.child({ lane: `${stream}@${destination.name}` }),
                clock,
                onReady: () => worker.notify(),
              },
            ),
          );
        }
      }
      // Workers iterate lanes of one class in this order; sorting keeps it stable across restarts.
      lanes.sort((a, b) => a.settings.rank - b.settings.rank || a.key.localeCompare(b.key));
      this.workers.push(worker);
    }
  }

  /** Lanes of every destination (for tests and health). */
  get lanes(): Lane[] {
    return this.workers.flatMap((w) => [...w.lanes]);
  }

  async start(): Promise<void> {
    this.running = true;
    this.ensureDone = this.ensureStreams();
    for (const lane of this.lanes) {
      try {
        await lane.open();
      } catch (err) {
        this.deps.health.counters.inc('checkpoint_errors', { stream: lane.settings.stream, destination: lane.settings.destination });
        this.deps.logger.error('Checkpoint unreadable; this lane starts again from the oldest retained message (records may be delivered twice, none are skipped).', {
          lane: lane.key,
          code: errorCode(err),
          error: errorMessage(err),
        });
      }
    }
    await Promise.all(this.workers.map((w) => w.start()));
    this.deps.health.setState('running');
    this.scheduleGauges();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    this.deps.clock.clearTimeout(this.gaugeTimer);
    // Dead-letter writes still waiting for the stream manager give up at the deadline: their
    // records stay unfinished (not checkpointed) and come back after a restart.
    const closer = this.deps.clock.setTimeout(() => this.deadLetters.close(), this.settings.stopDeadlineMs);
    await Promise.all(this.workers.map((w) => w.stop(this.settings.stopDeadlineMs)));
    this.deps.clock.clearTimeout(closer);
    this.deadLetters.close();
    await this.ensureDone;
    this.deps.health.setState('stopped');
  }

  private async ensureStreams(): Promise<void> {
    const specs = [this.settings.deadLetter, ...this.settings.streams];
    const backoff = new Backoff({ initialMs: 200, maxMs: 10_000 });
    for (const spec of specs) {
      let warned = false;
      while (this.running) {
        try {
          const result = await this.deps.streams.ensureStream(spec);
          if (result !== 'unchanged') this.deps.logger.info(`Stream ${result}.`, { stream: spec.name, strategyOnFull: spec.strategyOnFull, maxSize: spec.maxSize });
          backoff.reset();
          break;
        } catch (err) {
          if (!warned) {
            warned = true;
            this.deps.logger.warn('Cannot create or update the stream yet; retrying.', { stream: spec.name, code: errorCode(err), error: errorMessage(err) });
          }
          await sleep(backoff.next(), this.abort.signal, this.deps.clock).catch(() => undefined);
        }
      }
    }
  }

  private scheduleGauges(): void {
    if (!this.running) return;
    this.gaugeTimer = this.deps.clock.setTimeout(() => {
      void this.refreshGauges().finally(() => this.scheduleGauges());
    }, this.settings.gaugeIntervalMs);
  }

  /** Backlog and lag per lane; overall state from the destinations. */
  async refreshGauges(): Promise<void> {
    const { health, clock } = this.deps;
    const now = clock.now();
    for (const lane of this.lanes) {
      await lane.describe();
      const labels = { stream: lane.settings.stream, destination: lane.settings.destination };
      health.counters.set('backlog', lane.backlog, labels);
      const oldest = lane.oldestPendingIngestTime();
      health.counters.set('lag_ms', oldest === undefined ? 0 : Math.max(0, now - oldest), labels);
    }
    for (const w of this.workers) w.refreshHealth();
    const snapshot = health.snapshot();
    // `connecting` is how an HTTP destination looks before its first call: not a failure.
    const bad = Object.entries(snapshot.statuses).filter(([name, s]) => name.startsWith('destination:') && s.state !== 'connected' && s.state !== 'connecting');
    if (!this.running) return;
    const reasons = bad.map(([n, s]) => `${n.slice('destination:'.length)} ${s.state}`);
    const unreadable = [...new Set(this.lanes.filter((l) => l.readError !== undefined && l.readError !== 'stream_not_found').map((l) => `${l.settings.stream} (${l.readError})`))];
    if (unreadable.length > 0) reasons.push(`cannot read ${unreadable.join(', ')}`);
    if (reasons.length > 0) health.setState('degraded', reasons.join('; '));
    else health.setState('running');
  }
}
