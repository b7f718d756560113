/**
 * `npm run bench` (second part): the 15-PID driving set read from the ELM327 emulator over TCP
 * with 50 ms ECU latency per request, with multi-PID requests (up to 6 PIDs each, CAN) next to
 * one PID per request, in the same run. Targets: multi-PID at least 3x faster, and the whole set
 * at 2 Hz (a cycle within 500 ms).
 */
import { Elm327Session } from '../../components/obd-collector/src/elm327';
import { DRIVING_SET } from '../../components/obd-collector/src/config';
import { openTcpTransport } from '../../components/obd-collector/src/transport';
import { Elm327Server } from '../simulators/elm327/src/server';

const CYCLES = 10;
const LATENCY_MS = 50;

interface Result {
  mode: string;
  requests: number;
  cycleMs: number;
  signals: number;
}

async function measure(port: number, multiPid: boolean): Promise<Result> {
  const session = new Elm327Session(await openTcpTransport({ host: '127.0.0.1', port }), { multiPid, maxPidsPerRequest: 6 });
  try {
    await session.initialize();
    const pids = DRIVING_SET.map((p) => Number.parseInt(p, 16));
    await session.readPids(pids); // warm-up: the first request also runs the protocol search
    let requests = 0;
    let signals = 0;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < CYCLES; i++) {
      const r = await session.readPids(pids);
      if (r.missing.length > 0 || r.errors.length > 0) throw new Error(`cycle ${i}: missing ${r.missing.join(',')} errors ${r.errors.map((e) => e.code).join(',')}`);
      requests += r.requests;
      signals += r.signals.length;
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6 / CYCLES;
    return { mode: multiPid ? 'multi-PID (up to 6 per request)' : 'one PID per request', requests: requests / CYCLES, cycleMs: ms, signals: signals / CYCLES };
  } finally {
    session.close();
  }
}

async function main(): Promise<void> {
  const server = new Elm327Server({ port: 0, profile: 'can', ecuLatencyMs: LATENCY_MS });
  await server.start();
  try {
    const multi = await measure(server.port, true);
    const single = await measure(server.port, false);
    process.stdout.write(`\nOBD polling: ${DRIVING_SET.length}-PID driving set, ELM327 emulator over TCP, ${LATENCY_MS} ms ECU latency per request, ${CYCLES} cycles\n`);
    const rows = [
      ['mode', 'requests/cycle', 'cycle ms', 'cycles/s', 'target'],
      [multi.mode, multi.requests.toFixed(1), multi.cycleMs.toFixed(0), (1000 / multi.cycleMs).toFixed(2), '>= 2 Hz'],
      [single.mode, single.requests.toFixed(1), single.cycleMs.toFixed(0), (1000 / single.cycleMs).toFixed(2), '-'],
    ];
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    for (const r of rows) process.stdout.write(`${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}\n`);
    const ratio = single.cycleMs / multi.cycleMs;
    process.stdout.write(`multi-PID is ${ratio.toFixed(2)}x faster (target >= 3x); the whole set ${multi.cycleMs <= 500 ? 'fits' : 'does NOT fit'} in 500 ms (2 Hz)\n`);
  } finally {
    await server.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
