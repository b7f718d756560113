/**
 * Integration: the simulator as a child process is killed with SIGKILL and restarted on the same
 * port (same PKI, same node ids). The collector reconnects by itself, its subscription is
 * recreated, and the gap is reported: counter `gaps{reason="subscription_recreated"}` and one
 * UNCERTAIN marker sample (value null) per tag, followed by fresh values.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LocalStreamManager } from '../../../local/stream-manager/src/server';
import { spawnPlantServer, type ChildPlantServer } from '../../../local/simulators/opcua/src/child';
import { freePort, startStreamManager, tempDir } from '../../../test/helpers/stream-manager';
import { waitFor } from '../../../test/helpers/wait';
import { SinkMetric } from '../../core/src';
import { Metric } from './collector';
import { buildCollector, byName, readAllSamples, type Harness } from './testing/harness';

let sm: LocalStreamManager;
let dir: string;
const children: ChildPlantServer[] = [];
let h: Harness | undefined;

beforeAll(async () => {
  dir = tempDir('tributary-opcua-restart-');
  sm = await startStreamManager({ dir: path.join(dir, 'sm') });
});

afterAll(async () => {
  await h?.stop().catch(() => undefined);
  for (const c of children) await c.stop('SIGKILL');
  await sm?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('server kill -9 and restart on the same port: the collector recovers and reports the gap', async () => {
  const port = await freePort();
  const args = ['--port', String(port), '--security', 'none', '--pki', path.join(dir, 'server-pki'), '--tags', '12', '--rate', '5', '--no-da'];
  const first = await spawnPlantServer(args);
  children.push(first);
  const stream = 'tributary.opcua.restart';
  h = buildCollector(
    {
      endpointUrl: first.endpointUrl,
      security: { mode: 'None', policy: 'None', pkiDir: 'pki' },
      connection: { reconnectInitialMs: 100, reconnectMaxMs: 500 },
      nodeFilters: ['/Site1/AreaA/Line1/Filler/*'],
      defaultGroup: { samplingIntervalMs: 100, publishingIntervalMs: 100 },
      stream: { name: stream, maxSize: 1 << 20 },
      maxBatchDelayMs: 50,
    },
    { smPort: sm.port, workDir: dir },
  );
  h.start();
  const health = h.health;
  await waitFor(() => health.counters.counter(SinkMetric.SamplesWritten) >= 18, 20_000, 'values before the kill');

  process.kill(first.pid, 'SIGKILL');
  expect(await first.exited).toBe('SIGKILL');
  await waitFor(() => health.counters.counter(Metric.ConnectionsLost) >= 1, 20_000, 'connection lost noticed');
  expect(health.state).toBe('degraded');

  const second = await spawnPlantServer(args);
  children.push(second);
  await waitFor(() => health.counters.counter(Metric.Gaps, { reason: 'subscription_recreated' }) >= 1, 25_000, 'gap reported');
  const atGap = health.counters.counter(SinkMetric.SamplesWritten);
  await waitFor(() => health.counters.counter(SinkMetric.SamplesWritten) >= atGap + 18, 20_000, 'values after the restart');
  expect(health.state).toBe('running');
  await h.stop();

  const samples = await readAllSamples(sm.port, stream);
  const counter = byName(samples).get('Site1/AreaA/Line1/Filler/Counter')!;
  const markerAt = counter.findIndex((s) => s.value === null);
  expect(markerAt).toBeGreaterThan(0);
  const marker = counter[markerAt]!;
  expect(marker).toMatchObject({ quality: 'UNCERTAIN', attrs: { gap: true, reason: 'subscription_recreated' } });
  expect(marker.attrs!.gapMs as number).toBeGreaterThan(0);
  // Values before the marker came from the first server, after it from the restarted one (its counter starts again at 0).
  const before = counter.slice(0, markerAt);
  const after = counter.slice(markerAt + 1);
  expect(after.length).toBeGreaterThanOrEqual(2);
  expect(after.every((s) => s.quality === 'GOOD' && s.ts >= marker.ts)).toBe(true);
  expect(after[0]!.value as number).toBeLessThan(before[before.length - 1]!.value as number);
  expect(samples.filter((s) => s.value === null && s.attrs?.gap === true)).toHaveLength(6);
  expect(health.counters.counter(Metric.GapMarkers)).toBe(6);
});
