/**
 * `npm run bench` (publisher): a backlog of BENCH_RECORDS (default 200,000) records of ~200 B
 * (core envelopes of 1–2 samples) in the local stream manager, drained to kinesalite by the
 * Publisher engine, next to a naive publisher measured in the same run (per record: read 1
 * message, PutRecord, atomic checkpoint write with fsync — what the AWS solution's publisher does).
 *
 * Processes: the stream manager, kinesalite and the publisher each run in their own process
 * (local/bench/kinesalite-child.ts, local/bench/publisher-child.ts), so the VmRSS sampled from
 * /proc/<pid>/status is the publisher's alone. kinesalite keeps every record in memory, so each
 * phase gets a fresh one. While the backlog drains, this process appends a critical record every
 * 20 ms to tributary.out.critical carrying its append time; the publisher process notes when
 * Kinesis acknowledged it. At the end every record is read back from kinesalite (all shards,
 * from TRIM_HORIZON) and counted by origin.
 *
 * A third phase, "engine + KPL aggregation", drains the same backlog again (a fresh checkpoint
 * folder, a fresh kinesalite, its own critical stream) with the destination's KPL aggregation on:
 * the records of a send are packed into one aggregated Kinesis record per partition key (16
 * devices here). Its read-back deaggregates every Kinesis record with aws-kinesis-agg (checksums
 * verified) before counting origins, and reports user records per Kinesis record.
 *
 * Targets (on the plain engine): ≥ 10,000 records/s and ≥ 50× the naive publisher; RSS ≤ 150 MB
 * while draining; p99 append → Kinesis acknowledgement of a critical record ≤ 250 ms while the
 * backlog drains. The aggregated phase is reported on an extra line (rate, ratio vs naive): it
 * needs KPL-aware consumers, so it does not stand in for the plain figures.
 *
 * Env: BENCH_RECORDS, BENCH_NAIVE_RECORDS (default 2,000), BENCH_CONCURRENCY (Kinesis sends in
 * flight, default 4 as KinesisDestination), BENCH_BATCH (records per PutRecords, default 500),
 * BENCH_WINDOW (records held per lane, default 2,000 as in the recipe), BENCH_READ_BATCH
 * (default 500), BENCH_SHARDS (default 4), BENCH_KPL=0 (skip the aggregated phase), BENCH_KPL_BATCH
 * (records per send while aggregating, default BENCH_BATCH), BENCH_NODE_FLAGS (node flags of the publisher
 * process), BENCH_CPU_PROF=<dir> (profile the publisher process), BENCH_DUMP=<file> (critical
 * acknowledgements as JSON lines).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { StreamClient, encodeBatch, type Sample, type StreamSpec } from '../../components/core/src';
import { isAggregatedRecord } from '../../components/publisher/src/destinations/kinesis-aggregation';
import { deaggregate } from '../../components/publisher/src/destinations/testing/kpl';
import type { ChildEvent, PublisherChildConfig } from './publisher-child';
import { PUBLISHER_NODE_OPTIONS } from '../packaging/components';

// The SDK warns once per process that Node 20 support ends in 2027; not news for a bench.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const RECORDS = intEnv('BENCH_RECORDS', 200_000);
const NAIVE_RECORDS = intEnv('BENCH_NAIVE_RECORDS', 2_000);
const CONCURRENCY = intEnv('BENCH_CONCURRENCY', 4);
const BATCH = intEnv('BENCH_BATCH', 500);
const WINDOW = intEnv('BENCH_WINDOW', 2_000);
const READ_BATCH = intEnv('BENCH_READ_BATCH', 500);
const SHARDS = intEnv('BENCH_SHARDS', 4);
const KPL = process.env.BENCH_KPL !== '0';
const KPL_BATCH = intEnv('BENCH_KPL_BATCH', BATCH);
const CPU_PROF = process.env.BENCH_CPU_PROF;
// Default: the flags the Publisher's recipe runs it with.
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? PUBLISHER_NODE_OPTIONS).split(' ').filter((f) => f !== '');
const CRITICAL_EVERY_MS = 20;
const WARMUP_MS = 1000;
const CLOCK_TICKS = 100; // USER_HZ on Linux
const APPEND_PIPELINE = 1000;

const TARGET_RATE = 10_000;
const TARGET_RATIO = 50;
const TARGET_RSS_MB = 150;
const TARGET_P99_MS = 250;

const CRITICAL = 'tributary.out.critical';
/** The aggregated phase's critical stream (the plain phase's critical records would be read again otherwise). */
const CRITICAL_KPL = 'bench.critical.kpl';
const BULK = 'tributary.out.summary';
const NAIVE = 'bench.naive';
const DLQ = 'tributary.publisher.deadletter';
const KINESIS_STREAM = 'tributary-bench';
const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };

function intEnv(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${v}`);
  return n;
}

function spec(name: string): StreamSpec {
  return { name, persistence: 'File', maxSize: 1 << 30, segmentSize: 16 << 20, strategyOnFull: name === BULK ? 'OverwriteOldestData' : 'RejectNewData' };
}

// ---------------------------------------------------------------------------------------------
// Child processes (each stopped by its PID, also on error paths)

interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<void>;
  stderr(): string;
}

const children = new Set<Child>();

function startChild(name: string, args: string[], env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  if (proc.pid === undefined) throw new Error(`${name} did not start`);
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-8000);
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const child: Child = { name, proc, pid: proc.pid, exited, stderr: () => err };
  children.add(child);
  void exited.then(() => children.delete(child));
  return child;
}

async function stopChild(child: Child, graceMs = 10_000): Promise<void> {
  if (!children.has(child)) return;
  try {
    process.kill(child.pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  let timer: NodeJS.Timeout | undefined;
  const late = await Promise.race([child.exited.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs)))]);
  clearTimeout(timer);
  if (late) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
    await child.exited;
  }
}

/** Resolves with the first stdout line that `match` accepts. */
function waitForLine<T>(child: Child, match: (line: string) => T | undefined, timeoutMs = 15_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const rl = readline.createInterface({ input: child.proc.stdout! });
    const timer = setTimeout(() => fail(new Error(`${child.name}: no expected output within ${timeoutMs} ms; stderr: ${child.stderr()}`)), timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      rl.close();
      child.proc.stdout!.resume(); // keep the pipe flowing (closing readline pauses it), or a chatty child would block
    };
    const fail = (e: Error): void => {
      done();
      reject(e);
    };
    rl.on('line', (line) => {
      const v = match(line);
      if (v !== undefined) {
        done();
        resolve(v);
      }
    });
    void child.exited.then(() => fail(new Error(`${child.name} exited; stderr: ${child.stderr()}`)));
  });
}

async function startStreamManager(dir: string): Promise<{ child: Child; port: number }> {
  const child = startChild('stream manager', [path.join(__dirname, '..', 'cli', 'run.js'), 'stream-manager', '--port', '0', '--dir', dir]);
  const port = await waitForLine(child, (l) => {
    const m = /"port":(\d+)/.exec(l);
    return m ? Number(m[1]) : undefined;
  });
  return { child, port };
}

async function startKinesalite(): Promise<{ child: Child; admin: KinesisClient; endpoint: string }> {
  const child = startChild('kinesalite', [path.join(__dirname, 'kinesalite-child.js')]);
  const port = await waitForLine(child, (l) => {
    const m = /^\{"port":(\d+)\}$/.exec(l);
    return m ? Number(m[1]) : undefined;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const admin = new KinesisClient({ endpoint, region: 'us-east-1', credentials, requestHandler: new NodeHttpHandler(), maxAttempts: 1 });
  await admin.send(new CreateStreamCommand({ StreamName: KINESIS_STREAM, ShardCount: SHARDS }));
  for (let i = 0; ; i++) {
    const d = await admin.send(new DescribeStreamCommand({ StreamName: KINESIS_STREAM }));
    if (d.StreamDescription?.StreamStatus === 'ACTIVE') break;
    if (i > 100) throw new Error('kinesalite stream did not become ACTIVE');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, admin, endpoint };
}

/** Peak and last VmRSS (MB) of a process, sampled every 50 ms. */
function sampleRss(pid: number): { peakMb: () => number; stop: () => void; mark: () => void; peakSinceMarkMb: () => number } {
  let peak = 0;
  let sinceMark = 0;
  const read = (): void => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) {
        const mb = Number(m[1]) / 1024;
        peak = Math.max(peak, mb);
        sinceMark = Math.max(sinceMark, mb);
      }
    } catch {
      // the process is gone
    }
  };
  read();
  const timer = setInterval(read, 50);
  return {
    peakMb: () => peak,
    mark: () => {
      read();
      sinceMark = 0;
      read();
    },
    peakSinceMarkMb: () => sinceMark,
    stop: () => {
      read();
      clearInterval(timer);
    },
  };
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSecs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

function childConfig(mode: PublisherChildConfig['mode'], smPort: number, endpoint: string, dir: string, records: number, variant?: EngineVariant): PublisherChildConfig {
  const critical = variant?.criticalStream ?? CRITICAL;
  return {
    mode,
    smPort,
    endpoint,
    kinesisStream: KINESIS_STREAM,
    dir,
    bulkStream: mode === 'naive' ? NAIVE : BULK,
    criticalStream: critical,
    streams: [spec(critical), spec(BULK)],
    deadLetter: spec(DLQ),
    records,
    maxConcurrency: CONCURRENCY,
    maxRecordsPerCall: BATCH,
    window: { maxRecords: WINDOW, maxBytes: 8 << 20 },
    readBatch: READ_BATCH,
    ...(variant?.aggregation ? { aggregation: { maxBatchRecords: KPL_BATCH } } : {}),
  };
}

function startPublisher(name: string, config: PublisherChildConfig): Child {
  const prof = CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF, '--cpu-prof-name', `${name}.cpuprofile`] : [];
  return startChild(name, [...NODE_FLAGS, ...prof, path.join(__dirname, 'publisher-child.js')], { BENCH_PUBLISHER_CONFIG: JSON.stringify(config), LOG_LEVEL: 'warn' });
}

function events(child: Child, on: (e: ChildEvent) => void): void {
  readline.createInterface({ input: child.proc.stdout! }).on('line', (line) => {
    if (line.startsWith('{"ev":')) on(JSON.parse(line) as ChildEvent);
  });
}

// ---------------------------------------------------------------------------------------------
// Records

const DEVICES = Array.from({ length: 16 }, (_, i) => `WVWZZZ1JZXW${String(100001 + i)}`);
const SIGNALS: [string, string][] = [
  ['rpm', 'rpm'],
  ['speed', 'km/h'],
  ['coolant_temp', 'degC'],
  ['engine_load', '%'],
  ['fuel_level', '%'],
  ['intake_temp', 'degC'],
];

/** A core envelope of 1 or 2 samples (alternating), about 200 B on average. */
function bulkPayload(i: number): Buffer {
  const device = DEVICES[i % DEVICES.length]!;
  const ts = 1_760_000_000_000 + i * 500;
  const one = (k: number): Sample => {
    const [name, unit] = SIGNALS[(i + k) % SIGNALS.length]!;
    return { device, source: 'obd', name, value: Math.round(((i * 7919 + k * 104729) % 100000) / 10) / 10, unit, quality: 'GOOD', ts };
  };
  return encodeBatch(i % 2 === 0 ? [one(0)] : [one(0), one(1)]);
}

function criticalPayload(appendedAt: number): Buffer {
  return encodeBatch([{ device: DEVICES[0]!, source: 'obd', name: 'event.high_rpm', value: 2750, unit: 'rpm', quality: 'GOOD', ts: appendedAt, attrs: { rule: 'rpm > 2700' } }]);
}

async function appendAll(client: StreamClient, stream: string, n: number): Promise<{ secs: number; bytes: number }> {
  const t0 = process.hrtime.bigint();
  let next = 0;
  let bytes = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const p = bulkPayload(next++);
      bytes += p.length;
      await client.append(stream, p);
    }
  };
  await Promise.all(Array.from({ length: Math.min(APPEND_PIPELINE, n) }, worker));
  return { secs: Number(process.hrtime.bigint() - t0) / 1e9, bytes };
}

/**
 * Every record in the Kinesis stream (all shards, from TRIM_HORIZON), counted by origin.
 * Aggregated records are deaggregated (aws-kinesis-agg, checksums verified): `total` counts
 * Kinesis records, `users` the user records in them.
 */
async function readBack(admin: KinesisClient): Promise<{ total: number; users: number; aggregated: number; distinct: Map<string, Set<number>> }> {
  const shards = (await admin.send(new ListShardsCommand({ StreamName: KINESIS_STREAM }))).Shards ?? [];
  const distinct = new Map<string, Set<number>>();
  let total = 0;
  let users = 0;
  let aggregated = 0;
  const decoder = new TextDecoder();
  const count = (data: Uint8Array): void => {
    const doc = JSON.parse(decoder.decode(data)) as { origin: { stream: string; seq: number } };
    let set = distinct.get(doc.origin.stream);
    if (!set) distinct.set(doc.origin.stream, (set = new Set()));
    set.add(doc.origin.seq);
    users++;
  };
  for (const shard of shards) {
    let it = (await admin.send(new GetShardIteratorCommand({ StreamName: KINESIS_STREAM, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    while (it) {
      const r = await admin.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10_000 }));
      const records = r.Records ?? [];
      for (const rec of records) {
        total++;
        if (rec.Data && isAggregatedRecord(rec.Data)) {
          aggregated++;
          for (const u of deaggregate(rec)) count(u.data);
        } else count(rec.Data!);
      }
      if (records.length === 0) break;
      it = r.NextShardIterator;
    }
  }
  return { total, users, aggregated, distinct };
}

// ---------------------------------------------------------------------------------------------
// Phases

interface NaiveResult {
  records: number;
  secs: number;
  rate: number;
  calls: number;
  rssMb: number;
  verified: number;
}

async function naivePhase(smPort: number, client: StreamClient, dir: string): Promise<NaiveResult> {
  await client.ensureStream(spec(NAIVE));
  await appendAll(client, NAIVE, NAIVE_RECORDS);
  const kin = await startKinesalite();
  try {
    const child = startPublisher('naive', childConfig('naive', smPort, kin.endpoint, path.join(dir, 'naive-checkpoints'), NAIVE_RECORDS));
    const rss = sampleRss(child.pid);
    try {
      const done = await waitForLine(
        child,
        (l) => {
          const e = l.startsWith('{"ev":"done"') ? (JSON.parse(l) as Extract<ChildEvent, { ev: 'done' }>) : undefined;
          return e;
        },
        300_000,
      );
      rss.stop();
      const secs = (done.endedAt - done.startedAt) / 1000;
      const back = await readBack(kin.admin);
      return { records: done.records, secs, rate: done.records / secs, calls: done.calls, rssMb: rss.peakMb(), verified: back.distinct.get(NAIVE)?.size ?? 0 };
    } finally {
      rss.stop();
      await stopChild(child);
    }
  } finally {
    kin.admin.destroy();
    await stopChild(kin.child);
  }
}

interface EngineVariant {
  /** Process and checkpoint folder name. */
  readonly name: string;
  readonly aggregation: boolean;
  readonly criticalStream: string;
  /** Append the backlog first (the first engine phase); later phases drain the same backlog again. */
  readonly append: boolean;
}

interface EngineResult {
  appendRate: number;
  appendBytes: number;
  secs: number;
  rate: number;
  calls: number;
  callRecords: number;
  rssDrainMb: number;
  rssPeakMb: number;
  latencies: number[];
  /** Of critical records appended after the first WARMUP_MS of the drain. */
  steady: number[];
  /** Parts of it: append → handed to the Kinesis destination; PutRecords call. */
  waits: number[];
  puts: number[];
  critical: { fed: number; acked: number };
  verifiedBulk: number;
  verifiedCritical: number;
  kinesisTotal: number;
  /** User records in the Kinesis records read back (aggregates deaggregated), and how many Kinesis records were aggregates. */
  kinesisUsers: number;
  kinesisAggregated: number;
  /** CPU seconds during the drain, per process. */
  cpu: { publisher: number; kinesalite: number; streamManager: number; bench: number };
  /** process.memoryUsage() of the publisher at its highest reported RSS while draining. */
  mem: NodeJS.MemoryUsage | undefined;
}

async function enginePhase(smPort: number, smPid: number, client: StreamClient, dir: string, variant: EngineVariant): Promise<EngineResult> {
  const appended = variant.append ? await appendAll(client, BULK, RECORDS) : undefined;
  const kin = await startKinesalite();
  const feeder = new StreamClient({ port: smPort });
  try {
    const child = startPublisher(variant.name, childConfig('engine', smPort, kin.endpoint, path.join(dir, `${variant.name}-checkpoints`), RECORDS, variant));
    const rss = sampleRss(child.pid);
    const acks = new Map<number, number>();
    const steady: number[] = [];
    let runningAt = 0;
    const waits: number[] = [];
    const puts: number[] = [];
    let fed = 0;
    let feederTimer: NodeJS.Timeout | undefined;
    const feeds: Promise<unknown>[] = [];
    const feed = (): void => {
      const at = Date.now();
      fed++;
      feeds.push(feeder.append(variant.criticalStream, criticalPayload(at)));
    };
    try {
      let onDrained: (e: Extract<ChildEvent, { ev: 'drained' }>) => void = () => undefined;
      const drained = new Promise<Extract<ChildEvent, { ev: 'drained' }>>((resolve) => (onDrained = resolve));
      let lastProgress: Extract<ChildEvent, { ev: 'progress' }> | undefined;
      let memAtPeak: NodeJS.MemoryUsage | undefined;
      let drainedYet = false;
      const pids = [child.pid, kin.child.pid, smPid];
      let cpuAtStart: number[] = [];
      let benchCpuAtStart = process.cpuUsage();
      let cpu: EngineResult['cpu'] = { publisher: NaN, kinesalite: NaN, streamManager: NaN, bench: NaN };
      events(child, (e) => {
        if (e.ev === 'running') {
          runningAt = e.t;
          cpuAtStart = pids.map(cpuSecs);
          benchCpuAtStart = process.cpuUsage();
          rss.mark();
          feed();
          feederTimer = setInterval(feed, CRITICAL_EVERY_MS);
        } else if (e.ev === 'ack') {
          acks.set(e.seq, e.ackAt - e.appendedAt);
          if (e.appendedAt >= runningAt + WARMUP_MS) steady.push(e.ackAt - e.appendedAt);
          if (process.env.BENCH_DUMP) fs.appendFileSync(process.env.BENCH_DUMP, `${JSON.stringify(e)}\n`);
          waits.push(e.sentAt - e.appendedAt);
          puts.push(e.ackAt - e.sentAt);
        } else if (e.ev === 'progress') {
          lastProgress = e;
          if (!drainedYet && (!memAtPeak || e.mem.rss > memAtPeak.rss)) memAtPeak = e.mem;
        } else if (e.ev === 'drained') {
          drainedYet = true;
          clearInterval(feederTimer);
          const used = pids.map((p, i) => cpuSecs(p) - cpuAtStart[i]!);
          const b = process.cpuUsage(benchCpuAtStart);
          cpu = { publisher: used[0]!, kinesalite: used[1]!, streamManager: used[2]!, bench: (b.user + b.system) / 1e6 };
          onDrained(e);
        }
      });
      const timeout = new Promise<never>((_, reject) => {
        const t = setTimeout(() => reject(new Error(`not drained within 240 s (progress ${JSON.stringify(lastProgress)}); stderr: ${child.stderr()}`)), 240_000);
        void drained.finally(() => clearTimeout(t));
      });
      const failed = child.exited.then(() => {
        throw new Error(`publisher exited early; stderr: ${child.stderr()}`);
      });
      const d = await Promise.race([drained, timeout, failed]);
      const rssDrainMb = rss.peakSinceMarkMb();
      await Promise.all(feeds);
      // Critical records appended during the drain still get through after it.
      for (let i = 0; i < 100 && acks.size < fed; i++) await new Promise((r) => setTimeout(r, 50));
      await stopChild(child);
      rss.stop();
      const back = await readBack(kin.admin);
      const secs = (d.lastBulkAckAt - d.startedAt) / 1000;
      return {
        appendRate: appended ? RECORDS / appended.secs : NaN,
        appendBytes: appended?.bytes ?? NaN,
        secs,
        rate: RECORDS / secs,
        calls: d.calls,
        callRecords: d.callRecords,
        rssDrainMb,
        rssPeakMb: rss.peakMb(),
        latencies: [...acks.values()].sort((a, b) => a - b),
        steady: steady.sort((a, b) => a - b),
        waits: waits.sort((a, b) => a - b),
        puts: puts.sort((a, b) => a - b),
        critical: { fed, acked: acks.size },
        verifiedBulk: back.distinct.get(BULK)?.size ?? 0,
        verifiedCritical: back.distinct.get(variant.criticalStream)?.size ?? 0,
        kinesisTotal: back.total,
        kinesisUsers: back.users,
        kinesisAggregated: back.aggregated,
        cpu,
        mem: memAtPeak,
      };
    } finally {
      clearInterval(feederTimer);
      rss.stop();
      await stopChild(child);
    }
  } finally {
    feeder.close();
    kin.admin.destroy();
    await stopChild(kin.child);
  }
}

// ---------------------------------------------------------------------------------------------
// Report

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function memLine(m: NodeJS.MemoryUsage | undefined): string {
  if (!m) return 'n/a';
  const mb = (n: number): string => (n / (1 << 20)).toFixed(0);
  return `rss ${mb(m.rss)} MB = V8 heap ${mb(m.heapTotal)} MB (${mb(m.heapUsed)} used) + external ${mb(m.external)} MB + code, stacks, allocator`;
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n') + '\n';
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-pubbench-'));
  let sm: { child: Child; port: number } | undefined;
  let client: StreamClient | undefined;
  try {
    sm = await startStreamManager(path.join(dir, 'streams'));
    client = new StreamClient({ port: sm.port });
    for (const s of [spec(CRITICAL), spec(CRITICAL_KPL), spec(BULK), spec(DLQ)]) await client.ensureStream(s);
    const naive = await naivePhase(sm.port, client, dir);
    const engine = await enginePhase(sm.port, sm.child.pid, client, dir, { name: 'engine', aggregation: false, criticalStream: CRITICAL, append: true });
    const kpl = KPL ? await enginePhase(sm.port, sm.child.pid, client, dir, { name: 'engine-kpl', aggregation: true, criticalStream: CRITICAL_KPL, append: false }) : undefined;

    const lat = engine.latencies;
    const ratio = engine.rate / naive.rate;
    const ok = (b: boolean): string => (b ? 'PASS' : 'MISS');
    const kplRatio = kpl ? kpl.rate / naive.rate : NaN;
    const kplComplete = !kpl || (kpl.verifiedBulk === RECORDS && kpl.verifiedCritical === kpl.critical.fed);
    const complete = engine.verifiedBulk === RECORDS && engine.verifiedCritical === engine.critical.fed && naive.verified === naive.records && kplComplete;
    const perKinesisRecord = (r: EngineResult): string => (r.kinesisUsers / r.kinesisTotal).toFixed(1);
    process.stdout.write(
      `\nPublisher: backlog of ${fmt(RECORDS)} records (avg ${Math.round(engine.appendBytes / RECORDS)} B, core envelope of 1–2 samples) in the local stream manager → kinesalite (${SHARDS} shards, in memory);\n` +
        `stream manager, kinesalite and publisher each in their own process; ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}, Node ${process.version}\n` +
        `backlog appended at ${fmt(engine.appendRate)} msg/s (not part of the figures); engine: ${CONCURRENCY} PutRecords of up to ${BATCH} records in flight, window ${fmt(WINDOW)} records per lane, reads of ${READ_BATCH}` +
        `${NODE_FLAGS.length > 0 ? `, publisher runs with ${NODE_FLAGS.join(' ')}` : ''}\n`,
    );
    process.stdout.write(
      table([
        ['publisher', 'records', 'seconds', 'records/s', 'vs naive', 'Kinesis calls', 'Kinesis records/call', 'records/Kinesis record', 'RSS peak MB', 'in Kinesis'],
        [
          'engine (PutRecords, batched checkpoints)',
          fmt(RECORDS),
          engine.secs.toFixed(2),
          fmt(engine.rate),
          `${ratio.toFixed(1)}x`,
          fmt(engine.calls),
          (engine.callRecords / engine.calls).toFixed(1),
          perKinesisRecord(engine),
          engine.rssDrainMb.toFixed(0),
          fmt(engine.verifiedBulk),
        ],
        ...(kpl
          ? [
              [
                'engine + KPL aggregation (KPL-aware consumers)',
                fmt(RECORDS),
                kpl.secs.toFixed(2),
                fmt(kpl.rate),
                `${kplRatio.toFixed(1)}x`,
                fmt(kpl.calls),
                (kpl.callRecords / kpl.calls).toFixed(1),
                perKinesisRecord(kpl),
                kpl.rssDrainMb.toFixed(0),
                fmt(kpl.verifiedBulk),
              ],
            ]
          : []),
        [`naive (read 1, PutRecord, fsync'd checkpoint)`, fmt(naive.records), naive.secs.toFixed(2), fmt(naive.rate), '1.0x', fmt(naive.calls), '1.0', '1.0', naive.rssMb.toFixed(0), fmt(naive.verified)],
      ]),
    );
    process.stdout.write(
      `naive measured on ${fmt(naive.records)} records and taken as a steady rate (it does the same work per record; ${fmt(RECORDS)} would take ~${fmt(RECORDS / naive.rate)} s)\n` +
        `critical records (one every ${CRITICAL_EVERY_MS} ms during the drain), append → Kinesis acknowledgement: ${fmt(engine.critical.acked)} of ${fmt(engine.critical.fed)} acknowledged, ` +
        `p50 ${pct(lat, 50)} ms, p99 ${pct(lat, 99)} ms, max ${lat[lat.length - 1] ?? NaN} ms; in Kinesis: ${fmt(engine.verifiedCritical)}\n` +
        `  appended after the first ${WARMUP_MS} ms of the drain (process warm-up: JIT, first connections, kinesalite cold): ${fmt(engine.steady.length)}, ` +
        `p50 ${pct(engine.steady, 50)} ms, p99 ${pct(engine.steady, 99)} ms, max ${engine.steady[engine.steady.length - 1] ?? NaN} ms\n` +
        `  of which append → PutRecords sent (stream manager, lane read, wait for a send slot) p50 ${pct(engine.waits, 50)} / p99 ${pct(engine.waits, 99)} ms, ` +
        `PutRecords call (kinesalite serialises the calls of a stream) p50 ${pct(engine.puts, 50)} / p99 ${pct(engine.puts, 99)} ms\n` +
        `read back from kinesalite: ${fmt(engine.kinesisTotal)} records, ${fmt(engine.verifiedBulk)}/${fmt(RECORDS)} backlog records and ${fmt(engine.verifiedCritical)}/${fmt(engine.critical.fed)} critical ones distinct; ` +
        `publisher RSS peak ${engine.rssPeakMb.toFixed(0)} MB including stop\n` +
        `publisher memory at the highest RSS it reported while draining (every 250 ms): ${memLine(engine.mem)}\n` +
        `CPU seconds while draining (${engine.secs.toFixed(1)} s wall, ${os.cpus().length} cores shared with everything else on the machine): publisher ${engine.cpu.publisher.toFixed(1)}, ` +
        `kinesalite ${engine.cpu.kinesalite.toFixed(1)}, stream manager ${engine.cpu.streamManager.toFixed(1)}, bench (critical feeder) ${engine.cpu.bench.toFixed(1)}; ` +
        `publisher CPU per record ${((engine.cpu.publisher / RECORDS) * 1e6).toFixed(0)} µs\n\n`,
    );
    if (kpl) {
      const kl = kpl.latencies;
      process.stdout.write(
        `engine + KPL aggregation (same backlog drained again, fresh kinesalite; one aggregated Kinesis record per partition key and send, ${fmt(KPL_BATCH)} records per send, ${DEVICES.length} devices = partition keys):\n` +
          `  ${fmt(kpl.rate)} records/s = ${kplRatio.toFixed(1)}x naive (plain engine ${ratio.toFixed(1)}x); ${fmt(kpl.calls)} PutRecords calls carrying ${fmt(kpl.callRecords)} Kinesis records ` +
          `(plain engine: ${fmt(engine.calls)} calls, ${fmt(engine.callRecords)} records)\n` +
          `  read back from kinesalite: ${fmt(kpl.kinesisTotal)} Kinesis records (${fmt(kpl.kinesisAggregated)} aggregated) deaggregated with aws-kinesis-agg (checksums verified) into ${fmt(kpl.kinesisUsers)} user records, ` +
          `${perKinesisRecord(kpl)} per Kinesis record; ${fmt(kpl.verifiedBulk)}/${fmt(RECORDS)} backlog records and ${fmt(kpl.verifiedCritical)}/${fmt(kpl.critical.fed)} critical ones distinct\n` +
          `  critical append → acknowledgement: ${fmt(kpl.critical.acked)} of ${fmt(kpl.critical.fed)}, p50 ${pct(kl, 50)} ms, p99 ${pct(kl, 99)} ms; RSS while draining ${kpl.rssDrainMb.toFixed(0)} MB (peak ${kpl.rssPeakMb.toFixed(0)} MB including stop); ` +
          `CPU seconds: publisher ${kpl.cpu.publisher.toFixed(1)} (${((kpl.cpu.publisher / RECORDS) * 1e6).toFixed(0)} µs per record), kinesalite ${kpl.cpu.kinesalite.toFixed(1)}, stream manager ${kpl.cpu.streamManager.toFixed(1)}\n\n`,
      );
    }
    process.stdout.write(
      table([
        ['target', 'measured', 'result'],
        [`records/s >= ${fmt(TARGET_RATE)}`, fmt(engine.rate), ok(engine.rate >= TARGET_RATE)],
        [`vs naive >= ${TARGET_RATIO}x`, `${ratio.toFixed(1)}x`, ok(ratio >= TARGET_RATIO)],
        [`RSS while draining <= ${TARGET_RSS_MB} MB`, `${engine.rssDrainMb.toFixed(0)} MB`, ok(engine.rssDrainMb <= TARGET_RSS_MB)],
        [`critical p99 <= ${TARGET_P99_MS} ms`, `${pct(lat, 99)} ms`, ok(pct(lat, 99) <= TARGET_P99_MS && engine.critical.acked === engine.critical.fed)],
        ['every record in Kinesis', complete ? 'all' : 'MISSING', ok(complete)],
        ...(kpl
          ? [
              [
                `+ KPL aggregation (needs KPL-aware consumers): >= ${fmt(TARGET_RATE)}/s, >= ${TARGET_RATIO}x`,
                `${fmt(kpl.rate)}, ${kplRatio.toFixed(1)}x`,
                ok(kpl.rate >= TARGET_RATE && kplRatio >= TARGET_RATIO),
              ],
            ]
          : []),
      ]),
    );
  } finally {
    client?.close();
    for (const c of [...children]) await stopChild(c);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
  process.exitCode = 1;
});
