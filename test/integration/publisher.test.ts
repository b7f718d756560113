/**
 * The Publisher as users run it (compiled main.ts, its own process, a config file) against real
 * local peers: the local stream manager, kinesalite and the local SiteWise service. Faults:
 * kill -9 mid-batch at several points, a destination down for a while, poison records.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { GetAssetPropertyValueHistoryCommand } from '@aws-sdk/client-iotsitewise';
import * as YAML from 'yaml';
import { StreamClient, encodeBatch, type Sample } from '../../components/core/src';
import { decodeOutbound } from '../../components/core/src/outbound';
import type { LocalStreamManager } from '../../local/stream-manager/src/server';
import { localKinesisClient, startLocalKinesis, type LocalKinesis } from '../../local/kinesis/src/kinesis';
import { LocalSiteWise } from '../../local/sitewise/src/server';
import { siteWiseClient } from '../../local/sitewise/src/client';
import { provisionAsset } from '../../local/sitewise/src/provision';
import { REPO, startStreamManager, tempDir } from '../helpers/stream-manager';
import { waitFor } from '../helpers/wait';

jest.setTimeout(90_000);

const MAIN = path.join(REPO, 'dist', 'components', 'publisher', 'src', 'main.js');
/** The SDK adds fields to a credentials object it is given: each config entry gets its own copy. */
const LOCAL_CREDS = { accessKeyId: 'local', secretAccessKey: 'local' };
const KSTREAM = 'tributary-it';
const TELEMETRY = 'tributary.out.telemetry';
const CRITICAL = 'tributary.out.critical';
const DLQ = 'tributary.publisher.deadletter';

let dir: string;
let sm: LocalStreamManager;
let streams: StreamClient;
let kinesalite: LocalKinesis;
let kinesisPort: number;
let kinesis: KinesisClient;
let sitewise: LocalSiteWise;
let sitewiseEndpoint: string;
let rpmIds: { assetId: string; propertyId: string };
const children = new Set<ChildProcess>();
let now: number;

beforeAll(async () => {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first (npm test does)`);
  dir = tempDir('tributary-publisher-it-');
  sm = await startStreamManager({ dir: path.join(dir, 'streams') });
  streams = new StreamClient({ port: sm.port });
  for (const name of [TELEMETRY, CRITICAL]) await streams.ensureStream({ name, persistence: 'File', maxSize: 64 << 20, strategyOnFull: 'RejectNewData' });

  kinesalite = await startLocalKinesis({ streams: [{ name: KSTREAM, shards: 2 }] });
  kinesisPort = kinesalite.port;
  kinesis = localKinesisClient(kinesalite.endpoint);

  sitewise = new LocalSiteWise({ activationDelayMs: 0 });
  sitewiseEndpoint = (await sitewise.listen(0)).endpoint;
  const admin = siteWiseClient(sitewiseEndpoint);
  const asset = await provisionAsset(admin, {
    modelName: 'Vehicle',
    assetName: 'car-1',
    properties: [
      { name: 'rpm', dataType: 'DOUBLE', alias: '/car-1/rpm' },
      { name: 'speed', dataType: 'DOUBLE', alias: '/car-1/speed' },
    ],
  });
  rpmIds = { assetId: asset.assetId, propertyId: asset.propertyIds.rpm! };
  admin.destroy();
  now = Date.now();
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  streams?.close();
  kinesis?.destroy();
  await kinesalite?.close();
  await sitewise?.close();
  await sm?.close();
});

function writeConfig(name: string, over: Record<string, unknown> = {}): string {
  const config = {
    destinations: [
      { type: 'kinesis', name: 'kinesis', streamName: KSTREAM, region: 'us-east-1', endpoint: `http://127.0.0.1:${kinesisPort}`, credentials: { ...LOCAL_CREDS }, sdkMaxAttempts: 1, requestTimeoutMs: 2000, connectTimeoutMs: 500 },
      { type: 'sitewise', name: 'sitewise', region: 'us-east-1', endpoint: sitewiseEndpoint, credentials: { ...LOCAL_CREDS }, sdkMaxAttempts: 1, itemAttempts: 1 },
    ],
    routes: [
      { name: 'critical', streams: [CRITICAL], destination: 'kinesis', priority: 'critical' },
      { name: 'telemetry', streams: [TELEMETRY], destination: 'kinesis', priority: 'telemetry' },
      { name: 'telemetry-sitewise', streams: [TELEMETRY], destination: 'sitewise', priority: 'telemetry' },
    ],
    inFlight: { maxRecords: 200 },
    readWaitMs: 200,
    recordRetry: { initialMs: 20, maxMs: 300 },
    destinationBackoff: { initialMs: 50, maxMs: 500 },
    checkpointDir: path.join(dir, 'checkpoints'),
    healthFile: path.join(dir, `${name}-health.json`),
    healthIntervalMs: 1000,
    gaugeIntervalMs: 200,
    stopDeadlineMs: 2000,
    ...over,
  };
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, YAML.stringify(config));
  return file;
}

interface Running {
  child: ChildProcess;
  exited: Promise<string>;
  output: () => string;
}

function startPublisher(configFile: string): Running {
  const child = spawn(process.execPath, [MAIN, '--config', configFile], {
    env: { ...process.env, STREAM_MANAGER_SERVER_PORT: String(sm.port), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? `code ${code}`)));
  return { child, exited, output: () => out };
}

function rpm(i: number, extra: Partial<Sample> = {}): Sample {
  return { device: 'car-1', source: 'obd', name: 'rpm', value: 800 + (i % 5000), quality: 'GOOD', ts: now - 3_600_000 + i, ...extra };
}

async function appendMany(stream: string, from: number, count: number, perMessage = 1): Promise<void> {
  for (let i = from; i < from + count; i++) {
    await streams.append(stream, encodeBatch(Array.from({ length: perMessage }, (_, k) => rpm(i * perMessage + k))));
  }
}

/** Every origin in the Kinesis stream, as `stream#seq` (with repeats). */
async function kinesisOrigins(): Promise<string[]> {
  const out: string[] = [];
  const shards = (await kinesis.send(new ListShardsCommand({ StreamName: KSTREAM }))).Shards ?? [];
  for (const shard of shards) {
    let it = (await kinesis.send(new GetShardIteratorCommand({ StreamName: KSTREAM, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    while (it) {
      const r = await kinesis.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10_000 }));
      for (const rec of r.Records ?? []) {
        const d = decodeOutbound(Buffer.from(rec.Data!));
        if (d.ok) for (const x of d.records) out.push(`${x.origin.stream}#${x.origin.seq}`);
      }
      if ((r.Records ?? []).length === 0) break;
      it = r.NextShardIterator;
    }
  }
  return out;
}

function checkpointOf(stream: string, destination: string): number {
  const file = path.join(dir, 'checkpoints', `${stream}@${destination}.json`);
  try {
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { value: { next: number } }).value.next;
  } catch {
    return 0;
  }
}

async function sitewiseRpmCount(): Promise<number> {
  const c = siteWiseClient(sitewiseEndpoint);
  try {
    let n = 0;
    let nextToken: string | undefined;
    do {
      const r = await c.send(new GetAssetPropertyValueHistoryCommand({ ...rpmIds, startDate: new Date(now - 8 * 86_400_000), endDate: new Date(now + 3_600_000), maxResults: 20_000, nextToken }));
      n += r.assetPropertyValueHistory?.length ?? 0;
      nextToken = r.nextToken;
    } while (nextToken);
    return n;
  } finally {
    c.destroy();
  }
}

async function deadLetters(): Promise<Array<{ code: string; destination: string; message: string; origin: { stream: string; seq: number } }>> {
  const msgs = await streams.read(DLQ, { start: 0, min: 1, max: 10_000, waitMs: 0 }).catch(() => []);
  return msgs.map((m) => JSON.parse(m.payload.toString('utf8')));
}

function health(name: string): { state: string; statuses: Record<string, { state: string }>; counters: Record<string, number> } | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, `${name}-health.json`), 'utf8'));
  } catch {
    return undefined;
  }
}

describe('Publisher process against kinesalite and the local SiteWise service', () => {
  it('loses nothing when killed with SIGKILL at several points mid-stream; duplicates stay within the in-flight window', async () => {
    const total = 3000;
    await appendMany(TELEMETRY, 0, total);
    const config = writeConfig('crash');
    const kills = [600, 1400, 2200];
    for (const at of kills) {
      const p = startPublisher(config);
      await waitFor(() => checkpointOf(TELEMETRY, 'kinesis') >= at, 30_000, `kinesis checkpoint ≥ ${at}`).catch((e: Error) => {
        throw new Error(`${e.message}\n${p.output()}`);
      });
      p.child.kill('SIGKILL');
      expect(await p.exited).toBe('SIGKILL');
    }
    const last = startPublisher(config);
    await waitFor(() => checkpointOf(TELEMETRY, 'kinesis') >= total && checkpointOf(TELEMETRY, 'sitewise') >= total, 30_000, 'both checkpoints at the end');
    const origins = await kinesisOrigins();
    const unique = new Set(origins);
    const missing = Array.from({ length: total }, (_, i) => `${TELEMETRY}#${i}`).filter((id) => !unique.has(id));
    expect(missing).toEqual([]);
    expect(origins.length - unique.size).toBeLessThanOrEqual(kills.length * 200);
    // SiteWise keeps one value per timestamp: all 3000 are there.
    expect(await sitewiseRpmCount()).toBe(total);

    last.child.kill('SIGTERM');
    expect(await last.exited).toBe('code 0');
    expect(last.output()).toContain("\"msg\":\"Stopping.\"");
  });

  it('keeps delivering to SiteWise while Kinesis is down, reports Kinesis down, and delivers everything once it is back', async () => {
    const p = startPublisher(writeConfig('down'));
    try {
      await appendMany(CRITICAL, 0, 5);
      await waitFor(() => health('down')?.statuses['destination:kinesis']?.state === 'connected', 15_000, 'kinesis connected');
      await kinesalite.close();
      const base = (await streams.describe(TELEMETRY)).newest + 1;
      await appendMany(TELEMETRY, 5000, 300);
      const end = base + 300;
      await waitFor(() => checkpointOf(TELEMETRY, 'sitewise') >= end, 20_000, 'sitewise caught up while kinesis is down');
      await waitFor(() => ['down', 'backing_off'].includes(health('down')?.statuses['destination:kinesis']?.state ?? ''), 15_000, 'kinesis reported down');
      expect(health('down')!.state).toBe('degraded');
      expect(checkpointOf(TELEMETRY, 'kinesis')).toBeLessThan(end);

      // kinesalite drops its in-memory data when closed: create the stream again, as an operator would.
      kinesalite = await startLocalKinesis({ port: kinesisPort, streams: [{ name: KSTREAM, shards: 2 }] });
      await waitFor(() => checkpointOf(TELEMETRY, 'kinesis') >= end, 30_000, 'kinesis caught up').catch((e: Error) => {
        throw new Error(`${e.message} (checkpoint ${checkpointOf(TELEMETRY, 'kinesis')})\n${p.output().slice(-5000)}`);
      });
      const origins = new Set(await kinesisOrigins());
      expect(Array.from({ length: 300 }, (_, i) => `${TELEMETRY}#${base + i}`).filter((id) => !origins.has(id))).toEqual([]);
      await waitFor(() => health('down')?.state === 'running', 15_000, 'healthy again');
    } finally {
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe('code 0');
    }
  });

  it('dead-letters poison records with the destination\'s reason and keeps the rest flowing', async () => {
    const p = startPublisher(writeConfig('poison'));
    try {
      const base = (await streams.describe(TELEMETRY)).newest + 1;
      await streams.append(TELEMETRY, Buffer.from('\u0000garbage'));
      await streams.append(TELEMETRY, encodeBatch([rpm(900_001, { ts: now - 8 * 86_400_000 })])); // older than SiteWise accepts
      await streams.append(TELEMETRY, encodeBatch([rpm(900_002, { value: 'fast' })])); // a string for a DOUBLE property
      await streams.append(TELEMETRY, encodeBatch([rpm(900_003)]));
      await waitFor(() => checkpointOf(TELEMETRY, 'sitewise') >= base + 4 && checkpointOf(TELEMETRY, 'kinesis') >= base + 4, 20_000, 'both lanes past the poison');
      const letters = (await deadLetters()).filter((l) => l.origin.seq >= base);
      const summary = letters.map((l) => `${l.origin.seq - base} ${l.destination} ${l.code}`).sort();
      expect(summary).toEqual([
        '0 kinesis envelope_unparseable',
        '0 sitewise envelope_unparseable',
        '1 sitewise sitewise_timestamp_out_of_range',
        '2 sitewise sitewise_invalid_request',
      ]);
      expect(letters.find((l) => l.origin.seq === base + 2)!.message).toMatch(/DOUBLE|type/i);
      // Kinesis took the old and the mistyped records: they are valid there.
      const origins = new Set(await kinesisOrigins());
      expect([1, 2, 3].map((i) => origins.has(`${TELEMETRY}#${base + i}`))).toEqual([true, true, true]);
    } finally {
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe('code 0');
    }
  });

  it('exits 78 naming every configuration problem before connecting to anything', async () => {
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, YAML.stringify({ routes: [{ name: 'r', streams: ['a'], destination: 'nowhere', priority: 'urgent' }], destinations: [{ type: 'kinesis', name: 'k' }], readBatch: 0 }));
    const p = startPublisher(file);
    expect(await p.exited).toBe('code 78');
    expect(p.output()).toContain('/routes/0/destination: no destination named \\"nowhere\\"');
    expect(p.output()).toContain('/routes/0/priority: no priority class named \\"urgent\\"');
    expect(p.output()).toContain('/destinations/0/streamName:');
    expect(p.output()).toContain('/readBatch:'); // schema and cross-reference problems in one run
  });
});
