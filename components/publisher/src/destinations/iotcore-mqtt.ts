/**
 * AWS IoT Core over a direct MQTT 3.1.1 connection with an X.509 client certificate
 * (aws-iot-device-sdk-v2 / aws-crt `mqtt.MqttClient`; MQTT 3.1.1 so that it also works with
 * the embedded aedes broker). QoS 1; a message counts as delivered only on PUBACK.
 *
 * - Records are packed into bundles per topic (see iotcore-packing.ts).
 * - Not connected at send time → `retry` at once (nothing is queued in the client's unbounded
 *   offline queue). A connection lost while publishes wait for PUBACK → those resolve `retry`
 *   (the client may still deliver them after reconnecting: a duplicate, which consumers drop
 *   by origin).
 * - At most `maxInFlight` publishes wait for PUBACK at once, across concurrent send() calls.
 * - The connection reconnects by itself (aws-crt after the first CONNACK; before that, this
 *   class with capped, jittered backoff).
 */
import * as fs from 'node:fs';
import { mqtt, iot } from 'aws-iot-device-sdk-v2';
import { Backoff, TributaryError, createLogger, errorMessage, type Logger, type RateLimitedLog } from '../../../core/src';
import type { DeliveryRecord, Destination, DestinationStatus, Outcome } from '../destination';
import { IotCoreErrorCode, combineOutcomes, planMessages, type PackingOptions } from './iotcore-packing';
import { StatusTracker } from './status';

export interface IotCoreMqttOptions extends PackingOptions {
  readonly name: string;
  /** IoT Core data endpoint host (`xxxx-ats.iot.eu-west-1.amazonaws.com`) or `127.0.0.1` locally. */
  readonly endpoint: string;
  /** Default 8883. */
  readonly port?: number;
  readonly certFile: string;
  readonly keyFile: string;
  /** CA bundle (Amazon Root CA 1, or the local test CA). Default: the system trust store. */
  readonly caFile?: string;
  /** MQTT client id; with IoT Core usually the thing name. */
  readonly clientId: string;
  /** PUBACKs awaited at once. Default 10 (IoT Core allows 100 unacked QoS 1 publishes per connection). */
  readonly maxInFlight?: number;
  /** Time to wait for a PUBACK before answering `retry`. Default 15 000 ms. */
  readonly publishTimeoutMs?: number;
  readonly keepAliveSeconds?: number;
  /** Reconnect backoff bounds (seconds). Defaults 1 and 60. */
  readonly reconnectMinSeconds?: number;
  readonly reconnectMaxSeconds?: number;
  /** Concurrent send() calls. Default 2. */
  readonly maxConcurrency?: number;
  /** Records per send() call. Default 100. */
  readonly maxBatchRecords?: number;
}

export interface IotCoreMqttDeps {
  readonly logger?: Logger;
  readonly status?: StatusTracker;
}

interface Waiter {
  resolve(outcome: Outcome): void;
}

export class IotCoreMqttDestination implements Destination {
  readonly name: string;
  readonly type = 'iotcore';
  readonly maxBatchRecords: number;
  readonly maxBatchBytes: number;
  readonly maxConcurrency: number;

  private readonly options: IotCoreMqttOptions;
  private readonly tracker: StatusTracker;
  private readonly log: Logger;
  private readonly failLog: RateLimitedLog;
  private client: mqtt.MqttClient | undefined;
  private connection: mqtt.MqttClientConnection | undefined;
  private connected = false;
  /** CRT reconnects by itself only after a first successful connect. */
  private everConnected = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private inFlight = 0;
  private readonly slotWaiters: Array<() => void> = [];
  /** Publishes waiting for PUBACK: resolved with `retry` on disconnect. */
  private readonly pending = new Set<Waiter>();

  constructor(options: IotCoreMqttOptions, deps: IotCoreMqttDeps = {}) {
    this.options = options;
    this.name = options.name;
    this.maxBatchRecords = options.maxBatchRecords ?? 100;
    this.maxBatchBytes = Math.max(options.maxMessageBytes ?? 128 * 1024, 1) * 8;
    this.maxConcurrency = options.maxConcurrency ?? 2;
    this.tracker = deps.status ?? new StatusTracker();
    this.log = (deps.logger ?? createLogger({ component: 'publisher' })).child({ module: 'iotcore-mqtt', destination: this.name });
    this.failLog = this.log.rateLimited('mqtt_failed', 30_000);
    this.backoff = new Backoff({ initialMs: (options.reconnectMinSeconds ?? 1) * 1000, maxMs: (options.reconnectMaxSeconds ?? 60) * 1000 });
  }

  /**
   * Opens the connection; resolves after the first attempt (success or not). Never throws for
   * connection problems; throws TributaryError `iotcore_config` when a certificate file cannot be read.
   */
  async start(): Promise<void> {
    this.stopped = false;
    if (this.connection) return;
    const o = this.options;
    // Fail early (a configuration error, not a connection problem) when a file cannot be read.
    for (const f of [o.certFile, o.keyFile, ...(o.caFile ? [o.caFile] : [])]) {
      try {
        fs.accessSync(f, fs.constants.R_OK);
      } catch (err) {
        throw new TributaryError(IotCoreErrorCode.Config, `Cannot read ${f} for the MQTT connection: ${errorMessage(err)}`, { cause: err, details: { file: f } });
      }
    }
    const b = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder_from_path(o.certFile, o.keyFile);
    if (o.caFile) b.with_certificate_authority_from_path(undefined, o.caFile);
    b.with_endpoint(o.endpoint)
      .with_port(o.port ?? 8883)
      .with_client_id(o.clientId)
      .with_clean_session(true)
      .with_keep_alive_seconds(o.keepAliveSeconds ?? 30)
      // aws-crt aborts the whole process (a native assert) unless the keep-alive is longer than
      // the ping timeout: at most half of it, and 5 s at most.
      .with_ping_timeout_ms(Math.min(5000, Math.floor(((o.keepAliveSeconds ?? 30) * 1000) / 2)))
      .with_protocol_operation_timeout_ms(o.publishTimeoutMs ?? 15_000)
      .with_reconnect_min_sec(o.reconnectMinSeconds ?? 1)
      .with_reconnect_max_sec(o.reconnectMaxSeconds ?? 60);
    this.client = new mqtt.MqttClient();
    const conn = this.client.new_connection(b.build());
    this.connection = conn;
    conn.on('connection_success', () => this.onConnected());
    conn.on('resume', () => this.onConnected());
    conn.on('interrupt', (err: unknown) => this.onLost('interrupted', err));
    conn.on('connection_failure', (ev: unknown) => this.onLost('connect_failed', (ev as { error?: unknown })?.error ?? ev));
    conn.on('error', (err: unknown) => this.onLost('error', err));
    conn.on('closed', () => this.onLost('closed', undefined));
    await this.attempt();
  }

  private async attempt(): Promise<void> {
    const conn = this.connection;
    if (!conn || this.stopped || this.everConnected) return;
    this.tracker.connecting();
    try {
      await conn.connect();
      this.onConnected();
    } catch (err) {
      this.onLost('connect_failed', err);
      if (this.stopped || this.everConnected) return;
      const delay = this.backoff.next();
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        void this.attempt();
      }, delay);
    }
  }

  private onConnected(): void {
    if (this.stopped) return;
    if (!this.connected) this.log.info('Connected to the MQTT endpoint.', { endpoint: this.options.endpoint, port: this.options.port ?? 8883, clientId: this.options.clientId });
    this.connected = true;
    this.everConnected = true;
    this.backoff.reset();
    this.failLog.reset();
    this.tracker.succeeded();
  }

  private onLost(what: string, err: unknown): void {
    const message = err === undefined ? what : `${what}: ${errorMessage(err)}`;
    if (this.connected || !this.stopped) this.tracker.failed(IotCoreErrorCode.Disconnected, message, true);
    if (this.connected && !this.stopped) this.log.warn('Lost the MQTT connection; it reconnects by itself.', { reason: message });
    else if (!this.stopped) this.failLog.warn('Cannot connect to the MQTT endpoint; retrying.', { reason: message, endpoint: this.options.endpoint });
    this.connected = false;
    this.failPending(IotCoreErrorCode.Disconnected, `The MQTT connection was lost (${message}) before the PUBACK.`);
  }

  private failPending(code: string, message: string): void {
    for (const w of [...this.pending]) w.resolve({ kind: 'retry', code, message });
    this.pending.clear();
  }

  status(): DestinationStatus {
    return this.tracker.snapshot();
  }

  isConnected(): boolean {
    return this.connected;
  }

  async send(records: readonly DeliveryRecord[], signal?: AbortSignal): Promise<Outcome[]> {
    const plan = planMessages(records, this.options);
    const results = await Promise.all(plan.messages.map((m) => this.publish(m.topic, m.payload, signal)));
    return combineOutcomes(plan, results);
  }

  private async acquire(signal?: AbortSignal): Promise<boolean> {
    while (this.inFlight >= (this.options.maxInFlight ?? 10)) {
      if (signal?.aborted || this.stopped) return false;
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    }
    this.inFlight++;
    return true;
  }

  private release(): void {
    this.inFlight--;
    this.slotWaiters.shift()?.();
  }

  private async publish(topic: string, payload: Buffer, signal?: AbortSignal): Promise<Outcome> {
    const notConnected = (): Outcome => ({ kind: 'retry', code: IotCoreErrorCode.Disconnected, message: 'Not connected to the MQTT endpoint.' });
    if (!this.connected || !this.connection) return notConnected();
    if (!(await this.acquire(signal))) return { kind: 'retry', code: IotCoreErrorCode.Aborted, message: 'The send was aborted.' };
    try {
      const conn = this.connection;
      if (!this.connected || !conn) return notConnected();
      return await new Promise<Outcome>((resolve) => {
        let done = false;
        const waiter: Waiter = {
          resolve: (o) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            this.pending.delete(waiter);
            signal?.removeEventListener('abort', onAbort);
            resolve(o);
          },
        };
        const onAbort = (): void => waiter.resolve({ kind: 'retry', code: IotCoreErrorCode.Aborted, message: 'The send was aborted before the PUBACK.' });
        const timeoutMs = this.options.publishTimeoutMs ?? 15_000;
        const timer = setTimeout(() => {
          this.tracker.failed(IotCoreErrorCode.Timeout, `No PUBACK within ${timeoutMs} ms.`, false);
          waiter.resolve({ kind: 'retry', code: IotCoreErrorCode.Timeout, message: `No PUBACK within ${timeoutMs} ms.` });
        }, timeoutMs);
        this.pending.add(waiter);
        signal?.addEventListener('abort', onAbort, { once: true });
        conn.publish(topic, payload, mqtt.QoS.AtLeastOnce).then(
          () => waiter.resolve({ kind: 'accepted' }),
          (err: unknown) => {
            this.failLog.warn('An MQTT publish failed; it will be sent again.', { topic, error: errorMessage(err) });
            waiter.resolve({ kind: 'retry', code: IotCoreErrorCode.PublishFailed, message: errorMessage(err) });
          },
        );
      });
    } finally {
      this.release();
    }
  }

  /** Disconnects and frees the native connection; waiting publishes resolve `retry`. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.failPending(IotCoreErrorCode.Disconnected, 'The destination is stopping.');
    for (const w of this.slotWaiters.splice(0)) w();
    const conn = this.connection;
    this.connection = undefined;
    this.client = undefined;
    this.connected = false;
    this.failLog.flush();
    if (conn) {
      conn.removeAllListeners();
      conn.on('error', () => undefined);
      await Promise.race([conn.disconnect().catch(() => undefined), new Promise<void>((resolve) => setTimeout(resolve, 5000).unref())]);
    }
  }
}
