/**
 * The narrow interface between the collector and an OPC DA access path. Two backends implement
 * it: `ua-wrapper` (DA items exposed as OPC UA by a wrapper on the Windows host) and `dcom`
 * (node-opc-da, experimental). Both report in DA terms: item ids, the DA quality word, the
 * source timestamp.
 */
import { TributaryError, systemClock, type Clock, type TimerHandle } from '../../core/src';
import type { EpochTime } from './filetime';

/** Error codes of this component (stable: logs and metric labels). */
export const OpcDaErrorCode = {
  /** The server could not be reached or the session could not be opened. */
  ConnectFailed: 'opcda_connect_failed',
  /** A call did not finish within its hard timeout (the connection is then rebuilt). */
  Timeout: 'opcda_timeout',
  /** A read of the item set failed as a whole (connection lost, server error). */
  ReadFailed: 'opcda_read_failed',
  /** Browsing for wildcard tags failed. */
  BrowseFailed: 'opcda_browse_failed',
  /** The server does not know this item id (or its mapped node id). */
  UnknownItem: 'opcda_unknown_item',
  /** The server knows the item but cannot read it (access denied, type, …). */
  ItemFailed: 'opcda_item_failed',
  /** The backend's library cannot run in this process (node-opc-da missing, legacy crypto off, Node ≥ 22). */
  BackendUnavailable: 'opcda_backend_unavailable',
  /** The connection is closed (by close() or by the peer). */
  NotConnected: 'opcda_not_connected',
} as const;
export type OpcDaErrorCode = (typeof OpcDaErrorCode)[keyof typeof OpcDaErrorCode];

export class OpcDaError extends TributaryError {
  constructor(code: OpcDaErrorCode, message: string, options: { cause?: unknown; retryable?: boolean; details?: Record<string, unknown> } = {}) {
    super(code, message, { retryable: true, ...options });
  }
}

/** What a DA item holds; arrays and odd types are converted by the backend (JSON / ISO strings). */
export type DaValue = number | string | boolean | null;

export interface DaItemValue {
  itemId: string;
  ok: true;
  value: DaValue;
  /** The DA quality word (low byte QQSSSSLL). */
  quality: number;
  /** The source timestamp; absent when the server gave none. */
  timestamp?: EpochTime;
  /** Where `timestamp` came from when it is not the item's source time. */
  timestampOrigin?: 'server' | 'gateway';
  /** Extra facts worth keeping (the UA StatusCode name, a conversion note). */
  attrs?: Record<string, string | number | boolean>;
}

export interface DaItemError {
  itemId: string;
  ok: false;
  /** `opcda_unknown_item` (the item does not exist: not read again on this connection) or `opcda_item_failed`. */
  code: OpcDaErrorCode;
  message: string;
}

export type DaReadResult = DaItemValue | DaItemError;

export interface BackendHealth {
  connected: boolean;
  detail?: Record<string, unknown>;
}

export interface DaBackend {
  /** `ua-wrapper` or `dcom`. */
  readonly kind: string;
  /** Where it connects to, for logs (no secrets). */
  readonly description: string;
  /** Opens the connection; rejects with an OpcDaError. Called again after close() to reconnect. */
  connect(): Promise<void>;
  /** Every item id the server lists (flat). */
  browse(): Promise<string[]>;
  /** One read of these items, one result per item id in the same order; rejects when the read fails as a whole. */
  read(itemIds: readonly string[]): Promise<DaReadResult[]>;
  /** Releases the connection; never rejects, never hangs for long. */
  close(): Promise<void>;
  health(): BackendHealth;
}

/**
 * Settles like `work`, or rejects with `opcda_timeout` after `ms` (the work is then abandoned:
 * a late result is ignored, a late failure observed).
 */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string, clock: Clock = systemClock): Promise<T> {
  let timer: TimerHandle | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(() => reject(new OpcDaError(OpcDaErrorCode.Timeout, `${what} did not finish within ${ms} ms`, { details: { timeoutMs: ms } })), ms);
  });
  work.catch(() => undefined);
  return Promise.race([work, expired]).finally(() => clock.clearTimeout(timer));
}
