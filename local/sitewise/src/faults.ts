/**
 * Fault injection for tests of SiteWise clients (in process, not over HTTP): per-entry errors
 * inside a 200 BatchPutAssetPropertyValue answer, whole-request errors, and a response delay.
 */
import type { ErrorCode } from './errors';
import type { EntryErrorCode } from './values';

/** Whole-request failures: ServiceUnavailable → 503, Throttling → 429, InternalFailure → 500. */
export type RequestFault = 'ServiceUnavailable' | 'Throttling' | 'InternalFailure';

export const REQUEST_FAULT_CODE: Record<RequestFault, ErrorCode> = {
  ServiceUnavailable: 'ServiceUnavailableException',
  Throttling: 'ThrottlingException',
  InternalFailure: 'InternalFailureException',
};

export class SiteWiseFaults {
  /** Added before every answer, in milliseconds (0 = none). */
  delayMs = 0;
  private entryFaults: EntryErrorCode[] = [];
  private requestFaults: { kind: RequestFault; operation?: string }[] = [];
  /** How many faults were injected so far. */
  injected = 0;

  /** The next `n` BatchPut entries (across requests) are answered with a per-entry ThrottlingException and not stored. */
  throttleNextEntries(n: number): void {
    this.failNextEntries(n, 'ThrottlingException');
  }

  /** The next `n` BatchPut entries are answered with the per-entry `code` and not stored. */
  failNextEntries(n: number, code: EntryErrorCode): void {
    for (let i = 0; i < n; i++) this.entryFaults.push(code);
  }

  /**
   * The next `n` requests fail as a whole (503 / 429 / 500). With `operation` (e.g.
   * 'BatchPutAssetPropertyValue'), only requests of that operation count.
   */
  failNextRequests(n: number, kind: RequestFault, operation?: string): void {
    for (let i = 0; i < n; i++) this.requestFaults.push({ kind, ...(operation ? { operation } : {}) });
  }

  /** Drops every pending fault and the delay. */
  clear(): void {
    this.entryFaults = [];
    this.requestFaults = [];
    this.delayMs = 0;
  }

  /** @internal the fault for the next entry, if any. */
  takeEntryFault(): EntryErrorCode | undefined {
    const code = this.entryFaults.shift();
    if (code) this.injected++;
    return code;
  }

  /** @internal the fault for a request of `operation`, if any. */
  takeRequestFault(operation: string): RequestFault | undefined {
    const i = this.requestFaults.findIndex((f) => f.operation === undefined || f.operation === operation);
    if (i < 0) return undefined;
    const [f] = this.requestFaults.splice(i, 1);
    this.injected++;
    return f!.kind;
  }
}
