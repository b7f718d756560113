/**
 * `npm run bench` (OPC UA part): 5,000 simulator tags at 1 Hz and at 10 Hz → com.tributary.OpcUaCollector
 * → the local stream manager. The simulator and the collector each run as a child process (the
 * collector as it runs in production: its main with a config file); the stream manager runs in
 * this process. Measured over a steady window: values/s written to the stream (from the
 * collector's health file counters and their own timestamps), collector CPU (from
 * /proc/<pid>/stat) and RSS (peak VmRSS). Targets: >= 20,000 values/s at 10 Hz, < 1 core, RSS <= 200 MB.
 *
 *   node dist/local/bench/opcua.bench.js            (after npm run build)
 *   BENCH_WINDOW_S=10 BENCH_RATES=10 BENCH_PUBLISHING_MS=500 COLLECTOR_NODE_OPTIONS= node dist/local/bench/opcua.bench.js
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StreamClient, decodeBatch } from '../../components/core/src';
import { childEnv, runnableEntry, spawnPlantServer, type ChildPlantServer } from '../simulators/opcua/src/child';
import { plantLayout } from '../simulators/opcua/src/plant';
import { freeTcpPort } from '../simulators/opcua/src/plant-server';
import { LocalStreamManager } from '../stream-manager/src/server';

const TAGS = 5000;
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 12);
const TARGET_VALUES_PER_S = 20_000;
const TARGET_RSS_MB = 200;
const CLK_TCK = 100; // Linux USER_HZ
const STREAM = 'tributary.opcua.raw';
/** How the collector is meant to run (the recipe's Run command): a V8 heap limit keeps RSS bounded at high value rates. */
const COLLECTOR_NODE_OPTIONS = process.env.COLLECTOR_NODE_OPTIONS ?? '--max-old-space-size=160';
/**
 * Tags whose value changes on every simulator update (temperatures, pressures, flows, counters:
 * 4 of a machine's 6 tags). State and Alarm change rarely, and OPC UA reports changes only, so
 * the values to expect per second are CHANGING × rate (plus a few state/alarm changes).
 */
const CHANGING = plantLayout(TAGS).filter((t) => t.kind !== 'state' && t.kind !== 'alarm').length;

interface Row {
  rateHz: number;
  expected: number;
  valuesPerS: number;
  cpuCores: number;
  rssMb: number;
  backlog: number;
  dropped: number;
  /** For context: the simulator's and this process's (stream manager) CPU. */
  simCores: number;
  smCores: number;
  /** The collector's own view at the end of the window (health gauges). */
  heapMb: number;
  externalMb: number;
}

interface HealthFile {
  at: string;
  counters: Record<string, number>;
  gauges: Record<string, number>;
  statuses: Record<string, { state: string }>;
}

function readHealth(file: string): HealthFile | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as HealthFile;
  } catch {
    return undefined;
  }
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function until(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 8000);
  await exited;
  clearTimeout(t);
}

async function scenario(rateHz: number, sm: LocalStreamManager, dir: string): Promise<Row> {
  const port = await freeTcpPort();
  let sim: ChildPlantServer | undefined;
  let collector: ChildProcess | undefined;
  try {
    sim = await spawnPlantServer(['--port', String(port), '--tags', String(TAGS), '--rate', String(rateHz), '--security', 'none', '--no-da', '--pki', path.join(dir, 'sim-pki')]);
    const healthFile = path.join(dir, `health-${rateHz}.json`);
    const configFile = path.join(dir, `collector-${rateHz}.json`);
    fs.writeFileSync(
      configFile,
      JSON.stringify({
        endpointUrl: sim.endpointUrl,
        security: { mode: 'None', policy: 'None', pkiDir: path.join(dir, `collector-pki-${rateHz}`) },
        nodeFilters: ['/Site*/**'],
        aliasPrefix: '/bench',
        // Exception-based sampling (0): a sampling interval equal to the update period would alias and miss changes.
        defaultGroup: { samplingIntervalMs: 0, publishingIntervalMs: Number(process.env.BENCH_PUBLISHING_MS ?? (rateHz >= 5 ? 200 : 1000)), queueSize: rateHz >= 5 ? 20 : 5 },
        stream: { name: STREAM, persistence: 'File', maxSize: 256 << 20 },
        healthIntervalMs: 1000,
        healthFile,
        logLevel: 'warn',
      }),
    );
    const entry = runnableEntry(path.join(__dirname, '..', '..', 'components', 'opcua-collector', 'src', 'main'));
    collector = spawn(process.execPath, [entry, '--config', configFile], { stdio: ['ignore', 'ignore', 'pipe'], env: childEnv({ STREAM_MANAGER_SERVER_PORT: String(sm.port), NODE_OPTIONS: COLLECTOR_NODE_OPTIONS }) });
    let stderr = '';
    collector.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const pid = collector.pid!;
    // Warm-up: connected, every tag subscribed, values flowing for 3 s.
    await until('the collector to write values', () => (readHealth(healthFile)?.counters.samples_written ?? 0) > TAGS, 40_000).catch((e: Error) => {
      throw new Error(`${e.message}; collector stderr: ${stderr}`);
    });
    await new Promise((r) => setTimeout(r, 3000));
    const h0 = readHealth(healthFile)!;
    const c0 = cpuSeconds(pid);
    const s0 = cpuSeconds(sim.pid);
    const m0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let peakRss = rssMb(pid);
    const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, rssMb(pid))), 500);
    await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
    clearInterval(rssTimer);
    const c1 = cpuSeconds(pid);
    const s1 = cpuSeconds(sim.pid);
    const m1 = process.cpuUsage(m0);
    const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
    const h1 = readHealth(healthFile)!;
    const dt = (Date.parse(h1.at) - Date.parse(h0.at)) / 1000;
    const written = (h1.counters.samples_written ?? 0) - (h0.counters.samples_written ?? 0);
    const dropped = Object.entries(h1.counters)
      .filter(([k]) => k.startsWith('dropped'))
      .reduce((a, [, v]) => a + v, 0);
    return {
      rateHz,
      expected: CHANGING * rateHz,
      valuesPerS: written / dt,
      cpuCores: (c1 - c0) / wallS,
      rssMb: peakRss,
      backlog: h1.gauges.backlog ?? 0,
      dropped,
      simCores: (s1 - s0) / wallS,
      smCores: (m1.user + m1.system) / 1e6 / wallS,
      heapMb: (h1.gauges.memory_heap_used_bytes ?? NaN) / 1048576,
      externalMb: (h1.gauges.memory_external_bytes ?? NaN) / 1048576,
    };
  } finally {
    if (collector) await stopChild(collector);
    if (sim) await sim.stop();
  }
}

/** A look at what landed in the stream: the newest message decodes, with aliases and source timestamps. */
async function checkStream(port: number): Promise<string> {
  const client = new StreamClient({ port });
  try {
    const st = await client.describe(STREAM);
    const [m] = await client.read(STREAM, { start: st.newest, max: 1, waitMs: 0 });
    const d = m ? decodeBatch(m.payload) : undefined;
    if (!d || !d.ok) return 'stream check: newest message NOT decodable';
    const s = d.samples[0]!;
    return `stream check: ${st.newest - st.oldest + 1} messages retained (${(st.totalBytes / 1048576).toFixed(0)} MiB); newest holds ${d.samples.length} samples, e.g. ${s.alias} = ${String(s.value)} ${s.quality} @ ${new Date(s.ts).toISOString()}`;
  } finally {
    client.close();
  }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-opcua-bench-'));
  const sm = new LocalStreamManager({ port: 0, dir: path.join(dir, 'sm') });
  await sm.start();
  const rows: Row[] = [];
  try {
    const rates = (process.env.BENCH_RATES ?? '1,10').split(',').map(Number);
    for (const rate of rates) rows.push(await scenario(rate, sm, dir));
    const out = (l: string): void => void process.stdout.write(`${l}\n`);
    out(`\nOPC UA: ${TAGS} simulator tags (${CHANGING} change on every update) → OpcUaCollector (child process, node ${COLLECTOR_NODE_OPTIONS}) → local stream manager, ${WINDOW_S} s window, ${os.cpus().length} cores`);
    const table = [
      ['rate', 'expected/s', 'values/s', 'target', 'CPU (cores)', 'target', 'peak RSS', 'target', 'backlog', 'dropped', 'sim CPU', 'SM CPU', 'heap used', 'external'],
      ...rows.map((r) => [
        `${r.rateHz} Hz`,
        String(r.expected),
        r.valuesPerS.toFixed(0),
        r.rateHz === 10 ? `>= ${TARGET_VALUES_PER_S}` : `~${r.expected}`,
        r.cpuCores.toFixed(2),
        '< 1',
        `${r.rssMb.toFixed(0)} MB`,
        `<= ${TARGET_RSS_MB} MB`,
        String(r.backlog),
        String(r.dropped),
        r.simCores.toFixed(2),
        r.smCores.toFixed(2),
        `${r.heapMb.toFixed(0)} MB`,
        `${r.externalMb.toFixed(0)} MB`,
      ]),
    ];
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    for (const row of table) out(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
    const ten = rows.find((r) => r.rateHz === 10);
    const ok = (ten === undefined || ten.valuesPerS >= TARGET_VALUES_PER_S) && rows.every((r) => r.cpuCores < 1 && r.rssMb <= TARGET_RSS_MB);
    out(`targets ${ok ? 'met' : 'NOT met'}: >= ${TARGET_VALUES_PER_S} values/s at 10 Hz, collector < 1 core and RSS <= ${TARGET_RSS_MB} MB`);
    out(`machine load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (other processes share the ${os.cpus().length} cores)`);
    out(await checkStream(sm.port));
  } finally {
    await sm.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`opcua bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
