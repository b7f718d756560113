/**
 * Crash recovery of the local stream manager's File streams, end to end through the official client:
 * kill -9 of the stream manager process while appends are in flight, torn and corrupt segment tails,
 * a corrupted byte inside the last segment, and a stream folder whose definition.json is broken.
 *
 * Run `npm run build` first: the kill -9 test spawns the compiled CLI (dist/local/cli/run.js).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  MessageStreamDefinition,
  Persistence,
  ReadMessagesOptions,
  StrategyOnFull,
  StreamManagerClient,
} from 'aws-greengrass-core-sdk/stream-manager';
import {
  officialClient,
  spawnStreamManager,
  startStreamManager,
  tempDir,
  type ChildStreamManager,
} from '../helpers/stream-manager';
import type { LocalStreamManager } from '../../local/stream-manager/src/server';
import { encodeRecords, RECORD_HEADER } from '../../local/stream-manager/src/segment';
import type { StoreLogger } from '../../local/stream-manager/src/store';

// ---------------------------------------------------------------------------------------------
// Everything a test starts is tracked here and torn down in afterEach, so jest exits by itself.
// ---------------------------------------------------------------------------------------------

const children: ChildStreamManager[] = [];
const clients: StreamManagerClient[] = [];
const managers: LocalStreamManager[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) {
    try {
      c.close();
    } catch {
      /* already closed */
    }
  }
  for (const sm of managers.splice(0)) await sm.close();
  for (const ch of children.splice(0)) {
    if (ch.child.exitCode === null && ch.child.signalCode === null) ch.child.kill('SIGKILL');
    await ch.exited;
  }
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function newDir(): string {
  const d = tempDir('tributary-recovery-');
  dirs.push(d);
  return d;
}

async function spawnChild(dir: string): Promise<ChildStreamManager> {
  const ch = await spawnStreamManager(dir, 0);
  children.push(ch);
  return ch;
}

async function startInProcess(dir: string, logger?: StoreLogger): Promise<LocalStreamManager> {
  const sm = await startStreamManager({ dir, ...(logger ? { logger } : {}) });
  managers.push(sm);
  return sm;
}

/** Stop an in-process stream manager (and forget it, so afterEach does not close it twice). */
async function stopInProcess(sm: LocalStreamManager): Promise<void> {
  const i = managers.indexOf(sm);
  if (i >= 0) managers.splice(i, 1);
  await sm.close();
}

/** The official client (quiet logger: see test/helpers/stream-manager.ts), closed in afterEach. */
async function client(port: number): Promise<StreamManagerClient> {
  const c = await officialClient(port);
  clients.push(c);
  return c;
}

function closeClient(c: StreamManagerClient): void {
  const i = clients.indexOf(c);
  if (i >= 0) clients.splice(i, 1);
  c.close();
}

function fileStream(name: string, segmentSize: number, maxSize: number): MessageStreamDefinition {
  return new MessageStreamDefinition()
    .withName(name)
    .withStrategyOnFull(StrategyOnFull.OverwriteOldestData)
    .withPersistence(Persistence.File)
    .withStreamSegmentSize(segmentSize)
    .withMaxSize(maxSize);
}

function streamDir(root: string, name: string): string {
  return path.join(root, 'streams', `s_${encodeURIComponent(name)}`);
}

/** Segment files of a stream, oldest first. */
function segmentFiles(root: string, name: string): string[] {
  const d = streamDir(root, name);
  return fs
    .readdirSync(d)
    .filter((f) => /^\d{16}\.seg$/.test(f))
    .sort()
    .map((f) => path.join(d, f));
}

/** Byte offset of every record of a segment file, plus the end of the last one (walks the length fields only). */
function recordOffsets(file: string): number[] {
  const data = fs.readFileSync(file);
  const offs = [0];
  let off = 0;
  while (off < data.length) {
    off += RECORD_HEADER + data.readUInt32LE(off);
    offs.push(off);
  }
  expect(off).toBe(data.length);
  return offs;
}

/** Every message in [from, to] read through the official client, in order. */
async function readRange(c: StreamManagerClient, name: string, from: number, to: number): Promise<{ seq: number; payload: Buffer }[]> {
  const out: { seq: number; payload: Buffer }[] = [];
  let next = from;
  while (next <= to) {
    const batch = await c.readMessages(
      name,
      new ReadMessagesOptions()
        .withDesiredStartSequenceNumber(next)
        .withMinMessageCount(1)
        .withMaxMessageCount(Math.min(500, to - next + 1))
        .withReadTimeoutMillis(0),
    );
    expect(batch.length).toBeGreaterThan(0);
    for (const m of batch) out.push({ seq: m.sequenceNumber!, payload: m.payload });
    next = out[out.length - 1].seq + 1;
  }
  return out;
}

async function storage(c: StreamManagerClient, name: string): Promise<{ oldest: number; newest: number }> {
  const s = (await c.describeMessageStream(name)).storageStatus;
  return { oldest: s.oldestSequenceNumber!, newest: s.newestSequenceNumber! };
}

/** Payload of message i: its index (checked after recovery) and 100-800 random bytes. */
function payloadFor(i: number): Buffer {
  return Buffer.concat([Buffer.from(`#${i}:`), randomBytes(100 + ((i * 37) % 701))]);
}

/** Fail instead of hanging when the official client never settles a request. */
async function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no response within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

const quietLogger = (): StoreLogger & { errors: { msg: string; fields?: Record<string, unknown> }[] } => {
  const errors: { msg: string; fields?: Record<string, unknown> }[] = [];
  return { errors, info() {}, warn() {}, error: (msg, fields) => void errors.push({ msg, ...(fields ? { fields } : {}) }) };
};

// ---------------------------------------------------------------------------------------------
// 1. kill -9 while appends are in flight
// ---------------------------------------------------------------------------------------------

describe('stream manager recovery: kill -9 during appends', () => {
  const NAME = 'tributary.recovery.kill9';

  test('every acknowledged message survives SIGKILL with its exact payload at its sequence number; sequence numbers stay contiguous; the next append is newest+1', async () => {
    const dir = newDir();
    const first = await spawnChild(dir);
    const c1 = await client(first.port);
    await c1.createMessageStream(fileStream(NAME, 64 * 1024, 64 * 1024 * 1024));

    const BURST = 50;
    const KILL_AFTER = 1000;
    const sent: Buffer[] = [];
    const acked = new Map<number, Buffer>();
    const failures: unknown[] = [];
    let inFlight = 0;
    let killed = false;
    let armed = false;

    // Pipelined bursts: a new burst of 50 goes out whenever 50 or fewer are in flight, so the
    // server always has work queued. Acks are collected through .then only: after the kill the
    // official client leaves the unanswered requests pending forever, so nothing awaits them.
    await new Promise<void>((resolve) => {
      const burst = (): void => {
        for (let k = 0; k < BURST; k++) {
          const i = sent.length;
          const p = payloadFor(i);
          sent.push(p);
          inFlight++;
          c1.appendMessage(NAME, p).then(
            (seq) => {
              inFlight--;
              acked.set(seq, p);
              if (killed) return;
              if (acked.size >= KILL_AFTER && !armed) {
                // Keep the pipeline full and kill a few milliseconds later, at a point the test does
                // not choose, so the server is (usually) in the middle of a batch.
                armed = true;
                setTimeout(() => {
                  burst(); // one more burst right before the kill: the server cannot answer it
                  killed = true;
                  first.child.kill('SIGKILL');
                  resolve();
                }, 1 + Math.floor(Math.random() * 4));
              }
              if (inFlight <= BURST) burst();
            },
            (err: unknown) => {
              inFlight--;
              failures.push(err);
            },
          );
        }
      };
      burst();
      burst();
    });
    expect(await first.exited).toBe('SIGKILL');
    // Acks already in the client's socket buffer are real acks too; let it drain them.
    await new Promise((r) => setTimeout(r, 50));
    closeClient(c1);

    expect(failures).toEqual([]);
    const ackedSeqs = [...acked.keys()].sort((a, b) => a - b);
    const maxAcked = ackedSeqs[ackedSeqs.length - 1];
    expect(acked.size).toBeGreaterThanOrEqual(KILL_AFTER);
    // One connection, requests in order: the n-th append got sequence number n.
    ackedSeqs.forEach((seq, n) => expect(seq).toBe(n));
    // The kill really happened with appends in flight.
    expect(sent.length).toBeGreaterThan(acked.size);
    // Several segments exist (64 KiB each).
    expect(segmentFiles(dir, NAME).length).toBeGreaterThanOrEqual(4);

    const second = await spawnChild(dir);
    const c2 = await client(second.port);
    const { oldest, newest } = await storage(c2, NAME);
    expect(oldest).toBe(0);
    expect(newest).toBeGreaterThanOrEqual(maxAcked);
    // Unacknowledged appends may or may not have reached the disk, but nothing beyond what was sent.
    expect(newest).toBeLessThan(sent.length);

    const all = await readRange(c2, NAME, 0, newest);
    expect(all.map((m) => m.seq)).toEqual(Array.from({ length: newest + 1 }, (_, i) => i));
    for (const [seq, p] of acked) {
      if (!all[seq].payload.equals(p)) throw new Error(`acknowledged message ${seq} came back with a different payload`);
    }
    // The survivors beyond the last ack are the next messages sent, intact.
    for (let seq = maxAcked + 1; seq <= newest; seq++) {
      if (!all[seq].payload.equals(sent[seq])) throw new Error(`unacknowledged survivor ${seq} is not message ${seq} as sent`);
    }

    const extra = Buffer.from('after the crash');
    expect(await c2.appendMessage(NAME, extra)).toBe(newest + 1);
    const [back] = await readRange(c2, NAME, newest + 1, newest + 1);
    expect(back.payload.equals(extra)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Tests 2-4 work on a stream seeded through an in-process stream manager, then stopped.
// ---------------------------------------------------------------------------------------------

const SEEDED = 'tributary.recovery.tail';
const SEED_COUNT = 40;

/**
 * Create a File stream with 1 KiB segments, append SEED_COUNT messages (about 11 per segment,
 * so four segments), stop the server. Returns the payloads by sequence number.
 */
async function seed(dir: string, name = SEEDED): Promise<Buffer[]> {
  const sm = await startInProcess(dir);
  const c = await client(sm.port);
  await c.createMessageStream(fileStream(name, 1024, 1024 * 1024));
  // Pipelined on one connection (the bare official client waits ~40 ms on a delayed ACK per lone
  // request), so the i-th append gets sequence number i.
  const payloads = Array.from({ length: SEED_COUNT }, (_, i) => Buffer.concat([Buffer.from(`m${i}-`), randomBytes(60)]));
  expect(await Promise.all(payloads.map((p) => c.appendMessage(name, p)))).toEqual(payloads.map((_, i) => i));
  closeClient(c);
  await stopInProcess(sm);
  expect(segmentFiles(dir, name).length).toBeGreaterThanOrEqual(3);
  return payloads;
}

async function expectIntact(c: StreamManagerClient, name: string, payloads: Buffer[]): Promise<void> {
  const { oldest, newest } = await storage(c, name);
  expect(oldest).toBe(0);
  expect(newest).toBe(payloads.length - 1);
  const all = await readRange(c, name, 0, newest);
  expect(all.map((m) => m.seq)).toEqual(payloads.map((_, i) => i));
  all.forEach((m, i) => {
    if (!m.payload.equals(payloads[i])) throw new Error(`message ${i} came back with a different payload`);
  });
}

// ---------------------------------------------------------------------------------------------
// 2. torn tails
// ---------------------------------------------------------------------------------------------

describe('stream manager recovery: torn or corrupt tail of the last segment', () => {
  const cases: { what: string; tail: (nextSeq: number) => Buffer; reason: RegExp }[] = [
    { what: 'a partial record header (10 bytes)', tail: () => randomBytes(10), reason: /partial record header/ },
    {
      what: 'a full header claiming 100 bytes followed by only 40',
      tail: (nextSeq) => {
        const b = Buffer.concat([Buffer.alloc(RECORD_HEADER), randomBytes(40)]);
        b.writeUInt32LE(100, 0);
        b.writeUInt32LE(0xdeadbeef, 4);
        b.writeDoubleLE(nextSeq, 8);
        b.writeDoubleLE(Date.now(), 16);
        return b;
      },
      reason: /partial record payload/,
    },
    {
      what: 'a complete record with a wrong checksum',
      tail: (nextSeq) => {
        const b = encodeRecords([{ sequenceNumber: nextSeq, ingestTime: Date.now(), payload: Buffer.from('torn record payload') }]);
        b[6] ^= 0x01; // one bit of the stored crc32
        return b;
      },
      reason: /checksum/,
    },
  ];

  test.each(cases)('$what is cut on start; every earlier message is intact and the next append is contiguous', async ({ tail, reason }) => {
    const dir = newDir();
    const payloads = await seed(dir);
    const last = segmentFiles(dir, SEEDED).at(-1)!;
    const goodSize = fs.statSync(last).size;
    const recordsInLast = recordOffsets(last).length - 1;
    const garbage = tail(SEED_COUNT);
    fs.appendFileSync(last, garbage);

    const sm = await startInProcess(dir);
    const report = sm.recovery.find((r) => r.file === last);
    expect(report).toBeDefined();
    expect(report!.truncatedBytes).toBe(garbage.length);
    expect(report!.truncatedBytes).toBeGreaterThan(0);
    expect(report!.reason).toMatch(reason);
    expect(report!.records).toBe(recordsInLast);
    for (const r of sm.recovery) if (r.file !== last) expect(r.truncatedBytes).toBe(0);
    expect(fs.statSync(last).size).toBe(goodSize);

    const c = await client(sm.port);
    await expectIntact(c, SEEDED, payloads);
    const next = Buffer.from('first append after recovery');
    expect(await c.appendMessage(SEEDED, next)).toBe(SEED_COUNT);
    closeClient(c);
    await stopInProcess(sm);

    // The append after the cut landed right after the last good record: a second start finds
    // nothing to cut and serves all SEED_COUNT + 1 messages.
    const sm2 = await startInProcess(dir);
    expect(sm2.recovery.every((r) => r.truncatedBytes === 0)).toBe(true);
    const c2 = await client(sm2.port);
    await expectIntact(c2, SEEDED, [...payloads, next]);
  });

  test('control: a valid record appended by hand in the same format is kept (so the cuts above are for the damage, not the format)', async () => {
    const dir = newDir();
    const payloads = await seed(dir);
    const last = segmentFiles(dir, SEEDED).at(-1)!;
    const extra = Buffer.from('hand-written record');
    fs.appendFileSync(last, encodeRecords([{ sequenceNumber: SEED_COUNT, ingestTime: Date.now(), payload: extra }]));

    const sm = await startInProcess(dir);
    expect(sm.recovery.every((r) => r.truncatedBytes === 0)).toBe(true);
    const c = await client(sm.port);
    await expectIntact(c, SEEDED, [...payloads, extra]);
    expect(await c.appendMessage(SEEDED, Buffer.from('next'))).toBe(SEED_COUNT + 1);
  });
});

// ---------------------------------------------------------------------------------------------
// 3. a corrupted byte in the middle of the last segment
// ---------------------------------------------------------------------------------------------

describe('stream manager recovery: corruption inside the last segment', () => {
  test.each([
    { where: 'a payload byte', at: (recordStart: number) => recordStart + RECORD_HEADER + 2 },
    { where: 'a length byte', at: (recordStart: number) => recordStart },
    { where: 'a sequence-number byte', at: (recordStart: number) => recordStart + 14 },
  ])(
    'EXPECTED BEHAVIOUR: $where flipped in the middle of the last segment cuts that record and the rest of the segment; earlier messages are kept and the server starts and serves',
    async ({ at }) => {
      const dir = newDir();
      const payloads = await seed(dir);
      const files = segmentFiles(dir, SEEDED);
      const last = files.at(-1)!;
      const firstSeq = Number(path.basename(last, '.seg'));
      const offs = recordOffsets(last);
      const inLast = offs.length - 1;
      expect(inLast).toBeGreaterThanOrEqual(3);
      const k = Math.floor(inLast / 2); // a record in the middle: some before it, some after it
      const size = fs.statSync(last).size;
      const data = fs.readFileSync(last);
      data[at(offs[k])] ^= 0x20;
      fs.writeFileSync(last, data);

      const sm = await startInProcess(dir);
      const report = sm.recovery.find((r) => r.file === last)!;
      expect(report.records).toBe(k);
      expect(report.truncatedBytes).toBe(size - offs[k]);
      expect(report.reason).toBeTruthy();
      expect(fs.statSync(last).size).toBe(offs[k]);
      for (const f of files.slice(0, -1)) expect(sm.recovery.find((r) => r.file === f)!.truncatedBytes).toBe(0);

      const c = await client(sm.port);
      const kept = payloads.slice(0, firstSeq + k);
      await expectIntact(c, SEEDED, kept);
      const next = Buffer.from('after the cut');
      expect(await c.appendMessage(SEEDED, next)).toBe(firstSeq + k);
      await expectIntact(c, SEEDED, [...kept, next]);
    },
  );
});

describe('stream manager recovery: corruption inside an older segment', () => {
  test('CURRENT BEHAVIOUR: a flipped payload byte in the middle of an older segment cuts the rest of that segment only; later segments are kept, reads skip the gap and minMessageCount counts only messages that exist', async () => {
    const dir = newDir();
    const payloads = await seed(dir);
    const [firstFile, secondFile] = segmentFiles(dir, SEEDED);
    const offs = recordOffsets(firstFile);
    const k = Math.floor((offs.length - 1) / 2);
    const secondSeq = Number(path.basename(secondFile, '.seg'));
    const data = fs.readFileSync(firstFile);
    data[offs[k] + RECORD_HEADER + 2] ^= 0x20;
    fs.writeFileSync(firstFile, data);

    const sm = await startInProcess(dir);
    const report = sm.recovery.find((r) => r.file === firstFile)!;
    expect(report.records).toBe(k);
    expect(report.reason).toMatch(/checksum/);
    expect(fs.statSync(firstFile).size).toBe(offs[k]);

    const c = await client(sm.port);
    const { oldest, newest } = await storage(c, SEEDED);
    expect([oldest, newest]).toEqual([0, SEED_COUNT - 1]);
    const present = [...Array.from({ length: k }, (_, i) => i), ...Array.from({ length: SEED_COUNT - secondSeq }, (_, i) => secondSeq + i)];
    const read = async (start: number, min: number, max: number): Promise<number[]> =>
      (
        await c.readMessages(
          SEEDED,
          new ReadMessagesOptions().withDesiredStartSequenceNumber(start).withMinMessageCount(min).withMaxMessageCount(max).withReadTimeoutMillis(0),
        )
      ).map((m) => m.sequenceNumber!);
    // Every surviving message, intact, with the gap skipped.
    const all = await readRange(c, SEEDED, 0, newest);
    expect(all.map((m) => m.seq)).toEqual(present);
    for (const m of all) if (!m.payload.equals(payloads[m.seq])) throw new Error(`message ${m.seq} came back with a different payload`);
    // A read that starts inside the gap continues at the next segment.
    expect(await read(k, 2, 2)).toEqual([secondSeq, secondSeq + 1]);
    // minMessageCount: asking for every message that exists works, one more is NotEnoughMessages.
    expect(await read(0, present.length, present.length)).toEqual(present);
    await expect(read(0, present.length + 1, present.length + 1)).rejects.toThrow(/at least/);
    expect(await c.appendMessage(SEEDED, Buffer.from('next'))).toBe(SEED_COUNT);
  });
});

// ---------------------------------------------------------------------------------------------
// 4. a broken definition.json
// ---------------------------------------------------------------------------------------------

describe('stream manager recovery: a stream folder with a broken definition.json', () => {
  const GOOD = 'tributary.recovery.good';
  const BAD = 'tributary.recovery.bad';

  test.each([
    { what: 'not JSON', text: () => '{"name": "tributary.recovery.bad", "maxSize": 10' },
    { what: 'an empty file', text: () => '' },
    { what: 'JSON null', text: () => 'null' },
    { what: 'an empty JSON object', text: () => '{}' },
    { what: 'a JSON array', text: () => '[]' },
    {
      what: 'a definition whose name is not a string',
      text: () => '{"name": 42, "maxSize": 1048576, "streamSegmentSize": 1024, "strategyOnFull": 1, "persistence": 0, "flushOnWrite": false, "exportDefinition": {}}',
    },
    // A folder copied by hand: two folders claiming one name must not shadow each other.
    { what: "a copy of another stream's definition", text: (dir: string) => fs.readFileSync(path.join(streamDir(dir, GOOD), 'definition.json'), 'utf8') },
  ])('$what does not stop the server: the other streams are served, the broken folder is moved aside untouched', async ({ text }) => {
    const dir = newDir();
    const good = await seed(dir, GOOD);
    await seed(dir, BAD);
    const badDef = path.join(streamDir(dir, BAD), 'definition.json');
    const broken = text(dir);
    fs.writeFileSync(badDef, broken);
    const badSegments = segmentFiles(dir, BAD).map((f) => [f, fs.readFileSync(f)] as const);

    const logger = quietLogger();
    const sm = await startInProcess(dir, logger);
    // Checked in process first: a stream registered under a non-string name hangs the official client.
    expect(sm.store.names()).toEqual([GOOD]);
    expect(logger.errors.some((e) => String(e.fields?.folder ?? '').endsWith(`s_${encodeURIComponent(BAD)}`))).toBe(true);

    const c = await client(sm.port);
    expect(await within(5000, c.listStreams())).toEqual([GOOD]);
    await expectIntact(c, GOOD, good);
    expect(await c.appendMessage(GOOD, Buffer.from('still serving'))).toBe(SEED_COUNT);
    await c.createMessageStream(fileStream('tributary.recovery.new', 4096, 65536));
    expect(await c.appendMessage('tributary.recovery.new', Buffer.from('x'))).toBe(0);
    expect((await within(5000, c.listStreams())).sort()).toEqual([GOOD, 'tributary.recovery.new'].sort());

    // Moved aside untouched for a person to look at, so creating the name afresh wipes nothing.
    const moved = fs.readdirSync(path.join(dir, 'quarantine')).filter((e) => e.startsWith(`s_${encodeURIComponent(BAD)}.`));
    expect(moved).toHaveLength(1);
    const movedDir = path.join(dir, 'quarantine', moved[0]);
    expect(fs.readFileSync(path.join(movedDir, 'definition.json'), 'utf8')).toBe(broken);
    for (const [f, bytes] of badSegments) expect(fs.readFileSync(path.join(movedDir, path.basename(f))).equals(bytes)).toBe(true);
    await c.createMessageStream(fileStream(BAD, 4096, 65536));
    expect(await c.appendMessage(BAD, Buffer.from('fresh'))).toBe(0);
    expect(fs.readFileSync(path.join(movedDir, 'definition.json'), 'utf8')).toBe(broken);
  });
});
