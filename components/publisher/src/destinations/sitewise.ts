/**
 * AWS IoT SiteWise destination: every sample becomes one TQV (timestamp, quality, value) of a
 * property alias, sent with BatchPutAssetPropertyValue.
 *
 * - Alias: `sample.alias`, else the route's alias template, else the configured template
 *   (default `/{device}/{name}`).
 * - Value type: by the first `dataTypes` rule whose alias glob matches (`*` = one path level,
 *   `**` = anything), else by the JS type (number → doubleValue, boolean → booleanValue,
 *   string → stringValue). `null` → nullValue (only with BAD / UNCERTAIN quality).
 * - Calls: ≤ 10 entries, one entry per alias per call, ≤ 10 values per entry.
 * - Checked before sending, per sample (→ `rejectedSamples`, no round trip): timestamp window
 *   [-7 d, +10 min] (`sitewise_timestamp_out_of_range`), type and range of the value
 *   (`sitewise_invalid_value`, `sitewise_type_mismatch`), alias template (`sitewise_alias_invalid`).
 * - Per-entry errors in the answer: TimestampOutOfRange / InvalidRequest / ResourceNotFound /
 *   AccessDenied → those TQVs are rejected for good (code from SiteWise's errorCode, message
 *   kept); Throttling / ServiceUnavailable / InternalFailure / ConflictingOperation /
 *   LimitExceeded (and unknown codes) → only those TQVs are sent again, with jittered backoff,
 *   at most `itemAttempts` times in all; still failing → the record is `retry`.
 * - Whole-request failures (network, timeout, throttling, 5xx, configuration) → `retry` for the
 *   records concerned, at once; a whole-request InvalidRequest is narrowed down by sending each
 *   entry alone.
 *
 * Record outcome: `retry` if any of its TQVs is still undecided; else `rejected` when every sample
 * was refused with one code; else `accepted`, with the refused samples in `rejectedSamples`.
 * Sending a TQV again is harmless: SiteWise keeps one value per (timestamp, quality).
 */
import {
  BatchPutAssetPropertyValueCommand,
  IoTSiteWiseClient,
  type BatchPutAssetPropertyValueCommandOutput,
  type PutAssetPropertyValueEntry,
  type Variant,
} from '@aws-sdk/client-iotsitewise';
import { Backoff, createLogger, errorMessage, sleep, systemClock, type Clock, type Logger, type RateLimitedLog, type Sample } from '../../../core/src';
import type { DeliveryRecord, Destination, DestinationStatus, Outcome, RejectedSamples } from '../destination';
import { awsClientConfig, type AwsClientOptions } from './aws-client';
import { classifyAwsError, type ClassifiedError } from './aws-errors';
import { TemplateError, renderTemplate } from './mapping';
import { StatusTracker } from './status';

export const SiteWiseErrorCode = {
  TimestampOutOfRange: 'sitewise_timestamp_out_of_range',
  InvalidValue: 'sitewise_invalid_value',
  TypeMismatch: 'sitewise_type_mismatch',
  AliasInvalid: 'sitewise_alias_invalid',
  InvalidRequest: 'sitewise_invalid_request',
  ResourceNotFound: 'sitewise_resource_not_found',
  AccessDenied: 'sitewise_access_denied',
  Throttled: 'sitewise_throttled',
  ServiceUnavailable: 'sitewise_service_unavailable',
  InternalFailure: 'sitewise_internal_failure',
  ConflictingOperation: 'sitewise_conflicting_operation',
  LimitExceeded: 'sitewise_limit_exceeded',
  Unreachable: 'sitewise_unreachable',
  Timeout: 'sitewise_timeout',
  ServerError: 'sitewise_server_error',
  Config: 'sitewise_config',
  Failed: 'sitewise_failed',
  Aborted: 'sitewise_aborted',
} as const;

/** Per-entry errorCode → [our code, final?]. */
const ENTRY_ERRORS: Record<string, [string, boolean]> = {
  TimestampOutOfRangeException: [SiteWiseErrorCode.TimestampOutOfRange, true],
  InvalidRequestException: [SiteWiseErrorCode.InvalidRequest, true],
  ResourceNotFoundException: [SiteWiseErrorCode.ResourceNotFound, true],
  AccessDeniedException: [SiteWiseErrorCode.AccessDenied, true],
  ThrottlingException: [SiteWiseErrorCode.Throttled, false],
  ServiceUnavailableException: [SiteWiseErrorCode.ServiceUnavailable, false],
  InternalFailureException: [SiteWiseErrorCode.InternalFailure, false],
  ConflictingOperationException: [SiteWiseErrorCode.ConflictingOperation, false],
  LimitExceededException: [SiteWiseErrorCode.LimitExceeded, false],
};

export const SITEWISE_MAX_ENTRIES = 10;
export const SITEWISE_MAX_VALUES_PER_ENTRY = 10;
export const SITEWISE_DOUBLE_LIMIT = 1e10;
export const SITEWISE_MAX_STRING = 1024;
export const DEFAULT_ALIAS_TEMPLATE = '/{device}/{name}';

export type SiteWiseDataType = 'DOUBLE' | 'INTEGER' | 'BOOLEAN' | 'STRING';

export interface SiteWiseDataTypeRule {
  /** Alias glob: `*` matches within one `/` level, `**` across levels, `?` one character. */
  readonly alias: string;
  readonly type: SiteWiseDataType;
}

export interface SiteWiseApi {
  send(command: BatchPutAssetPropertyValueCommand, options?: { abortSignal?: AbortSignal }): Promise<BatchPutAssetPropertyValueCommandOutput>;
  destroy(): void;
}

export interface SiteWiseDestinationOptions extends AwsClientOptions {
  readonly name: string;
  /** Alias template when neither the sample nor the route gives one. Default `/{device}/{name}`. */
  readonly alias?: string;
  readonly dataTypes?: readonly SiteWiseDataTypeRule[];
  /** Attempts for TQVs that failed with a transient per-entry error (including the first). Default 3. */
  readonly itemAttempts?: number;
  /** Backoff between those attempts (full jitter). Defaults 200 ms and 5000 ms. */
  readonly itemBackoffMinMs?: number;
  readonly itemBackoffMaxMs?: number;
  /** Accepted window around now. Defaults 7 days back and 10 minutes ahead (SiteWise's rule). */
  readonly maxAgeMs?: number;
  readonly maxAheadMs?: number;
  /** Entries per call (≤ 10) and values per entry (≤ 10). */
  readonly maxEntriesPerCall?: number;
  readonly maxValuesPerEntry?: number;
  readonly maxConcurrency?: number;
  readonly maxBatchRecords?: number;
  readonly maxBatchBytes?: number;
}

export interface SiteWiseDestinationDeps {
  readonly logger?: Logger;
  readonly client?: SiteWiseApi;
  readonly status?: StatusTracker;
  readonly clock?: Clock;
  readonly random?: () => number;
}

type TqvState = { kind: 'pending' } | { kind: 'done' } | { kind: 'rejected'; code: string; message: string } | { kind: 'retry'; code: string; message: string };

interface Tqv {
  readonly record: number;
  readonly sample: Sample;
  readonly alias: string;
  readonly value: Variant;
  readonly seconds: number;
  readonly nanos: number;
  state: TqvState;
}

type Call = Tqv[][]; // entries (one alias each) of TQVs

export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const NULL_TYPE: Record<SiteWiseDataType, 'D' | 'I' | 'B' | 'S'> = { DOUBLE: 'D', INTEGER: 'I', BOOLEAN: 'B', STRING: 'S' };

/** The Variant for a sample value, or a problem (code + message). */
export function toVariant(sample: Sample, type: SiteWiseDataType | undefined): { value: Variant } | { code: string; message: string } {
  const v = sample.value;
  if (v === null) {
    if (sample.quality === 'GOOD') return { code: SiteWiseErrorCode.InvalidValue, message: 'A null value needs BAD or UNCERTAIN quality in SiteWise.' };
    return { value: { nullValue: { valueType: type ? NULL_TYPE[type] : 'U' } } };
  }
  const effective: SiteWiseDataType = type ?? (typeof v === 'number' ? 'DOUBLE' : typeof v === 'boolean' ? 'BOOLEAN' : 'STRING');
  const mismatch = { code: SiteWiseErrorCode.TypeMismatch, message: `Value ${JSON.stringify(v)} (${typeof v}) cannot be sent as ${effective}.` };
  switch (effective) {
    case 'DOUBLE': {
      const d = typeof v === 'boolean' ? (v ? 1 : 0) : v;
      if (typeof d !== 'number') return mismatch;
      if (d < -SITEWISE_DOUBLE_LIMIT || d > SITEWISE_DOUBLE_LIMIT) return { code: SiteWiseErrorCode.InvalidValue, message: `doubleValue ${d} is outside [-1e10, 1e10].` };
      return { value: { doubleValue: d } };
    }
    case 'INTEGER': {
      const n = typeof v === 'boolean' ? (v ? 1 : 0) : v;
      if (typeof n !== 'number' || !Number.isInteger(n)) return mismatch;
      if (n < -(2 ** 31) || n >= 2 ** 31) return { code: SiteWiseErrorCode.InvalidValue, message: `integerValue ${n} is not a 32-bit integer.` };
      return { value: { integerValue: n } };
    }
    case 'BOOLEAN':
      if (typeof v === 'boolean') return { value: { booleanValue: v } };
      if (v === 0 || v === 1) return { value: { booleanValue: v === 1 } };
      return mismatch;
    case 'STRING': {
      const s = typeof v === 'string' ? v : String(v);
      if (s.length > SITEWISE_MAX_STRING) return { code: SiteWiseErrorCode.InvalidValue, message: `stringValue of ${s.length} characters is over ${SITEWISE_MAX_STRING}.` };
      // eslint-disable-next-line no-control-regex
      if (/[\u0000-\u001F\u007F]/.test(s)) return { code: SiteWiseErrorCode.InvalidValue, message: 'stringValue contains control characters.' };
      return { value: { stringValue: s } };
    }
  }
}

export class SiteWiseDestination implements Destination {
  readonly name: string;
  readonly type = 'sitewise';
  readonly maxBatchRecords: number;
  readonly maxBatchBytes: number;
  readonly maxConcurrency: number;

  private readonly options: SiteWiseDestinationOptions;
  private readonly client: SiteWiseApi;
  private readonly tracker: StatusTracker;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly log: Logger;
  private readonly failLog: RateLimitedLog;
  private readonly rules: Array<{ re: RegExp; type: SiteWiseDataType }>;
  private readonly maxEntries: number;
  private readonly maxValues: number;

  constructor(options: SiteWiseDestinationOptions, deps: SiteWiseDestinationDeps = {}) {
    this.options = options;
    this.name = options.name;
    this.maxBatchRecords = options.maxBatchRecords ?? 50;
    this.maxBatchBytes = options.maxBatchBytes ?? 512 * 1024;
    this.maxConcurrency = options.maxConcurrency ?? 2;
    this.maxEntries = Math.min(SITEWISE_MAX_ENTRIES, Math.max(1, options.maxEntriesPerCall ?? SITEWISE_MAX_ENTRIES));
    this.maxValues = Math.min(SITEWISE_MAX_VALUES_PER_ENTRY, Math.max(1, options.maxValuesPerEntry ?? SITEWISE_MAX_VALUES_PER_ENTRY));
    this.client = deps.client ?? new IoTSiteWiseClient({ ...awsClientConfig(options), disableHostPrefix: true });
    this.tracker = deps.status ?? new StatusTracker();
    this.clock = deps.clock ?? systemClock;
    this.random = deps.random ?? Math.random;
    this.log = (deps.logger ?? createLogger({ component: 'publisher' })).child({ module: 'sitewise', destination: this.name });
    this.failLog = this.log.rateLimited('put_failed', 30_000);
    this.rules = (options.dataTypes ?? []).map((r) => ({ re: globToRegExp(r.alias), type: r.type }));
  }

  async start(): Promise<void> {
    // Connect late: the first call opens the connection.
  }

  status(): DestinationStatus {
    return this.tracker.snapshot();
  }

  async stop(): Promise<void> {
    this.failLog.flush();
    this.client.destroy();
  }

  /** The alias of a sample for a record (exposed for tests and the engine's dry runs). */
  aliasOf(sample: Sample, record: DeliveryRecord): string {
    if (sample.alias) return sample.alias;
    return renderTemplate(record.mapping.alias ?? this.options.alias ?? DEFAULT_ALIAS_TEMPLATE, { sample, stream: record.origin.stream, priority: record.priority });
  }

  dataTypeOf(alias: string): SiteWiseDataType | undefined {
    return this.rules.find((r) => r.re.test(alias))?.type;
  }

  async send(records: readonly DeliveryRecord[], signal?: AbortSignal): Promise<Outcome[]> {
    const now = this.clock.now();
    const oldest = now - (this.options.maxAgeMs ?? 7 * 86_400_000);
    const newest = now + (this.options.maxAheadMs ?? 10 * 60_000);
    const all: Tqv[] = [];
    records.forEach((r, record) => {
      for (const sample of r.samples) {
        const reject = (code: string, message: string): void => {
          all.push({ record, sample, alias: '', value: {}, seconds: 0, nanos: 0, state: { kind: 'rejected', code, message } });
        };
        if (sample.ts < oldest || sample.ts > newest) {
          reject(SiteWiseErrorCode.TimestampOutOfRange, `Timestamp ${new Date(sample.ts).toISOString()} is outside SiteWise's window (7 days back, 10 minutes ahead of ${new Date(now).toISOString()}).`);
          continue;
        }
        let alias: string;
        try {
          alias = this.aliasOf(sample, r);
        } catch (err) {
          reject(SiteWiseErrorCode.AliasInvalid, err instanceof TemplateError ? err.message : errorMessage(err));
          continue;
        }
        const v = toVariant(sample, this.dataTypeOf(alias));
        if (!('value' in v)) {
          reject(v.code, v.message);
          continue;
        }
        all.push({
          record,
          sample,
          alias,
          value: v.value,
          seconds: Math.floor(sample.ts / 1000),
          nanos: (sample.ts % 1000) * 1_000_000 + (sample.tsNanos ?? 0),
          state: { kind: 'pending' },
        });
      }
    });

    const attempts = Math.max(1, this.options.itemAttempts ?? 3);
    const backoff = new Backoff({ initialMs: this.options.itemBackoffMinMs ?? 200, maxMs: Math.max(this.options.itemBackoffMinMs ?? 200, this.options.itemBackoffMaxMs ?? 5000), random: this.random });
    for (let attempt = 1; ; attempt++) {
      const work = all.filter((t) => t.state.kind === 'pending');
      if (work.length === 0) break;
      for (const call of this.buildCalls(work)) {
        if (signal?.aborted) {
          for (const entry of call) for (const t of entry) t.state = { kind: 'retry', code: SiteWiseErrorCode.Aborted, message: 'The send was aborted.' };
          continue;
        }
        await this.put(call, signal, true);
      }
      // Transient per-entry failures come back as `pending` with a note; send them again.
      const again = all.filter((t) => t.state.kind === 'pending');
      if (again.length === 0) break;
      if (attempt >= attempts || signal?.aborted) {
        for (const t of again) t.state = this.lastTransient.get(t) ?? { kind: 'retry', code: SiteWiseErrorCode.Failed, message: 'Not delivered.' };
        break;
      }
      try {
        await sleep(backoff.next(), signal, this.clock);
      } catch {
        for (const t of again) t.state = { kind: 'retry', code: SiteWiseErrorCode.Aborted, message: 'The send was aborted.' };
        break;
      }
    }
    this.lastTransient = new WeakMap();
    return records.map((r, i) => this.outcomeOf(r, all.filter((t) => t.record === i)));
  }

  /** Last transient failure of a TQV left pending for another attempt. */
  private lastTransient = new WeakMap<Tqv, TqvState>();

  private buildCalls(work: readonly Tqv[]): Call[] {
    const byAlias = new Map<string, Tqv[][]>();
    for (const t of work) {
      let chunks = byAlias.get(t.alias);
      if (!chunks) byAlias.set(t.alias, (chunks = []));
      const last = chunks[chunks.length - 1];
      if (last && last.length < this.maxValues) last.push(t);
      else chunks.push([t]);
    }
    const calls: Call[] = [];
    while (byAlias.size > 0) {
      const call: Call = [];
      for (const [alias, chunks] of byAlias) {
        if (call.length >= this.maxEntries) break;
        call.push(chunks.shift()!);
        if (chunks.length === 0) byAlias.delete(alias);
      }
      calls.push(call);
    }
    return calls;
  }

  private async put(call: Call, signal: AbortSignal | undefined, mayNarrow: boolean): Promise<void> {
    const entries: PutAssetPropertyValueEntry[] = call.map((tqvs, i) => ({
      entryId: `e${i}`,
      propertyAlias: tqvs[0].alias,
      propertyValues: tqvs.map((t) => ({ value: t.value, timestamp: { timeInSeconds: t.seconds, offsetInNanos: t.nanos }, quality: t.sample.quality })),
    }));
    let out: BatchPutAssetPropertyValueCommandOutput;
    try {
      out = await this.client.send(new BatchPutAssetPropertyValueCommand({ entries, enablePartialEntryProcessing: true }), signal ? { abortSignal: signal } : undefined);
    } catch (err) {
      const c = classifyAwsError(err);
      if (!c.transient && !signal?.aborted) {
        if (call.length > 1 && mayNarrow) {
          this.log.warn('BatchPutAssetPropertyValue was refused as invalid; sending each entry alone to find the bad one.', { error: c.name, message: c.message, entries: call.length });
          for (const entry of call) await this.put([entry], signal, false);
          return;
        }
        this.tracker.succeeded();
        this.log.warn('SiteWise refused an entry as invalid.', { error: c.name, message: c.message, alias: call[0]?.[0]?.alias });
        for (const entry of call) for (const t of entry) t.state = { kind: 'rejected', code: SiteWiseErrorCode.InvalidRequest, message: `${c.name}: ${c.message}` };
        return;
      }
      const code = signal?.aborted ? SiteWiseErrorCode.Aborted : requestCode(c);
      this.tracker.failed(code, `${c.name}: ${c.message}`, c.kind === 'unreachable' || c.kind === 'timeout');
      this.failLog.warn('BatchPutAssetPropertyValue failed; the values will be sent again.', { code, error: c.name, message: c.message, httpStatus: c.httpStatus });
      for (const entry of call) for (const t of entry) t.state = { kind: 'retry', code, message: `${c.name}: ${c.message}` };
      return;
    }

    const byId = new Map(entries.map((e, i) => [e.entryId!, call[i]]));
    const again = new Set<Tqv>();
    let lastTransient: { code: string; message: string } | undefined;
    for (const ee of out.errorEntries ?? []) {
      const tqvs = byId.get(ee.entryId ?? '') ?? [];
      for (const e of ee.errors ?? []) {
        const [code, final] = ENTRY_ERRORS[e.errorCode ?? ''] ?? [SiteWiseErrorCode.Failed, false];
        const message = `${e.errorCode ?? 'Error'}: ${e.errorMessage ?? ''}`.trim();
        const stamps = e.timestamps ?? [];
        const hit = stamps.length === 0 ? tqvs : tqvs.filter((t) => stamps.some((s) => s.timeInSeconds === t.seconds && (s.offsetInNanos ?? 0) === t.nanos));
        for (const t of hit) {
          if (final) {
            t.state = { kind: 'rejected', code, message };
          } else {
            again.add(t);
            lastTransient = { code, message };
            this.lastTransient.set(t, { kind: 'retry', code, message });
            t.state = { kind: 'pending' };
          }
        }
      }
    }
    for (const entry of call) {
      for (const t of entry) {
        if (t.state.kind === 'pending' && !again.has(t)) t.state = { kind: 'done' };
      }
    }
    if (again.size > 0 && lastTransient) {
      this.tracker.degraded(lastTransient.code, lastTransient.message);
      this.failLog.warn('SiteWise failed some values for a transient reason; sending them again.', { values: again.size, code: lastTransient.code, message: lastTransient.message });
    } else {
      this.tracker.succeeded();
    }
  }

  private outcomeOf(record: DeliveryRecord, tqvs: readonly Tqv[]): Outcome {
    const retry = tqvs.find((t) => t.state.kind === 'retry' || t.state.kind === 'pending');
    if (retry) {
      const s = retry.state.kind === 'retry' ? retry.state : { code: SiteWiseErrorCode.Failed, message: 'Not delivered.' };
      return { kind: 'retry', code: s.code, message: s.message };
    }
    const groups = new Map<string, { code: string; message: string; samples: Sample[] }>();
    for (const t of tqvs) {
      if (t.state.kind !== 'rejected') continue;
      const k = `${t.state.code}\u0000${t.state.message}`;
      const g = groups.get(k);
      if (g) g.samples.push(t.sample);
      else groups.set(k, { code: t.state.code, message: t.state.message, samples: [t.sample] });
    }
    const rejected: RejectedSamples[] = [...groups.values()];
    const rejectedCount = rejected.reduce((n, g) => n + g.samples.length, 0);
    if (rejectedCount === 0) return { kind: 'accepted' };
    const codes = new Set(rejected.map((g) => g.code));
    if (rejectedCount === record.samples.length && codes.size === 1) {
      const first = rejected[0];
      const message = rejected.length === 1 ? first.message : `${first.message} (and ${rejected.length - 1} other message(s))`;
      return { kind: 'rejected', code: first.code, message };
    }
    return { kind: 'accepted', rejectedSamples: rejected };
  }
}

function requestCode(c: ClassifiedError): string {
  switch (c.kind) {
    case 'unreachable':
      return SiteWiseErrorCode.Unreachable;
    case 'timeout':
      return SiteWiseErrorCode.Timeout;
    case 'throttled':
      return SiteWiseErrorCode.Throttled;
    case 'server':
      return c.name === 'ServiceUnavailableException' ? SiteWiseErrorCode.ServiceUnavailable : SiteWiseErrorCode.ServerError;
    case 'config':
      return SiteWiseErrorCode.Config;
    default:
      return SiteWiseErrorCode.Failed;
  }
}
