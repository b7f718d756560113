/**
 * The core stream client against the local stream manager (a real peer), and against a
 * server that goes away, comes back, or stops answering.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { freePort, startStreamManager, tempDir } from '../../../test/helpers/stream-manager';
import { encodeFrame, FrameReader, decodePayload } from '../../../local/stream-manager/src/protocol';
import type { LocalStreamManager } from '../../../local/stream-manager/src/server';
import { Backoff } from './backoff';
import { StreamClient, StreamError } from './stream-client';

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof StreamError) return err.code;
    throw err;
  }
  throw new Error('expected a StreamError, but the call succeeded');
}

const fastBackoff = (): Backoff => new Backoff({ initialMs: 50, maxMs: 100, jitter: 'none' });

describe('StreamClient against the local stream manager', () => {
  let sm: LocalStreamManager;
  let client: StreamClient;
  let dir: string;

  beforeEach(async () => {
    dir = tempDir();
    sm = await startStreamManager({ dir });
    client = new StreamClient({ port: sm.port });
  });

  afterEach(async () => {
    client.close();
    await sm.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('ensureStream creates, leaves alone, updates, and refuses a persistence change', async () => {
    const spec = { name: 'tributary.test.raw', strategyOnFull: 'OverwriteOldestData' as const, maxSize: 1 << 20, segmentSize: 1 << 16 };
    expect(await client.ensureStream(spec)).toBe('created');
    expect(await client.ensureStream(spec)).toBe('unchanged');
    expect(await client.ensureStream({ ...spec, maxSize: 1 << 21, ttlMs: 3600000 })).toBe('updated');
    const status = await client.describe(spec.name);
    expect(status.spec).toEqual({
      name: spec.name,
      persistence: 'File',
      maxSize: 1 << 21,
      segmentSize: 1 << 16,
      strategyOnFull: 'OverwriteOldestData',
      flushOnWrite: false,
      ttlMs: 3600000,
    });
    expect(await codeOf(client.ensureStream({ ...spec, persistence: 'Memory' }))).toBe('stream_definition_conflict');
    // A stream smaller than the default 16 MiB segment gets smaller segments.
    expect(await client.ensureStream({ name: 'small.default', strategyOnFull: 'OverwriteOldestData', maxSize: 1 << 20 })).toBe('created');
    expect((await client.describe('small.default')).spec.segmentSize).toBe(1 << 18);
    expect((await client.list()).sort()).toEqual(['small.default', spec.name].sort());
  });

  test('append, read in batches, and an empty read is an empty list', async () => {
    await client.ensureStream({ name: 's', strategyOnFull: 'RejectNewData' });
    const seqs = await Promise.all(Array.from({ length: 10 }, (_, i) => client.append('s', Buffer.from(`v${i}`))));
    expect(seqs).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const batch = await client.read('s', { start: 3, max: 4 });
    expect(batch.map((m) => [m.stream, m.sequenceNumber, m.payload.toString()])).toEqual([
      ['s', 3, 'v3'],
      ['s', 4, 'v4'],
      ['s', 5, 'v5'],
      ['s', 6, 'v6'],
    ]);
    expect(await client.read('s', { start: 10, waitMs: 50 })).toEqual([]);
    expect(await client.read('s', { start: 8, min: 5, max: 10 })).toEqual([]);
    const status = await client.describe('s');
    expect([status.oldest, status.newest]).toEqual([0, 9]);
  });

  test('appends one at a time are not held up by a read waiting on the same connection', async () => {
    await client.ensureStream({ name: 'mixed', strategyOnFull: 'RejectNewData' });
    const waiting = client.read('mixed', { start: 1000, waitMs: 3000 });
    // The bare client's lone request waits ~40 ms for a delayed ACK: 20 appends would take > 800 ms.
    const t0 = Date.now();
    for (let i = 0; i < 20; i++) await client.append('mixed', Buffer.from(`m${i}`));
    expect(Date.now() - t0).toBeLessThan(600);
    expect(await waiting).toEqual([]);
  });

  test('a full RejectNewData stream and an unknown stream give typed errors', async () => {
    await client.ensureStream({ name: 'small', strategyOnFull: 'RejectNewData', maxSize: 2048, segmentSize: 1024 });
    let code = '';
    for (let i = 0; i < 20 && !code; i++) {
      code = await client.append('small', Buffer.alloc(200)).then(
        () => '',
        (e: StreamError) => e.code,
      );
    }
    expect(code).toBe('stream_full');
    expect(await codeOf(client.append('nope', Buffer.from('x')))).toBe('stream_not_found');
    expect(await codeOf(client.describe('nope'))).toBe('stream_not_found');
    // An invalid definition is reported as such, not as a missing stream.
    expect(await codeOf(client.ensureStream({ name: 'bad ttl', strategyOnFull: 'RejectNewData', ttlMs: 1000 }))).toBe('stream_invalid_request');
  });

  test('a dropped connection fails the requests in flight at once, and the next call reconnects', async () => {
    await client.ensureStream({ name: 'w', strategyOnFull: 'RejectNewData' });
    const t0 = Date.now();
    const waiting = codeOf(client.read('w', { start: 0, waitMs: 20000 }));
    await new Promise((r) => setTimeout(r, 100));
    const port = sm.port;
    await sm.close();
    expect(await waiting).toBe('stream_connection_lost');
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(client.connected).toBe(false);

    sm = await startStreamManager({ dir, port });
    // The stream survived (File persistence) and the client comes back by itself.
    let seq: number | undefined;
    for (let i = 0; i < 50 && seq === undefined; i++) {
      seq = await client.append('w', Buffer.from('after restart')).catch(async () => {
        await new Promise((r) => setTimeout(r, 100));
        return undefined;
      });
    }
    expect(seq).toBe(0);
    expect(client.connected).toBe(true);
  });
});

describe('StreamClient when the stream manager is missing or silent', () => {
  test('no stream manager: calls fail with a retryable error (no crash), fail fast during backoff, and recover', async () => {
    const port = await freePort();
    const client = new StreamClient({ port, backoff: fastBackoff() });
    try {
      const first = await client.list().catch((e: unknown) => e);
      expect(first).toBeInstanceOf(StreamError);
      expect((first as StreamError).code).toBe('stream_manager_unavailable');
      expect((first as StreamError).isRetryable).toBe(true);
      expect((first as StreamError).message).toMatch(/ECONNREFUSED/);
      // Within the backoff window no new connection is attempted.
      const second = await client.list().catch((e: unknown) => e);
      expect((second as StreamError).message).toMatch(/next attempt in \d+ ms/);

      const sm = await startStreamManager({ port });
      try {
        await new Promise((r) => setTimeout(r, 120));
        expect(await client.list()).toEqual([]);
      } finally {
        client.close();
        await sm.close();
      }
    } finally {
      client.close();
    }
  });

  test('a server that accepts but never answers: the request times out and the connection is replaced', async () => {
    let connections = 0;
    const server = net.createServer((sock) => {
      connections++;
      const reader = new FrameReader();
      sock.on('data', (d: Buffer) => {
        for (const ev of reader.push(d)) {
          if (ev.kind === 'frame' && ev.op === 1) {
            const req = decodePayload(ev.payload) as { requestId: string };
            sock.write(Buffer.from([1]));
            sock.write(encodeFrame(6, { requestId: req.requestId, status: 0, protocolVersion: '1.1.0' }));
          }
          // Every other request is swallowed.
        }
      });
      sock.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    const client = new StreamClient({ port, requestTimeoutMs: 200, backoff: fastBackoff() });
    try {
      const t0 = Date.now();
      expect(await codeOf(client.append('x', Buffer.from('y')))).toBe('stream_timeout');
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(await codeOf(client.append('x', Buffer.from('y')))).toBe('stream_timeout');
      expect(connections).toBe(2);
    } finally {
      client.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  test('a closed client rejects new calls', async () => {
    const client = new StreamClient({ port: await freePort() });
    client.close();
    expect(await codeOf(client.list())).toBe('stream_client_closed');
  });
});
