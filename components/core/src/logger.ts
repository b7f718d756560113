/**
 * JSON-lines logger for operators. One object per line on stdout (Greengrass copies stdout
 * into the component log):
 *
 *   {"t":"2026-11-24T00:00:00.000Z","level":"warn","component":"publisher","module":"kinesis","msg":"Put failed; retrying.","code":"kinesis_throttled"}
 *
 * The message is a sentence; identifiers go in fields. Error values anywhere in the fields
 * are written as `{name, message, code, details, cause}` (plus `stack` when the level is
 * debug). Repeated messages (a connection error every second) go through `rateLimited`.
 */
import { Clock, systemClock } from './clock';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
export type LogFields = Record<string, unknown>;

/** Where lines go. A `Writable` (process.stdout) fits. */
export interface LogSink {
  write(chunk: string): unknown;
}

export interface Logger {
  readonly level: LogLevel;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  log(level: LogLevel, msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. `{module: "kinesis"}`); shares level and sink. */
  child(fields: LogFields): Logger;
  isLevelEnabled(level: LogLevel): boolean;
  /** Changes the level of this logger, its parent and all its children (e.g. on a config update). */
  setLevel(level: LogLevel): void;
  /**
   * The rate-limited log for `key` on this logger (same key, same instance): it writes at most
   * one line per `intervalMs`, adding `suppressed: N` for the lines swallowed in between.
   */
  rateLimited(key: string, intervalMs: number): RateLimitedLog;
}

export interface LoggerOptions {
  /** Short component name (`publisher`, `obd-collector`); written as `component` on every line. */
  component: string;
  /** Level from the component configuration. `LOG_LEVEL` in `env`, when valid, overrides it. */
  level?: LogLevel;
  /** Default: process.stdout. */
  stream?: LogSink;
  clock?: Clock;
  /** Default: process.env. */
  env?: Record<string, string | undefined>;
}

/** Field names the logger writes itself; a caller's field with one of these names is written as `field_<name>`. */
const RESERVED_FIELDS = new Set(['t', 'level', 'component', 'msg']);
const MAX_DEPTH = 8;

export function parseLogLevel(value: string | undefined): LogLevel | undefined {
  const v = value?.trim().toLowerCase();
  if (v === 'warning') return 'warn';
  return LOG_LEVELS.find((l) => l === v);
}

function rank(level: LogLevel): number {
  return LOG_LEVELS.indexOf(level);
}

interface SharedState {
  level: LogLevel;
  readonly sink: LogSink;
  readonly clock: Clock;
}

/** Once per stream: a closed stdout (EPIPE, the reader went away) must not crash the component. */
const guardedStreams = new WeakSet<object>();
function ignoreWriteErrors(sink: LogSink): void {
  const s = sink as { on?: (ev: string, fn: (err: Error) => void) => unknown };
  if (typeof s.on !== 'function' || guardedStreams.has(sink)) return;
  guardedStreams.add(sink);
  s.on('error', () => undefined);
}

export function createLogger(options: LoggerOptions): Logger {
  const env = options.env ?? process.env;
  ignoreWriteErrors(options.stream ?? process.stdout);
  const envLevel = parseLogLevel(env.LOG_LEVEL);
  const state: SharedState = {
    level: envLevel ?? options.level ?? 'info',
    sink: options.stream ?? process.stdout,
    clock: options.clock ?? systemClock,
  };
  const logger = new JsonLogger(state, { component: options.component });
  if (env.LOG_LEVEL !== undefined && env.LOG_LEVEL !== '' && envLevel === undefined) {
    logger.warn('LOG_LEVEL is not a known level; ignoring it.', { logLevel: env.LOG_LEVEL, levels: LOG_LEVELS, level: state.level });
  }
  return logger;
}

class JsonLogger implements Logger {
  private readonly limiters = new Map<string, RateLimitedLog>();

  constructor(
    private readonly state: SharedState,
    private readonly bindings: LogFields,
  ) {}

  get level(): LogLevel {
    return this.state.level;
  }

  debug(msg: string, fields?: LogFields): void {
    this.log('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.log('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.log('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.log('error', msg, fields);
  }

  log(level: LogLevel, msg: string, fields?: LogFields): void {
    if (!this.isLevelEnabled(level)) return;
    const withStack = this.state.level === 'debug';
    const record: LogFields = { t: new Date(this.state.clock.now()).toISOString(), level };
    for (const [k, v] of Object.entries(this.bindings)) record[k] = toJsonValue(v, withStack);
    record.msg = msg;
    if (fields) {
      for (const [k, v] of Object.entries(fields)) {
        const value = toJsonValue(v, withStack);
        if (value !== undefined) record[RESERVED_FIELDS.has(k) ? `field_${k}` : k] = value;
      }
    }
    try {
      this.state.sink.write(`${JSON.stringify(record)}\n`);
    } catch {
      // A broken stdout must not take the component down; there is nowhere left to report it.
    }
  }

  child(fields: LogFields): Logger {
    const bindings: LogFields = { ...this.bindings };
    for (const [k, v] of Object.entries(fields)) bindings[RESERVED_FIELDS.has(k) && k !== 'component' ? `field_${k}` : k] = v;
    return new JsonLogger(this.state, bindings);
  }

  isLevelEnabled(level: LogLevel): boolean {
    return rank(level) >= rank(this.state.level);
  }

  setLevel(level: LogLevel): void {
    this.state.level = level;
  }

  rateLimited(key: string, intervalMs: number): RateLimitedLog {
    let limiter = this.limiters.get(key);
    if (!limiter) {
      limiter = new RateLimitedLog(this, intervalMs, this.state.clock);
      this.limiters.set(key, limiter);
    }
    return limiter;
  }
}

interface SwallowedLine {
  level: LogLevel;
  msg: string;
  fields?: LogFields;
}

/**
 * Writes at most one line per `intervalMs`. The first call writes at once; calls within the
 * interval after a written line are swallowed and counted; the next line written carries
 * `suppressed: N` (the number of calls not written since the previous line). `flush()`
 * writes the last swallowed line, if any, so a count is not lost when the errors stop;
 * `reset()` flushes and lets the next call write at once (e.g. after a reconnect).
 */
export class RateLimitedLog {
  private lastWrittenAt: number | undefined;
  private swallowed = 0;
  private lastSwallowed: SwallowedLine | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs: number,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Calls swallowed since the last written line. */
  get suppressed(): number {
    return this.swallowed;
  }

  debug(msg: string, fields?: LogFields): void {
    this.log('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.log('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.log('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.log('error', msg, fields);
  }

  log(level: LogLevel, msg: string, fields?: LogFields): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const now = this.clock.now();
    if (this.lastWrittenAt !== undefined && now - this.lastWrittenAt < this.intervalMs) {
      this.swallowed++;
      this.lastSwallowed = { level, msg, fields };
      return;
    }
    this.write({ level, msg, fields }, this.swallowed, now);
  }

  flush(): void {
    if (!this.lastSwallowed) return;
    this.write(this.lastSwallowed, this.swallowed - 1, this.clock.now());
  }

  reset(): void {
    this.flush();
    this.lastWrittenAt = undefined;
  }

  private write(line: SwallowedLine, suppressed: number, now: number): void {
    const fields = suppressed > 0 ? { ...line.fields, suppressed } : line.fields;
    this.logger.log(line.level, line.msg, fields);
    this.lastWrittenAt = now;
    this.swallowed = 0;
    this.lastSwallowed = undefined;
  }
}

/** Serialises an error for a log line: `{name, message, code, details, cause}`; `stack` only when asked. */
export function serializeError(err: Error, withStack = false): LogFields {
  return toJsonValue(err, withStack) as LogFields;
}

function toJsonValue(value: unknown, withStack: boolean, depth = 0, ancestors: object[] = []): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return null;
  const obj = value as object;
  if (ancestors.includes(obj)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  const inner = [...ancestors, obj];
  const recurse = (v: unknown): unknown => toJsonValue(v, withStack, depth + 1, inner);

  if (obj instanceof Error) {
    const e = obj as Error & { code?: unknown; details?: unknown; cause?: unknown };
    const out: LogFields = {};
    if (e.name && e.name !== 'Error') out.name = e.name;
    out.message = e.message;
    if (typeof e.code === 'string' || typeof e.code === 'number') out.code = e.code;
    if (e.details !== undefined) out.details = recurse(e.details);
    if (e.cause !== undefined) out.cause = recurse(e.cause);
    if (withStack && e.stack) out.stack = e.stack;
    return out;
  }
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
  if (obj instanceof Uint8Array) return `<${obj.byteLength} bytes>`;
  if (obj instanceof Map) return recurse(Object.fromEntries(obj));
  if (obj instanceof Set) return recurse([...obj]);
  if (Array.isArray(obj)) return obj.map((v) => recurse(v) ?? null);
  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return recurse(toJSON.call(obj));
  const out: LogFields = {};
  for (const [k, v] of Object.entries(obj)) {
    const json = recurse(v);
    if (json !== undefined) out[k] = json;
  }
  return out;
}

/** A sink that keeps lines in memory; for tests. */
export class MemoryLogSink implements LogSink {
  readonly lines: string[] = [];

  write(chunk: string): boolean {
    for (const line of chunk.split('\n')) if (line !== '') this.lines.push(line);
    return true;
  }

  /** Every line parsed as JSON. */
  records(): LogFields[] {
    return this.lines.map((l) => JSON.parse(l) as LogFields);
  }

  /** The parsed lines whose `msg` equals `msg`. */
  withMsg(msg: string): LogFields[] {
    return this.records().filter((r) => r.msg === msg);
  }

  clear(): void {
    this.lines.length = 0;
  }
}
