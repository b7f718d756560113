/**
 * The process whose throughput and memory `publisher.bench` measures: a publisher reading the
 * local stream manager and writing to kinesalite, and nothing else (the bench samples this
 * process's VmRSS from /proc). Configured by a JSON document in BENCH_PUBLISHER_CONFIG.
 *
 * - `engine`: the Publisher (components/publisher) with a KinesisDestination, routes
 *   critical → `criticalStream` and bulk → `bulkStream`; with `aggregation` the destination
 *   packs records into KPL aggregated records (one per partition key). The destination is wrapped in a
 *   decorator that timestamps the acknowledgement of every accepted critical record; the
 *   Kinesis client is wrapped to count PutRecords calls.
 * - `naive`: what the AWS solution's publisher does per record: read 1 message, PutRecord,
 *   write the checkpoint (atomic file write with fsync), then the next one.
 *
 * Writes JSON lines on stdout (`ev`: running, progress, ack, drained, done, stopped); logs go to
 * stderr. Stops on SIGTERM (the engine stops gracefully, saving its checkpoints).
 */
import { KinesisClient, PutRecordCommand, type PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CheckpointStore, Health, StreamClient, createLogger, decodeBatch, encodeOutboundRecord, systemClock, type StreamSpec } from '../../components/core/src';
import type { DeliveryRecord, Destination, Outcome } from '../../components/publisher/src/destination';
import { awsClientConfig, type AwsClientOptions } from '../../components/publisher/src/destinations/aws-client';
import { KinesisDestination, type KinesisApi } from '../../components/publisher/src/destinations/kinesis';
import { Publisher, type PublisherSettings } from '../../components/publisher/src/publisher';

export interface PublisherChildConfig {
  readonly mode: 'engine' | 'naive';
  readonly smPort: number;
  readonly endpoint: string;
  readonly kinesisStream: string;
  /** Checkpoint folder. */
  readonly dir: string;
  readonly bulkStream: string;
  readonly criticalStream: string;
  /** Stream definitions the engine declares (the bench created them already). */
  readonly streams: readonly StreamSpec[];
  readonly deadLetter: StreamSpec;
  /** engine: bulk records to deliver before reporting `drained`; naive: records to send. */
  readonly records: number;
  readonly maxConcurrency: number;
  /** Records per PutRecords call (KinesisDestination maxRecordsPerCall). */
  readonly maxRecordsPerCall: number;
  /** engine: KPL aggregation on (KinesisDestination `aggregation.enabled`), with this many records per send. */
  readonly aggregation?: { readonly maxBatchRecords: number };
  readonly window: { readonly maxRecords: number; readonly maxBytes: number };
  readonly readBatch: number;
}

export type ChildEvent =
  | { ev: 'running'; t: number; startedAt: number }
  | { ev: 'progress'; t: number; bulk: number; critical: number; calls: number; callRecords: number; mem: NodeJS.MemoryUsage }
  | { ev: 'ack'; seq: number; appendedAt: number; sentAt: number; ackAt: number }
  | { ev: 'drained'; t: number; startedAt: number; lastBulkAckAt: number; bulk: number; calls: number; callRecords: number }
  | { ev: 'done'; startedAt: number; endedAt: number; records: number; calls: number }
  | { ev: 'stopped'; t: number };

const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };

function emit(e: ChildEvent): void {
  process.stdout.write(`${JSON.stringify(e)}\n`);
}

function awsOptions(c: PublisherChildConfig): AwsClientOptions {
  return { region: 'us-east-1', endpoint: c.endpoint, credentials, sdkMaxAttempts: 1 };
}

/** Counts PutRecords calls and the Kinesis records they carried (aggregates count once). */
class CountingKinesis implements KinesisApi {
  calls = 0;
  records = 0;
  constructor(private readonly inner: KinesisClient) {}
  send(command: PutRecordsCommand, options?: { abortSignal?: AbortSignal }): ReturnType<KinesisApi['send']> {
    this.calls++;
    this.records += command.input.Records?.length ?? 0;
    return this.inner.send(command, options);
  }
  destroy(): void {
    this.inner.destroy();
  }
}

/** Passes everything through; notes when each record was acknowledged. */
class AckTimingDestination implements Destination {
  readonly name: string;
  readonly type: string;
  readonly maxBatchRecords: number;
  readonly maxBatchBytes: number;
  readonly maxConcurrency: number;
  bulk = 0;
  critical = 0;
  lastBulkAckAt = 0;

  constructor(
    private readonly inner: Destination,
    private readonly criticalStream: string,
    private readonly onCriticalAck: (record: DeliveryRecord, sentAt: number, ackAt: number) => void,
  ) {
    this.name = inner.name;
    this.type = inner.type;
    this.maxBatchRecords = inner.maxBatchRecords;
    this.maxBatchBytes = inner.maxBatchBytes;
    this.maxConcurrency = inner.maxConcurrency;
  }

  start(): Promise<void> {
    return this.inner.start();
  }
  status(): ReturnType<Destination['status']> {
    return this.inner.status();
  }
  stop(): Promise<void> {
    return this.inner.stop();
  }

  async send(records: readonly DeliveryRecord[], signal?: AbortSignal): Promise<Outcome[]> {
    const sentAt = Date.now();
    const outcomes = await this.inner.send(records, signal);
    const ackAt = Date.now();
    records.forEach((r, i) => {
      if (outcomes[i]?.kind !== 'accepted') return;
      if (r.origin.stream === this.criticalStream) {
        this.critical++;
        this.onCriticalAck(r, sentAt, ackAt);
      } else {
        this.bulk++;
        this.lastBulkAckAt = ackAt;
      }
    });
    return outcomes;
  }
}

async function runEngine(c: PublisherChildConfig): Promise<void> {
  const logger = createLogger({ component: 'publisher', stream: process.stderr, level: 'warn', env: {} });
  const client = new CountingKinesis(new KinesisClient(awsClientConfig(awsOptions(c))));
  const kinesis = new KinesisDestination(
    {
      ...awsOptions(c),
      name: 'kinesis',
      streamName: c.kinesisStream,
      maxConcurrency: c.maxConcurrency,
      maxRecordsPerCall: c.maxRecordsPerCall,
      ...(c.aggregation ? { aggregation: { enabled: true, maxBatchRecords: c.aggregation.maxBatchRecords } } : {}),
    },
    { logger, client },
  );
  const destination = new AckTimingDestination(kinesis, c.criticalStream, (r, sentAt, ackAt) =>
    emit({ ev: 'ack', seq: r.origin.sequenceNumber, appendedAt: r.samples[0]!.ts, sentAt, ackAt }),
  );
  const settings: PublisherSettings = {
    routes: [
      { name: 'critical', streams: [c.criticalStream], destination: 'kinesis', priority: 'critical', mapping: {} },
      { name: 'bulk', streams: [c.bulkStream], destination: 'kinesis', priority: 'bulk', mapping: {} },
    ],
    priorities: [
      { name: 'critical', weight: 8 },
      { name: 'telemetry', weight: 4 },
      { name: 'bulk', weight: 1 },
    ],
    streams: c.streams,
    deadLetter: c.deadLetter,
    window: c.window,
    readBatch: c.readBatch,
    readWaitMs: 1000,
    // The recipe's defaults (recipes/com.tributary.Publisher.yaml).
    recordRetry: { initialMs: 200, maxMs: 30_000 },
    destinationBackoff: { initialMs: 500, maxMs: 60_000 },
    stopDeadlineMs: 5000,
    gaugeIntervalMs: 5000,
  };
  const streams = new StreamClient({ port: c.smPort });
  const publisher = new Publisher(settings, {
    streams,
    destinations: [destination],
    checkpoints: new CheckpointStore(c.dir),
    health: new Health({ component: 'publisher' }),
    logger,
    clock: systemClock,
  });

  const startedAt = Date.now();
  await publisher.start();
  emit({ ev: 'running', t: Date.now(), startedAt });
  let drained = false;
  let ticks = 0;
  let mem = process.memoryUsage();
  const progress = setInterval(() => {
    // memoryUsage() walks the heap spaces (~1 ms): every 250 ms is enough for the breakdown.
    if (++ticks % 5 === 0) mem = process.memoryUsage();
    emit({ ev: 'progress', t: Date.now(), bulk: destination.bulk, critical: destination.critical, calls: client.calls, callRecords: client.records, mem });
    if (!drained && destination.bulk >= c.records) {
      drained = true;
      emit({ ev: 'drained', t: Date.now(), startedAt, lastBulkAckAt: destination.lastBulkAckAt, bulk: destination.bulk, calls: client.calls, callRecords: client.records });
    }
  }, 50);
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  clearInterval(progress);
  await publisher.stop();
  streams.close();
  emit({ ev: 'stopped', t: Date.now() });
}

async function runNaive(c: PublisherChildConfig): Promise<void> {
  const streams = new StreamClient({ port: c.smPort });
  const kinesis = new KinesisClient(awsClientConfig(awsOptions(c)));
  const checkpoints = new CheckpointStore(c.dir);
  const key = `${c.bulkStream}@naive`;
  let next = (await checkpoints.load<{ next: number }>(key))?.next ?? 0;
  let calls = 0;
  const startedAt = Date.now();
  emit({ ev: 'running', t: startedAt, startedAt });
  for (let sent = 0; sent < c.records; sent++) {
    const [m] = await streams.read(c.bulkStream, { start: next, min: 1, max: 1, waitMs: 5000 });
    if (!m) throw new Error(`no message at ${next}`);
    const decoded = decodeBatch(m.payload);
    if (!decoded.ok) throw new Error(`message ${m.sequenceNumber} does not decode`);
    const data = encodeOutboundRecord({ origin: { stream: c.bulkStream, seq: m.sequenceNumber }, priority: 'bulk', samples: decoded.samples });
    await kinesis.send(new PutRecordCommand({ StreamName: c.kinesisStream, Data: data, PartitionKey: decoded.samples[0]!.device }));
    calls++;
    next = m.sequenceNumber + 1;
    await checkpoints.save(key, { next });
  }
  emit({ ev: 'done', startedAt, endedAt: Date.now(), records: c.records, calls });
  streams.close();
  kinesis.destroy();
}

async function main(): Promise<void> {
  const raw = process.env.BENCH_PUBLISHER_CONFIG;
  if (!raw) throw new Error('BENCH_PUBLISHER_CONFIG is not set');
  const config = JSON.parse(raw) as PublisherChildConfig;
  if (config.mode === 'engine') await runEngine(config);
  else await runNaive(config);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`publisher child failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
