/**
 * Connection status of a destination, as reported by `Destination.status()`.
 *
 * - `connected` after a successful call (or an MQTT CONNACK);
 * - `backing_off` after a transient failure (throttling, a 5xx, a per-item failure);
 * - `down` when the peer cannot be reached (connection refused / reset, DNS, timeouts), or
 *   after `downAfterFailures` consecutive failures of any kind.
 * `downSince` is the time of the first failure of the current failing streak.
 */
import { systemClock, type Clock } from '../../../core/src';
import type { DestinationState, DestinationStatus } from '../destination';

export interface StatusTrackerOptions {
  clock?: Clock;
  /** Consecutive failures after which the state is `down` whatever their kind. Default 3. */
  downAfterFailures?: number;
}

export class StatusTracker {
  private state: DestinationState = 'connecting';
  private downSince: number | undefined;
  private lastError: DestinationStatus['lastError'];
  private failures = 0;
  private readonly clock: Clock;
  private readonly downAfter: number;

  constructor(options: StatusTrackerOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.downAfter = options.downAfterFailures ?? 3;
  }

  /** A call went through. */
  succeeded(): void {
    this.state = 'connected';
    this.downSince = undefined;
    this.failures = 0;
  }

  /** A call failed; `unreachable` for network-level failures. */
  failed(code: string, message: string, unreachable: boolean): void {
    const now = this.clock.now();
    this.failures++;
    this.downSince ??= now;
    this.lastError = { code, message, at: now };
    this.state = unreachable || this.failures >= this.downAfter ? 'down' : 'backing_off';
  }

  /** Partial trouble inside a successful call (per-item throttling): the peer is up but pushing back. */
  degraded(code: string, message: string): void {
    const now = this.clock.now();
    this.lastError = { code, message, at: now };
    this.downSince ??= now;
    this.state = 'backing_off';
  }

  /** Back to `connecting` (start, reconnect in progress). */
  connecting(): void {
    if (this.state !== 'down' && this.state !== 'backing_off') this.state = 'connecting';
  }

  snapshot(): DestinationStatus {
    const s: { state: DestinationState; downSince?: number; lastError?: DestinationStatus['lastError'] } = { state: this.state };
    if (this.downSince !== undefined) s.downSince = this.downSince;
    if (this.lastError !== undefined) s.lastError = this.lastError;
    return s;
  }
}
