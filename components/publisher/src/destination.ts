/**
 * The one interface every publisher destination implements (Kinesis, IoT SiteWise, IoT Core).
 *
 * The engine reads stream manager messages, decodes their envelope, and hands destinations
 * DeliveryRecords in priority order. A destination answers with one Outcome per record, in the
 * same order. It never throws for a per-record problem; it throws (or returns `retry` for all)
 * only when the whole call failed.
 *
 * - `accepted`: the destination has the record (Kinesis per-record success, SiteWise with no
 *   error entry for it, MQTT PUBACK / IPC spooled). Parts of the record that the destination
 *   refused for good (e.g. one SiteWise value with an out-of-range timestamp) are listed in
 *   `rejectedSamples`; the engine dead-letters them and counts them.
 * - `rejected`: final; nothing of the record was taken and sending it again cannot help
 *   (oversize, validation error). The engine dead-letters it with the code and message.
 * - `retry`: transient (network, timeout, throttling, per-item ProvisionedThroughputExceeded);
 *   the engine backs off (at least `retryAfterMs` when given) and sends it again.
 *
 * The engine advances the (stream, destination) checkpoint only past records whose outcome is
 * `accepted` or `rejected` (and whose dead letters are written).
 */
import type { Sample } from '../../core/src';

export type PriorityClass = string;

/** Where a record came from: consumers de-duplicate on (stream, sequenceNumber). */
export interface RecordOrigin {
  readonly stream: string;
  readonly sequenceNumber: number;
}

/** Per-route mapping options; a destination reads the ones that concern it. */
export interface RouteMapping {
  /** Kinesis: sample field (`device`, `source`, `name`) or `attrs.<key>` used as partition key. */
  readonly partitionKey?: string;
  /** IoT Core: topic template, placeholders `{device}`, `{source}`, `{stream}`, `{priority}`. */
  readonly topic?: string;
  /** SiteWise: alias template used when a sample has no `alias`: `{device}`, `{source}`, `{name}`. */
  readonly alias?: string;
}

export interface DeliveryRecord {
  readonly origin: RecordOrigin;
  readonly priority: PriorityClass;
  /** The samples of the message (decoded core envelope, v1). Never empty. */
  readonly samples: readonly Sample[];
  /** Size of the original stream message payload in bytes (for batching decisions). */
  readonly size: number;
  readonly mapping: RouteMapping;
}

export type Outcome =
  | { readonly kind: 'accepted'; readonly rejectedSamples?: readonly RejectedSamples[] }
  | { readonly kind: 'rejected'; readonly code: string; readonly message: string }
  | { readonly kind: 'retry'; readonly code: string; readonly message: string; readonly retryAfterMs?: number };

export interface RejectedSamples {
  readonly samples: readonly Sample[];
  readonly code: string;
  readonly message: string;
}

export type DestinationState = 'connecting' | 'connected' | 'backing_off' | 'down';

export interface DestinationStatus {
  readonly state: DestinationState;
  /** Epoch ms since when the destination has been failing, if it is. */
  readonly downSince?: number;
  readonly lastError?: { readonly code: string; readonly message: string; readonly at: number };
}

export interface Destination {
  /** Configured name (unique), used in checkpoints, logs, health and metrics. */
  readonly name: string;
  /** `kinesis` | `sitewise` | `iotcore`. */
  readonly type: string;
  /** Most records the engine should put into one send() call. */
  readonly maxBatchRecords: number;
  /** Most payload bytes (sum of `size`) per send() call. */
  readonly maxBatchBytes: number;
  /** How many send() calls may be in flight at once. */
  readonly maxConcurrency: number;

  /** Connect (or prepare clients). Never throws for a connection problem: it retries by itself. */
  start(): Promise<void>;
  /** One Outcome per record, same order. */
  send(records: readonly DeliveryRecord[], signal?: AbortSignal): Promise<Outcome[]>;
  status(): DestinationStatus;
  /** Release connections; in-flight sends may resolve as `retry`. */
  stop(): Promise<void>;
}
