/**
 * Integration: the OPC UA plant simulator (node-opcua server, 127.0.0.1, one for the file, with a
 * MaxMonitoredItemsPerCall of 10 so every subscription is created in slices) → OpcUaCollector →
 * the local stream manager, read back with the StreamClient. Security None here (security.integration covers it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LocalStreamManager } from '../../../local/stream-manager/src/server';
import { PlantServer, type PlantServerStarted } from '../../../local/simulators/opcua/src/plant-server';
import { startStreamManager, tempDir } from '../../../test/helpers/stream-manager';
import { waitFor } from '../../../test/helpers/wait';
import { SinkMetric } from '../../core/src';
import { Metric } from './collector';
import { buildCollector, byName, readAllSamples, type Harness } from './testing/harness';

let server: PlantServer;
let started: PlantServerStarted;
let sm: LocalStreamManager;
let dir: string;
let streamNo = 0;
const running: Harness[] = [];

beforeAll(async () => {
  dir = tempDir('tributary-opcua-collector-');
  sm = await startStreamManager({ dir: path.join(dir, 'sm') });
  server = new PlantServer({ port: 0, pkiDir: path.join(dir, 'server-pki'), rateHz: 5, security: 'none', maxMonitoredItemsPerCall: 10 });
  started = await server.start();
});

afterAll(async () => {
  for (const h of running) await h.stop().catch(() => undefined);
  await server?.stop();
  await sm?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function collector(over: Record<string, unknown>): { h: Harness; stream: string } {
  const stream = `tributary.opcua.t${++streamNo}`;
  const h = buildCollector(
    {
      endpointUrl: started.endpointUrl,
      security: { mode: 'None', policy: 'None', pkiDir: 'pki' },
      connection: { reconnectInitialMs: 100, reconnectMaxMs: 1000 },
      defaultGroup: { samplingIntervalMs: 100, publishingIntervalMs: 100 },
      stream: { name: stream, maxSize: 4 << 20 },
      maxBatchDelayMs: 50,
      ...over,
    },
    { smPort: sm.port, workDir: dir },
  );
  running.push(h);
  return { h, stream };
}

async function stopAndRead(h: Harness, stream: string): Promise<ReturnType<typeof byName>> {
  await h.stop();
  const samples = await readAllSamples(sm.port, stream);
  expect(samples.length).toBe(h.health.counters.counter(SinkMetric.SamplesWritten));
  return byName(samples);
}

test('subscriptions (created in slices of 10): every tag of a line, with alias, quality, source timestamps and mapped types', async () => {
  const { h, stream } = collector({ nodeFilters: ['/Site1/AreaA/Line1/**'], aliasPrefix: '/plant1', deviceId: 'plc-1' });
  h.start();
  await waitFor(() => h.collector.collectedTags.length === 30 && h.health.status('opcua')?.state === 'connected', 15_000, 'connected with 30 tags');
  const counter = 'Site1/AreaA/Line1/Palletizer/Counter';
  let seen = 0;
  await waitFor(
    async () => {
      seen = (await readAllSamples(sm.port, stream).catch(() => [])).filter((s) => s.name === counter).length;
      return seen >= 3;
    },
    15_000,
    'three counter values',
  );
  const samples = await stopAndRead(h, stream);
  expect(samples.size).toBe(30);
  const temp = samples.get('Site1/AreaA/Line1/Filler/Temperature')!;
  expect(temp[0]).toMatchObject({ device: 'plc-1', source: 'opcua', quality: 'GOOD', alias: '/plant1/Site1/AreaA/Line1/Filler/Temperature' });
  expect(typeof temp[0]!.value).toBe('number');
  expect(typeof samples.get('Site1/AreaA/Line1/Capper/Alarm')![0]!.value).toBe('boolean');
  expect([0, 1, 2, 3]).toContain(samples.get('Site1/AreaA/Line1/Capper/State')![0]!.value);
  // The counter grows by one per server update, stamped by the server (source timestamps, increasing).
  const counts = samples.get(counter)!;
  for (let i = 1; i < counts.length; i++) {
    expect(counts[i]!.value as number).toBeGreaterThan(counts[i - 1]!.value as number);
    expect(counts[i]!.ts).toBeGreaterThan(counts[i - 1]!.ts);
  }
  expect(h.health.counters.counter(Metric.TagProblems, { code: 'opcua_monitor_failed' })).toBe(0);
});

test('polling (DA items): quality from the status code, Int32/String/UInt16 mapping', async () => {
  const { h, stream } = collector({
    nodeFilters: ['/DAServer/**'],
    propertyGroups: [{ name: 'da', match: ['/DAServer/**'], scanMode: 'poll', pollIntervalMs: 100 }],
  });
  h.start();
  await waitFor(() => h.health.counters.counter(Metric.Polls, { group: 'da' }) >= 3, 15_000, 'three polls');
  const samples = await stopAndRead(h, stream);
  expect(h.collector.collectedTags).toHaveLength(18);
  expect(samples.get('DAServer/Quality/Uncertain')![0]!.quality).toBe('UNCERTAIN');
  expect(samples.get('DAServer/Quality/Bad')![0]!.quality).toBe('BAD');
  expect(Number.isInteger(samples.get('DAServer/Random/Int4')![0]!.value)).toBe(true);
  expect(typeof samples.get('DAServer/Random/String')![0]!.value).toBe('string');
  expect(typeof samples.get('DAServer/Bucket Brigade/UInt2')![0]!.value).toBe('number');
  expect(samples.get('DAServer/Channel1/Device1/Tag10')!.length).toBeGreaterThanOrEqual(3);
});

test('browse filters (* and **) and explicit node ids select exactly the matching variables', async () => {
  const { h, stream } = collector({
    nodeFilters: ['/**/Line1/*/Temperature', '/Site1/AreaA/Line2/*/Alarm', '/Site1/**/Pack*/Flow'],
    nodeIds: ['ns=1;s=DA:Saw-toothed Waves.Real8'],
  });
  h.start();
  await waitFor(() => h.health.status('opcua')?.state === 'connected', 15_000, 'connected');
  const paths = h.collector.collectedTags.map((t) => t.path).sort();
  expect(paths).toEqual(
    [
      ...['Filler', 'Capper', 'Labeler', 'Packer', 'Palletizer'].map((m) => `/Site1/AreaA/Line1/${m}/Temperature`),
      ...['Filler', 'Capper', 'Labeler', 'Packer', 'Palletizer'].map((m) => `/Site1/AreaA/Line2/${m}/Alarm`),
      '/Site1/AreaA/Line1/Packer/Flow',
      '/Site1/AreaA/Line2/Packer/Flow',
      '/DAServer/Saw-toothed Waves/Real8',
    ].sort(),
  );
  expect(h.collector.tagProblems).toEqual([]);
  await waitFor(async () => (await readAllSamples(sm.port, stream).catch(() => [])).some((s) => s.name === 'DAServer/Saw-toothed Waves/Real8'), 10_000, 'explicit node value');
  await h.stop();
});

test('deadband: absolute and percent (of EURange) suppress in-band changes; the timeout re-sends the value', async () => {
  const { h, stream } = collector({
    nodeFilters: ['/Site1/AreaA/Line1/*/Temperature', '/Site1/AreaA/Line1/Filler/Counter'],
    propertyGroups: [
      { name: 'absolute', match: ['/Site1/AreaA/Line1/Filler/Temperature'], samplingIntervalMs: 100, publishingIntervalMs: 100, deadband: { type: 'absolute', value: 1000 } },
      { name: 'percent', match: ['/Site1/AreaA/Line1/Capper/Temperature'], samplingIntervalMs: 100, publishingIntervalMs: 100, deadband: { type: 'percent', value: 100, timeoutMs: 300 } },
    ],
  });
  h.start();
  const capper = 'Site1/AreaA/Line1/Capper/Temperature';
  const counter = 'Site1/AreaA/Line1/Filler/Counter';
  await waitFor(
    async () => {
      const s = byName(await readAllSamples(sm.port, stream).catch(() => []));
      return (s.get(counter)?.length ?? 0) >= 12 && (s.get(capper)?.length ?? 0) >= 4;
    },
    20_000,
    'counter values and re-sent capper values',
  );
  const samples = await stopAndRead(h, stream);
  // In band (the wave moves ±20, the bands are 1000 and 100 % of 0..150): only the first value comes by subscription.
  expect(samples.get('Site1/AreaA/Line1/Filler/Temperature')).toHaveLength(1);
  const resent = samples.get(capper)!.slice(1);
  expect(resent.length).toBeGreaterThanOrEqual(3);
  expect(resent.every((s) => s.attrs?.resent === true && s.quality === 'GOOD')).toBe(true);
  // Without a deadband every change arrives.
  expect(samples.get('Site1/AreaA/Line1/Labeler/Temperature')!.length).toBeGreaterThan(3);
  expect(h.health.counters.counter(Metric.ValuesResent)).toBeGreaterThanOrEqual(3);
});

test('a bad node id and a filter matching nothing: errors name them, the rest keeps flowing', async () => {
  const { h, stream } = collector({ nodeFilters: ['/NoSuchSite/**', '/Site1/AreaA/Line1/Filler/Counter'], nodeIds: ['ns=1;s=/No/Such/Tag', 'ns=1;s=DA:Random.Real8'] });
  h.start();
  await waitFor(() => h.health.status('opcua')?.state === 'connected', 15_000, 'connected');
  await waitFor(async () => new Set((await readAllSamples(sm.port, stream).catch(() => [])).map((s) => s.name)).size === 2, 10_000, 'both good tags flowing');
  await h.stop();
  expect(h.collector.tagProblems.map((p) => [p.code, p.subject])).toEqual(
    expect.arrayContaining([
      ['opcua_node_unknown', 'ns=1;s=/No/Such/Tag'],
      ['opcua_filter_no_match', '/NoSuchSite/**'],
    ]),
  );
  const errors = h.logs.records().filter((r) => r.level === 'error').map((r) => String(r.msg));
  expect(errors.some((m) => m.includes('ns=1;s=/No/Such/Tag'))).toBe(true);
  expect(errors.some((m) => m.includes('/NoSuchSite/**'))).toBe(true);
  expect(h.health.status('tags')).toMatchObject({ state: 'problems', detail: { collected: 2 } });
});
