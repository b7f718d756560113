/**
 * The dcom backend through a fake of node-opc-da (no Windows DCOM server can run here): lazy
 * loading, polling through the collector, the hard timeout on a call that never settles, quality
 * and timestamp mapping, refused items.
 */
import { Backoff, Health, ManualClock, createLogger, decodeBatch, flushPromises, MemoryLogSink, type Sample } from '../../../core/src';
import { OpcDaErrorCode } from '../backend';
import { Metric, OpcDaCollector, SERVER_STATUS } from '../collector';
import { FakeOpcDa } from '../testing/fake-opc-da';
import { DcomBackend, dcomRuntimeProblem, toDaValue, type DcomBackendOptions } from './dcom';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

function backendOf(fake: FakeOpcDa, clock: ManualClock, over: Partial<DcomBackendOptions> = {}): { backend: DcomBackend; loads: () => number } {
  let loads = 0;
  const backend = new DcomBackend({
    host: '10.0.0.5',
    domain: 'PLANT',
    userName: 'opc',
    password: 'secret',
    clsid: 'F8582CF2-88FB-11D0-B850-00C0F0104305',
    callTimeoutMs: 5000,
    dataSource: 'cache',
    updateRateMs: 1000,
    load: () => {
      loads++;
      return fake.module();
    },
    runtimeProblem: () => undefined,
    clock,
    ...over,
  });
  return { backend, loads: () => loads };
}

function collectorOf(backend: DcomBackend, clock: ManualClock, tags: string[]) {
  const logs = new MemoryLogSink();
  const health = new Health({ component: 'opcda-collector', clock });
  const samples: Sample[] = [];
  const collector = new OpcDaCollector({
    backend,
    writer: {
      append: async (_s, payload) => {
        const d = decodeBatch(payload);
        if (d.ok) samples.push(...d.samples);
        return 0;
      },
    },
    clock,
    logger: createLogger({ component: 'opcda-collector', stream: logs, clock, env: {} }),
    health,
    settings: {
      site: 's',
      area: 'a',
      process: 'p',
      machine: 'm',
      tags,
      pollIntervalMs: 1000,
      pollsPerWrite: 1,
      maxItems: 100,
      stream: { name: 'tributary.opcda.raw', strategyOnFull: 'OverwriteOldestData' },
      maxBufferedSamples: 1000,
      maxBatchBytes: 65536,
    },
    reconnectBackoff: new Backoff({ initialMs: 1000, maxMs: 1000, jitter: 'none' }),
  });
  return { collector, health, logs, samples };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await flushPromises();
}

function plant(): FakeOpcDa {
  let n = 0;
  return new FakeOpcDa({
    'Random.Real8': { value: () => ++n + 0.25, timestamp: new Date(T0 + 5) },
    'Random.Int4': { value: 42 },
    'Random.Boolean': { value: true, quality: 0xc0 },
    'Bucket Brigade.UInt2': { value: 7, quality: 0x44 },
    'Quality.Bad': { value: 0, quality: 0x18 },
    'Square Waves.Real8': { value: 1, timestamp: new Date(-11644473600000) }, // FILETIME 0
  });
}

describe('dcom backend (node-opc-da fake)', () => {
  test('node-opc-da is loaded on the first connect, not before, and once', async () => {
    const clock = new ManualClock(T0);
    const fake = plant();
    const { backend, loads } = backendOf(fake, clock);
    expect(loads()).toBe(0);
    await backend.connect();
    await backend.close();
    await backend.connect();
    expect(loads()).toBe(1);
    expect(fake.sessions).toEqual([
      { domain: 'PLANT', user: 'opc', timeout: 5000 },
      { domain: 'PLANT', user: 'opc', timeout: 5000 },
    ]);
    expect(fake.groups[0]).toEqual({ name: 'tributary', updateRate: 1000 });
    await backend.close();
  });

  test('a process that cannot run node-dcom fails to connect with a reason, without loading it', async () => {
    const clock = new ManualClock(T0);
    const { backend, loads } = backendOf(plant(), clock, { runtimeProblem: () => 'start Node with --openssl-legacy-provider' });
    await expect(backend.connect()).rejects.toMatchObject({ code: OpcDaErrorCode.BackendUnavailable, message: 'start Node with --openssl-legacy-provider' });
    expect(loads()).toBe(0);
    const broken = backendOf(plant(), clock, {
      load: () => {
        throw new Error("Cannot find module 'node-opc-da'");
      },
    }).backend;
    await expect(broken.connect()).rejects.toMatchObject({ code: OpcDaErrorCode.BackendUnavailable });
  });

  test('polls with synchronous group reads: items added once per connection, wildcard browsed once, values mapped', async () => {
    const clock = new ManualClock(T0);
    const fake = plant();
    const { backend } = backendOf(fake, clock);
    const { collector, samples, health } = collectorOf(backend, clock, ['Random.*', 'Bucket Brigade.UInt2', 'Quality.Bad', 'Square Waves.Real8']);
    collector.start();
    await settle();
    await clock.advanceAsync(1000);
    await clock.advanceAsync(1000);
    expect(fake.count('read')).toBe(3);
    expect(fake.count('add')).toBe(1);
    expect(fake.count('browse')).toBe(1);
    const real = samples.filter((s) => s.name === 'Random.Real8');
    expect(real.map((s) => s.value)).toEqual([1.25, 2.25, 3.25]);
    expect(real[0]).toMatchObject({ quality: 'GOOD', ts: T0 + 5, alias: 's/a/p/m/Random-Real8', source: 'opcda' });
    expect(samples.find((s) => s.name === 'Random.Boolean')).toMatchObject({ value: true, quality: 'GOOD' });
    expect(samples.find((s) => s.name === 'Bucket Brigade.UInt2')).toMatchObject({ value: 7, quality: 'UNCERTAIN', alias: 's/a/p/m/Bucket Brigade-UInt2', attrs: { daQuality: 0x44 } });
    expect(samples.find((s) => s.name === 'Quality.Bad')).toMatchObject({ quality: 'BAD', attrs: { daQualityName: 'BAD_COMM_FAILURE' } });
    // A zero FILETIME is "no timestamp": the read time is used, and said.
    expect(samples.find((s) => s.name === 'Square Waves.Real8')).toMatchObject({ ts: T0, attrs: { tsOrigin: 'gateway' } });
    expect(health.status(SERVER_STATUS)!.detail).toMatchObject({ itemsAdded: 6, itemsRefused: 0 });
    await collector.stop();
  });

  test('a read that never returns hits the hard timeout; the connection is rebuilt and polling resumes', async () => {
    const clock = new ManualClock(T0);
    const fake = plant();
    const { backend } = backendOf(fake, clock);
    const { collector, samples, health, logs } = collectorOf(backend, clock, ['Random.Int4']);
    collector.start();
    await settle();
    expect(samples).toHaveLength(1);
    fake.hang('read');
    await clock.advanceAsync(1000);
    expect(fake.count('read')).toBe(2);
    expect(health.status(SERVER_STATUS)!.state).toBe('connected');
    await clock.advanceAsync(4999);
    expect(health.status(SERVER_STATUS)!.state).toBe('connected');
    await clock.advanceAsync(1);
    await settle();
    expect(health.status(SERVER_STATUS)!.state).toBe('backing_off');
    expect(health.counters.counter(Metric.ConnectionFailures, { code: OpcDaErrorCode.Timeout })).toBe(1);
    expect(logs.withMsg('Lost the OPC DA server; reconnecting.')[0]).toMatchObject({ code: 'opcda_timeout', error: 'OPCSyncIO read did not finish within 5000 ms' });
    expect(fake.calls).toContain('end');
    await clock.advanceAsync(1000);
    await settle();
    expect(fake.sessions).toHaveLength(2);
    expect(fake.count('add')).toBe(2);
    expect(samples).toHaveLength(2);
    expect(health.status(SERVER_STATUS)!.state).toBe('connected');
    await collector.stop();
  });

  test('a connect that hangs (no DCOM on the host) times out and is retried', async () => {
    const clock = new ManualClock(T0);
    const fake = plant();
    fake.hang('init');
    const { backend } = backendOf(fake, clock);
    const { collector, samples, health } = collectorOf(backend, clock, ['Random.Int4']);
    collector.start();
    await settle();
    expect(health.status(SERVER_STATUS)!.state).toBe('connecting');
    await clock.advanceAsync(5000);
    expect(health.status(SERVER_STATUS)!.lastError).toMatchObject({ code: 'opcda_timeout', message: 'DCOM connect did not finish within 5000 ms' });
    await clock.advanceAsync(1000);
    await settle();
    expect(fake.count('init')).toBe(2);
    expect(samples).toHaveLength(1);
    await collector.stop();
  });

  test('an item id the server refuses is reported by name; the others flow', async () => {
    const clock = new ManualClock(T0);
    const fake = plant();
    fake.items.set('Random.Locked', { value: 1, readError: 0xc0040006 });
    const { backend } = backendOf(fake, clock);
    const { collector, samples, health, logs } = collectorOf(backend, clock, ['Random.Int4', 'Random.Nope', 'Random.Locked']);
    collector.start();
    await settle();
    await clock.advanceAsync(1000);
    expect(samples.map((s) => s.name)).toEqual(['Random.Int4', 'Random.Int4']);
    const err = logs.records().find((r) => r.itemId === 'Random.Nope');
    expect(err).toMatchObject({ level: 'error', code: 'opcda_unknown_item', error: 'the server refused the item (0xC0040007: unknown or invalid item id)' });
    expect(logs.records().find((r) => r.itemId === 'Random.Locked')).toMatchObject({ level: 'warn', code: 'opcda_item_failed', error: 'read failed with 0xC0040006' });
    expect(health.counters.counter(Metric.ItemErrors, { code: 'opcda_unknown_item' })).toBe(1);
    expect(health.counters.counter(Metric.ItemErrors, { code: 'opcda_item_failed' })).toBe(2);
    expect(fake.count('add')).toBe(1);
    await collector.stop();
  });

  test('close() during a connect: the connect fails and releases what it opened', async () => {
    const clock = new ManualClock(T0);
    const fake = plant();
    fake.hold('addGroup');
    const { backend } = backendOf(fake, clock);
    const connecting = backend.connect();
    await settle();
    expect(fake.count('addGroup')).toBe(1);
    await backend.close();
    fake.releaseHeld();
    await expect(connecting).rejects.toMatchObject({ code: OpcDaErrorCode.NotConnected });
    expect(fake.count('end')).toBe(2);
    expect(backend.health().connected).toBe(false);
  });

  test('dcomRuntimeProblem: Node 22, MD4 off, and a usable runtime', () => {
    const md4ok = { createHash: () => ({ update: () => ({ digest: () => Buffer.alloc(16) }) }), createCipher: () => undefined } as never;
    const md4off = {
      createHash: () => {
        throw Object.assign(new Error('error:0308010C:digital envelope routines::unsupported'), { code: 'ERR_OSSL_EVP_UNSUPPORTED' });
      },
      createCipher: () => undefined,
    } as never;
    expect(dcomRuntimeProblem(md4ok, '20.20.2')).toBeUndefined();
    expect(dcomRuntimeProblem(md4off, '20.20.2')).toContain('--openssl-legacy-provider');
    expect(dcomRuntimeProblem(md4ok, '22.1.0')).toContain('Node 22');
  });

  test('toDaValue: arrays, 64-bit integers and dates become strings the envelope can carry', () => {
    expect(toDaValue([1, 2, 3])).toEqual({ value: '[1,2,3]', note: 'array as JSON' });
    expect(toDaValue(2n ** 60n)).toEqual({ value: '1152921504606846976', note: 'int64 as string' });
    expect(toDaValue({ toNumber: () => 12 })).toEqual({ value: 12 });
    expect(toDaValue(new Date(T0))).toEqual({ value: '2025-01-01T12:00:00.000Z', note: 'date as ISO-8601' });
    expect(toDaValue(undefined)).toEqual({ value: null });
  });
});
