/**
 * What a component reports about itself: an overall state, the last error, named
 * sub-statuses (one per connection) and counters/gauges. `Health` holds the numbers;
 * `HealthReporter` writes `snapshot()` as a log line (`msg: "health"`) every interval and,
 * optionally, atomically to a JSON file that operators and tests can read.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Clock, TimerHandle, systemClock } from './clock';
import { errorCode, errorMessage } from './errors';
import { Logger } from './logger';

export type HealthState = 'starting' | 'running' | 'degraded' | 'stopped';
/** Suggested sub-status states for a connection; any string is accepted. */
export type ConnectionState = 'connected' | 'connecting' | 'backing_off' | 'down';

export interface ErrorInfo {
  code: string;
  message: string;
  /** ISO-8601 time. */
  at: string;
}

export interface SubStatus {
  state: string;
  /** ISO-8601 time the state last changed. */
  since: string;
  /** Attempts since the last success (reconnects, retries). */
  attempts: number;
  lastError?: ErrorInfo;
  detail?: Record<string, unknown>;
}

export interface SubStatusUpdate {
  /** Default: 0 when the state is `connected`, else the previous count. */
  attempts?: number;
  /** Recorded as the sub-status's lastError (and the component's lastError). */
  error?: unknown;
  detail?: Record<string, unknown>;
}

export type Labels = Record<string, string | number | boolean>;

export interface MetricsSnapshot {
  /** Key `name` or `name{label="value",…}` (labels sorted). */
  counters: Record<string, number>;
  gauges: Record<string, number>;
}

export interface HealthSnapshot extends MetricsSnapshot {
  component: string;
  state: HealthState;
  /** When `state` last changed. */
  since: string;
  /** When the snapshot was taken. */
  at: string;
  uptimeMs: number;
  lastError: ErrorInfo | null;
  statuses: Record<string, SubStatus>;
}

const METRIC_NAME = /^[a-z_][a-z0-9_]*$/;

/** `dropped{reason="invalid"}`: the name, then labels sorted by key, values quoted and escaped. */
export function metricKey(name: string, labels?: Labels): string {
  if (!METRIC_NAME.test(name)) throw new RangeError(`Metric name must be snake_case, got "${name}"`);
  const keys = labels ? Object.keys(labels).sort() : [];
  if (keys.length === 0) return name;
  const parts = keys.map((k) => {
    if (!METRIC_NAME.test(k)) throw new RangeError(`Metric label must be snake_case, got "${k}"`);
    const v = String(labels![k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
    return `${k}="${v}"`;
  });
  return `${name}{${parts.join(',')}}`;
}

/** Monotonic counters and settable gauges, each optionally labelled. */
export class Counters {
  private readonly counters = new Map<string, number>();
  private readonly gauges = new Map<string, number>();

  /** Adds `by` (≥ 0) to a counter. */
  inc(name: string, labels?: Labels, by = 1): void {
    if (!(by >= 0) || !Number.isFinite(by)) throw new RangeError(`Counter ${name} can only grow; got increment ${by}`);
    const key = metricKey(name, labels);
    this.counters.set(key, (this.counters.get(key) ?? 0) + by);
  }

  /** Sets a gauge (backlog, lag_ms). */
  set(name: string, value: number, labels?: Labels): void {
    this.gauges.set(metricKey(name, labels), value);
  }

  /** Adds `delta` (may be negative) to a gauge that starts at 0. */
  adjust(name: string, delta: number, labels?: Labels): void {
    const key = metricKey(name, labels);
    this.gauges.set(key, (this.gauges.get(key) ?? 0) + delta);
  }

  /** A counter's value; 0 when never incremented. */
  counter(name: string, labels?: Labels): number {
    return this.counters.get(metricKey(name, labels)) ?? 0;
  }

  gauge(name: string, labels?: Labels): number | undefined {
    return this.gauges.get(metricKey(name, labels));
  }

  snapshot(): MetricsSnapshot {
    return { counters: sortedObject(this.counters), gauges: sortedObject(this.gauges) };
  }
}

function sortedObject(map: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of [...map.keys()].sort()) out[key] = map.get(key)!;
  return out;
}

export interface HealthOptions {
  /** Component name, written in every snapshot. */
  component: string;
  clock?: Clock;
  counters?: Counters;
  /** When given, state changes are logged (info; degraded at warn). */
  logger?: Logger;
}

export class Health {
  readonly component: string;
  readonly counters: Counters;
  private readonly clock: Clock;
  private readonly logger?: Logger;
  private readonly startedAt: number;
  private current: HealthState = 'starting';
  private stateSince: number;
  private lastErrorInfo: ErrorInfo | null = null;
  private readonly statuses = new Map<string, SubStatus>();

  constructor(options: HealthOptions) {
    this.component = options.component;
    this.clock = options.clock ?? systemClock;
    this.counters = options.counters ?? new Counters();
    this.logger = options.logger;
    this.startedAt = this.clock.now();
    this.stateSince = this.startedAt;
  }

  get state(): HealthState {
    return this.current;
  }

  get lastError(): ErrorInfo | null {
    return this.lastErrorInfo;
  }

  setState(state: HealthState, reason?: string): void {
    if (state === this.current) return;
    const previous = this.current;
    this.current = state;
    this.stateSince = this.clock.now();
    this.logger?.log(state === 'degraded' ? 'warn' : 'info', `Health is now ${state}.`, { state, previous, reason });
  }

  /** Remembers `err` as the last error (code, message, time). */
  recordError(err: unknown): ErrorInfo {
    this.lastErrorInfo = { code: errorCode(err), message: errorMessage(err), at: this.iso() };
    return this.lastErrorInfo;
  }

  /** Creates or updates a named sub-status (e.g. `stream_manager`, `opcua:plc-1`). */
  setStatus(name: string, state: string, update: SubStatusUpdate = {}): SubStatus {
    const previous = this.statuses.get(name);
    const changed = previous?.state !== state;
    const status: SubStatus = {
      state,
      since: changed || !previous ? this.iso() : previous.since,
      attempts: update.attempts ?? (state === 'connected' ? 0 : (previous?.attempts ?? 0)),
    };
    const lastError = update.error !== undefined ? this.recordError(update.error) : previous?.lastError;
    if (lastError) status.lastError = lastError;
    const detail = update.detail ?? previous?.detail;
    if (detail) status.detail = detail;
    this.statuses.set(name, status);
    return status;
  }

  status(name: string): SubStatus | undefined {
    const s = this.statuses.get(name);
    return s && structuredClone(s);
  }

  removeStatus(name: string): void {
    this.statuses.delete(name);
  }

  /** A plain JSON object; later changes to Health do not affect it. */
  snapshot(): HealthSnapshot {
    const now = this.clock.now();
    const statuses: Record<string, SubStatus> = {};
    for (const name of [...this.statuses.keys()].sort()) statuses[name] = structuredClone(this.statuses.get(name)!);
    return {
      component: this.component,
      state: this.current,
      since: new Date(this.stateSince).toISOString(),
      at: new Date(now).toISOString(),
      uptimeMs: now - this.startedAt,
      lastError: this.lastErrorInfo && { ...this.lastErrorInfo },
      statuses,
      ...this.counters.snapshot(),
    };
  }

  private iso(): string {
    return new Date(this.clock.now()).toISOString();
  }
}

export interface HealthReporterOptions {
  health: Health;
  logger: Logger;
  /** How often to report. */
  intervalMs: number;
  /** When given, each report is also written (atomically) to this JSON file. */
  filePath?: string;
  clock?: Clock;
}

/** Writes the health snapshot on a timer. start() reports at once, then every intervalMs; stop() reports a last time. */
export class HealthReporter {
  private readonly health: Health;
  private readonly logger: Logger;
  private readonly intervalMs: number;
  private readonly filePath?: string;
  private readonly clock: Clock;
  private timer: TimerHandle | undefined;
  private running = false;
  private pendingJson: string | undefined;
  private writing: Promise<void> | undefined;

  constructor(options: HealthReporterOptions) {
    this.health = options.health;
    this.logger = options.logger;
    this.intervalMs = options.intervalMs;
    this.filePath = options.filePath;
    this.clock = options.clock ?? systemClock;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.report();
    this.schedule();
  }

  /** Stops the timer, writes a final report and waits for the file write. Safe to call twice. */
  async stop(): Promise<void> {
    const wasRunning = this.running;
    this.running = false;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (wasRunning) await this.report();
    await this.writing;
  }

  /** Logs the snapshot now and (if configured) writes the file; resolves when the file is written. */
  report(): Promise<void> {
    const snapshot = this.health.snapshot();
    const { component: _component, ...fields } = snapshot;
    this.logger.info('health', fields);
    if (!this.filePath) return Promise.resolve();
    this.pendingJson = `${JSON.stringify(snapshot, null, 2)}\n`;
    return this.writeLatest();
  }

  private schedule(): void {
    this.timer = this.clock.setTimeout(() => {
      if (!this.running) return;
      void this.report();
      this.schedule();
    }, this.intervalMs);
  }

  /** One write at a time; reports that arrive meanwhile collapse into the newest. */
  private writeLatest(): Promise<void> {
    if (!this.writing) {
      this.writing = (async () => {
        try {
          while (this.pendingJson !== undefined) {
            const json = this.pendingJson;
            this.pendingJson = undefined;
            try {
              await writeFileAtomic(this.filePath!, json);
            } catch (err) {
              this.logger.rateLimited('health_file', 60_000).warn('Cannot write the health file.', { path: this.filePath, err });
            }
          }
        } finally {
          this.writing = undefined;
        }
      })();
    }
    return this.writing;
  }
}

let tmpCounter = 0;

/**
 * Replaces `file` with `data` so readers see either the old or the new content, never a
 * partial one: write a temp file in the same directory, fsync it, rename it over `file`,
 * then fsync the directory (best effort). Creates the directory if needed.
 */
export async function writeFileAtomic(file: string, data: string): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${++tmpCounter}.tmp`);
  try {
    const handle = await fs.open(tmp, 'w', 0o644);
    try {
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  try {
    const dirHandle = await fs.open(dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic.
  }
}
