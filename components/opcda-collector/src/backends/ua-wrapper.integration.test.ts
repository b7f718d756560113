/**
 * Integration: the OPC UA plant simulator's DA items (the DA→UA wrapper contract) → ua-wrapper
 * backend → OpcDaCollector → the local stream manager (real peers on 127.0.0.1), read back with
 * StreamClient. Also browse-based item mapping, and the server stopped and started again.
 */
import '../../../../local/simulators/opcua/src/testing/jest-node-opcua';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Backoff, Health, StreamClient, createLogger, decodeBatch, MemoryLogSink, systemClock, type Sample } from '../../../core/src';
import { PlantServer, type PlantServerStarted } from '../../../../local/simulators/opcua/src/plant-server';
import { startStreamManager, tempDir } from '../../../../test/helpers/stream-manager';
import { waitFor } from '../../../../test/helpers/wait';
import { Metric, OpcDaCollector, SERVER_STATUS, type CollectorSettings } from '../collector';
import { streamSpecOf } from '../config';
import { UaWrapperBackend, type UaWrapperOptions } from './ua-wrapper';

const STREAM = 'tributary.opcda.raw';
let dir: string;
let server: PlantServer;
let started: PlantServerStarted;

beforeAll(async () => {
  dir = tempDir('tributary-opcda-');
  server = new PlantServer({ port: 0, tags: 0, rateHz: 5, security: 'both', pkiDir: path.join(dir, 'server-pki') });
  started = await server.start();
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function backendOptions(over: Partial<UaWrapperOptions> = {}): UaWrapperOptions {
  return {
    endpointUrl: started.endpointUrl,
    securityMode: 'None',
    securityPolicy: 'None',
    pkiDir: path.join(dir, 'client-pki'),
    trustUnknownServerCertificate: false,
    applicationUri: 'urn:tributary:opcda-collector:test',
    itemMapping: 'template',
    nodeIdTemplate: 'ns=1;s=DA:{itemId}',
    rootPath: 'DAServer',
    connectTimeoutMs: 5000,
    requestTimeoutMs: 3000,
    maxNodesPerRead: 1000,
    ...over,
  };
}

function collectorOf(backend: UaWrapperBackend, writer: StreamClient | { append(s: string, p: Buffer): Promise<number> }, over: Partial<CollectorSettings> = {}) {
  const logs = new MemoryLogSink();
  const health = new Health({ component: 'opcda-collector' });
  const collector = new OpcDaCollector({
    backend,
    writer,
    clock: systemClock,
    logger: createLogger({ component: 'opcda-collector', stream: logs, env: {} }),
    health,
    settings: {
      site: 'plant1',
      area: 'hall2',
      process: 'mixing',
      machine: 'mixer-3',
      tags: ['Random.*'],
      pollIntervalMs: 200,
      pollsPerWrite: 2,
      maxItems: 1000,
      stream: streamSpecOf({ name: STREAM, persistence: 'File', strategyOnFull: 'OverwriteOldestData', maxSize: 16 << 20 }),
      maxBufferedSamples: 10000,
      maxBatchBytes: 64 * 1024,
      ...over,
    },
    reconnectBackoff: new Backoff({ initialMs: 100, maxMs: 400 }),
  });
  return { collector, health, logs };
}

async function readAll(client: StreamClient): Promise<Sample[]> {
  const out: Sample[] = [];
  let start = 0;
  for (;;) {
    const msgs = await client.read(STREAM, { start, max: 100, waitMs: 0 });
    if (msgs.length === 0) return out;
    for (const m of msgs) {
      const d = decodeBatch(m.payload);
      if (!d.ok) throw new Error(`undecodable message ${m.sequenceNumber}`);
      out.push(...d.samples);
      start = m.sequenceNumber + 1;
    }
  }
}

function memoryWriter(): { samples: Sample[]; append(s: string, p: Buffer): Promise<number> } {
  const samples: Sample[] = [];
  return {
    samples,
    append: async (_s, p) => {
      const d = decodeBatch(p);
      if (d.ok) samples.push(...d.samples);
      return 0;
    },
  };
}

describe('ua-wrapper backend against the plant simulator', () => {
  test('SignAndEncrypt, trusted server certificate → local stream manager: values, qualities, timestamps, aliases; a bad item id is named and the rest flows', async () => {
    // The production path: the server certificate is in the client's trust list, unknown ones are refused.
    const pki = path.join(dir, 'client-pki-secure');
    fs.mkdirSync(path.join(pki, 'trusted', 'certs'), { recursive: true });
    fs.copyFileSync(started.certificateFile!, path.join(pki, 'trusted', 'certs', 'plant-server.pem'));
    const smDir = tempDir('tributary-opcda-sm-');
    const sm = await startStreamManager({ dir: smDir });
    const writer = new StreamClient({ port: sm.port });
    const reader = new StreamClient({ port: sm.port });
    const backend = new UaWrapperBackend(backendOptions({ securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256', pkiDir: pki }));
    const { collector, health, logs } = collectorOf(backend, writer, { tags: ['Random.*', 'Channel1.Device1.*', 'Quality.*', 'No.Such.Item', 'Bucket Brigade.UInt2'] });
    try {
      collector.start();
      await waitFor(() => health.counters.counter(Metric.Polls) >= 6 && health.counters.counter(Metric.SamplesWritten) >= 60, 15000, 'six polls written').catch((e: Error) => {
        throw new Error(`${e.message}: ${JSON.stringify(health.snapshot())}`);
      });
      await collector.stop();
      const samples = await readAll(reader);
      expect(samples.length).toBe(health.counters.counter(Metric.SamplesWritten));
      expect(health.counters.counter(Metric.Browses)).toBe(1);
      expect(health.counters.counter(Metric.Connections)).toBe(1);

      const names = new Set(samples.map((s) => s.name));
      expect([...names].sort()).toEqual(
        [
          'Bucket Brigade.UInt2',
          'Quality.Bad',
          'Quality.Uncertain',
          'Random.Boolean',
          'Random.Int4',
          'Random.Real8',
          'Random.String',
          ...Array.from({ length: 10 }, (_, i) => `Channel1.Device1.Tag${i + 1}`),
        ].sort(),
      );
      const one = (name: string): Sample => samples.find((s) => s.name === name)!;
      expect(one('Random.Real8')).toMatchObject({ source: 'opcda', device: 'mixer-3', quality: 'GOOD', alias: 'plant1/hall2/mixing/mixer-3/Random-Real8' });
      expect(typeof one('Random.Real8').value).toBe('number');
      expect(Number.isInteger(one('Random.Int4').value)).toBe(true);
      expect(typeof one('Random.Boolean').value).toBe('boolean');
      expect(typeof one('Random.String').value).toBe('string');
      expect(one('Channel1.Device1.Tag7').alias).toBe('plant1/hall2/mixing/mixer-3/Channel1-Device1-Tag7');
      expect(one('Bucket Brigade.UInt2').alias).toBe('plant1/hall2/mixing/mixer-3/Bucket Brigade-UInt2');
      // Annex A: UncertainLastUsableValue ↔ LAST_USABLE (0x44); BadCommunicationError has no DA twin: BAD (0x00).
      expect(one('Quality.Uncertain')).toMatchObject({ quality: 'UNCERTAIN', attrs: { daQuality: 0x44, daQualityName: 'UNCERTAIN_LAST_USABLE', uaStatus: 'UncertainLastUsableValue' } });
      expect(one('Quality.Bad')).toMatchObject({ quality: 'BAD', attrs: { daQuality: 0x00, daQualityName: 'BAD', uaStatus: 'BadCommunicationError' } });
      // Source timestamps are the simulator's (whole-ms JS dates there), never the gateway's read time.
      const good = samples.filter((s) => s.quality === 'GOOD');
      expect(good.every((s) => s.attrs?.tsOrigin === undefined)).toBe(true);
      const now = Date.now();
      expect(samples.every((s) => s.ts > now - 60_000 && s.ts <= now)).toBe(true);
      // Several polls per item, in time order within a batch group.
      const real = samples.filter((s) => s.name === 'Random.Real8').map((s) => s.ts);
      expect(real.length).toBeGreaterThanOrEqual(6);

      const bad = logs.records().filter((r) => r.itemId === 'No.Such.Item');
      expect(bad).toHaveLength(1);
      expect(bad[0]).toMatchObject({ level: 'error', code: 'opcda_unknown_item' });
      expect(String(bad[0]!.error)).toContain('ns=1;s=DA:No.Such.Item');
      expect(health.counters.counter(Metric.ItemErrors, { code: 'opcda_unknown_item' })).toBe(1);
    } finally {
      await collector.stop();
      writer.close();
      reader.close();
      await sm.close();
      fs.rmSync(smDir, { recursive: true, force: true });
    }
  });

  test('SignAndEncrypt to a server whose certificate is not trusted: refused (not TrustAny by default), the certificate kept in rejected/', async () => {
    const pki = path.join(dir, 'client-pki-untrusting');
    const backend = new UaWrapperBackend(backendOptions({ securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256', pkiDir: pki }));
    try {
      await expect(backend.connect()).rejects.toMatchObject({ code: 'opcda_connect_failed', message: expect.stringContaining('BadCertificateUntrusted') });
      expect(fs.readdirSync(path.join(pki, 'rejected')).length).toBeGreaterThan(0);
    } finally {
      await backend.close();
    }
  });

  test('close() while connecting: the connect fails, nothing is left open', async () => {
    const backend = new UaWrapperBackend(backendOptions({ trustUnknownServerCertificate: true }));
    const connecting = backend.connect();
    await backend.close();
    await expect(connecting).rejects.toMatchObject({ code: 'opcda_not_connected' });
    expect(backend.health().connected).toBe(false);
    await expect(backend.read(['Random.Int4'])).rejects.toMatchObject({ code: 'opcda_not_connected' });
  });

  test('browse mapping: item ids are browse paths under DAServer; ** reads them all', async () => {
    const backend = new UaWrapperBackend(backendOptions({ itemMapping: 'browse', trustUnknownServerCertificate: true }));
    try {
      await backend.connect();
      const ids = await backend.browse();
      expect(ids).toEqual(expect.arrayContaining(['Random.Real8', 'Saw-toothed Waves.Real8', 'Bucket Brigade.UInt2', 'Channel1.Device1.Tag10', 'Quality.Bad']));
      expect(ids).toHaveLength(18);
      const results = await backend.read(['Saw-toothed Waves.Real8', 'Channel1.Device1.Tag3', 'Nope.Nope']);
      expect(results[0]).toMatchObject({ ok: true, quality: 0xc0 });
      expect(results[1]).toMatchObject({ ok: true, quality: 0xc0 });
      expect(results[2]).toMatchObject({ ok: false, code: 'opcda_unknown_item' });
    } finally {
      await backend.close();
    }
  });

  test('the server stopped and started again: the collector reconnects by itself and resolves the wildcards again', async () => {
    const out = memoryWriter();
    const backend = new UaWrapperBackend(backendOptions({ trustUnknownServerCertificate: true }));
    const { collector, health } = collectorOf(backend, out, { tags: ['Channel1.**'], pollsPerWrite: 1 });
    try {
      collector.start();
      await waitFor(() => out.samples.length >= 20, 10000, 'first samples');
      expect(health.counters.counter(Metric.Browses)).toBe(1);
      await server.stop();
      await waitFor(() => health.status(SERVER_STATUS)?.state === 'backing_off', 10000, 'connection lost');
      expect(health.state).toBe('degraded');
      const before = out.samples.length;
      server = new PlantServer({ port: started.port, tags: 0, rateHz: 5, security: 'both', pkiDir: path.join(dir, 'server-pki') });
      await server.start();
      await waitFor(() => health.counters.counter(Metric.Connections) >= 2 && out.samples.length >= before + 20, 15000, 'samples after the restart');
      expect(health.counters.counter(Metric.Browses)).toBe(health.counters.counter(Metric.Connections));
      expect(health.status(SERVER_STATUS)!.state).toBe('connected');
      expect(new Set(out.samples.map((s) => s.name)).size).toBe(10);
    } finally {
      await collector.stop();
    }
  });
});
