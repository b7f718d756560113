/**
 * A scriptable destination for engine tests: records what it was sent and accepts, and answers
 * through a policy function (accept by default). Not part of the component's artifact.
 */
import type { DeliveryRecord, Destination, DestinationStatus, Outcome } from '../destination';

export type Policy = (record: DeliveryRecord, call: number) => Outcome | Promise<Outcome>;

export class FakeDestination implements Destination {
  readonly type = 'fake';
  /** Every send() call's records, in call order. */
  readonly calls: DeliveryRecord[][] = [];
  /** Records answered `accepted`, in acceptance order. */
  readonly accepted: DeliveryRecord[] = [];
  policy: Policy = () => ({ kind: 'accepted' });
  /** When set, send() waits for it before answering (a slow or hanging peer). */
  gate: Promise<void> | undefined;
  /** When set, send() throws this (the whole call failed). */
  failWith: Error | undefined;
  private st: DestinationStatus = { state: 'connecting' };
  maxInFlightSeen = 0;
  private inflight = 0;

  constructor(
    readonly name: string,
    readonly maxBatchRecords = 100,
    readonly maxBatchBytes = 5 << 20,
    readonly maxConcurrency = 1,
  ) {}

  async start(): Promise<void> {
    this.st = { state: 'connected' };
  }

  async send(records: readonly DeliveryRecord[]): Promise<Outcome[]> {
    this.inflight++;
    this.maxInFlightSeen = Math.max(this.maxInFlightSeen, this.inflight);
    try {
      const call = this.calls.push([...records]);
      if (this.gate) await this.gate;
      if (this.failWith) {
        this.st = { state: 'down', downSince: this.st.downSince ?? Date.now(), lastError: { code: 'fake_down', message: this.failWith.message, at: Date.now() } };
        throw this.failWith;
      }
      this.st = { state: 'connected' };
      const out: Outcome[] = [];
      for (const r of records) {
        const o = await this.policy(r, call);
        if (o.kind === 'accepted') this.accepted.push(r);
        out.push(o);
      }
      return out;
    } finally {
      this.inflight--;
    }
  }

  status(): DestinationStatus {
    return this.st;
  }

  async stop(): Promise<void> {
    this.st = { state: 'down' };
  }

  /** Accepted (stream, sequence number) pairs as `stream#seq`. */
  acceptedIds(): string[] {
    return this.accepted.map((r) => `${r.origin.stream}#${r.origin.sequenceNumber}`);
  }
}
