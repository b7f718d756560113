/**
 * The local stream manager, driven through the official `aws-greengrass-core-sdk` client.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import {
  ConnectFailedException,
  InvalidRequestException,
  MessageStreamDefinition,
  NotEnoughMessagesException,
  Persistence,
  ReadMessagesOptions,
  ResourceNotFoundException,
  StrategyOnFull,
  StreamManagerClient,
  UpdateNotAllowedException,
} from 'aws-greengrass-core-sdk/stream-manager';
import { officialClient, startStreamManager, tempDir } from '../../../test/helpers/stream-manager';
import { encodeFrame, FrameReader, decodePayload } from './protocol';
import type { LocalStreamManager } from './server';
import { StreamClient, StreamError } from '../../../components/core/src/stream-client';

function def(name: string, strategy = StrategyOnFull.OverwriteOldestData): MessageStreamDefinition {
  return new MessageStreamDefinition().withName(name).withStrategyOnFull(strategy);
}

function opts(start: number, min = 1, max = 100, timeout = 0): ReadMessagesOptions {
  return new ReadMessagesOptions()
    .withDesiredStartSequenceNumber(start)
    .withMinMessageCount(min)
    .withMaxMessageCount(max)
    .withReadTimeoutMillis(timeout);
}

describe('local stream manager through the official client', () => {
  let sm: LocalStreamManager;
  let dir: string;
  let c: StreamManagerClient;

  let warnings: string[];

  beforeEach(async () => {
    dir = tempDir();
    warnings = [];
    sm = await startStreamManager({ dir, logger: { info() {}, error() {}, warn: (msg: string) => warnings.push(msg) } });
    c = await officialClient(sm.port);
  });

  afterEach(async () => {
    c.close();
    await sm.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('create, describe with defaults, list, append, read, update, delete', async () => {
    await c.createMessageStream(def('tributary.test.a'));
    const info = await c.describeMessageStream('tributary.test.a');
    expect(info.definition.name).toBe('tributary.test.a');
    expect(info.definition.maxSize).toBe(268435456);
    expect(info.definition.streamSegmentSize).toBe(16777216);
    expect(info.definition.persistence).toBe(Persistence.File);
    expect(info.definition.strategyOnFull).toBe(StrategyOnFull.OverwriteOldestData);
    expect(info.definition.flushOnWrite).toBe(false);
    expect(info.definition.exportDefinition).not.toBeNull();
    expect(info.storageStatus.oldestSequenceNumber).toBe(0);
    expect(info.storageStatus.newestSequenceNumber).toBe(-1);
    expect(info.storageStatus.totalBytes).toBe(0);
    expect(await c.listStreams()).toEqual(['tributary.test.a']);

    const seqs: number[] = [];
    for (let i = 0; i < 5; i++) seqs.push(await c.appendMessage('tributary.test.a', Buffer.from(`m${i}`)));
    expect(seqs).toEqual([0, 1, 2, 3, 4]);
    const msgs = await c.readMessages('tributary.test.a', opts(1, 2, 3));
    expect(msgs.map((m) => [m.streamName, m.sequenceNumber, m.payload.toString()])).toEqual([
      ['tributary.test.a', 1, 'm1'],
      ['tributary.test.a', 2, 'm2'],
      ['tributary.test.a', 3, 'm3'],
    ]);
    expect(Math.abs(msgs[0].ingestTime! - Date.now())).toBeLessThan(10000);
    // Max omitted: the samples' convention, max = min.
    expect((await c.readMessages('tributary.test.a', new ReadMessagesOptions().withMinMessageCount(2))).map((m) => m.sequenceNumber)).toEqual([0, 1]);
    // No options at all: one message from 0.
    expect((await c.readMessages('tributary.test.a')).map((m) => m.sequenceNumber)).toEqual([0]);

    const after = await c.describeMessageStream('tributary.test.a');
    expect(after.storageStatus.newestSequenceNumber).toBe(4);
    expect(after.storageStatus.totalBytes).toBe(5 * (24 + 2));

    await c.updateMessageStream(after.definition.withMaxSize(1 << 26).withTimeToLiveMillis(3600000));
    const updated = await c.describeMessageStream('tributary.test.a');
    expect(updated.definition.maxSize).toBe(1 << 26);
    expect(updated.definition.timeToLiveMillis).toBe(3600000);

    await c.deleteMessageStream('tributary.test.a');
    expect(await c.listStreams()).toEqual([]);
    expect(fs.readdirSync(path.join(dir, 'streams'))).toEqual([]);
  });

  test('errors come back as the SDK exceptions, and the connection goes on', async () => {
    await expect(c.describeMessageStream('missing')).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(c.appendMessage('missing', Buffer.from('x'))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(c.deleteMessageStream('missing')).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(c.readMessages('missing')).rejects.toBeInstanceOf(ResourceNotFoundException);
    await c.createMessageStream(def('dup'));
    await expect(c.createMessageStream(def('dup'))).rejects.toBeInstanceOf(InvalidRequestException);
    const d = (await c.describeMessageStream('dup')).definition;
    await expect(c.updateMessageStream(d.withPersistence(Persistence.Memory))).rejects.toBeInstanceOf(UpdateNotAllowedException);
    await c.appendMessage('dup', Buffer.alloc(2000));
    const d2 = (await c.describeMessageStream('dup')).definition;
    await expect(c.updateMessageStream(d2.withMaxSize(1024).withStreamSegmentSize(1024))).rejects.toThrow(/below the 2024 bytes/);
    await expect(c.readMessages('dup', opts(1, 1, 1, 0))).rejects.toBeInstanceOf(NotEnoughMessagesException);
    expect(await c.listStreams()).toEqual(['dup']);
  });

  test('a blocking read is woken by an append and does not hold up the connection', async () => {
    await c.createMessageStream(def('wait'));
    const t0 = Date.now();
    const reading = c.readMessages('wait', opts(0, 2, 10, 5000));
    // Other requests on the same connection are answered while the read waits.
    expect(await c.appendMessage('wait', Buffer.from('a'))).toBe(0);
    expect(await c.listStreams()).toEqual(['wait']);
    const other = await officialClient(sm.port);
    try {
      await other.appendMessage('wait', Buffer.from('b'));
    } finally {
      other.close();
    }
    const msgs = await reading;
    expect(msgs.map((m) => m.payload.toString())).toEqual(['a', 'b']);
    expect(Date.now() - t0).toBeLessThan(4000);
  });

  test('a read that times out fails with NotEnoughMessages after about readTimeoutMillis', async () => {
    await c.createMessageStream(def('slow'));
    await c.appendMessage('slow', Buffer.from('only one'));
    const t0 = Date.now();
    await expect(c.readMessages('slow', opts(0, 2, 10, 300))).rejects.toBeInstanceOf(NotEnoughMessagesException);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(280);
    expect(took).toBeLessThan(3000);
    // A start below the oldest message starts at the oldest; a start past the end waits.
    await expect(c.readMessages('slow', opts(7, 1, 1, 100))).rejects.toBeInstanceOf(NotEnoughMessagesException);
  });

  test('many clients with pipelined appends get unique, ordered sequence numbers', async () => {
    await c.createMessageStream(def('busy'));
    const clients = await Promise.all(Array.from({ length: 8 }, () => officialClient(sm.port)));
    try {
      const perClient = await Promise.all(
        clients.map((cl, ci) => Promise.all(Array.from({ length: 250 }, (_, i) => cl.appendMessage('busy', Buffer.from(`${ci}:${i}`))))),
      );
      const all = perClient.flat().sort((a, b) => a - b);
      expect(all).toEqual(Array.from({ length: 2000 }, (_, i) => i));
      // Within one client, pipelined appends are applied in the order sent.
      for (const seqs of perClient) expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      const read: string[] = [];
      for (let start = 0; start < 2000; ) {
        const batch = await c.readMessages('busy', opts(start, 1, 500));
        read.push(...batch.map((m) => m.payload.toString()));
        start = batch[batch.length - 1].sequenceNumber! + 1;
      }
      expect(read).toHaveLength(2000);
      for (const [ci, seqs] of perClient.entries()) {
        seqs.forEach((seq, i) => expect(read[seq]).toBe(`${ci}:${i}`));
      }
    } finally {
      clients.forEach((cl) => cl.close());
    }
  });

  test('File streams survive a restart; Memory streams do not', async () => {
    await c.createMessageStream(def('disk').withStreamSegmentSize(1024));
    await c.createMessageStream(def('ram').withPersistence(Persistence.Memory));
    // Pipelined appends on one connection are applied in the order sent.
    await Promise.all(Array.from({ length: 100 }, (_, i) => c.appendMessage('disk', Buffer.from(`payload-${i}`))));
    await c.appendMessage('ram', Buffer.from('gone'));
    c.close();
    await sm.close();

    sm = await startStreamManager({ dir });
    c = await officialClient(sm.port);
    expect(await c.listStreams()).toEqual(['disk']);
    const info = await c.describeMessageStream('disk');
    expect(info.storageStatus.oldestSequenceNumber).toBe(0);
    expect(info.storageStatus.newestSequenceNumber).toBe(99);
    expect(info.definition.streamSegmentSize).toBe(1024);
    const msgs = await c.readMessages('disk', opts(0, 100, 100));
    expect(msgs.map((m) => m.payload.toString())).toEqual(Array.from({ length: 100 }, (_, i) => `payload-${i}`));
    expect(await c.appendMessage('disk', Buffer.from('next'))).toBe(100);
  });

  test('RejectNewData refuses appends once full and keeps what it holds', async () => {
    await c.createMessageStream(def('capped', StrategyOnFull.RejectNewData).withMaxSize(2048).withStreamSegmentSize(1024));
    const payload = Buffer.alloc(100, 7);
    let accepted = 0;
    let rejection: unknown;
    for (let i = 0; i < 50; i++) {
      try {
        await c.appendMessage('capped', payload);
        accepted++;
      } catch (err) {
        rejection = err;
        break;
      }
    }
    expect(accepted).toBe(Math.floor(2048 / 124));
    expect(rejection).toBeInstanceOf(InvalidRequestException);
    expect((rejection as Error).message).toMatch(/is full/);
    const msgs = await c.readMessages('capped', opts(0, accepted, 100));
    expect(msgs).toHaveLength(accepted);
    expect(msgs[0].sequenceNumber).toBe(0);
  });

  test('OverwriteOldestData drops whole old segments and reads start at the oldest', async () => {
    await c.createMessageStream(def('ring').withMaxSize(4096).withStreamSegmentSize(1024));
    await Promise.all(Array.from({ length: 200 }, (_, i) => c.appendMessage('ring', Buffer.from(String(i).padStart(76, '0')))));
    const info = await c.describeMessageStream('ring');
    expect(info.storageStatus.newestSequenceNumber).toBe(199);
    expect(info.storageStatus.totalBytes).toBeLessThanOrEqual(4096);
    const oldest = info.storageStatus.oldestSequenceNumber!;
    expect(oldest).toBeGreaterThan(150);
    const msgs = await c.readMessages('ring', opts(0, 1, 1000));
    expect(msgs[0].sequenceNumber).toBe(oldest);
    expect(msgs[msgs.length - 1].sequenceNumber).toBe(199);
    expect(Number(msgs[0].payload.toString())).toBe(oldest);
    // Segment files on disk match: the old ones are gone.
    const files = fs.readdirSync(path.join(dir, 'streams', 's_ring')).filter((f) => f.endsWith('.seg'));
    expect(files.length).toBeLessThanOrEqual(5);
  });

  test('a large message (8 MiB) round-trips', async () => {
    await c.createMessageStream(def('big'));
    const payload = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < payload.length; i += 4096) payload[i] = i % 251;
    await c.appendMessage('big', payload);
    const [m] = await c.readMessages('big', opts(0));
    expect(m.payload.equals(payload)).toBe(true);
  });

  test('flushOnWrite streams acknowledge after the write reached the disk', async () => {
    await c.createMessageStream(def('durable').withFlushOnWrite(true));
    const seqs = await Promise.all(Array.from({ length: 20 }, (_, i) => c.appendMessage('durable', Buffer.from(`d${i}`))));
    expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const seg = fs.readdirSync(path.join(dir, 'streams', 's_durable')).find((f) => f.endsWith('.seg'))!;
    expect(fs.statSync(path.join(dir, 'streams', 's_durable', seg)).size).toBe(20 * 24 + 2 * 10 + 3 * 10);
  });

  test('an append to a flushOnWrite stream and its delete in the same turn do not bring the server down', async () => {
    await c.createMessageStream(def('fsynced').withFlushOnWrite(true));
    const other = await officialClient(sm.port);
    try {
      const appended = c.appendMessage('fsynced', Buffer.from('x')).then(
        () => 'ok',
        () => 'failed',
      );
      const deleted = other.deleteMessageStream('fsynced');
      await Promise.all([appended, deleted]);
      expect(await c.listStreams()).toEqual([]);
      await c.createMessageStream(def('fsynced').withFlushOnWrite(true));
      expect(await c.appendMessage('fsynced', Buffer.from('y'))).toBe(0);
    } finally {
      other.close();
    }
  });

  test('a 255-character name and a name of spaces work and survive a restart', async () => {
    const long = 'x'.repeat(255);
    const spaces = ' '.repeat(90);
    await c.createMessageStream(def(long));
    await c.createMessageStream(def(spaces));
    await c.appendMessage(long, Buffer.from('long'));
    await c.appendMessage(spaces, Buffer.from('spaces'));
    c.close();
    await sm.close();
    sm = await startStreamManager({ dir });
    c = await officialClient(sm.port);
    expect((await c.listStreams()).sort()).toEqual([spaces, long].sort());
    expect((await c.readMessages(long))[0].payload.toString()).toBe('long');
    expect((await c.readMessages(spaces))[0].payload.toString()).toBe('spaces');
  });

  test('a segment size not below maxSize is refused at create', async () => {
    await expect(c.createMessageStream(def('seg').withMaxSize(4096).withStreamSegmentSize(4096))).rejects.toThrow(/streamSegmentSize 4096 must be below maxSize 4096/);
  });

  test('older segments do not keep file descriptors open', async () => {
    const fds = (): number => fs.readdirSync('/proc/self/fd').length;
    await c.createMessageStream(def('many').withStreamSegmentSize(1024).withMaxSize(1 << 20));
    const before = fds();
    await Promise.all(Array.from({ length: 400 }, () => c.appendMessage('many', Buffer.alloc(300, 1))));
    expect(fs.readdirSync(path.join(dir, 'streams', 's_many')).length).toBeGreaterThan(100);
    expect(fds() - before).toBeLessThan(5);
    const all = await c.readMessages('many', opts(0, 400, 400));
    expect(all).toHaveLength(400);
  });

  test('a read timeout above 2^31 ms waits (it is not cut to nothing)', async () => {
    await c.createMessageStream(def('long-wait'));
    let settled = false;
    const reading = c.readMessages('long-wait', opts(0, 1, 1, 2 ** 32)).finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 200));
    expect(settled).toBe(false);
    await c.appendMessage('long-wait', Buffer.from('woke'));
    expect((await reading)[0].payload.toString()).toBe('woke');
  });

  test('garbage on one connection closes only that connection', async () => {
    await c.createMessageStream(def('ok'));
    const junk = net.createConnection({ port: sm.port, host: '127.0.0.1' });
    const closed = new Promise<void>((resolve) => junk.on('close', () => resolve()));
    junk.on('error', () => undefined);
    junk.write(Buffer.from([1, 0xff, 0xff, 0xff, 0xff, 9, 9, 9]));
    await closed;
    const junk2 = net.createConnection({ port: sm.port, host: '127.0.0.1' });
    const closed2 = new Promise<void>((resolve) => junk2.on('close', () => resolve()));
    junk2.on('error', () => undefined);
    junk2.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await closed2;
    expect(await c.appendMessage('ok', Buffer.from('still here'))).toBe(0);
    expect(sm.stats.rejectedConnections).toBe(2);
    // A peer that repeats the garbage cannot flood the log: one warning per 10 s.
    expect(warnings).toHaveLength(1);
  });

  test('an unknown operation is answered with UnknownOperationError', async () => {
    const sock = net.createConnection({ port: sm.port, host: '127.0.0.1' });
    const reader = new FrameReader();
    const frames: { op: number; body: Record<string, unknown> }[] = [];
    const got = new Promise<void>((resolve) => {
      sock.on('data', (d: Buffer) => {
        // The server's first byte is its connect version; the reader treats it as such.
        for (const ev of reader.push(d)) if (ev.kind === 'frame') frames.push({ op: ev.op, body: decodePayload(ev.payload) as Record<string, unknown> });
        if (frames.length === 2) resolve();
      });
    });
    sock.write(Buffer.from([1]));
    sock.write(encodeFrame(1, { requestId: 'c1', protocolVersion: '1.1.0' }));
    sock.write(encodeFrame(99, { requestId: 'r1' }));
    await got;
    sock.destroy();
    expect(frames[0]).toMatchObject({ op: 6, body: { requestId: 'c1', status: 0, protocolVersion: '1.1.0' } });
    expect(frames[1]).toMatchObject({ op: 17, body: { requestId: 'r1', status: 18 } });
  });
});

describe('local stream manager options', () => {
  test('a read returns at least minMessageCount even past the response byte cap', async () => {
    const sm = await startStreamManager({ maxResponseBytes: 1000 });
    const c = await officialClient(sm.port);
    try {
      await c.createMessageStream(def('capped'));
      await Promise.all(Array.from({ length: 5 }, () => c.appendMessage('capped', Buffer.alloc(600, 2))));
      expect(await c.readMessages('capped', opts(0, 3, 5))).toHaveLength(3);
      expect(await c.readMessages('capped', opts(0, 1, 5))).toHaveLength(1);
    } finally {
      c.close();
      await sm.close();
    }
  });

  test('with an auth token, a client without it is refused and one with it connects', async () => {
    const sm = await startStreamManager({ authToken: 'secret-token' });
    const saved = process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
    try {
      delete process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
      // The bare SDK client would leave this refusal as an unhandled rejection (a crash on Node 20);
      // the core StreamClient wraps it, so it is used for the refused case.
      const refused = new StreamClient({ port: sm.port });
      const err = await refused.list().catch((e: unknown) => e);
      refused.close();
      expect(err).toBeInstanceOf(StreamError);
      expect((err as StreamError).code).toBe('stream_unauthorized');
      expect((err as StreamError).cause).toBeInstanceOf(ConnectFailedException);
      expect(sm.stats.rejectedConnections).toBe(1);
      process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN = 'secret-token';
      const c = await officialClient(sm.port);
      expect(await c.listStreams()).toEqual([]);
      c.close();
    } finally {
      if (saved === undefined) delete process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
      else process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN = saved;
      await sm.close();
    }
  });

  test('time-to-live removes expired segments and sequence numbers carry on', async () => {
    let now = 1_000_000;
    const dir = tempDir();
    const sm = await startStreamManager({ dir, now: () => now, ttlSweepMs: 3600000 });
    const c = await officialClient(sm.port);
    try {
      await c.createMessageStream(def('ttl').withTimeToLiveMillis(60000));
      for (let i = 0; i < 3; i++) await c.appendMessage('ttl', Buffer.from(`old${i}`));
      now += 30000;
      await c.appendMessage('ttl', Buffer.from('newer'));
      now += 40000; // the first three are now 70 s old, but share a segment with a 40 s old one
      sm.sweep();
      let s = (await c.describeMessageStream('ttl')).storageStatus;
      expect([s.oldestSequenceNumber, s.newestSequenceNumber]).toEqual([0, 3]);
      now += 30000; // everything older than 60 s
      sm.sweep();
      s = (await c.describeMessageStream('ttl')).storageStatus;
      expect([s.oldestSequenceNumber, s.newestSequenceNumber, s.totalBytes]).toEqual([4, 3, 0]);
      expect(await c.appendMessage('ttl', Buffer.from('fresh'))).toBe(4);
      const msgs = await c.readMessages('ttl', opts(0, 1, 10));
      expect(msgs.map((m) => m.payload.toString())).toEqual(['fresh']);
      // The sequence survives a restart even when everything before it expired.
      c.close();
      await sm.close();
      const sm2 = await startStreamManager({ dir, now: () => now });
      const c2 = await officialClient(sm2.port);
      expect(await c2.appendMessage('ttl', Buffer.from('after restart'))).toBe(5);
      c2.close();
      await sm2.close();
    } finally {
      c.close();
      await sm.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
