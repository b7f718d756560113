/**
 * `npm run bench`: the local stream manager (its own process, File persistence) driven
 * through the official aws-greengrass-core-sdk client from this process, used two ways:
 * as it comes, and wrapped by core's StreamClient (which the components use; it sets
 * TCP_NODELAY, so a request is not held ~40 ms by Nagle's algorithm waiting on a delayed
 * ACK, since the SDK writes each frame's header and payload separately). Prints appends/s
 * (pipelined) and read msgs/s (batch reads of 500) for 200 B and 2 KB payloads, next to
 * the targets for this 2-core machine, with the ratio measured/target.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StreamClient } from '../../components/core/src/stream-client';
import {
  MessageStreamDefinition,
  Persistence,
  ReadMessagesOptions,
  StrategyOnFull,
  StreamManagerClient,
} from 'aws-greengrass-core-sdk/stream-manager';

interface Case {
  payloadBytes: number;
  messages: number;
  appendTarget?: number;
  readTarget?: number;
}

const CASES: Case[] = [
  { payloadBytes: 200, messages: 100_000, appendTarget: 20_000, readTarget: 50_000 },
  { payloadBytes: 2048, messages: 50_000 },
];
const PIPELINE = 1000;
const READ_BATCH = 500;
const LONE_APPENDS = 100;
const quiet = { error() {}, warn() {}, info() {}, debug() {} };

async function startServer(dir: string): Promise<{ port: number; stop: () => Promise<void> }> {
  const entry = path.join(__dirname, '..', 'cli', 'run.js');
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

async function connect(port: number): Promise<StreamManagerClient> {
  return new Promise((resolve, reject) => {
    const c: StreamManagerClient = new StreamManagerClient({ port, logger: quiet, onConnectCb: () => resolve(c), onErrorCb: reject });
  });
}

/** What the benchmark needs from a client. */
interface Driver {
  name: string;
  append(stream: string, payload: Buffer): Promise<number>;
  read(stream: string, start: number, max: number): Promise<{ sequenceNumber: number; payload: Buffer }[]>;
  close(): void;
}

function rawDriver(c: StreamManagerClient): Driver {
  return {
    name: 'official client',
    append: (s, p) => c.appendMessage(s, p),
    read: async (s, start, max) =>
      (await c.readMessages(s, new ReadMessagesOptions().withDesiredStartSequenceNumber(start).withMinMessageCount(1).withMaxMessageCount(max))).map(
        (m) => ({ sequenceNumber: m.sequenceNumber ?? -1, payload: m.payload }),
      ),
    close: () => c.close(),
  };
}

function coreDriver(port: number): Driver {
  const c = new StreamClient({ port });
  return {
    name: 'core StreamClient',
    append: (s, p) => c.append(s, p),
    read: (s, start, max) => c.read(s, { start, max }),
    close: () => c.close(),
  };
}

async function appendAll(d: Driver, stream: string, payload: Buffer, n: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  let sent = 0;
  let lastSeq = -1;
  const worker = async (): Promise<void> => {
    while (sent < n) {
      sent++;
      lastSeq = Math.max(lastSeq, await d.append(stream, payload));
    }
  };
  await Promise.all(Array.from({ length: PIPELINE }, worker));
  if (lastSeq !== n - 1) throw new Error(`expected last sequence ${n - 1}, got ${lastSeq}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function readAll(d: Driver, stream: string, n: number, payloadBytes: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  let next = 0;
  while (next < n) {
    for (const m of await d.read(stream, next, READ_BATCH)) {
      if (m.sequenceNumber !== next || m.payload.length !== payloadBytes) throw new Error(`read mismatch at ${next}`);
      next++;
    }
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-bench-'));
  const server = await startServer(dir);
  const admin = await connect(server.port);
  const rows: string[][] = [['client', 'case', 'messages', 'seconds', 'msg/s', 'MB/s', 'target', 'ratio']];
  const create = (stream: string): Promise<void> =>
    admin.createMessageStream(
      new MessageStreamDefinition()
        .withName(stream)
        .withPersistence(Persistence.File)
        .withStrategyOnFull(StrategyOnFull.RejectNewData)
        .withMaxSize(4 * 1024 * 1024 * 1024),
    );
  try {
    for (const makeDriver of [() => connect(server.port).then(rawDriver), async () => coreDriver(server.port)]) {
      const d = await makeDriver();
      try {
        for (const cs of CASES) {
          const stream = `bench.${cs.payloadBytes}`;
          const payload = Buffer.alloc(cs.payloadBytes, 0x61);
          await create(stream);
          await appendAll(d, stream, payload, 2000); // warm-up, not counted
          await admin.deleteMessageStream(stream);
          await create(stream);
          const ta = await appendAll(d, stream, payload, cs.messages);
          const tr = await readAll(d, stream, cs.messages, cs.payloadBytes);
          await admin.deleteMessageStream(stream);
          const add = (what: string, secs: number, target?: number): void => {
            const rate = cs.messages / secs;
            rows.push([
              d.name,
              `${what} ${cs.payloadBytes} B`,
              fmt(cs.messages),
              secs.toFixed(2),
              fmt(rate),
              ((rate * cs.payloadBytes) / 1e6).toFixed(1),
              target ? `>= ${fmt(target)}` : '-',
              target ? `${(rate / target).toFixed(2)}x` : '-',
            ]);
          };
          add(`append, ${PIPELINE} in flight,`, ta, cs.appendTarget);
          add(`read, batches of ${READ_BATCH},`, tr, cs.readTarget);
        }
        // One append at a time: the latency a lone request sees.
        const lone = 'bench.lone';
        await create(lone);
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < LONE_APPENDS; i++) await d.append(lone, Buffer.alloc(200, 0x62));
        const secs = Number(process.hrtime.bigint() - t0) / 1e9;
        await admin.deleteMessageStream(lone);
        rows.push([d.name, `append, one at a time, 200 B (${((secs / LONE_APPENDS) * 1000).toFixed(2)} ms each)`, fmt(LONE_APPENDS), secs.toFixed(2), fmt(LONE_APPENDS / secs), '-', '-', '-']);
      } finally {
        d.close();
      }
    }
  } finally {
    admin.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  process.stdout.write(`Local stream manager (own process, File persistence) and aws-greengrass-core-sdk 1.7.0; ${os.cpus().length} cores, Node ${process.version}\n`);
  for (const r of rows) process.stdout.write(`${r.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}\n`);
  process.stdout.write(
    'The bare client writes each request as two writes; with Nagle on, a lone request waits ~40 ms for a delayed ACK\n' +
      '(sequential reads and one-at-a-time appends). core StreamClient writes a lone request in one piece; the components use it.\n',
  );
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
