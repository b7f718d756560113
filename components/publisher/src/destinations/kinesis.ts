/**
 * Kinesis Data Streams destination: one stream record → one Kinesis record (outbound wire
 * format v1, `{v, origin, priority, samples}`), sent with PutRecords.
 *
 * - Calls hold at most 500 records and `maxRequestBytes` (default 5 MiB, data + partition keys).
 * - A record over `maxRecordBytes` (default 1 MiB, data + key) is `rejected`
 *   (`kinesis_record_too_large`) before anything is sent.
 * - Per-record failures inside a 200 (ProvisionedThroughputExceededException, InternalFailure)
 *   make only those records `retry`.
 * - A whole-call failure: network / timeout / throttling / 5xx / configuration (missing stream,
 *   access denied, credentials) → `retry` for every record of the call; a validation error for a
 *   call of several records is narrowed down by sending each record alone, and a record that
 *   fails validation alone is `rejected` (`kinesis_invalid`).
 *
 * KPL aggregation (`aggregation.enabled`, off by default): the records of one send() are
 * grouped by partition key and each group is packed into aggregated Kinesis records
 * (kinesis-aggregation.ts, up to `maxAggregateBytes`, capped at `maxRecordBytes`). Each user
 * record's data is exactly what the plain path sends. Outcomes map back: an aggregate accepted →
 * all its records `accepted`; an aggregate failed inside a 200 or by a whole-call failure → all
 * its records `retry`; an aggregate refused as invalid alone → its records are sent plain (and
 * judged one by one). A group of one record, or a record too large to fit an aggregate, goes
 * plain. Consumers must deaggregate (the KCL does; Lambda and custom consumers use
 * `aws-kinesis-agg`); plain records pass through deaggregation unchanged.
 */
import { KinesisClient, PutRecordsCommand, type PutRecordsCommandOutput, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { createLogger, type Logger, type RateLimitedLog } from '../../../core/src';
import { encodeOutboundRecord } from '../../../core/src/outbound';
import type { DeliveryRecord, Destination, DestinationStatus, Outcome } from '../destination';
import { awsClientConfig, type AwsClientOptions } from './aws-client';
import { classifyAwsError, type ClassifiedError } from './aws-errors';
import { aggregateBaseBytes, aggregatedEntryBytes, encodeAggregatedRecord } from './kinesis-aggregation';
import { clipCodePoints, sampleField } from './mapping';
import { StatusTracker } from './status';

export const KinesisErrorCode = {
  RecordTooLarge: 'kinesis_record_too_large',
  Invalid: 'kinesis_invalid',
  Throttled: 'kinesis_throttled',
  InternalFailure: 'kinesis_internal_failure',
  Unreachable: 'kinesis_unreachable',
  Timeout: 'kinesis_timeout',
  ServerError: 'kinesis_server_error',
  Config: 'kinesis_config',
  Failed: 'kinesis_failed',
  Aborted: 'kinesis_aborted',
} as const;

export const KINESIS_MAX_RECORDS_PER_CALL = 500;
export const KINESIS_MAX_PARTITION_KEY_CHARS = 256;
/** Default bytes of one aggregated Kinesis record (data + partition key): 1 MiB minus 4 KiB of headroom. */
export const KINESIS_DEFAULT_MAX_AGGREGATE_BYTES = 1024 * 1024 - 4096;

/** The narrow part of KinesisClient the destination uses (a fake can stand in). */
export interface KinesisApi {
  send(command: PutRecordsCommand, options?: { abortSignal?: AbortSignal }): Promise<PutRecordsCommandOutput>;
  destroy(): void;
}

export interface KinesisDestinationOptions extends AwsClientOptions {
  readonly name: string;
  readonly streamName: string;
  /** Default partition key field when a route has none: `device` | `source` | `name` | `attrs.<key>`. Default `device`. */
  readonly partitionKey?: string;
  /** Data + partition key per record. Default 1 MiB. */
  readonly maxRecordBytes?: number;
  /** Data + partition keys per PutRecords call. Default 5 MiB. */
  readonly maxRequestBytes?: number;
  /** Records per PutRecords call, 1..500. Default 500. */
  readonly maxRecordsPerCall?: number;
  /** Concurrent send() calls. Default 4. */
  readonly maxConcurrency?: number;
  /** KPL aggregation; off unless `enabled`. */
  readonly aggregation?: KinesisAggregationOptions;
}

export interface KinesisAggregationOptions {
  /** Default false: one Kinesis record per stream record. */
  readonly enabled?: boolean;
  /** Data + partition key of one aggregated record. Default 1 MiB − 4 KiB; capped at maxRecordBytes. */
  readonly maxAggregateBytes?: number;
  /** User records per aggregate. Default unbounded (bytes decide). */
  readonly maxRecordsPerAggregate?: number;
  /** Records per send() (the engine's batch) while aggregating. Default 500. */
  readonly maxBatchRecords?: number;
}

export interface KinesisDestinationDeps {
  readonly logger?: Logger;
  /** A ready client (tests); default a KinesisClient built from the options. */
  readonly client?: KinesisApi;
  readonly status?: StatusTracker;
}

/** One Kinesis record to put: a plain record (one member) or an aggregate (its members). */
interface Pending {
  readonly entry: PutRecordsRequestEntry;
  /** Data + partition key. */
  readonly bytes: number;
  /** Indexes (into send()'s records) whose outcome this Kinesis record decides. */
  readonly members: readonly number[];
  /** Aggregates: the members as plain records (sent instead when the aggregate is refused as invalid). */
  readonly parts?: readonly Pending[];
}

interface Aggregation {
  /** Data + partition key of one aggregated record. */
  readonly maxBytes: number;
  readonly maxRecords: number;
}

export class KinesisDestination implements Destination {
  readonly name: string;
  readonly type = 'kinesis';
  readonly maxBatchRecords: number;
  readonly maxBatchBytes: number;
  readonly maxConcurrency: number;

  private readonly streamName: string;
  private readonly defaultKey: string;
  private readonly maxRecordBytes: number;
  private readonly maxRecordsPerCall: number;
  private readonly aggregation: Aggregation | undefined;
  private readonly client: KinesisApi;
  private readonly tracker: StatusTracker;
  private readonly log: Logger;
  private readonly failLog: RateLimitedLog;

  constructor(options: KinesisDestinationOptions, deps: KinesisDestinationDeps = {}) {
    this.name = options.name;
    this.streamName = options.streamName;
    this.defaultKey = options.partitionKey ?? 'device';
    this.maxRecordBytes = options.maxRecordBytes ?? 1024 * 1024;
    this.maxBatchBytes = options.maxRequestBytes ?? 5 * 1024 * 1024;
    this.maxRecordsPerCall = Math.min(KINESIS_MAX_RECORDS_PER_CALL, Math.max(1, options.maxRecordsPerCall ?? KINESIS_MAX_RECORDS_PER_CALL));
    const agg = options.aggregation;
    this.aggregation = agg?.enabled
      ? {
          maxBytes: Math.min(this.maxRecordBytes, agg.maxAggregateBytes ?? KINESIS_DEFAULT_MAX_AGGREGATE_BYTES),
          maxRecords: Math.max(1, agg.maxRecordsPerAggregate ?? Number.MAX_SAFE_INTEGER),
        }
      : undefined;
    this.maxBatchRecords = this.aggregation ? Math.max(1, agg?.maxBatchRecords ?? KINESIS_MAX_RECORDS_PER_CALL) : this.maxRecordsPerCall;
    this.maxConcurrency = options.maxConcurrency ?? 4;
    this.client = deps.client ?? new KinesisClient(awsClientConfig(options));
    this.tracker = deps.status ?? new StatusTracker();
    this.log = (deps.logger ?? createLogger({ component: 'publisher' })).child({ module: 'kinesis', destination: this.name });
    this.failLog = this.log.rateLimited('put_failed', 30_000);
  }

  async start(): Promise<void> {
    // Connect late: the first PutRecords opens the connection.
  }

  status(): DestinationStatus {
    return this.tracker.snapshot();
  }

  async stop(): Promise<void> {
    this.failLog.flush();
    this.client.destroy();
  }

  /** The partition key of a record: the mapped field of its first sample, clipped to 1..256 characters. */
  partitionKeyOf(record: DeliveryRecord): string {
    const field = record.mapping.partitionKey ?? this.defaultKey;
    const first = record.samples[0];
    let key = first ? (sampleField(first, field) ?? first.device) : '';
    if (key === '') key = first?.device ?? record.origin.stream;
    if (key === '') key = '-';
    return clipCodePoints(key, KINESIS_MAX_PARTITION_KEY_CHARS);
  }

  async send(records: readonly DeliveryRecord[], signal?: AbortSignal): Promise<Outcome[]> {
    const outcomes: Outcome[] = new Array<Outcome>(records.length);
    const plain: Pending[] = [];
    records.forEach((r, index) => {
      const data = encodeOutboundRecord({ origin: { stream: r.origin.stream, seq: r.origin.sequenceNumber }, priority: r.priority, samples: [...r.samples] });
      const key = this.partitionKeyOf(r);
      const bytes = data.length + Buffer.byteLength(key, 'utf8');
      if (bytes > this.maxRecordBytes) {
        outcomes[index] = {
          kind: 'rejected',
          code: KinesisErrorCode.RecordTooLarge,
          message: `Record of ${bytes} bytes (data + partition key) is over the ${this.maxRecordBytes}-byte Kinesis record limit.`,
        };
        return;
      }
      plain.push({ entry: { Data: data, PartitionKey: key }, bytes, members: [index] });
    });

    const pending = this.aggregation ? aggregate(plain, this.aggregation) : plain;
    for (const chunk of this.chunks(pending)) {
      if (signal?.aborted) {
        for (const p of chunk) for (const m of p.members) outcomes[m] = { kind: 'retry', code: KinesisErrorCode.Aborted, message: 'The send was aborted.' };
        continue;
      }
      await this.put(chunk, outcomes, signal, true);
    }
    return outcomes;
  }

  private *chunks(pending: readonly Pending[]): Generator<Pending[]> {
    let chunk: Pending[] = [];
    let bytes = 0;
    for (const p of pending) {
      if (chunk.length > 0 && (chunk.length >= this.maxRecordsPerCall || bytes + p.bytes > this.maxBatchBytes)) {
        yield chunk;
        chunk = [];
        bytes = 0;
      }
      chunk.push(p);
      bytes += p.bytes;
    }
    if (chunk.length > 0) yield chunk;
  }

  private async put(chunk: readonly Pending[], outcomes: Outcome[], signal: AbortSignal | undefined, mayBisect: boolean): Promise<void> {
    const set = (p: Pending, o: Outcome): void => {
      for (const m of p.members) outcomes[m] = o;
    };
    const userRecords = (): number => chunk.reduce((n, p) => n + p.members.length, 0);
    let out: PutRecordsCommandOutput;
    try {
      out = await this.client.send(new PutRecordsCommand({ StreamName: this.streamName, Records: chunk.map((p) => p.entry) }), signal ? { abortSignal: signal } : undefined);
    } catch (err) {
      const c = classifyAwsError(err);
      if (!c.transient && !signal?.aborted) {
        if (chunk.length > 1 && mayBisect) {
          // One bad record fails the whole call: find it by sending each alone.
          this.log.warn('PutRecords was refused as invalid; sending the records one by one to find the bad one.', { error: c.name, message: c.message, records: chunk.length });
          for (const p of chunk) await this.put([p], outcomes, signal, false);
          return;
        }
        const parts = chunk.length === 1 ? chunk[0]!.parts : undefined;
        if (parts) {
          // An aggregate refused alone: its records may still be fine on their own.
          this.log.warn('Kinesis refused an aggregated record as invalid; sending its records without aggregation.', { error: c.name, message: c.message, records: parts.length });
          for (const sub of this.chunks(parts)) await this.put(sub, outcomes, signal, true);
          return;
        }
        this.tracker.succeeded(); // the service answered
        for (const p of chunk) set(p, { kind: 'rejected', code: KinesisErrorCode.Invalid, message: `${c.name}: ${c.message}` });
        this.log.warn('Kinesis refused a record as invalid.', { error: c.name, message: c.message });
        return;
      }
      const code = signal?.aborted ? KinesisErrorCode.Aborted : codeFor(c);
      this.tracker.failed(code, `${c.name}: ${c.message}`, c.kind === 'unreachable' || c.kind === 'timeout');
      this.failLog.warn('PutRecords failed; the records will be sent again.', { code, error: c.name, message: c.message, httpStatus: c.httpStatus, records: chunk.length, userRecords: userRecords() });
      for (const p of chunk) set(p, { kind: 'retry', code, message: `${c.name}: ${c.message}` });
      return;
    }

    const results = out.Records ?? [];
    let throttled = 0;
    let failed = 0;
    let lastFailure = '';
    chunk.forEach((p, i) => {
      const r = results[i];
      if (r && !r.ErrorCode && r.SequenceNumber !== undefined) {
        set(p, { kind: 'accepted' });
        return;
      }
      const errorCode = r?.ErrorCode ?? 'MissingResult';
      const message = `${errorCode}: ${r?.ErrorMessage ?? 'no result for this record'}`;
      const code = errorCode === 'ProvisionedThroughputExceededException' ? KinesisErrorCode.Throttled : KinesisErrorCode.InternalFailure;
      if (code === KinesisErrorCode.Throttled) throttled++;
      if (code === KinesisErrorCode.Throttled || throttled === 0) lastFailure = message;
      failed++;
      set(p, { kind: 'retry', code, message });
    });
    if (failed > 0) {
      this.tracker.degraded(throttled > 0 ? KinesisErrorCode.Throttled : KinesisErrorCode.InternalFailure, lastFailure);
      this.failLog.warn('Kinesis failed some records of a PutRecords call; they will be sent again.', { failed, throttled, records: chunk.length, userRecords: userRecords(), message: lastFailure });
    } else {
      this.tracker.succeeded();
    }
  }
}

/**
 * KPL aggregation of a send's plain records: grouped by partition key (in order of first use),
 * each group packed greedily into aggregates of at most `maxBytes` (data + key) and `maxRecords`.
 * Groups of one, and records too large to fit an aggregate, stay plain.
 */
function aggregate(plain: readonly Pending[], options: Aggregation): Pending[] {
  const groups = new Map<string, Pending[]>();
  for (const p of plain) {
    const key = p.entry.PartitionKey!;
    const g = groups.get(key);
    if (g) g.push(p);
    else groups.set(key, [p]);
  }
  const out: Pending[] = [];
  for (const [key, group] of groups) {
    if (group.length === 1) {
      out.push(group[0]!);
      continue;
    }
    // An aggregate's bytes: its data (magic, key table, records, MD5) + its partition key.
    const base = aggregateBaseBytes(key) + Buffer.byteLength(key, 'utf8');
    let members: Pending[] = [];
    let bytes = base;
    const flush = (): void => {
      if (members.length === 1) out.push(members[0]!);
      else if (members.length > 1) {
        const data = encodeAggregatedRecord(members.map((m) => ({ partitionKey: key, data: m.entry.Data! })));
        out.push({ entry: { Data: data, PartitionKey: key }, bytes, members: members.flatMap((m) => m.members), parts: members });
      }
      members = [];
      bytes = base;
    };
    for (const p of group) {
      const add = aggregatedEntryBytes(p.entry.Data!.length);
      if (base + add > options.maxBytes) {
        out.push(p); // alone it fits a Kinesis record (checked before), in an aggregate it would not
        continue;
      }
      if (members.length > 0 && (bytes + add > options.maxBytes || members.length >= options.maxRecords)) flush();
      members.push(p);
      bytes += add;
    }
    flush();
  }
  return out;
}

function codeFor(c: ClassifiedError): string {
  switch (c.kind) {
    case 'unreachable':
      return KinesisErrorCode.Unreachable;
    case 'timeout':
      return KinesisErrorCode.Timeout;
    case 'throttled':
      return KinesisErrorCode.Throttled;
    case 'server':
      return KinesisErrorCode.ServerError;
    case 'config':
      return KinesisErrorCode.Config;
    default:
      return KinesisErrorCode.Failed;
  }
}
