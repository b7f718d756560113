/**
 * CompliancePeers: each destination with its real local peer, for compliance.test.ts.
 * Everything listens on 127.0.0.1; every server or process started here is stopped in stop().
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { GetAssetPropertyValueHistoryCommand, type IoTSiteWiseClient } from '@aws-sdk/client-iotsitewise';
import { mqtt, iot } from 'aws-iot-device-sdk-v2';
import { createLogger, type Sample } from '../../../../core/src';
import { decodeOutbound } from '../../../../core/src/outbound';
import { LocalMqttBroker, type BrokerListening } from '../../../../../local/mqtt-broker/src/broker';
import { ensureCertificates } from '../../../../../local/mqtt-broker/src/certs';
import { localKinesisClient, startLocalKinesis, type LocalKinesis } from '../../../../../local/kinesis/src/kinesis';
import { freePort } from '../../../../../test/helpers/stream-manager';
import { LocalSiteWise } from '../../../../../local/sitewise/src/server';
import { siteWiseClient } from '../../../../../local/sitewise/src/client';
import { provisionAsset } from '../../../../../local/sitewise/src/provision';
import type { DeliveryRecord, Destination } from '../../destination';
import type { CompliancePeer, DeliveredOrigin } from '../compliance';
import { IotCoreMqttDestination } from '../iotcore-mqtt';
import { KinesisDestination, type KinesisAggregationOptions } from '../kinesis';
import { SiteWiseDestination } from '../sitewise';
import { FakeKinesis } from './fake-kinesis';
import { deaggregate } from './kpl';
import { quietLogStream, record as makeRecord, sample } from './records';
import { waitUntil } from './wait';

const logger = createLogger({ component: 'compliance', stream: quietLogStream, level: 'error' });
const STATIC = { accessKeyId: 'local', secretAccessKey: 'local' };

function samples(count: number, over: Partial<Sample> = {}): Sample[] {
  return Array.from({ length: count }, (_, i) => sample({ name: `s${i}`, value: i, ...over }));
}

function originsOf(payloads: Iterable<Buffer | Uint8Array>): DeliveredOrigin[] {
  const out: DeliveredOrigin[] = [];
  for (const p of payloads) {
    const d = decodeOutbound(p);
    if (d.ok) for (const r of d.records) out.push({ stream: r.origin.stream, seq: r.origin.seq });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Kinesis: kinesalite (in process)

export interface KinesalitePeerOptions {
  /** The destination's KPL aggregation (default off). */
  readonly aggregation?: KinesisAggregationOptions;
  readonly shards?: number;
}

export class KinesalitePeer implements CompliancePeer {
  readonly label: string;
  private kinesis: LocalKinesis | undefined;
  private port = 0;
  private admin: KinesisClient | undefined;
  private readonly stream = 'tributary-compliance';

  constructor(private readonly options: KinesalitePeerOptions = {}) {
    this.label = options.aggregation?.enabled ? 'kinesis (kinesalite, KPL aggregation)' : 'kinesis (kinesalite)';
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get streamName(): string {
    return this.stream;
  }

  async start(): Promise<void> {
    await this.listen(0);
  }

  /** The local Kinesis on `port` with the stream created (kinesalite loses its data when closed). */
  private async listen(port: number): Promise<void> {
    this.kinesis = await startLocalKinesis({ port, streams: [{ name: this.stream, shards: this.options.shards ?? 2 }] });
    this.port = this.kinesis.port;
    this.admin?.destroy();
    this.admin = localKinesisClient(this.kinesis.endpoint);
  }

  destination(): Destination {
    return new KinesisDestination(
      {
        name: 'kinesis',
        streamName: this.stream,
        region: 'us-east-1',
        endpoint: this.endpoint,
        credentials: STATIC,
        sdkMaxAttempts: 1,
        maxRecordBytes: 64 * 1024,
        ...(this.options.aggregation ? { aggregation: this.options.aggregation } : {}),
      },
      { logger },
    );
  }

  record(stream: string, seq: number, sampleCount = 1): DeliveryRecord {
    return makeRecord(seq, samples(sampleCount), { stream });
  }

  oversize(stream: string, seq: number): { record: DeliveryRecord; code: string } {
    return { record: makeRecord(seq, [sample({ value: 'x'.repeat(70 * 1024) })], { stream }), code: 'kinesis_record_too_large' };
  }

  /** Every Kinesis record in the stream (all shards, from TRIM_HORIZON), as stored. */
  async kinesisRecords(): Promise<Array<{ Data?: Uint8Array; PartitionKey?: string; SequenceNumber?: string }>> {
    const admin = this.admin!;
    const shards = (await admin.send(new ListShardsCommand({ StreamName: this.stream }))).Shards ?? [];
    const out: Array<{ Data?: Uint8Array; PartitionKey?: string; SequenceNumber?: string }> = [];
    for (const shard of shards) {
      let it = (await admin.send(new GetShardIteratorCommand({ StreamName: this.stream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      while (it) {
        const r = await admin.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10_000 }));
        out.push(...(r.Records ?? []));
        if ((r.Records ?? []).length === 0) break;
        it = r.NextShardIterator;
      }
    }
    return out;
  }

  /** Origins of every user record (aggregated records are deaggregated, checksums verified). */
  async delivered(): Promise<DeliveredOrigin[]> {
    return originsOf((await this.kinesisRecords()).flatMap((r) => deaggregate(r).map((u) => u.data)));
  }

  async down(): Promise<void> {
    await this.kinesis?.close();
    this.kinesis = undefined;
  }

  async up(): Promise<void> {
    await this.listen(this.port);
  }

  async stop(): Promise<void> {
    this.admin?.destroy();
    await this.kinesis?.close();
    this.kinesis = undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Kinesis: loopback fake that fails chosen records inside a 200 (kinesalite never does)

export class FakeKinesisPeer implements CompliancePeer {
  readonly label = 'kinesis (loopback fake, per-record failures)';
  private readonly fake = new FakeKinesis();
  private port = 0;

  async start(): Promise<void> {
    this.port = (await this.fake.listen(0)).port;
  }

  destination(): Destination {
    return new KinesisDestination(
      { name: 'kinesis-fake', streamName: 's', region: 'us-east-1', endpoint: `http://127.0.0.1:${this.port}`, credentials: STATIC, sdkMaxAttempts: 1, maxRecordBytes: 64 * 1024 },
      { logger },
    );
  }

  record(stream: string, seq: number, sampleCount = 1): DeliveryRecord {
    return makeRecord(seq, samples(sampleCount), { stream });
  }

  oversize(stream: string, seq: number): { record: DeliveryRecord; code: string } {
    return { record: makeRecord(seq, [sample({ value: 'x'.repeat(70 * 1024) })], { stream }), code: 'kinesis_record_too_large' };
  }

  async delivered(): Promise<DeliveredOrigin[]> {
    return originsOf(this.fake.accepted.map((r) => r.data));
  }

  injectItemFailures(count: number): number[] {
    const failing = [1, 3].filter((i) => i < count);
    this.fake.script.push({ kind: 'partial', failures: { 1: 'ProvisionedThroughputExceededException', 3: 'InternalFailure' } });
    return failing;
  }

  async down(): Promise<void> {
    await this.fake.close();
  }

  async up(): Promise<void> {
    await this.fake.listen(this.port);
  }

  async stop(): Promise<void> {
    await this.fake.close();
  }
}

// ---------------------------------------------------------------------------------------------
// SiteWise: the local SiteWise service

export class LocalSiteWisePeer implements CompliancePeer {
  readonly label = 'sitewise (local SiteWise)';
  readonly service = new LocalSiteWise({ activationDelayMs: 0 });
  private port = 0;
  private admin: IoTSiteWiseClient | undefined;
  /** Value → origin: SiteWise keeps no origin, so each sample value is a unique id. */
  private readonly ids = new Map<number, DeliveredOrigin>();
  private nextId = 1;
  private readonly aliases = Array.from({ length: 8 }, (_, i) => `/compliance/gw1/v${i}`);
  private readonly base = Date.now() - 3_600_000;

  async start(): Promise<void> {
    this.port = (await this.service.listen(0)).port;
    this.admin = siteWiseClient(`http://127.0.0.1:${this.port}`, { maxAttempts: 1 });
    await provisionAsset(this.admin, {
      modelName: 'compliance',
      assetName: 'gw1',
      properties: this.aliases.map((alias, i) => ({ name: `v${i}`, dataType: 'DOUBLE' as const, alias })),
    });
  }

  destination(): Destination {
    return new SiteWiseDestination(
      { name: 'sitewise', region: 'us-east-1', endpoint: `http://127.0.0.1:${this.port}`, credentials: STATIC, sdkMaxAttempts: 1, itemAttempts: 1 },
      { logger },
    );
  }

  record(stream: string, seq: number, sampleCount = 1): DeliveryRecord {
    const list: Sample[] = [];
    for (let i = 0; i < sampleCount; i++) {
      const id = this.nextId++;
      this.ids.set(id, { stream, seq });
      // Unique timestamp per id: SiteWise keeps one value per (alias, timestamp, quality).
      const a = id % this.aliases.length;
      list.push(sample({ device: 'gw1', name: `v${a}`, alias: this.aliases[a], value: id, ts: this.base + id }));
    }
    return makeRecord(seq, list, { stream });
  }

  oversize(stream: string, seq: number): { record: DeliveryRecord; code: string } {
    // SiteWise has no record size; its "too large" is a string over 1024 characters.
    const r = makeRecord(seq, [sample({ device: 'gw1', name: 'v0', alias: this.aliases[0], value: 'x'.repeat(2000), ts: this.base })], { stream });
    return { record: r, code: 'sitewise_invalid_value' };
  }

  async delivered(): Promise<DeliveredOrigin[]> {
    const out: DeliveredOrigin[] = [];
    for (const alias of this.aliases) {
      const h = await this.admin!.send(new GetAssetPropertyValueHistoryCommand({ propertyAlias: alias, maxResults: 20_000 }));
      for (const v of h.assetPropertyValueHistory ?? []) {
        const o = this.ids.get(v.value?.doubleValue ?? -1);
        if (o) out.push(o);
      }
    }
    return out;
  }

  injectItemFailures(count: number): number[] {
    // Consecutive ids rotate over 8 aliases, so up to 8 one-sample records are one entry each,
    // in record order: the first two entries of the next call fail with a transient error.
    this.service.faults.throttleNextEntries(1);
    this.service.faults.failNextEntries(1, 'ServiceUnavailableException');
    return [0, 1].filter((i) => i < count);
  }

  async down(): Promise<void> {
    await this.service.close();
  }

  async up(): Promise<void> {
    await this.service.listen(this.port);
  }

  async stop(): Promise<void> {
    this.admin?.destroy();
    await this.service.close();
  }
}

// ---------------------------------------------------------------------------------------------
// IoT Core: the local TLS MQTT broker (aedes)

export class LocalBrokerPeer implements CompliancePeer {
  readonly label = 'iotcore mqtt (local aedes broker)';
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-cmp-mqtt-'));
  readonly broker = new LocalMqttBroker({ certDir: this.dir });
  private l: BrokerListening | undefined;

  async start(): Promise<void> {
    this.l = await this.broker.listen(0);
  }

  destination(): Destination {
    const l = this.l!;
    return new IotCoreMqttDestination(
      { name: 'iotcore', endpoint: '127.0.0.1', port: l.port, certFile: l.clientCertFile, keyFile: l.clientKeyFile, caFile: l.caFile, clientId: 'compliance', maxMessageBytes: 16 * 1024, reconnectMinSeconds: 1, reconnectMaxSeconds: 1 },
      { logger },
    );
  }

  record(stream: string, seq: number, sampleCount = 1): DeliveryRecord {
    return makeRecord(seq, samples(sampleCount), { stream });
  }

  oversize(stream: string, seq: number): { record: DeliveryRecord; code: string } {
    return { record: makeRecord(seq, [sample({ value: 'x'.repeat(20 * 1024) })], { stream }), code: 'iotcore_payload_too_large' };
  }

  async delivered(): Promise<DeliveredOrigin[]> {
    return originsOf(this.broker.messages.map((m) => m.payload));
  }

  async down(): Promise<void> {
    await this.broker.close();
  }

  async up(): Promise<void> {
    await this.broker.listen(this.l!.port);
  }

  async stop(): Promise<void> {
    await this.broker.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// IoT Core: Debian's mosquitto with require_certificate (only when installed)

export function mosquittoPath(): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' });
  const p = r.stdout.trim();
  if (r.status === 0 && p) return p;
  // Debian installs it in /usr/sbin, which is not on every user's PATH.
  return fs.existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : undefined;
}

export class MosquittoPeer implements CompliancePeer {
  readonly label = 'iotcore mqtt (mosquitto)';
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-cmp-mosq-'));
  private child: ChildProcess | undefined;
  private port = 0;
  private files: Awaited<ReturnType<typeof ensureCertificates>> | undefined;
  private subscriber: mqtt.MqttClientConnection | undefined;
  private readonly payloads: Buffer[] = [];

  constructor(private readonly binary: string) {}

  async start(): Promise<void> {
    this.files = await ensureCertificates(path.join(this.dir, 'certs'));
    // mosquitto started as root drops to user mosquitto: it must be able to reach and read the files.
    fs.chmodSync(this.dir, 0o755);
    fs.chmodSync(path.dirname(this.files.serverKeyFile), 0o755);
    for (const file of [this.files.caFile, this.files.serverCertFile, this.files.serverKeyFile]) fs.chmodSync(file, 0o644);
    this.port = await freePort();
    await this.up();
  }

  private async subscribe(): Promise<void> {
    const f = this.files!;
    const b = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder_from_path(f.clientCertFile, f.clientKeyFile);
    b.with_certificate_authority_from_path(undefined, f.caFile).with_endpoint('127.0.0.1').with_port(this.port).with_client_id('compliance-sub').with_clean_session(true);
    const conn = new mqtt.MqttClient().new_connection(b.build());
    conn.on('error', () => undefined);
    await conn.connect();
    await conn.subscribe('tributary/#', mqtt.QoS.AtLeastOnce, (_topic, payload) => this.payloads.push(Buffer.from(payload)));
    this.subscriber = conn;
  }

  destination(): Destination {
    const f = this.files!;
    return new IotCoreMqttDestination(
      { name: 'iotcore-mosquitto', endpoint: '127.0.0.1', port: this.port, certFile: f.clientCertFile, keyFile: f.clientKeyFile, caFile: f.caFile, clientId: 'compliance-pub', maxMessageBytes: 16 * 1024, reconnectMinSeconds: 1, reconnectMaxSeconds: 1 },
      { logger },
    );
  }

  record(stream: string, seq: number, sampleCount = 1): DeliveryRecord {
    return makeRecord(seq, samples(sampleCount), { stream });
  }

  oversize(stream: string, seq: number): { record: DeliveryRecord; code: string } {
    return { record: makeRecord(seq, [sample({ value: 'x'.repeat(20 * 1024) })], { stream }), code: 'iotcore_payload_too_large' };
  }

  async delivered(): Promise<DeliveredOrigin[]> {
    // QoS 1 to the subscriber: give the last messages a moment to arrive.
    await new Promise((r) => setTimeout(r, 200));
    return originsOf(this.payloads);
  }

  async down(): Promise<void> {
    const sub = this.subscriber;
    this.subscriber = undefined;
    if (sub) await sub.disconnect().catch(() => undefined);
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    }
  }

  async up(): Promise<void> {
    const f = this.files!;
    const conf = path.join(this.dir, 'mosquitto.conf');
    fs.writeFileSync(
      conf,
      [
        'per_listener_settings true',
        'persistence false',
        'log_dest stderr',
        `listener ${this.port} 127.0.0.1`,
        `cafile ${f.caFile}`,
        `certfile ${f.serverCertFile}`,
        `keyfile ${f.serverKeyFile}`,
        'require_certificate true',
        'use_identity_as_username true',
        'allow_anonymous false',
        '',
      ].join('\n'),
    );
    const child = spawn(this.binary, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.resume();
    this.child = child;
    await waitUntil(
      () =>
        new Promise<boolean>((resolve) => {
          const s = net.connect(this.port, '127.0.0.1', () => {
            s.destroy();
            resolve(true);
          });
          s.on('error', () => resolve(false));
        }),
      50,
    );
    await this.subscribe();
  }

  async stop(): Promise<void> {
    await this.down();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
