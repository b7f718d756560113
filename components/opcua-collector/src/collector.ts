/**
 * OpcUaCollector: connects (bounded attempts, capped jittered backoff), resolves the tags (node
 * ids and browse filters), subscribes (monitored items created in slices within the server's
 * operation limits) or polls per property group, maps each value to a sample and hands it to the
 * SampleSink. After a network break node-opcua repairs the session and transfers the
 * subscriptions (queued values are republished); when the server lost them (restart) they are
 * recreated, and the gap is reported: counter `gaps` and one UNCERTAIN marker sample per tag.
 */
import {
  AttributeIds,
  ClientMonitoredItemGroup,
  DataChangeFilter,
  DataChangeTrigger,
  DeadbandType,
  TimestampsToReturn,
  readOperationLimits,
  type ClientSession,
  type ClientSubscription,
  type DataValue,
} from 'node-opcua';
import {
  Backoff,
  TributaryError,
  errorCode,
  errorMessage,
  sleep,
  systemClock,
  type Clock,
  type Health,
  type Logger,
  type Sample,
  type SampleSink,
  type TimerHandle,
} from '../../core/src';
import { compileFilter } from './browse-path';
import type { ConnectionConfig, GroupSettings, PropertyGroupConfig, TypeConversions } from './config';
import type { OpcUaConnection } from './connection';
import { normaliseNodeId, resolveTags, type GroupSpec, type Tag, type TagProblem } from './tags';
import { mapDataValue } from './values';

/** What the collector needs to open a connection (OpcUaConnector, or a fake). */
export interface Connector {
  connect(): Promise<OpcUaConnection>;
  dispose(): Promise<void>;
}

export interface CollectorSettings {
  deviceId: string;
  endpointUrl: string;
  aliasPrefix: string;
  nodeIds: string[];
  nodeFilters: string[];
  defaultGroup: GroupSettings;
  propertyGroups: PropertyGroupConfig[];
  maxMonitoredItemsPerCall: number;
  typeConversions: TypeConversions;
  connection: ConnectionConfig;
  stopDeadlineMs: number;
}

export interface CollectorDeps {
  connector: Connector;
  sink: SampleSink;
  health: Health;
  logger: Logger;
  settings: CollectorSettings;
  clock?: Clock;
}

export const Metric = {
  ValuesReceived: 'values_received',
  ValuesResent: 'values_resent',
  DuplicatesSkipped: 'duplicates_skipped',
  Polls: 'polls',
  PollsFailed: 'polls_failed',
  ConnectionsLost: 'connections_lost',
  Reconnects: 'reconnects',
  Gaps: 'gaps',
  GapMarkers: 'gap_markers',
  TagProblems: 'tag_problems',
  Dropped: 'dropped',
} as const;

const STATUS = 'opcua';
/** Subscription values remembered per tag to recognise republished duplicates. */
const RECENT = 16;

interface PollGroup {
  group: GroupSpec;
  tags: Tag[];
  timer?: TimerHandle;
  busy: boolean;
  failingSince?: number;
}

export class OpcUaCollector {
  private readonly d: CollectorDeps;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly backoff: Backoff;
  private running = false;
  private abort = new AbortController();
  private conn?: OpcUaConnection;
  private loop?: Promise<void>;
  private tags: Tag[] = [];
  private subscriptions: { sub: ClientSubscription; tags: Tag[] }[] = [];
  private polls: PollGroup[] = [];
  private loops: { handle?: TimerHandle }[] = [];
  private connected = false;
  private lostAt?: number;
  private received = 0;
  private resent = 0;
  private duplicates = 0;
  private readonly groups: GroupSpec[];
  private readonly fallback: GroupSpec;
  private problems: TagProblem[] = [];
  private readLimit = 1000;

  constructor(deps: CollectorDeps) {
    this.d = deps;
    this.log = deps.logger;
    this.clock = deps.clock ?? systemClock;
    const c = deps.settings.connection;
    this.backoff = new Backoff({ initialMs: c.reconnectInitialMs, maxMs: c.reconnectMaxMs });
    this.groups = deps.settings.propertyGroups.map((g) => {
      const { name, match, ...settings } = g;
      return {
        ...settings,
        name,
        filters: match.filter((m) => m.startsWith('/')).map(compileFilter),
        nodeIds: new Set(match.filter((m) => !m.startsWith('/')).map(safeNormalise)),
      };
    });
    this.fallback = { ...deps.settings.defaultGroup, name: 'default', filters: [], nodeIds: new Set() };
  }

  /** The tags being collected (after the first successful connection). */
  get collectedTags(): readonly Tag[] {
    return this.tags;
  }

  get tagProblems(): readonly TagProblem[] {
    return this.problems;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.d.sink.onStreamState(() => this.updateState());
    this.d.sink.start();
    this.d.health.setStatus(STATUS, 'connecting', { detail: { endpointUrl: this.d.settings.endpointUrl } });
    this.every(1000, () => this.flushCounters());
    this.loop = this.connectLoop();
    this.log.info('OPC UA collector started.', { endpointUrl: this.d.settings.endpointUrl });
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.abort.abort();
    for (const l of this.loops) this.clock.clearTimeout(l.handle);
    this.loops = [];
    for (const p of this.polls) this.clock.clearTimeout(p.timer);
    // A connection attempt in flight is not waited for beyond 1 s: when it ends, the loop sees stop() and closes it.
    let waited: TimerHandle | undefined;
    await Promise.race([this.loop?.catch(() => undefined), new Promise<void>((r) => (waited = this.clock.setTimeout(r, 1000)))]);
    this.clock.clearTimeout(waited);
    const conn = this.conn;
    this.conn = undefined;
    await conn?.close().catch(() => undefined);
    await this.d.connector.dispose().catch(() => undefined);
    this.flushCounters();
    await this.d.sink.stop(this.d.settings.stopDeadlineMs);
    this.d.health.setStatus(STATUS, 'down');
    this.d.health.setState('stopped');
  }

  /** Runs `fn` every `ms` until stop(). */
  private every(ms: number, fn: () => void): void {
    const loop: { handle?: TimerHandle } = {};
    const tick = (): void => {
      if (!this.running) return;
      fn();
      loop.handle = this.clock.setTimeout(tick, ms);
    };
    loop.handle = this.clock.setTimeout(tick, ms);
    this.loops.push(loop);
  }

  private flushCounters(): void {
    const c = this.d.health.counters;
    if (this.received) c.inc(Metric.ValuesReceived, undefined, this.received);
    if (this.resent) c.inc(Metric.ValuesResent, undefined, this.resent);
    if (this.duplicates) c.inc(Metric.DuplicatesSkipped, undefined, this.duplicates);
    this.received = 0;
    this.resent = 0;
    this.duplicates = 0;
    const mem = process.memoryUsage();
    c.set('memory_rss_bytes', mem.rss);
    c.set('memory_heap_used_bytes', mem.heapUsed);
    c.set('memory_external_bytes', mem.external + mem.arrayBuffers);
  }

  // ------------------------------------------------------------------------------------------
  // Connection

  private async connectLoop(): Promise<void> {
    while (this.running) {
      let conn: OpcUaConnection | undefined;
      try {
        conn = await this.d.connector.connect();
        if (!this.running) {
          await conn.close();
          return;
        }
        this.conn = conn;
        this.watch(conn);
        await this.setUp(conn.session);
        this.backoff.reset();
        this.connected = true;
        this.d.health.setStatus(STATUS, 'connected', { detail: { endpointUrl: this.d.settings.endpointUrl, tags: this.tags.length } });
        this.updateState();
        this.log.info('Connected to the OPC UA server; collecting.', { endpointUrl: this.d.settings.endpointUrl, tags: this.tags.length, subscriptions: this.subscriptions.length, pollGroups: this.polls.length });
        return;
      } catch (err) {
        if (conn) {
          this.conn = undefined;
          this.teardown();
          await conn.close().catch(() => undefined);
        }
        if (!this.running) return;
        const delayMs = this.backoff.next();
        this.d.health.setStatus(STATUS, 'backing_off', { error: err, attempts: this.backoff.attempts, detail: { endpointUrl: this.d.settings.endpointUrl } });
        this.updateState();
        this.log
          .rateLimited(`connect:${errorCode(err)}`, 30_000)
          .warn('Cannot connect to the OPC UA server; retrying.', { endpointUrl: this.d.settings.endpointUrl, code: errorCode(err), error: errorMessage(err), delayMs, attempts: this.backoff.attempts });
        try {
          await sleep(delayMs, this.abort.signal, this.clock);
        } catch {
          return;
        }
      }
    }
  }

  private teardown(): void {
    for (const p of this.polls) this.clock.clearTimeout(p.timer);
    this.polls = [];
    this.subscriptions = [];
  }

  /** node-opcua reconnection events → health, logs and gap reports. */
  private watch(conn: OpcUaConnection): void {
    const client = conn.client;
    client.on('connection_lost', () => {
      if (!this.running) return;
      this.connected = false;
      this.lostAt = this.clock.now();
      this.d.health.counters.inc(Metric.ConnectionsLost);
      this.d.health.setStatus(STATUS, 'reconnecting', { error: new TributaryError('opcua_connection_lost', `Connection to ${this.d.settings.endpointUrl} lost.`) });
      this.updateState();
      this.log.warn('Connection to the OPC UA server lost; node-opcua is reconnecting.', { endpointUrl: this.d.settings.endpointUrl });
    });
    client.on('backoff', (count: number, delay: number) => {
      if (!this.running) return;
      this.d.health.setStatus(STATUS, 'reconnecting', { attempts: count + 1 });
      this.log.rateLimited('reconnect_backoff', 30_000).info('Still reconnecting to the OPC UA server.', { attempts: count + 1, delayMs: delay });
    });
    client.on('connection_reestablished', () => {
      if (!this.running) return;
      this.connected = true;
      const downMs = this.lostAt === undefined ? undefined : this.clock.now() - this.lostAt;
      this.d.health.counters.inc(Metric.Reconnects);
      this.d.health.setStatus(STATUS, 'connected', { detail: { endpointUrl: this.d.settings.endpointUrl, tags: this.tags.length } });
      this.updateState();
      this.log.info('Reconnected to the OPC UA server.', { endpointUrl: this.d.settings.endpointUrl, downMs });
    });
  }

  private updateState(): void {
    if (!this.running) return;
    const streamUp = this.d.sink.streamUp;
    this.d.health.setState(this.connected && streamUp ? 'running' : 'degraded', !this.connected ? 'OPC UA server unavailable' : !streamUp ? 'stream manager unavailable' : undefined);
  }

  // ------------------------------------------------------------------------------------------
  // Tags, subscriptions, polls

  private async setUp(session: ClientSession): Promise<void> {
    const s = this.d.settings;
    const explicit = [...new Set(s.nodeIds.map(safeNormalise))];
    const { tags, problems } = await resolveTags(session, { nodeIds: explicit, nodeFilters: s.nodeFilters, groups: this.groups, defaultGroup: this.fallback });
    this.tags = tags;
    this.problems = problems;
    for (const p of problems) this.reportProblem(p);
    let limits: { maxMonitoredItemsPerCall?: number; maxNodesPerRead?: number } = {};
    try {
      limits = await readOperationLimits(session);
    } catch (err) {
      this.log.debug('Server operation limits not readable; using the configured ones.', { error: errorMessage(err) });
    }
    const perCall = Math.max(1, Math.min(s.maxMonitoredItemsPerCall, limits.maxMonitoredItemsPerCall || Infinity));
    this.readLimit = Math.max(1, Math.min(1000, limits.maxNodesPerRead || Infinity));
    const subscribed = tags.filter((t) => t.group.scanMode === 'subscription');
    const polled = tags.filter((t) => t.group.scanMode === 'poll');
    // One subscription per publishing interval.
    const byInterval = new Map<number, Tag[]>();
    for (const t of subscribed) byInterval.set(t.group.publishingIntervalMs, [...(byInterval.get(t.group.publishingIntervalMs) ?? []), t]);
    for (const [interval, list] of byInterval) await this.subscribe(session, interval, list, perCall);
    const byGroup = new Map<GroupSpec, Tag[]>();
    for (const t of polled) byGroup.set(t.group, [...(byGroup.get(t.group) ?? []), t]);
    for (const [group, list] of byGroup) this.startPolling({ group, tags: list, busy: false }, session);
    const timeouts = subscribed.filter((t) => (t.group.deadband?.timeoutMs ?? 0) > 0);
    if (timeouts.length > 0) {
      const period = Math.max(100, Math.floor(Math.min(...timeouts.map((t) => t.group.deadband!.timeoutMs)) / 4));
      let busy = false;
      this.every(period, () => {
        if (busy || !this.connected) return;
        busy = true;
        void this.resendStale(session, timeouts).finally(() => (busy = false));
      });
    }
    this.d.health.setStatus('tags', problems.length === 0 ? 'ok' : 'problems', { detail: { collected: tags.length, problems: problems.slice(0, 20).map((p) => p.message) } });
  }

  private reportProblem(p: TagProblem): void {
    this.d.health.counters.inc(Metric.TagProblems, { code: p.code });
    this.d.health.recordError(new TributaryError(p.code, p.message));
    this.log.error(p.message, { code: p.code, subject: p.subject });
  }

  private async subscribe(session: ClientSession, publishingIntervalMs: number, tags: Tag[], perCall: number): Promise<void> {
    const keepAlive = Math.max(3, Math.ceil(5000 / publishingIntervalMs));
    const lifetime = Math.max(keepAlive * 3, Math.ceil(120_000 / publishingIntervalMs));
    const sub = await session.createSubscription2({
      requestedPublishingInterval: publishingIntervalMs,
      requestedLifetimeCount: lifetime,
      requestedMaxKeepAliveCount: keepAlive,
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 10,
    });
    const entry = { sub, tags: [] as Tag[] };
    this.subscriptions.push(entry);
    sub.on('subscriptionId_changed', (id: number, previous: number) => this.reportGap(entry.tags, 'subscription_recreated', { subscriptionId: id, previous }));
    // Slices of at most `perCall` items, one property group each (one set of monitoring parameters).
    const byGroup = new Map<GroupSpec, Tag[]>();
    for (const t of tags) byGroup.set(t.group, [...(byGroup.get(t.group) ?? []), t]);
    for (const [group, list] of byGroup) {
      for (let i = 0; i < list.length; i += perCall) {
        const slice = list.slice(i, i + perCall);
        const ok = await this.monitor(sub, group, slice);
        entry.tags.push(...ok);
      }
    }
  }

  private async monitor(sub: ClientSubscription, group: GroupSpec, slice: Tag[]): Promise<Tag[]> {
    const params = {
      samplingInterval: group.samplingIntervalMs,
      queueSize: group.queueSize,
      discardOldest: true,
      ...(group.deadband ? { filter: dataChangeFilterOf(group) } : {}),
    };
    const g = ClientMonitoredItemGroup.create(sub, slice.map((t) => ({ nodeId: t.nodeId, attributeId: AttributeIds.Value })), params, TimestampsToReturn.Both);
    g.on('changed', (_item, dv: DataValue, index: number) => {
      const tag = slice[index];
      if (tag) this.onValue(tag, dv, false, true);
    });
    const outcome = await new Promise<Error | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(new Error(`no answer within ${this.d.settings.connection.connectTimeoutMs} ms`)), this.d.settings.connection.connectTimeoutMs);
      g.once('initialized', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
      g.once('terminated', (err?: Error) => {
        clearTimeout(timer);
        resolve(err ?? new Error('terminated'));
      });
    });
    if (outcome) {
      const err = new TributaryError('opcua_monitor_failed', `Creating ${slice.length} monitored items (group ${group.name}, first ${slice[0]?.nodeId}) failed: ${outcome.message}`, { cause: outcome });
      this.d.health.recordError(err);
      this.d.health.counters.inc(Metric.TagProblems, { code: 'opcua_monitor_failed' }, slice.length);
      this.log.error(err.message, { code: err.code, group: group.name });
      return [];
    }
    const ok: Tag[] = [];
    g.monitoredItems.forEach((item, i) => {
      const tag = slice[i]!;
      const status = (item as unknown as { statusCode?: { isGood(): boolean; name: string } }).statusCode;
      if (status && !status.isGood()) {
        this.reportProblem({ code: 'opcua_node_unknown', subject: tag.nodeId, message: `Monitoring ${tag.nodeId} (${tag.path}) failed: ${status.name}; it is not collected.` });
      } else ok.push(tag);
    });
    return ok;
  }

  private startPolling(p: PollGroup, session: ClientSession): void {
    this.polls.push(p);
    const tick = (): void => {
      if (!this.running) return;
      p.timer = this.clock.setTimeout(tick, p.group.pollIntervalMs);
      if (p.busy) return;
      p.busy = true;
      void this.pollOnce(p, session).finally(() => (p.busy = false));
    };
    p.timer = this.clock.setTimeout(tick, 0);
  }

  private async pollOnce(p: PollGroup, session: ClientSession): Promise<void> {
    try {
      for (let i = 0; i < p.tags.length; i += this.readLimit) {
        const slice = p.tags.slice(i, i + this.readLimit);
        const values = await session.read(slice.map((t) => ({ nodeId: t.nodeId, attributeId: AttributeIds.Value })), 0);
        if (!this.running) return;
        values.forEach((dv, k) => this.onValue(slice[k]!, dv, false));
      }
      this.d.health.counters.inc(Metric.Polls, { group: p.group.name });
      if (p.failingSince !== undefined) {
        const since = p.failingSince;
        p.failingSince = undefined;
        this.reportGap(p.tags, 'polls_failed', {}, since);
      }
    } catch (err) {
      if (!this.running) return;
      p.failingSince ??= this.clock.now();
      this.d.health.counters.inc(Metric.PollsFailed, { group: p.group.name });
      this.log.rateLimited(`poll:${p.group.name}`, 30_000).warn('A poll failed; values of this period are missing.', { group: p.group.name, error: errorMessage(err) });
    }
  }

  /** Deadband timeout: tags silent for longer than their timeout get their current value read and sent again. */
  private async resendStale(session: ClientSession, candidates: Tag[]): Promise<void> {
    const now = this.clock.now();
    const stale = candidates.filter((t) => t.lastSentAt > 0 && now - t.lastSentAt >= t.group.deadband!.timeoutMs);
    try {
      for (let i = 0; i < stale.length; i += this.readLimit) {
        const slice = stale.slice(i, i + this.readLimit);
        const values = await session.read(slice.map((t) => ({ nodeId: t.nodeId, attributeId: AttributeIds.Value })), 0);
        if (!this.running) return;
        values.forEach((dv, k) => this.onValue(slice[k]!, dv, true));
      }
    } catch (err) {
      this.log.rateLimited('resend_failed', 30_000).warn('Re-sending values after the deadband timeout failed; next try on the next tick.', { error: errorMessage(err) });
    }
  }

  /**
   * One value from a subscription, poll or re-send → one sample. A subscription value equal to the
   * previous one in timestamp, value and quality is a republished duplicate (after a session
   * repair the server may resend what it had not seen acknowledged): skipped and counted.
   */
  private onValue(tag: Tag, dv: DataValue, resent: boolean, subscribed = false): void {
    const now = this.clock.now();
    const m = mapDataValue(dv as never, now, this.d.settings.typeConversions);
    if (subscribed && this.isDuplicate(tag, m.ts, m.value, m.quality)) {
      this.duplicates++;
      return;
    }
    tag.lastSentAt = now;
    if (resent) this.resent++;
    else this.received++;
    if (m.unsupported) {
      this.d.health.counters.inc(Metric.Dropped, { reason: m.unsupported });
      this.log.rateLimited(`unsupported:${tag.nodeId}`, 300_000).warn('A value of a type that is not mapped was dropped.', { nodeId: tag.nodeId, path: tag.path, reason: m.unsupported, dataType: dv.value?.dataType });
      return;
    }
    const sample: Sample = {
      device: this.d.settings.deviceId,
      source: 'opcua',
      name: tag.path.slice(1) || tag.nodeId,
      value: m.value,
      quality: m.quality,
      ts: m.ts,
      alias: this.d.settings.aliasPrefix + tag.path,
    };
    if (m.attrs || resent) sample.attrs = { ...m.attrs, ...(resent ? { resent: true } : {}) };
    this.d.sink.push(sample);
  }

  /**
   * True if the tag's last RECENT subscription values hold this (timestamp, value, quality); else
   * remembers it. After a session repair the server republishes the notifications it had not seen
   * acknowledged, some of which may have arrived already, and not necessarily as the latest ones.
   */
  private isDuplicate(tag: Tag, ts: number, value: unknown, quality: string): boolean {
    const recent = (tag.recent ??= []);
    for (const r of recent) if (r.ts === ts && r.value === value && r.quality === quality) return true;
    if (recent.length < RECENT) recent.push({ ts, value, quality });
    else {
      const i = tag.recentNext ?? 0;
      recent[i] = { ts, value, quality };
      tag.recentNext = (i + 1) % RECENT;
    }
    return false;
  }

  /** A data gap: counted, logged, and one UNCERTAIN marker (value null) per affected tag at the time the data stopped. */
  private reportGap(tags: Tag[], reason: string, fields: Record<string, unknown>, since?: number): void {
    if (!this.running) return;
    const now = this.clock.now();
    const from = since ?? this.lostAt ?? now;
    const gapMs = now - from;
    this.d.health.counters.inc(Metric.Gaps, { reason });
    this.d.health.counters.inc(Metric.GapMarkers, undefined, tags.length);
    this.log.error('Data gap: values between these times are missing; marker samples written.', { reason, tags: tags.length, from: new Date(from).toISOString(), gapMs, ...fields });
    for (const t of tags) {
      this.d.sink.push({
        device: this.d.settings.deviceId,
        source: 'opcua',
        name: t.path.slice(1) || t.nodeId,
        value: null,
        quality: 'UNCERTAIN',
        ts: from,
        alias: this.d.settings.aliasPrefix + t.path,
        attrs: { gap: true, reason, gapMs },
      });
    }
  }
}

function dataChangeFilterOf(g: GroupSpec): DataChangeFilter {
  const d = g.deadband!;
  const absoluteFromRange = d.type === 'percent' && d.eguMin !== undefined && d.eguMax !== undefined;
  return new DataChangeFilter({
    trigger: DataChangeTrigger.StatusValue,
    deadbandType: d.type === 'absolute' || absoluteFromRange ? DeadbandType.Absolute : DeadbandType.Percent,
    deadbandValue: absoluteFromRange ? (d.value / 100) * (d.eguMax! - d.eguMin!) : d.value,
  });
}

function safeNormalise(id: string): string {
  try {
    return normaliseNodeId(id);
  } catch {
    return id;
  }
}
