/**
 * OpcDaCollector: connects a DaBackend, resolves the tag list (wildcards browsed once per
 * connection), reads every item each `pollIntervalMs`, turns readings into samples (DA quality →
 * GOOD/UNCERTAIN/BAD, source timestamps kept, M2C2 aliases) and hands them to the sink every
 * `pollsPerWrite` reads. A failed connection or read closes the backend and reconnects after a
 * capped, jittered backoff; an item the server does not know is reported by name and left out,
 * the others keep flowing. Dependencies come in as narrow interfaces; start()/stop() own the timers.
 */
import {
  Backoff,
  SampleSink,
  SinkMetric,
  errorCode,
  errorMessage,
  sleep,
  type Clock,
  type Health,
  type Logger,
  type Sample,
  type SampleWriter,
  type StreamSpec,
  type TimerHandle,
} from '../../core/src';
import { aliasOf, type Hierarchy } from './alias';
import { OpcDaErrorCode, type DaBackend, type DaItemError, type DaItemValue, type DaReadResult } from './backend';
import { describeDaQuality, qualityOfDa } from './quality';
import { resolveTags } from './tags';

export interface CollectorSettings extends Hierarchy {
  tags: readonly string[];
  pollIntervalMs: number;
  pollsPerWrite: number;
  maxItems: number;
  stream: StreamSpec;
  maxBufferedSamples: number;
  maxBatchBytes: number;
  /** How long stop() may take in all (default 2 s); what is not written by then is dropped{shutdown}. */
  stopDeadlineMs?: number;
}

export interface CollectorDeps {
  backend: DaBackend;
  writer: SampleWriter;
  clock: Clock;
  logger: Logger;
  health: Health;
  settings: CollectorSettings;
  /** Waits between connection attempts. Default 1 s growing to 30 s, full jitter. */
  reconnectBackoff?: Backoff;
  /** Waits between failed writes to the stream manager. */
  writeBackoff?: Backoff;
}

/** Counter and gauge names (labels where noted), as reported in the health snapshot. */
export const Metric = {
  Connections: 'connections',
  ConnectionFailures: 'connection_failures', // {code}
  Browses: 'browses',
  Polls: 'polls',
  PollsSkipped: 'polls_skipped', // {reason="overrun"}
  Readings: 'readings', // {quality}
  ItemErrors: 'item_errors', // {code}
  Items: 'items', // gauge
  ...SinkMetric,
} as const;

export const SERVER_STATUS = 'server';
export const DEFAULT_STOP_DEADLINE_MS = 2000;

export class OpcDaCollector {
  private readonly d: CollectorDeps;
  private readonly s: CollectorSettings;
  private readonly log: Logger;
  private readonly sink: SampleSink;
  private readonly backoff: Backoff;
  private readonly aliases = new Map<string, string>();
  private running = false;
  /** Set when stop() no longer waits for the loop: a read finishing later is not used. */
  private abandoned = false;
  private abort = new AbortController();
  private loop?: Promise<void>;
  private items: string[] = [];
  /** Readings of the polls since the last write, per item in item order. */
  private pending = new Map<string, Sample[]>();
  private pollsPending = 0;
  private serverUp = false;
  private badItems: string[] = [];

  constructor(deps: CollectorDeps) {
    this.d = deps;
    this.s = deps.settings;
    this.log = deps.logger;
    this.backoff = deps.reconnectBackoff ?? new Backoff({ initialMs: 1000, maxMs: 30_000 });
    // No maxBatchDelayMs: what flushPending hands over (every pollsPerWrite polls) is written at once.
    this.sink = new SampleSink({
      writer: deps.writer,
      clock: deps.clock,
      logger: deps.logger,
      health: deps.health,
      stream: deps.settings.stream,
      maxBufferedSamples: deps.settings.maxBufferedSamples,
      maxBatchBytes: deps.settings.maxBatchBytes,
      ...(deps.writeBackoff ? { backoff: deps.writeBackoff } : {}),
    });
  }

  /** Samples not yet written: read but not yet handed on, queued, and in flight. */
  get backlog(): number {
    let n = 0;
    for (const v of this.pending.values()) n += v.length;
    return n + this.sink.backlog;
  }

  /** The item ids read on the current connection. */
  get currentItems(): readonly string[] {
    return this.items;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abandoned = false;
    this.abort = new AbortController();
    this.sink.start();
    this.d.health.setStatus(SERVER_STATUS, 'connecting', { detail: { backend: this.d.backend.kind, server: this.d.backend.description } });
    this.log.info('OPC DA collector started.', {
      backend: this.d.backend.kind,
      server: this.d.backend.description,
      tags: this.s.tags.length,
      pollIntervalMs: this.s.pollIntervalMs,
      pollsPerWrite: this.s.pollsPerWrite,
      stream: this.s.stream.name,
    });
    this.loop = this.run();
  }

  /**
   * Stops polling, writes what was read (one attempt) and closes the connection, all within
   * `stopDeadlineMs`; what could not be written is counted as dropped{reason="shutdown"}.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.abort.abort();
    const deadline = this.s.stopDeadlineMs ?? DEFAULT_STOP_DEADLINE_MS;
    const startedAt = this.d.clock.now();
    // The loop ends at its next await (sleeps are aborted; backend calls have their own timeouts).
    await this.within(this.loop, Math.floor(deadline / 2));
    this.abandoned = true;
    // Close the session while the last samples are written: the two do not depend on each other.
    const closing = this.d.backend.close().catch(() => undefined);
    this.flushPending();
    await this.sink.stop(Math.max(100, deadline - (this.d.clock.now() - startedAt)));
    await this.within(closing, Math.max(1000, deadline - (this.d.clock.now() - startedAt)));
    this.d.health.setStatus(SERVER_STATUS, 'down');
    this.d.health.setState('stopped');
  }

  private async within(work: Promise<unknown> | undefined, ms: number): Promise<void> {
    if (!work) return;
    let timer: TimerHandle | undefined;
    await Promise.race([
      work.catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = this.d.clock.setTimeout(resolve, ms);
      }),
    ]);
    this.d.clock.clearTimeout(timer);
  }

  private async run(): Promise<void> {
    const { backend, health } = this.d;
    while (this.running) {
      try {
        health.setStatus(SERVER_STATUS, 'connecting', { detail: this.serverDetail() });
        await backend.connect();
        if (!this.running) break;
        health.counters.inc(Metric.Connections);
        await this.resolveItems();
        if (!this.running) break;
        this.serverUp = true;
        health.setStatus(SERVER_STATUS, 'connected', { detail: this.serverDetail() });
        this.updateState();
        this.log.info('Connected to the OPC DA server.', { backend: backend.kind, server: backend.description, items: this.items.length });
        await this.pollLoop();
      } catch (err) {
        if (!this.running) break;
        this.flushPending();
        const wasUp = this.serverUp;
        this.serverUp = false;
        health.counters.inc(Metric.ConnectionFailures, { code: errorCode(err) });
        await backend.close().catch(() => undefined);
        const delayMs = this.backoff.next();
        health.setStatus(SERVER_STATUS, 'backing_off', { error: err, attempts: this.backoff.attempts, detail: this.serverDetail() });
        this.updateState();
        const fields = { backend: backend.kind, server: backend.description, code: errorCode(err), error: errorMessage(err), delayMs, attempts: this.backoff.attempts };
        if (wasUp) this.log.warn('Lost the OPC DA server; reconnecting.', fields);
        else this.log.rateLimited('connect_failed', 30_000).warn('Cannot reach the OPC DA server; retrying.', fields);
        try {
          await sleep(delayMs, this.abort.signal, this.d.clock);
        } catch {
          break;
        }
      }
    }
  }

  /** Tags → item ids, browsing once on this connection if any tag is a pattern. */
  private async resolveItems(): Promise<void> {
    const { backend, health } = this.d;
    const r = await resolveTags(
      this.s.tags,
      async () => {
        health.counters.inc(Metric.Browses);
        return backend.browse();
      },
      this.s.maxItems,
    );
    this.items = r.items;
    this.badItems = [];
    health.counters.set(Metric.Items, this.items.length);
    if (r.browsed) this.log.info('Wildcard tags resolved.', { serverItems: r.serverItems, items: r.items.length });
    if (r.unmatched.length > 0) this.log.warn('Tag patterns match no item on the server.', { patterns: r.unmatched, serverItems: r.serverItems });
    if (r.truncated > 0) this.log.error('More items match than maxItems allows; the rest are not read.', { maxItems: this.s.maxItems, leftOut: r.truncated });
    if (this.items.length === 0) this.log.warn('No items to read on this connection.', { tags: this.s.tags });
  }

  private async pollLoop(): Promise<void> {
    const { clock, health } = this.d;
    const interval = this.s.pollIntervalMs;
    let next = clock.now();
    while (this.running) {
      const readAt = clock.now();
      const results = this.items.length > 0 ? await this.d.backend.read(this.items) : [];
      if (this.abandoned) return;
      this.backoff.reset();
      this.onResults(results, readAt);
      health.counters.inc(Metric.Polls);
      health.setStatus(SERVER_STATUS, 'connected', { detail: this.serverDetail() });
      if (++this.pollsPending >= this.s.pollsPerWrite) this.flushPending();
      if (!this.running) return;
      next += interval;
      const now = clock.now();
      if (next <= now) {
        const missed = Math.floor((now - next) / interval) + 1;
        health.counters.inc(Metric.PollsSkipped, { reason: 'overrun' }, missed);
        this.log.rateLimited('overrun', 60_000).warn('A read took longer than the poll interval; polls skipped.', { pollIntervalMs: interval, skipped: missed, items: this.items.length });
        next += missed * interval;
      }
      try {
        await sleep(next - now, this.abort.signal, clock);
      } catch {
        return;
      }
    }
  }

  private onResults(results: readonly DaReadResult[], readAt: number): void {
    const unknown = new Set<string>();
    for (const r of results) {
      if (r.ok) {
        const sample = this.sampleOf(r, readAt);
        this.d.health.counters.inc(Metric.Readings, { quality: sample.quality });
        let list = this.pending.get(r.itemId);
        if (!list) this.pending.set(r.itemId, (list = []));
        list.push(sample);
      } else {
        this.onItemError(r);
        if (r.code === OpcDaErrorCode.UnknownItem) unknown.add(r.itemId);
      }
    }
    if (unknown.size > 0) {
      this.items = this.items.filter((id) => !unknown.has(id));
      this.badItems.push(...unknown);
      this.d.health.counters.set(Metric.Items, this.items.length);
    }
  }

  private onItemError(e: DaItemError): void {
    this.d.health.counters.inc(Metric.ItemErrors, { code: e.code });
    const fields = { itemId: e.itemId, code: e.code, error: e.message, server: this.d.backend.description };
    if (e.code === OpcDaErrorCode.UnknownItem) {
      this.log
        .rateLimited(`unknown:${e.itemId}`, 600_000)
        .error(`OPC DA item "${e.itemId}" does not exist on the server; it is not read on this connection. Check the tag list.`, fields);
    } else {
      this.log.rateLimited(`item:${e.itemId}`, 60_000).warn(`OPC DA item "${e.itemId}" could not be read.`, fields);
    }
  }

  /** A reading as a sample: quality from the DA quality word, the source timestamp kept. */
  sampleOf(r: DaItemValue, readAt: number): Sample {
    let quality = qualityOfDa(r.quality);
    const attrs: Record<string, string | number | boolean> = { ...r.attrs };
    const daQuality = r.quality & 0xffff;
    if ((daQuality & 0xff) !== 0xc0) {
      attrs.daQuality = daQuality;
      attrs.daQualityName = describeDaQuality(daQuality);
    }
    let value = r.value;
    if (typeof value === 'number' && !Number.isFinite(value)) {
      // JSON cannot carry NaN/±Infinity: null, and never GOOD (SiteWise takes null only as BAD/UNCERTAIN).
      attrs.nonFinite = String(value);
      value = null;
      if (quality === 'GOOD') quality = 'UNCERTAIN';
    }
    if (value === null && quality === 'GOOD') quality = 'UNCERTAIN';
    const ts = r.timestamp ?? { ms: readAt, nanos: 0 };
    if (!r.timestamp) attrs.tsOrigin = 'gateway';
    else if (r.timestampOrigin) attrs.tsOrigin = r.timestampOrigin;
    const sample: Sample = { device: this.s.machine, source: 'opcda', name: r.itemId, value, quality, ts: ts.ms, alias: this.aliasOf(r.itemId) };
    if (ts.nanos > 0) sample.tsNanos = ts.nanos;
    if (Object.keys(attrs).length > 0) sample.attrs = attrs;
    return sample;
  }

  private aliasOf(itemId: string): string {
    let a = this.aliases.get(itemId);
    if (a === undefined) {
      a = aliasOf(this.s, itemId);
      if (this.aliases.size > 100_000) this.aliases.clear();
      this.aliases.set(itemId, a);
    }
    return a;
  }

  /** Hands what was read since the last write to the sink: grouped by item (like M2C2), in time order. */
  private flushPending(): void {
    this.pollsPending = 0;
    if (this.pending.size === 0) return;
    const out: Sample[] = [];
    for (const list of this.pending.values()) out.push(...list);
    this.pending = new Map();
    this.sink.push(out);
    this.updateState();
  }

  private serverDetail(): Record<string, unknown> {
    const detail: Record<string, unknown> = { backend: this.d.backend.kind, server: this.d.backend.description, items: this.items.length, ...this.d.backend.health().detail };
    if (this.badItems.length > 0) detail.unknownItems = this.badItems.slice(0, 20);
    return detail;
  }

  private updateState(): void {
    if (!this.running) return;
    const sinkUp = this.sink.streamUp;
    this.d.health.setState(this.serverUp && sinkUp ? 'running' : 'degraded', !this.serverUp ? 'OPC DA server unavailable' : !sinkUp ? 'stream manager unavailable' : undefined);
  }
}
