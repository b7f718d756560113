/**
 * com.tributary.Aggregator: reads the raw streams in rounds, runs them through the Processor,
 * writes the outputs to the priority streams and checkpoints.
 *
 * Correctness (see README "Checkpoints and replay"):
 * - A round reads up to `read.maxMessages` from every input, in the configured order. Before its
 *   outputs are appended, the round's end positions are logged (key `rounds`, a small durable
 *   write). Only after every output of the round is appended do the positions advance.
 * - The processor state (filters, events, windows, enrichment) is saved together with the
 *   positions in one atomic document (key `state`) every `checkpoint.intervalMs`, and on stop.
 *   Saving it starts a new generation, which empties the round log.
 * - After a crash, the last state is restored and the logged rounds are read again exactly
 *   (same ranges, same order), so the processor rebuilds the same state and the same outputs.
 *   Rounds followed by a later logged round were fully appended: their outputs are discarded.
 *   Only the last logged round's outputs are appended again: at most one round of output is
 *   duplicated, byte for byte; nothing is lost.
 */
import {
  Backoff,
  BatchPacker,
  StreamErrorCode,
  decodeBatch,
  defaultRetryable,
  errorCode,
  errorMessage,
  isAbortError,
  sleep,
  type Clock,
  type Health,
  type Logger,
  type PackResult,
  type Sample,
  type StreamMessage,
  type StreamSpec,
  type StreamStatus,
  type ReadOptions,
} from '../../core/src';
import { streamSpecOf, type AggregatorConfig, type OutputName, type RouteTarget } from './config';
import { Processor, emptyOutputs, type ProcessorOutputs, type ProcessorSnapshot, type ProcessorStats } from './processor';
import { ruleProblems } from './rules';

/** What the aggregator needs from the stream client (core StreamClient fits). */
export interface AggregatorStreams {
  read(stream: string, opts: ReadOptions): Promise<StreamMessage[]>;
  append(stream: string, payload: Buffer): Promise<number>;
  ensureStream(spec: StreamSpec): Promise<unknown>;
  describe?(stream: string): Promise<StreamStatus>;
}

/** What it needs from the checkpoint store (core CheckpointStore fits). */
export interface CheckpointStorage {
  load<T = unknown>(key: string): Promise<T | undefined>;
  save(key: string, value: unknown): Promise<void>;
}

export interface AggregatorDeps {
  config: AggregatorConfig;
  streams: AggregatorStreams;
  checkpoints: CheckpointStorage;
  clock: Clock;
  logger: Logger;
  health: Health;
  /** Waits between failed reads/appends/checkpoints. Default 100 ms growing to 5 s, full jitter. */
  backoff?: () => Backoff;
  /** Called if the processing loop ends with an unexpected error (main exits so that Greengrass restarts the component). */
  onFatal?: (err: unknown) => void;
}

/** A dead-letter record (JSON, one per stream message) on the dead-letter stream. */
export interface DeadLetter {
  v: 1;
  /** `envelope_unparseable`, `envelope_version`, `envelope_invalid`, `processing_failed` (whole message), `sample_invalid`, `sample_unencodable`. */
  reason: string;
  problems: string[];
  origin: { stream: string; sequenceNumber: number; ingestTime: number };
  /** The message as it was read (whole-message reasons). */
  payloadBase64?: string;
  /** The samples that were left out (sample reasons); their neighbours went on. */
  samples?: Array<{ index: number; problems: string[]; value: unknown }>;
}

/** One round: where every input stood after it (exclusive), and a watermark move when inputs were idle. */
export interface Round {
  ends: Record<string, number>;
  advanceTo?: number;
}

export interface StateDoc {
  v: 1;
  generation: number;
  /** Next sequence number to read, per input stream. */
  positions: Record<string, number>;
  processor: ProcessorSnapshot;
}

export interface RoundsDoc {
  v: 1;
  /** The state generation these rounds follow. */
  base: number;
  rounds: Round[];
}

export const CheckpointKey = { State: 'state', Rounds: 'rounds' } as const;

/** Counter and gauge names. */
export const Metric = {
  MessagesReceived: 'messages_received', // {stream}
  Received: 'received', // {stream}: valid samples
  Written: 'written', // {stream}: samples appended
  BatchesWritten: 'batches_written', // {stream}
  Dropped: 'dropped', // {reason}: rule, invalid, deadband, rate, rejected
  MarkedBad: 'marked_bad',
  Enriched: 'enriched',
  Events: 'events',
  Summaries: 'summaries',
  DeadLettered: 'deadlettered', // {reason}
  OutputFull: 'output_full', // {stream}: appends refused because the stream was full (retried)
  AppendErrors: 'append_errors', // {stream}: other failed appends (retried)
  InputGaps: 'input_gaps', // {stream}: messages gone (overwritten / expired) before they were read
  Rounds: 'rounds',
  ReplayedRounds: 'replayed_rounds',
  Checkpoints: 'checkpoints',
  CheckpointErrors: 'checkpoint_errors',
  LagMs: 'lag_ms', // gauge {stream}
  Backlog: 'backlog', // gauge {stream}
  OpenWindows: 'open_windows', // gauge
  LateSamples: 'late_samples', // gauge
} as const;

/** Output order within a round: critical first. */
const OUTPUT_ORDER: RouteTarget[] = ['critical', 'summary', 'telemetry'];
const MAX_ROUNDS_PER_CHECKPOINT = 50;
const BACKLOG_INTERVAL_MS = 10_000;

interface Encoded {
  output: OutputName;
  payloads: Array<{ payload: Buffer; samples: number }>;
}

export class Aggregator {
  private config: AggregatorConfig;
  private processor: Processor;
  private readonly d: AggregatorDeps;
  private readonly log: Logger;
  /** Next sequence number per input after the last round whose outputs were all appended. */
  private positions: Record<string, number> = {};
  /** Next sequence number per input after the last round read and processed (ahead of `positions` while a round is written). */
  private readTo: Record<string, number> = {};
  private generation = 0;
  private logged: Round[] = [];
  private running = false;
  private loop: Promise<void> | undefined;
  private abort = new AbortController();
  private pendingConfig: AggregatorConfig | undefined;
  private readonly ensured = new Set<string>();
  private readonly waitingFor = new Set<string>();
  private seenStats: ProcessorStats;
  private lastCheckpointAt = 0;
  private lastInputAt = 0;
  private lastAdvanceAt = 0;
  private lastBacklogAt = 0;
  private problem: string | undefined;
  /** The last round read nothing: the next reads wait for messages. */
  private idle = false;
  private prefetched: { key: string; promise: Promise<StreamMessage[][]> } | undefined;

  /** Throws ConfigError when a rule does not compile. */
  constructor(deps: AggregatorDeps) {
    this.d = deps;
    this.log = deps.logger;
    this.config = deps.config;
    this.processor = new Processor(deps.config);
    this.seenStats = zeroStats();
  }

  /** Positions (next sequence number per input) as last advanced. */
  get readPositions(): Readonly<Record<string, number>> {
    return { ...this.positions };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.lastInputAt = this.d.clock.now();
    this.lastAdvanceAt = this.lastInputAt;
    this.loop = this.run().catch((err: unknown) => {
      // Not expected: every step retries. Say so loudly; the state on disk is consistent.
      this.d.health.recordError(err);
      this.d.health.setState('degraded', 'processing loop failed');
      this.log.error('The aggregator loop failed; restart the component.', { err });
      this.d.onFatal?.(err);
    });
    this.log.info('Aggregator started.', { inputs: this.config.inputs, outputs: this.outputNames() });
  }

  /**
   * Finishes the round in progress (its outputs appended), saves the checkpoint and stops,
   * within `stopDeadlineMs`. A round that cannot finish in time (an output stream full) is not
   * checkpointed: it is read again after the restart.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.abort.abort();
    let timer: ReturnType<Clock['setTimeout']> | undefined;
    const late = await Promise.race([
      (this.loop ?? Promise.resolve()).then(() => false),
      new Promise<boolean>((resolve) => {
        timer = this.d.clock.setTimeout(() => resolve(true), this.config.stopDeadlineMs);
      }),
    ]);
    this.d.clock.clearTimeout(timer);
    if (late) this.log.warn('Stop deadline reached before the round in progress finished; it will be read again after the restart.', { deadlineMs: this.config.stopDeadlineMs });
    this.d.health.setState('stopped');
  }

  /**
   * Applies a new configuration at the next round boundary: checkpoint, rebuild the processors
   * from the old state, continue from the checkpoint. A configuration whose rules do not compile
   * is refused (false) and the current one stays.
   */
  reconfigure(next: AggregatorConfig): boolean {
    const problems = ruleProblems(next);
    if (problems.length > 0) {
      this.log.error('Configuration update refused: rules do not compile; keeping the current configuration.', {
        code: 'config_invalid',
        problems: problems.map((p) => `${p.path}: ${p.reason}`),
      });
      return false;
    }
    this.pendingConfig = next;
    this.abort.abort(); // wake an idle wait
    return true;
  }

  // -------------------------------------------------------------------------------------------

  private async run(): Promise<void> {
    if (!(await this.recover())) return;
    this.readTo = { ...this.positions };
    if (this.problem === undefined) this.d.health.setState('running');
    // The round whose outputs are being appended while the next one is read and processed.
    let inflight: { round: Round; done: Promise<boolean> } | undefined;
    /** Waits for the round in flight; its positions advance once every output is appended. */
    const settle = async (): Promise<boolean> => {
      const f = inflight;
      inflight = undefined;
      if (!f) return true;
      if (!(await f.done)) return false;
      this.positions = f.round.ends;
      this.d.health.counters.inc(Metric.Rounds);
      this.afterRound();
      return true;
    };
    const abandon = async (): Promise<void> => {
      // Stopping with outputs unwritten: no checkpoint; the logged round is replayed after the restart.
      await this.dropPrefetch();
    };
    while (this.running) {
      if (this.pendingConfig) {
        if (!(await settle())) return abandon();
        await this.dropPrefetch();
        if (!(await this.applyConfig(this.pendingConfig))) return;
        this.readTo = { ...this.positions };
        continue;
      }
      const started = this.d.clock.now();
      let batches: StreamMessage[][];
      try {
        batches = (await this.takePrefetched()) ?? (await this.readRound(this.readTo, this.idle));
        this.recovered('stream_manager');
      } catch (err) {
        if (!this.running) break;
        if (!(await this.failed('read', err))) break;
        continue;
      }
      const count = batches.reduce((n, b) => n + b.length, 0);
      const now = this.d.clock.now();
      const round: Round = { ends: { ...this.readTo } };
      this.config.inputs.forEach((s, i) => {
        const b = batches[i]!;
        if (b.length > 0) round.ends[s] = b[b.length - 1]!.sequenceNumber + 1;
      });
      if (count === 0) {
        if (!(await settle())) return abandon();
        if (!this.idleAdvanceDue(now)) {
          this.idle = true;
          if (this.checkpointDue()) await this.saveState();
          await this.updateBacklog();
          if (!this.running) break;
          const rest = this.config.read.idleWaitMs - (this.d.clock.now() - started);
          if (rest > 0) await sleep(rest, this.abort.signal, this.d.clock).catch(() => undefined);
          continue;
        }
        round.advanceTo = now - this.config.windows.allowedLatenessMs;
        this.lastAdvanceAt = now;
      } else {
        this.lastInputAt = now;
      }
      this.idle = count === 0;
      // Read the next round while this one is processed and written (reads change nothing).
      if (count > 0) this.prefetch(round.ends);
      // Processing overlaps the appends of the previous round (it changes only memory) ...
      const out = this.processRound(batches, round);
      this.readTo = round.ends;
      // ... but a round is logged only once the previous one is fully appended, and written only
      // once its log entry is durable. The next round's processing overlaps both.
      if (!(await settle())) return abandon();
      const done = this.logRound(round).then(() => this.write(out));
      done.catch(() => undefined); // awaited in settle()
      inflight = { round, done };
      if (this.checkpointDue()) {
        // The state must match the positions: nothing may be processed past them.
        if (!(await settle())) return abandon();
        await this.saveState();
      }
      await this.updateBacklog();
    }
    if (!(await settle())) return abandon();
    await this.dropPrefetch();
    await this.saveState();
  }

  private prefetch(from: Record<string, number>): void {
    const key = JSON.stringify(from);
    const promise = this.readRound(from, false);
    promise.catch(() => undefined); // observed when taken; an error then is handled like any read error
    this.prefetched = { key, promise };
  }

  /** The prefetched round, if it starts where the positions are now. */
  private async takePrefetched(): Promise<StreamMessage[][] | undefined> {
    const p = this.prefetched;
    this.prefetched = undefined;
    if (!p) return undefined;
    if (p.key !== JSON.stringify(this.readTo)) {
      await p.promise.catch(() => undefined);
      return undefined;
    }
    return p.promise;
  }

  private async dropPrefetch(): Promise<void> {
    const p = this.prefetched;
    this.prefetched = undefined;
    if (p) await p.promise.catch(() => undefined);
  }

  /** Restores the last checkpoint and replays the rounds logged after it; false when stopped before it was done. */
  private async recover(): Promise<boolean> {
    const state = await this.loadKey<StateDoc>(CheckpointKey.State);
    const carry = emptyOutputs();
    if (state && state.v === 1) {
      this.generation = state.generation;
      this.positions = { ...state.positions };
      this.processor.restore(state.processor, carry);
      this.processor.closeStreamsExcept(this.config.inputs, carry);
      this.log.info('Checkpoint restored.', { generation: state.generation, positions: state.positions, openWindows: this.processor.openWindows });
    }
    const log = await this.loadKey<RoundsDoc>(CheckpointKey.Rounds);
    const rounds = log && log.v === 1 && log.base === this.generation && Array.isArray(log.rounds) ? log.rounds : [];
    if (rounds.length > 0) this.log.warn('The last run stopped without a checkpoint; replaying its rounds.', { rounds: rounds.length });
    const toWrite: Array<ProcessorOutputs | Map<OutputName, Encoded['payloads']>> = [];
    if (hasOutputs(carry)) toWrite.push(carry);
    for (let i = 0; i < rounds.length; i++) {
      const round = rounds[i]!;
      let batches: StreamMessage[][];
      for (;;) {
        try {
          batches = await this.readExact(round);
          break;
        } catch (err) {
          if (!(await this.failed('read', err))) return false;
        }
      }
      const produced = this.processRound(batches, round);
      // Rounds before the last were fully appended (the next round is logged only after that).
      if (i === rounds.length - 1) toWrite.push(produced);
      this.positions = { ...this.positions, ...round.ends };
      this.d.health.counters.inc(Metric.ReplayedRounds);
    }
    this.afterRound();
    for (const out of toWrite) if (!(await this.write(out))) return false;
    if (rounds.length > 0 || toWrite.length > 0) await this.saveState();
    this.lastCheckpointAt = this.d.clock.now();
    return true;
  }

  private async applyConfig(next: AggregatorConfig): Promise<boolean> {
    this.pendingConfig = undefined;
    if (!this.running) return false;
    this.abort = new AbortController();
    await this.saveState();
    const processor = new Processor(next);
    const carry = emptyOutputs();
    processor.restore(this.processor.snapshot(), carry);
    processor.closeStreamsExcept(next.inputs, carry);
    this.processor = processor;
    this.seenStats = zeroStats();
    this.config = next;
    this.ensured.clear();
    this.waitingFor.clear();
    this.log.info('Configuration applied.', { inputs: next.inputs, outputs: this.outputNames() });
    this.afterRound();
    if (hasOutputs(carry)) {
      if (!(await this.write(carry))) return false;
      await this.saveState();
    }
    return true;
  }

  // ---------------------------------------------------------------------------- reading

  private async readRound(from: Record<string, number>, wait: boolean): Promise<StreamMessage[][]> {
    const { maxMessages } = this.config.read;
    const waitMs = wait ? this.config.read.idleWaitMs : 0;
    return Promise.all(this.config.inputs.map((s) => this.readInput(s, from[s] ?? 0, maxMessages, waitMs)));
  }

  private async readInput(stream: string, start: number, max: number, waitMs: number): Promise<StreamMessage[]> {
    let messages: StreamMessage[];
    try {
      messages = await this.d.streams.read(stream, { start, max, waitMs });
    } catch (err) {
      if (errorCode(err) === StreamErrorCode.NotFound) {
        if (!this.waitingFor.has(stream)) {
          this.waitingFor.add(stream);
          this.log.info('Input stream does not exist yet; waiting for it.', { stream });
          this.d.health.setStatus(`input:${stream}`, 'waiting');
        }
        return [];
      }
      throw err;
    }
    if (this.waitingFor.delete(stream)) {
      this.log.info('Input stream found.', { stream });
      this.d.health.setStatus(`input:${stream}`, 'reading');
    }
    const first = messages[0];
    if (first && first.sequenceNumber > start && start > 0) {
      const lost = first.sequenceNumber - start;
      this.d.health.counters.inc(Metric.InputGaps, { stream }, lost);
      this.log.rateLimited(`gap:${stream}`, 60_000).error('Input messages were removed before they were read (the raw stream overwrote or expired them).', { stream, from: start, to: first.sequenceNumber - 1, lost });
    }
    return messages;
  }

  /** The messages of a logged round: exactly [position, end) of every input. */
  private async readExact(round: Round): Promise<StreamMessage[][]> {
    const out: StreamMessage[][] = [];
    for (const stream of this.config.inputs) {
      const end = round.ends[stream] ?? this.positions[stream] ?? 0;
      let next = this.positions[stream] ?? 0;
      const got: StreamMessage[] = [];
      while (next < end) {
        const batch = await this.readInput(stream, next, Math.min(this.config.read.maxMessages, end - next), 0);
        const wanted = batch.filter((m) => m.sequenceNumber < end);
        if (wanted.length === 0) break; // gone
        got.push(...wanted);
        next = wanted[wanted.length - 1]!.sequenceNumber + 1;
      }
      out.push(got);
    }
    return out;
  }

  // ---------------------------------------------------------------------------- processing

  private processRound(batches: StreamMessage[][], round: Round): Map<OutputName, Encoded['payloads']> {
    const out = emptyOutputs();
    const dead: Buffer[] = [];
    const c = this.d.health.counters;
    // Telemetry is encoded as each message is processed (same messages as encoding it all at the
    // end), so the decoded samples die young; possible when no other kind shares its output.
    const routes = this.config.routes;
    const own = routes.events !== routes.telemetry && routes.stateMetrics !== routes.telemetry && routes.summaries !== routes.telemetry;
    const telemetry = own ? new BatchPacker(this.config.maxBatchBytes, { keepSamples: false }) : undefined;
    const drain = (): void => {
      if (!telemetry) return;
      // Trusted: see `encode`.
      for (const s of out.telemetry) telemetry.add(s, true);
      out.telemetry.length = 0;
    };
    this.config.inputs.forEach((stream, i) => {
      const messages = batches[i] ?? [];
      if (messages.length === 0) return;
      c.inc(Metric.MessagesReceived, { stream }, messages.length);
      let samples = 0;
      for (const m of messages) {
        const decoded = decodeBatch(m.payload);
        const origin = { stream, sequenceNumber: m.sequenceNumber, ingestTime: m.ingestTime };
        if (!decoded.ok) {
          dead.push(deadLetter({ v: 1, reason: decoded.code, problems: decoded.problems, origin, payloadBase64: m.payload.toString('base64') }));
          this.log.rateLimited('undecodable', 60_000).warn('An input message cannot be decoded; sent to the dead-letter stream.', { ...origin, code: decoded.code, problems: decoded.problems.slice(0, 3) });
          continue;
        }
        if (decoded.invalid.length > 0) {
          dead.push(
            deadLetter({
              v: 1,
              reason: 'sample_invalid',
              problems: decoded.invalid.flatMap((s) => s.problems).slice(0, 20),
              origin,
              samples: decoded.invalid.map((s) => ({ index: s.index, problems: s.problems, value: s.value })),
            }),
          );
          this.log.rateLimited('invalid_samples', 60_000).warn('Invalid samples in an input message; sent to the dead-letter stream, the rest goes on.', { ...origin, count: decoded.invalid.length });
        }
        samples += decoded.samples.length;
        try {
          this.processor.process(decoded.samples, out, stream);
        } catch (err) {
          // A bug or a value the libraries cannot take must not stop the pipeline (nor crash-loop it on replay).
          dead.push(deadLetter({ v: 1, reason: 'processing_failed', problems: [`/: ${errorMessage(err)}`], origin, payloadBase64: m.payload.toString('base64') }));
          this.log.rateLimited('processing_failed', 60_000).error('Processing an input message failed; sent to the dead-letter stream.', { ...origin, err });
        }
        drain();
      }
      c.inc(Metric.Received, { stream }, samples);
      const last = messages[messages.length - 1]!;
      c.set(Metric.LagMs, Math.max(0, this.d.clock.now() - last.ingestTime), { stream });
    });
    if (round.advanceTo !== undefined) this.processor.advance(round.advanceTo, out);
    return this.encode(out, dead, telemetry?.finish());
  }

  /** `packed`: the telemetry, already encoded (then `out.telemetry` is empty and no other kind goes to its output). */
  private encode(out: ProcessorOutputs, dead: Buffer[], packed?: PackResult): Map<OutputName, Encoded['payloads']> {
    const byTarget = new Map<RouteTarget, Sample[]>();
    /**
     * Per target, where its telemetry starts (it is added last). Telemetry samples are trusted by
     * the envelope (no schema check again): they are decoded input samples passed on unchanged,
     * or copies of them with only attrs of known-valid types added (GPS fix numbers, the
     * validity reason) and quality BAD — see Processor. Events, state metrics and summaries are
     * built from configuration and computed values (a name too long, a mean overflowing to
     * Infinity), so they are checked.
     */
    const telemetryFrom = new Map<RouteTarget, number>();
    const routes = this.config.routes;
    const add = (target: RouteTarget, samples: Sample[]): void => {
      if (samples.length === 0) return;
      const list = byTarget.get(target);
      if (list) for (const s of samples) list.push(s);
      else byTarget.set(target, samples.slice());
    };
    add(routes.events, out.events);
    add(routes.stateMetrics, out.stateMetrics);
    add(routes.summaries, out.summaries);
    if (out.telemetry.length > 0) telemetryFrom.set(routes.telemetry, byTarget.get(routes.telemetry)?.length ?? 0);
    add(routes.telemetry, out.telemetry);
    const result = new Map<OutputName, Encoded['payloads']>();
    for (const target of OUTPUT_ORDER) {
      let split: PackResult;
      if (packed && target === routes.telemetry) {
        split = packed;
        if (split.batches.length + split.oversized.length + split.invalid.length === 0) continue; // no telemetry
      } else {
        const samples = byTarget.get(target);
        if (!samples) continue;
        const from = telemetryFrom.get(target);
        const packer = new BatchPacker(this.config.maxBatchBytes, { keepSamples: false });
        for (let i = 0; i < samples.length; i++) packer.add(samples[i]!, from !== undefined && i >= from);
        split = packer.finish();
      }
      result.set(target, split.batches.map((b) => ({ payload: b.payload, samples: b.count })));
      const bad = [...split.invalid.map((s) => ({ index: s.index, problems: s.problems, value: s.value })), ...split.oversized.map((s) => ({ index: s.index, problems: [`/: ${s.bytes} bytes alone exceed maxBatchBytes`], value: s.sample }))];
      if (bad.length > 0) {
        this.d.health.counters.inc(Metric.Dropped, { reason: 'unencodable' }, bad.length);
        dead.push(deadLetter({ v: 1, reason: 'sample_unencodable', problems: bad.flatMap((b) => b.problems).slice(0, 20), origin: { stream: this.config.outputs[target].name, sequenceNumber: -1, ingestTime: this.d.clock.now() }, samples: bad }));
      }
    }
    if (dead.length > 0) result.set('deadletter', dead.map((payload) => ({ payload, samples: 0 })));
    return result;
  }

  private afterRound(): void {
    const s = this.processor.stats;
    const seen = this.seenStats;
    const c = this.d.health.counters;
    for (const reason of ['rule', 'invalid', 'deadband', 'rate'] as const) {
      const d = s.dropped[reason] - seen.dropped[reason];
      if (d > 0) c.inc(Metric.Dropped, { reason }, d);
    }
    if (s.marked > seen.marked) c.inc(Metric.MarkedBad, undefined, s.marked - seen.marked);
    if (s.enriched > seen.enriched) c.inc(Metric.Enriched, undefined, s.enriched - seen.enriched);
    if (s.events > seen.events) c.inc(Metric.Events, undefined, s.events - seen.events);
    if (s.summaries > seen.summaries) c.inc(Metric.Summaries, undefined, s.summaries - seen.summaries);
    this.seenStats = cloneStats(s);
    c.set(Metric.OpenWindows, this.processor.openWindows);
    c.set(Metric.LateSamples, this.processor.lateSamples);
  }

  private idleAdvanceDue(now: number): boolean {
    const ms = this.config.windows.idleCloseMs;
    if (ms <= 0 || !this.config.windows.enabled || this.processor.openWindows === 0) return false;
    if (now - this.lastInputAt < ms || now - this.lastAdvanceAt < ms) return false;
    const target = now - this.config.windows.allowedLatenessMs;
    const wm = this.processor.watermark;
    return wm === null || target > wm;
  }

  // ---------------------------------------------------------------------------- writing

  /**
   * Appends every output of a round: all messages are sent at once (critical first; one
   * connection keeps them in order), then any that failed are retried one by one, in order,
   * with backoff. False when stopping made it give up.
   */
  private async write(out: Map<OutputName, Encoded['payloads']> | ProcessorOutputs): Promise<boolean> {
    const encoded = out instanceof Map ? out : this.encode(out, []);
    const items: Array<{ name: OutputName; spec: StreamSpec; payload: Buffer; samples: number }> = [];
    for (const name of [...OUTPUT_ORDER, 'deadletter'] as OutputName[]) {
      const spec = streamSpecOf(this.config.outputs[name]);
      for (const p of encoded.get(name) ?? []) items.push({ name, spec, ...p });
    }
    if (items.length === 0) return true;
    let ensuredAll = true;
    for (const spec of new Map(items.map((i) => [i.spec.name, i.spec])).values()) {
      if (this.ensured.has(spec.name)) continue;
      try {
        await this.d.streams.ensureStream(spec);
        this.ensured.add(spec.name);
      } catch {
        ensuredAll = false; // the one-by-one path retries it
      }
    }
    // The critical stream is written one message at a time, so that a full stream can never
    // reorder events; the rest is pipelined (a retry after "full" may reorder those messages).
    const pipelined = items.map((i) => ensuredAll && i.name !== 'critical');
    const first = await Promise.allSettled(items.map((i, k) => (pipelined[k] ? this.d.streams.append(i.spec.name, i.payload) : Promise.reject(new Error('sequential')))));
    const c = this.d.health.counters;
    for (let k = 0; k < items.length; k++) {
      const item = items[k]!;
      const r = first[k];
      if (r?.status !== 'fulfilled' && !(await this.append(item.spec, item.payload))) return false;
      if (r?.status === 'fulfilled') this.recovered('stream_manager');
      if (item.name === 'deadletter') c.inc(Metric.DeadLettered, { reason: reasonOf(item.payload) });
      else {
        c.inc(Metric.Written, { stream: item.spec.name }, item.samples);
        c.inc(Metric.BatchesWritten, { stream: item.spec.name });
      }
    }
    return true;
  }

  private async append(spec: StreamSpec, payload: Buffer): Promise<boolean> {
    const backoff = this.backoff();
    let full = false;
    for (;;) {
      try {
        if (!this.ensured.has(spec.name)) {
          await this.d.streams.ensureStream(spec);
          this.ensured.add(spec.name);
        }
        await this.d.streams.append(spec.name, payload);
        if (full) {
          this.log.info('Output stream accepts appends again.', { stream: spec.name });
          this.d.health.setStatus(`output:${spec.name}`, 'ok');
        }
        this.recovered('stream_manager');
        return true;
      } catch (err) {
        const code = errorCode(err);
        if (code === StreamErrorCode.NotFound) {
          this.ensured.delete(spec.name);
        } else if (code === StreamErrorCode.Full) {
          full = true;
          this.d.health.counters.inc(Metric.OutputFull, { stream: spec.name });
          this.d.health.setStatus(`output:${spec.name}`, 'full', { error: err });
          this.degrade(`output stream ${spec.name} is full`);
          this.log.rateLimited(`full:${spec.name}`, 30_000).warn('Output stream is full; holding the round and retrying (nothing is dropped).', { stream: spec.name });
        } else if (!defaultRetryable(err) && code !== StreamErrorCode.DefinitionConflict) {
          // A final refusal of this message: count it, never retry it forever.
          this.d.health.counters.inc(Metric.Dropped, { reason: 'rejected' });
          this.d.health.recordError(err);
          this.log.error('The stream manager refused an output message; it is dropped.', { stream: spec.name, code, error: errorMessage(err) });
          return true;
        } else {
          this.d.health.counters.inc(Metric.AppendErrors, { stream: spec.name });
          this.d.health.setStatus('stream_manager', 'backing_off', { error: err });
          this.degrade('stream manager unavailable');
          this.log.rateLimited('append_failed', 30_000).warn('Cannot append to an output stream; retrying.', { stream: spec.name, code, error: errorMessage(err) });
        }
        if (!this.running) return false;
        try {
          await sleep(backoff.next(), this.abort.signal, this.d.clock);
        } catch (e) {
          if (!isAbortError(e)) throw e;
          if (!this.running) return false;
          this.abort = new AbortController(); // woken by a config update: keep trying this round
        }
      }
    }
  }

  // ---------------------------------------------------------------------------- checkpoints

  private async logRound(round: Round): Promise<void> {
    this.logged.push(round);
    try {
      await this.d.checkpoints.save(CheckpointKey.Rounds, { v: 1, base: this.generation, rounds: this.logged } satisfies RoundsDoc);
    } catch (err) {
      // Without the log a crash still loses nothing (the state's positions are older): rounds
      // are then read again as new ones, and their outputs may differ in how they are batched.
      this.checkpointFailed(err);
    }
  }

  private checkpointDue(): boolean {
    if (this.logged.length === 0) return false;
    return this.d.clock.now() - this.lastCheckpointAt >= this.config.checkpoint.intervalMs || this.logged.length >= MAX_ROUNDS_PER_CHECKPOINT;
  }

  private async saveState(): Promise<void> {
    // Generations only grow, also across a lost state file (then a stale round log can never match).
    const generation = Math.max(this.generation + 1, this.d.clock.now());
    const doc: StateDoc = { v: 1, generation, positions: { ...this.positions }, processor: this.processor.snapshot() };
    try {
      await this.d.checkpoints.save(CheckpointKey.State, doc);
    } catch (err) {
      this.checkpointFailed(err);
      return;
    }
    this.generation = doc.generation;
    this.logged = [];
    this.lastCheckpointAt = this.d.clock.now();
    this.d.health.counters.inc(Metric.Checkpoints);
    if (this.d.health.status('checkpoint')?.state !== 'ok') this.d.health.setStatus('checkpoint', 'ok');
    this.recovered('checkpoint');
  }

  private checkpointFailed(err: unknown): void {
    this.d.health.counters.inc(Metric.CheckpointErrors);
    this.d.health.setStatus('checkpoint', 'failing', { error: err });
    this.degrade('checkpoint cannot be saved');
    this.log.rateLimited('checkpoint_failed', 60_000).error('Cannot save the checkpoint; after a restart more input will be read again.', { code: errorCode(err), error: errorMessage(err) });
  }

  private async loadKey<T>(key: string): Promise<T | undefined> {
    for (;;) {
      try {
        return await this.d.checkpoints.load<T>(key);
      } catch (err) {
        if (errorCode(err) === 'checkpoint_corrupt') {
          this.log.error('Checkpoint is damaged; starting from the beginning of the input streams.', { key, error: errorMessage(err) });
          return undefined;
        }
        if (!(await this.failed('checkpoint', err))) return undefined;
      }
    }
  }

  // ---------------------------------------------------------------------------- health

  private async updateBacklog(): Promise<void> {
    const now = this.d.clock.now();
    if (!this.d.streams.describe || now - this.lastBacklogAt < BACKLOG_INTERVAL_MS) return;
    this.lastBacklogAt = now;
    for (const stream of this.config.inputs) {
      try {
        const st = await this.d.streams.describe(stream);
        this.d.health.counters.set(Metric.Backlog, Math.max(0, st.newest + 1 - Math.max(st.oldest, this.positions[stream] ?? 0)), { stream });
      } catch {
        // absent stream or stream manager away: the read path reports it
      }
    }
  }

  /** Records a failure and waits before the caller retries; false when stopping. */
  private async failed(what: string, err: unknown): Promise<boolean> {
    this.d.health.recordError(err);
    if (what === 'read') this.d.health.setStatus('stream_manager', 'backing_off', { error: err });
    this.degrade(what === 'read' ? 'stream manager unavailable' : `${what} failed`);
    this.log.rateLimited(`${what}_failed`, 30_000).warn(`The ${what} failed; retrying.`, { code: errorCode(err), error: errorMessage(err) });
    if (!this.running) return false;
    try {
      await sleep(this.readBackoff.next(), this.abort.signal, this.d.clock);
    } catch {
      if (!this.running) return false;
      this.abort = new AbortController();
    }
    return this.running;
  }

  private readonly readBackoff = new Backoff({ initialMs: 100, maxMs: 5000 });

  private backoff(): Backoff {
    return this.d.backoff ? this.d.backoff() : new Backoff({ initialMs: 100, maxMs: 5000 });
  }

  private degrade(reason: string): void {
    this.problem = reason;
    this.d.health.setState('degraded', reason);
  }

  private recovered(what: 'stream_manager' | 'checkpoint'): void {
    if (what === 'stream_manager') {
      this.readBackoff.reset();
      if (this.d.health.status('stream_manager')?.state !== 'connected') this.d.health.setStatus('stream_manager', 'connected');
    }
    if (this.problem === undefined && this.d.health.state === 'running') return;
    const checkpointOk = this.d.health.status('checkpoint')?.state !== 'failing';
    const smOk = this.d.health.status('stream_manager')?.state !== 'backing_off';
    if (checkpointOk && smOk) {
      this.problem = undefined;
      if (this.running) this.d.health.setState('running');
    }
  }

  private outputNames(): Record<string, string> {
    const o = this.config.outputs;
    return { critical: o.critical.name, telemetry: o.telemetry.name, summary: o.summary.name, deadletter: o.deadletter.name };
  }
}

function deadLetter(d: DeadLetter): Buffer {
  return Buffer.from(JSON.stringify(d), 'utf8');
}

function reasonOf(payload: Buffer): string {
  try {
    return String((JSON.parse(payload.toString('utf8')) as DeadLetter).reason);
  } catch {
    return 'unknown';
  }
}

function zeroStats(): ProcessorStats {
  return { received: 0, dropped: { rule: 0, invalid: 0, deadband: 0, rate: 0 }, marked: 0, enriched: 0, events: 0, summaries: 0 };
}

function cloneStats(s: ProcessorStats): ProcessorStats {
  return { ...s, dropped: { ...s.dropped } };
}

function hasOutputs(o: ProcessorOutputs | Map<OutputName, unknown>): boolean {
  if (o instanceof Map) return o.size > 0;
  return o.events.length + o.stateMetrics.length + o.telemetry.length + o.summaries.length > 0;
}

