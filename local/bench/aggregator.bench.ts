/**
 * Aggregator throughput: samples/s through decode → enrich → filter → events → windows → encode,
 * reading from and writing to the local stream manager (its own process, File persistence),
 * with a realistic rule set: the standard vehicle events, GPS enrichment and OBD filters, plus
 * 1,000 OPC UA tags (deadband and validity on every tag, alarms, a rule expression per line,
 * 60 s windows with every statistic). Next to it, in the same run and on the same input: the
 * raw copy (read every message and append it unchanged to another stream, no processing), and
 * the processing alone (no stream manager). Prints the figures next to the targets:
 * ≥ 50,000 samples/s on one core, and within 2× of the raw copy.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BatchPacker, CheckpointStore, Health, StreamClient, createLogger, decodeBatch, encodeBatch, splitIntoBatches, systemClock, type Sample } from '../../components/core/src';
import { Aggregator, Metric } from '../../components/aggregator/src/aggregator';
import { AggregatorConfigSchema, type AggregatorConfig } from '../../components/aggregator/src/config';
import { Processor, emptyOutputs } from '../../components/aggregator/src/processor';
import { validateConfig } from '../../components/core/src/config';

const SECONDS = 300; // event time covered by the input
const OPC_TAGS = 1000;
const OPC_PER_MESSAGE = 500;
/** Messages per read: the aggregator's default (`read.maxMessages`), for the raw copy too. */
const READ_MAX = validateConfig(AggregatorConfigSchema, {}).read.maxMessages;
const T0 = Date.UTC(2025, 0, 1, 8, 0, 0);
const INPUTS = { obd: 'bench.obd.raw', gps: 'bench.gps.raw', opc: 'bench.opcua.raw' };
const TARGET_RATE = 50_000;
const TARGET_RATIO = 2;

async function startServer(dir: string): Promise<{ port: number; stop: () => Promise<void> }> {
  const candidates = [path.join(__dirname, '..', 'cli', 'run.js'), path.join(process.cwd(), 'dist', 'local', 'cli', 'run.js')];
  const entry = candidates.find((c) => fs.existsSync(c));
  if (!entry) throw new Error(`the compiled stream manager is missing (${candidates.join(', ')}): run "npm run build" first`);
  const child = spawn(process.execPath, [entry, 'stream-manager', '--port', '0', '--dir', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"port":(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`stream manager exited with ${code}: ${out}`)));
  });
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Deterministic input: OBD at 2 Hz (15 PIDs per message), GPS at 1 Hz, 1,000 OPC UA tags at 1 Hz in batches of 500. */
function makeInput(): { obd: Buffer[]; gps: Buffer[]; opc: Buffer[]; samples: number } {
  let seed = 12345;
  const rnd = (): number => (seed = (seed * 48271) % 0x7fffffff) / 0x7fffffff;
  const obd: Buffer[] = [];
  const gps: Buffer[] = [];
  const opc: Buffer[] = [];
  let samples = 0;
  const pids: Array<[string, string, number, number]> = [
    ['rpm', 'rpm', 800, 3500], ['speed', 'km/h', 0, 130], ['engine_load', '%', 10, 100], ['coolant_temp', '°C', 80, 100], ['intake_temp', '°C', 20, 40],
    ['maf', 'g/s', 2, 60], ['throttle', '%', 0, 100], ['fuel_level', '%', 3, 80], ['absolute_load', '%', 10, 100], ['timing_advance', '°', -10, 40],
    ['ambient_temp', '°C', 5, 30], ['oil_temp', '°C', 80, 120], ['fuel_rate', 'L/h', 0, 20], ['control_module_voltage', 'V', 12, 14.5], ['barometric_pressure', 'kPa', 95, 103],
  ];
  for (let t = 0; t < SECONDS * 2; t++) {
    const ts = T0 + t * 500;
    const cycle: Sample[] = pids.map(([name, unit, lo, hi]) => ({ device: 'WVWZZZ1JZXW000001', source: 'obd', name, unit, value: Math.round((lo + rnd() * (hi - lo)) * 10) / 10, quality: 'GOOD', ts }));
    obd.push(encodeBatch(cycle));
    samples += cycle.length;
    if (t % 2 === 0) {
      const fix: Sample[] = [
        ['lat', 48.1 + t * 1e-5], ['lon', 11.5 + t * 1e-5], ['alt', 520], ['speed', 20 + rnd() * 5], ['heading', 90], ['hdop', 0.9], ['satellites', 9], ['fix', 3],
      ].map(([name, value]) => ({ device: 'WVWZZZ1JZXW000001', source: 'gps', name: name as string, value: value as number, quality: 'GOOD', ts }));
      gps.push(encodeBatch(fix));
      samples += fix.length;
    }
  }
  const tags: string[] = [];
  for (let a = 0; a < 2; a++) for (let l = 0; l < 5; l++) for (let m = 0; m < 10; m++) for (let k = 0; k < 10; k++) tags.push(`site1/area${a}/line${l}/m${m}/${k === 0 ? 'HighTempAlarm' : `t${k}`}`);
  if (tags.length !== OPC_TAGS) throw new Error('tag count');
  const level = tags.map(() => 50 + rnd() * 40);
  let pending: Sample[] = [];
  for (let s = 0; s < SECONDS; s++) {
    const ts = T0 + s * 1000;
    tags.forEach((name, i) => {
      let value: number | boolean;
      if (name.endsWith('Alarm')) value = (s + i) % 120 < 3;
      else {
        level[i] = level[i]! + (rnd() - 0.5) * 2;
        value = Math.round(level[i]! * 100) / 100;
      }
      pending.push({ device: 'plant-1', source: 'opcua', name, value, quality: 'GOOD', ts, alias: `/${name}` });
      if (pending.length === OPC_PER_MESSAGE) {
        opc.push(encodeBatch(pending));
        samples += pending.length;
        pending = [];
      }
    });
  }
  if (pending.length > 0) {
    opc.push(encodeBatch(pending));
    samples += pending.length;
  }
  return { obd, gps, opc, samples };
}

function benchConfig(dir: string, outPrefix: string): AggregatorConfig {
  return validateConfig(AggregatorConfigSchema, {
    inputs: [INPUTS.obd, INPUTS.gps, INPUTS.opc],
    outputs: {
      critical: { name: `${outPrefix}.critical`, maxSize: 1 << 30 },
      telemetry: { name: `${outPrefix}.telemetry`, maxSize: 1 << 30 },
      summary: { name: `${outPrefix}.summary`, maxSize: 1 << 30 },
      deadletter: { name: `${outPrefix}.deadletter` },
    },
    filters: [
      { tag: 'rpm', validity: { min: 0, max: 10000, action: 'drop' }, deadband: { mode: 'absolute', value: 50, maxSilenceMs: 10000 } },
      { tag: 'speed', validity: { min: 0, max: 300, action: 'mark' }, deadband: { mode: 'absolute', value: 1, maxSilenceMs: 10000 } },
      { tag: 'coolant_temp', deadband: { mode: 'absolute', value: 0.5 } },
      { tag: 'site1/**/HighTempAlarm' },
      { tag: 'site1/**', validity: { min: -1000, max: 1000, action: 'mark' }, deadband: { mode: 'percent', value: 0.5, maxSilenceMs: 60000 } },
    ],
    events: {
      rules: [
        { id: 'overspeed', tag: 'speed', when: 'speed > 120 and source = "obd"', severity: 'warning', enterForMs: 2000 },
        { id: 'hard_pull', tag: 'rpm', when: 'rpm > 2700 and absolute_load > 90', clearWhen: 'rpm < 2500', severity: 'warning' },
        ...[0, 1, 2, 3, 4].map((l) => ({ id: `line${l}_overtemp`, tag: `site1/*/line${l}/*/t1`, when: 'value > 95 and quality = "GOOD"', severity: 'critical' as const })),
      ],
    },
    windows: { sizeMs: 60000, allowedLatenessMs: 5000, idleCloseMs: 0 },
    enrichment: { sources: ['obd'] },
    checkpoint: { dir, intervalMs: 5000 },
  });
}

function cpuSeconds(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1e6;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

async function preload(client: StreamClient, input: ReturnType<typeof makeInput>): Promise<void> {
  for (const [stream, msgs] of [[INPUTS.obd, input.obd], [INPUTS.gps, input.gps], [INPUTS.opc, input.opc]] as const) {
    await client.ensureStream({ name: stream, strategyOnFull: 'RejectNewData', maxSize: 1 << 30 });
    for (let i = 0; i < msgs.length; i += 200) await Promise.all(msgs.slice(i, i + 200).map((m) => client.append(stream, m)));
  }
}

/** Read every input message (same batches as the aggregator) and append it unchanged: the floor any processing is compared with. */
async function rawCopy(client: StreamClient, counts: Record<string, number>): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (const stream of Object.values(INPUTS)) await client.ensureStream({ name: `${stream}.copy`, strategyOnFull: 'RejectNewData', maxSize: 1 << 30 });
  const next: Record<string, number> = {};
  for (;;) {
    let any = false;
    for (const stream of Object.values(INPUTS)) {
      if ((next[stream] ?? 0) >= counts[stream]!) continue;
      const msgs = await client.read(stream, { start: next[stream] ?? 0, max: READ_MAX });
      await Promise.all(msgs.map((m) => client.append(`${stream}.copy`, m.payload))); // pipelined, as the aggregator writes
      if (msgs.length > 0) {
        next[stream] = msgs[msgs.length - 1]!.sequenceNumber + 1;
        any = true;
      }
    }
    if (!any) break;
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function runAggregator(port: number, dir: string, counts: Record<string, number>): Promise<{ secs: number; health: Health }> {
  const client = new StreamClient({ port });
  const health = new Health({ component: 'aggregator' });
  const agg = new Aggregator({
    config: benchConfig(path.join(dir, 'checkpoints'), 'bench.out'),
    streams: client,
    checkpoints: new CheckpointStore(path.join(dir, 'checkpoints')),
    clock: systemClock,
    logger: createLogger({ component: 'aggregator', stream: { write: () => true }, env: {} }),
    health,
  });
  const t0 = process.hrtime.bigint();
  agg.start();
  await new Promise<void>((resolve) => {
    const poll = (): void => {
      const p = agg.readPositions;
      if (Object.entries(counts).every(([s, n]) => (p[s] ?? 0) >= n)) resolve();
      else setTimeout(poll, 5);
    };
    poll();
  });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  await agg.stop();
  client.close();
  return { secs, health };
}

/** The same processing with no stream manager: decode → process → encode in this process. */
function processingOnly(input: ReturnType<typeof makeInput>, dir: string): number {
  const config = benchConfig(dir, 'bench.cpu');
  const p = new Processor(config);
  const t0 = process.hrtime.bigint();
  const streams = [input.obd, input.gps, input.opc];
  const at = [0, 0, 0];
  for (;;) {
    let any = false;
    for (let i = 0; i < streams.length; i++) {
      const batch = streams[i]!.slice(at[i], at[i]! + READ_MAX);
      if (batch.length === 0) continue;
      any = true;
      at[i]! += batch.length;
      const out = emptyOutputs();
      // As the aggregator encodes: telemetry (decoded samples passed on) trusted and packed as
      // each message is processed, the rest checked and packed at the end of the round.
      const telemetry = new BatchPacker(config.maxBatchBytes, { keepSamples: false });
      for (const m of batch) {
        const d = decodeBatch(m);
        if (d.ok) p.process(d.samples, out);
        for (const s of out.telemetry) telemetry.add(s, true);
        out.telemetry.length = 0;
      }
      telemetry.finish();
      for (const list of [out.events.concat(out.stateMetrics), out.summaries]) if (list.length > 0) splitIntoBatches(list, config.maxBatchBytes);
    }
    if (!any) break;
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-bench-aggregator-'));
  const input = makeInput();
  const counts = { [INPUTS.obd]: input.obd.length, [INPUTS.gps]: input.gps.length, [INPUTS.opc]: input.opc.length };
  const server = await startServer(path.join(dir, 'sm'));
  const client = new StreamClient({ port: server.port });
  try {
    await preload(client, input);
    const cpuSecs = processingOnly(input, dir);
    let cpu = process.cpuUsage();
    const copySecs = await rawCopy(client, counts);
    const copyCpu = cpuSeconds(process.cpuUsage(cpu));
    cpu = process.cpuUsage();
    const { secs, health } = await runAggregator(server.port, dir, counts);
    const aggCpu = cpuSeconds(process.cpuUsage(cpu));
    const rate = input.samples / secs;
    const copyRate = input.samples / copySecs;
    const received = Object.values(INPUTS).reduce((n, s) => n + health.counters.counter(Metric.Received, { stream: s }), 0);
    if (received !== input.samples) throw new Error(`aggregator received ${received} of ${input.samples} samples`);
    const written = (s: string): number => health.counters.counter(Metric.Written, { stream: `bench.out.${s}` });
    const rows: string[][] = [
      ['run', 'samples', 'seconds', 'cpu s', 'samples/s', 'per cpu s', 'target', 'ratio'],
      ['raw copy (read + re-append, no processing)', fmt(input.samples), copySecs.toFixed(2), copyCpu.toFixed(2), fmt(copyRate), fmt(input.samples / copyCpu), '-', '-'],
      ['aggregator (stream manager → decode → process → encode → stream manager)', fmt(input.samples), secs.toFixed(2), aggCpu.toFixed(2), fmt(rate), fmt(input.samples / aggCpu), `>= ${fmt(TARGET_RATE)}`, `${(rate / TARGET_RATE).toFixed(2)}x`],
      ['aggregator vs raw copy (wall time ratio)', '-', '-', '-', '-', '-', `<= ${TARGET_RATIO}x`, `${(secs / copySecs).toFixed(2)}x`],
      ['processing alone (decode → process → encode, no I/O)', fmt(input.samples), cpuSecs.toFixed(2), '-', fmt(input.samples / cpuSecs), '-', '-', '-'],
    ];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    process.stdout.write(
      `Aggregator: ${fmt(input.samples)} samples (${input.obd.length} OBD messages of 15, ${input.gps.length} GPS of 8, ${input.opc.length} OPC UA of ${OPC_PER_MESSAGE}; ` +
        `${OPC_TAGS} OPC tags, ${SECONDS} s of event time), reads of ${READ_MAX} messages; local stream manager in its own process; ${os.cpus().length} cores, ` +
        `load average ${os.loadavg()[0]!.toFixed(1)}, Node ${process.version}. "cpu s": CPU time of this process only (the aggregator or the copier, not the stream manager)\n`,
    );
    for (const r of rows) process.stdout.write(`${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}\n`);
    process.stdout.write(
      `out: telemetry ${fmt(written('telemetry'))}, summary ${fmt(written('summary'))}, critical ${fmt(written('critical'))} samples; ` +
        `dropped deadband ${fmt(health.counters.counter(Metric.Dropped, { reason: 'deadband' }))}; events ${fmt(health.counters.counter(Metric.Events))}; checkpoints ${health.counters.counter(Metric.Checkpoints)}\n`,
    );
  } finally {
    client.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
