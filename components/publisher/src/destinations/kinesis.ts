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
 */
import { KinesisClient, PutRecordsCommand, type PutRecordsCommandOutput, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { createLogger, type Logger, type RateLimitedLog } from '../../../core/src';
import { encodeOutboundRecord } from '../../../core/src/outbound';
import type { DeliveryRecord, Destination, DestinationStatus, Outcome } from '../destination';
import { awsClientConfig, type AwsClientOptions } from './aws-client';
import { classifyAwsError, type ClassifiedError } from './aws-errors';
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
}

export interface KinesisDestinationDeps {
  readonly logger?: Logger;
  /** A ready client (tests); default a KinesisClient built from the options. */
  readonly client?: KinesisApi;
  readonly status?: StatusTracker;
}

interface Pending {
  readonly index: number;
  readonly entry: PutRecordsRequestEntry;
  readonly bytes: number;
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
    this.maxBatchRecords = Math.min(KINESIS_MAX_RECORDS_PER_CALL, Math.max(1, options.maxRecordsPerCall ?? KINESIS_MAX_RECORDS_PER_CALL));
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
    const pending: Pending[] = [];
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
      pending.push({ index, entry: { Data: data, PartitionKey: key }, bytes });
    });

    for (const chunk of this.chunks(pending)) {
      if (signal?.aborted) {
        for (const p of chunk) outcomes[p.index] = { kind: 'retry', code: KinesisErrorCode.Aborted, message: 'The send was aborted.' };
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
      if (chunk.length > 0 && (chunk.length >= this.maxBatchRecords || bytes + p.bytes > this.maxBatchBytes)) {
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
        this.tracker.succeeded(); // the service answered
        for (const p of chunk) outcomes[p.index] = { kind: 'rejected', code: KinesisErrorCode.Invalid, message: `${c.name}: ${c.message}` };
        this.log.warn('Kinesis refused a record as invalid.', { error: c.name, message: c.message });
        return;
      }
      const code = signal?.aborted ? KinesisErrorCode.Aborted : codeFor(c);
      this.tracker.failed(code, `${c.name}: ${c.message}`, c.kind === 'unreachable' || c.kind === 'timeout');
      this.failLog.warn('PutRecords failed; the records will be sent again.', { code, error: c.name, message: c.message, httpStatus: c.httpStatus, records: chunk.length });
      for (const p of chunk) outcomes[p.index] = { kind: 'retry', code, message: `${c.name}: ${c.message}` };
      return;
    }

    const results = out.Records ?? [];
    let throttled = 0;
    let lastFailure = '';
    chunk.forEach((p, i) => {
      const r = results[i];
      if (r && !r.ErrorCode && r.SequenceNumber !== undefined) {
        outcomes[p.index] = { kind: 'accepted' };
        return;
      }
      const errorCode = r?.ErrorCode ?? 'MissingResult';
      const message = `${errorCode}: ${r?.ErrorMessage ?? 'no result for this record'}`;
      const code = errorCode === 'ProvisionedThroughputExceededException' ? KinesisErrorCode.Throttled : KinesisErrorCode.InternalFailure;
      if (code === KinesisErrorCode.Throttled) throttled++;
      if (code === KinesisErrorCode.Throttled || throttled === 0) lastFailure = message;
      outcomes[p.index] = { kind: 'retry', code, message };
    });
    const failed = chunk.filter((p) => outcomes[p.index]?.kind === 'retry').length;
    if (failed > 0) {
      this.tracker.degraded(throttled > 0 ? KinesisErrorCode.Throttled : KinesisErrorCode.InternalFailure, lastFailure);
      this.failLog.warn('Kinesis failed some records of a PutRecords call; they will be sent again.', { failed, throttled, records: chunk.length, message: lastFailure });
    } else {
      this.tracker.succeeded();
    }
  }
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
