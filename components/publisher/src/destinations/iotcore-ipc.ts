/**
 * AWS IoT Core through Greengrass IPC `PublishToIoTCore` (QoS AT_LEAST_ONCE), for use under
 * Greengrass. `accepted` means the nucleus took the message into its spooler — NOT that IoT
 * Core PUBACKed it (research/publisher.md §3.1): for no-loss, run the nucleus with the disk
 * spooler and `mqtt.spooler.maxPublishRetry: -1`, or use the direct MQTT destination.
 *
 * - "Message spool is full" (a ServiceError) → `retry` (`iotcore_spool_full`);
 * - not authorized (the component's accessControl policy does not cover the topic) →
 *   `rejected` (`iotcore_unauthorized`);
 * - any other failure (IPC connection lost, internal error) → `retry`, and the IPC client is
 *   reconnected on the next send (after a capped, jittered backoff).
 *
 * The IPC client hides behind `IotCoreIpcClient` so tests use a fake.
 */
import { Backoff, createLogger, errorMessage, type Logger, type RateLimitedLog } from '../../../core/src';
import type { DeliveryRecord, Destination, DestinationStatus, Outcome } from '../destination';
import { IotCoreErrorCode, combineOutcomes, planMessages, type PackingOptions } from './iotcore-packing';
import { StatusTracker } from './status';

/** The subset of the `greengrasscoreipc` client this destination uses. */
export interface IotCoreIpcClient {
  publishToIoTCore(request: { topicName: string; qos: '1'; payload: Buffer }): Promise<unknown>;
  close(): Promise<void>;
}

export type IotCoreIpcConnect = () => Promise<IotCoreIpcClient>;

/** Creates and connects the real IPC client (loaded lazily: nothing native loads off-device). */
export const connectIotCoreIpc: IotCoreIpcConnect = async () => {
  const { greengrasscoreipc } = await import('aws-iot-device-sdk-v2');
  const client = greengrasscoreipc.createClient();
  await client.connect();
  return {
    publishToIoTCore: (req) => client.publishToIoTCore({ topicName: req.topicName, qos: greengrasscoreipc.model.QOS.AT_LEAST_ONCE, payload: req.payload }),
    close: () => client.close(),
  };
};

export interface IotCoreIpcOptions extends PackingOptions {
  readonly name: string;
  /** Publishes in flight at once. Default 10. */
  readonly maxInFlight?: number;
  /** Time to wait for the IPC answer. Default 10 000 ms. */
  readonly publishTimeoutMs?: number;
  readonly maxConcurrency?: number;
  readonly maxBatchRecords?: number;
  /** Reconnect backoff bounds. Defaults 200 ms and 30 000 ms. */
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
}

export interface IotCoreIpcDeps {
  readonly logger?: Logger;
  readonly status?: StatusTracker;
  /** Default `connectIotCoreIpc`. */
  readonly connect?: IotCoreIpcConnect;
}

/** What an IPC failure means for the message. */
export function classifyIpcError(err: unknown): Exclude<Outcome, { kind: 'accepted' }> {
  const e = err as { serviceError?: { message?: unknown }; description?: unknown; type?: unknown } | undefined;
  const text = [typeof e?.serviceError?.message === 'string' ? e.serviceError.message : '', typeof e?.description === 'string' ? e.description : '', errorMessage(err)].join(' ');
  if (/spool is full|spooler is full|spool.*full/i.test(text)) return { kind: 'retry', code: IotCoreErrorCode.SpoolFull, message: text.trim() };
  if (/not authorized|unauthori[sz]ed/i.test(text)) return { kind: 'rejected', code: IotCoreErrorCode.Unauthorized, message: text.trim() };
  return { kind: 'retry', code: IotCoreErrorCode.PublishFailed, message: text.trim() };
}

export class IotCoreIpcDestination implements Destination {
  readonly name: string;
  readonly type = 'iotcore';
  readonly maxBatchRecords: number;
  readonly maxBatchBytes: number;
  readonly maxConcurrency: number;

  private readonly options: IotCoreIpcOptions;
  private readonly connectFn: IotCoreIpcConnect;
  private readonly tracker: StatusTracker;
  private readonly log: Logger;
  private readonly failLog: RateLimitedLog;
  private readonly backoff: Backoff;
  private client: IotCoreIpcClient | undefined;
  private connecting: Promise<IotCoreIpcClient | undefined> | undefined;
  private notBefore = 0;
  private inFlight = 0;
  private readonly slotWaiters: Array<() => void> = [];
  private stopped = false;

  constructor(options: IotCoreIpcOptions, deps: IotCoreIpcDeps = {}) {
    this.options = options;
    this.name = options.name;
    this.maxBatchRecords = options.maxBatchRecords ?? 100;
    this.maxBatchBytes = Math.max(options.maxMessageBytes ?? 128 * 1024, 1) * 8;
    this.maxConcurrency = options.maxConcurrency ?? 2;
    this.connectFn = deps.connect ?? connectIotCoreIpc;
    this.tracker = deps.status ?? new StatusTracker();
    this.log = (deps.logger ?? createLogger({ component: 'publisher' })).child({ module: 'iotcore-ipc', destination: this.name });
    this.failLog = this.log.rateLimited('ipc_failed', 30_000);
    this.backoff = new Backoff({ initialMs: options.reconnectMinMs ?? 200, maxMs: options.reconnectMaxMs ?? 30_000 });
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.ensureClient();
  }

  status(): DestinationStatus {
    return this.tracker.snapshot();
  }

  private async ensureClient(): Promise<IotCoreIpcClient | undefined> {
    if (this.client) return this.client;
    if (this.stopped || Date.now() < this.notBefore) return undefined;
    this.connecting ??= (async () => {
      try {
        this.tracker.connecting();
        const c = await this.connectFn();
        if (this.stopped) {
          await c.close().catch(() => undefined);
          return undefined;
        }
        this.client = c;
        this.backoff.reset();
        this.tracker.succeeded();
        return c;
      } catch (err) {
        this.notBefore = Date.now() + this.backoff.next();
        this.tracker.failed(IotCoreErrorCode.Disconnected, `Greengrass IPC connect failed: ${errorMessage(err)}`, true);
        this.failLog.warn('Cannot connect to Greengrass IPC; retrying.', { error: errorMessage(err) });
        return undefined;
      } finally {
        this.connecting = undefined;
      }
    })();
    return this.connecting;
  }

  private dropClient(): void {
    const c = this.client;
    this.client = undefined;
    this.notBefore = Date.now() + this.backoff.next();
    if (c) void c.close().catch(() => undefined);
  }

  async send(records: readonly DeliveryRecord[], signal?: AbortSignal): Promise<Outcome[]> {
    const plan = planMessages(records, this.options);
    if (plan.messages.length === 0) return combineOutcomes(plan, []);
    const client = await this.ensureClient();
    if (!client) {
      const o: Outcome = { kind: 'retry', code: IotCoreErrorCode.Disconnected, message: 'Not connected to Greengrass IPC.' };
      return combineOutcomes(plan, plan.messages.map(() => o));
    }
    const results = await Promise.all(plan.messages.map((m) => this.publish(client, m.topic, m.payload, signal)));
    return combineOutcomes(plan, results);
  }

  private async publish(client: IotCoreIpcClient, topic: string, payload: Buffer, signal?: AbortSignal): Promise<Outcome> {
    while (this.inFlight >= (this.options.maxInFlight ?? 10)) {
      if (signal?.aborted || this.stopped) return { kind: 'retry', code: IotCoreErrorCode.Aborted, message: 'The send was aborted.' };
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    }
    this.inFlight++;
    const timeoutMs = this.options.publishTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.publishToIoTCore({ topicName: topic, qos: '1', payload }),
        new Promise((_resolve, reject) => {
          timer = setTimeout(() => reject(Object.assign(new Error(`No IPC answer within ${timeoutMs} ms.`), { name: 'TimeoutError' })), timeoutMs);
        }),
      ]);
      this.tracker.succeeded();
      return { kind: 'accepted' };
    } catch (err) {
      if (err instanceof Error && err.name === 'TimeoutError') {
        this.tracker.failed(IotCoreErrorCode.Timeout, err.message, false);
        this.dropClient();
        return { kind: 'retry', code: IotCoreErrorCode.Timeout, message: err.message };
      }
      const outcome = classifyIpcError(err);
      const isServiceError = typeof (err as { serviceError?: unknown })?.serviceError === 'object';
      if (outcome.kind === 'rejected') {
        this.log.error('Greengrass refused a publish as not authorized; check the accessControl policy in the recipe.', { topic, message: outcome.message });
      } else {
        this.tracker.failed(outcome.code, outcome.message, !isServiceError);
        this.failLog.warn('PublishToIoTCore failed; the records will be sent again.', { topic, code: outcome.code, message: outcome.message });
        // A failure that is not a modelled service error means the IPC connection is unusable.
        if (!isServiceError) this.dropClient();
      }
      return outcome;
    } finally {
      clearTimeout(timer);
      this.inFlight--;
      this.slotWaiters.shift()?.();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.slotWaiters.splice(0)) w();
    const c = this.client;
    this.client = undefined;
    this.failLog.flush();
    if (c) await c.close().catch(() => undefined);
  }
}
