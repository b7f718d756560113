/**
 * Integration: a network break between the collector and the simulator (a TCP proxy drops every
 * connection and refuses new ones for a while; the server stays up). node-opcua repairs the
 * session, keeps the subscription, and the server republishes what it queued: no value is lost
 * and no gap is reported; values the server sends twice (unacknowledged before the break) are
 * written once.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { LocalStreamManager } from '../../../local/stream-manager/src/server';
import { PlantServer, type PlantServerStarted } from '../../../local/simulators/opcua/src/plant-server';
import { startStreamManager, tempDir } from '../../../test/helpers/stream-manager';
import { waitFor } from '../../../test/helpers/wait';
import { SinkMetric } from '../../core/src';
import { Metric } from './collector';
import { buildCollector, byName, readAllSamples, type Harness } from './testing/harness';

/** A TCP forwarder that can drop all its connections and refuse new ones until `heal()`. */
class BreakableProxy {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private broken = false;
  port = 0;

  constructor(private readonly target: number) {
    this.server = net.createServer((client) => {
      if (this.broken) {
        client.destroy();
        return;
      }
      const upstream = net.connect(this.target, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  break(): void {
    this.broken = true;
    for (const s of this.sockets) s.destroy();
  }

  heal(): void {
    this.broken = false;
  }

  async close(): Promise<void> {
    this.break();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

let server: PlantServer;
let started: PlantServerStarted;
let sm: LocalStreamManager;
let proxy: BreakableProxy;
let dir: string;
let h: Harness | undefined;

beforeAll(async () => {
  dir = tempDir('tributary-opcua-network-');
  sm = await startStreamManager({ dir: path.join(dir, 'sm') });
  server = new PlantServer({ port: 0, pkiDir: path.join(dir, 'server-pki'), rateHz: 5, security: 'none', tags: 12, daItems: false });
  started = await server.start();
  proxy = new BreakableProxy(started.port);
  await proxy.start();
});

afterAll(async () => {
  await h?.stop().catch(() => undefined);
  await proxy?.close();
  await server?.stop();
  await sm?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('network break: session repaired, subscription kept, queued values republished, no gap', async () => {
  const stream = 'tributary.opcua.network';
  h = buildCollector(
    {
      // Through the proxy: the server's endpoints name its own port, which the collector must not insist on.
      endpointUrl: `opc.tcp://127.0.0.1:${proxy.port}`,
      security: { mode: 'None', policy: 'None', pkiDir: 'pki' },
      connection: { reconnectInitialMs: 100, reconnectMaxMs: 500 },
      nodeFilters: ['/Site1/AreaA/Line1/Filler/Counter'],
      defaultGroup: { samplingIntervalMs: 0, publishingIntervalMs: 100, queueSize: 100 },
      stream: { name: stream, maxSize: 1 << 20 },
      maxBatchDelayMs: 50,
    },
    { smPort: sm.port, workDir: dir },
  );
  h.start();
  const health = h.health;
  await waitFor(() => health.counters.counter(SinkMetric.SamplesWritten) >= 5, 20_000, 'values before the break');
  proxy.break();
  await waitFor(() => health.counters.counter(Metric.ConnectionsLost) >= 1, 20_000, 'break noticed');
  const writtenDuringBreak = health.counters.counter(SinkMetric.SamplesWritten);
  // Let the server queue a few values while the link is down.
  await waitFor(() => health.status('opcua')?.state === 'reconnecting' && (health.status('opcua')?.attempts ?? 0) >= 1, 20_000, 'reconnection attempts');
  proxy.heal();
  await waitFor(() => health.counters.counter(Metric.Reconnects) >= 1, 20_000, 'reconnected');
  await waitFor(() => health.counters.counter(SinkMetric.SamplesWritten) >= writtenDuringBreak + 10, 20_000, 'values after the break');
  await h.stop();
  expect(health.counters.counter(Metric.Gaps, { reason: 'subscription_recreated' })).toBe(0);
  const counter = byName(await readAllSamples(sm.port, stream)).get('Site1/AreaA/Line1/Filler/Counter')!;
  // Every server update arrived once (republished duplicates skipped). Republished values may come
  // after newer ones (node-opcua resumes publishing before the republish loop ends): in source
  // timestamp order, the counter goes up by exactly one each time.
  const values = [...counter].sort((a, b) => a.ts - b.ts).map((s) => s.value as number);
  for (let i = 1; i < values.length; i++) expect(values[i]! - values[i - 1]!).toBe(1);
  expect(counter.every((s) => s.quality === 'GOOD')).toBe(true);
});
