/**
 * Integration: Basic256Sha256 SignAndEncrypt against the simulator (one server for the file,
 * security "secure" only, user name + password identity), with the server certificate in the
 * collector's trust list, not in it (refused), or trusted on first use (explicit option).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LocalStreamManager } from '../../../local/stream-manager/src/server';
import { PlantServer, type PlantServerStarted } from '../../../local/simulators/opcua/src/plant-server';
import { startStreamManager, tempDir } from '../../../test/helpers/stream-manager';
import { waitFor } from '../../../test/helpers/wait';
import { SinkMetric } from '../../core/src';
import { FixedCredentials, buildCollector, readAllSamples, type Harness } from './testing/harness';

const USER = { userName: 'operator', password: 'pw-1' };
let server: PlantServer;
let started: PlantServerStarted;
let sm: LocalStreamManager;
let dir: string;
let n = 0;
const running: Harness[] = [];

beforeAll(async () => {
  dir = tempDir('tributary-opcua-security-');
  sm = await startStreamManager({ dir: path.join(dir, 'sm') });
  server = new PlantServer({ port: 0, pkiDir: path.join(dir, 'server-pki'), rateHz: 5, security: 'secure', users: [USER], tags: 12, daItems: false });
  started = await server.start();
});

afterAll(async () => {
  for (const h of running) await h.stop().catch(() => undefined);
  await server?.stop();
  await sm?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function secureCollector(security: Record<string, unknown>, credentials = new FixedCredentials(USER)): { h: Harness; stream: string; pki: string } {
  const stream = `tributary.opcua.s${++n}`;
  const pki = `pki-${n}`;
  const h = buildCollector(
    {
      endpointUrl: started.endpointUrl,
      security: { pkiDir: pki, ...security },
      identity: { type: 'username', secretFile: '/not/used/credentials-come-from-the-test' },
      connection: { reconnectInitialMs: 100, reconnectMaxMs: 500, connectTimeoutMs: 10_000 },
      nodeFilters: ['/Site1/AreaA/Line1/Filler/*'],
      defaultGroup: { samplingIntervalMs: 100, publishingIntervalMs: 100 },
      stream: { name: stream, maxSize: 1 << 20 },
      maxBatchDelayMs: 50,
    },
    { smPort: sm.port, workDir: dir, credentials },
  );
  running.push(h);
  return { h, stream, pki: path.join(dir, pki) };
}

test('default security (SignAndEncrypt, Basic256Sha256) with the server certificate in the trust list: data flows', async () => {
  expect(started.certificateFile).toBeDefined();
  const creds = new FixedCredentials(USER);
  const { h, stream } = secureCollector({ trustedServerCertificates: [started.certificateFile] }, creds);
  expect(h.config.security).toMatchObject({ mode: 'SignAndEncrypt', policy: 'Basic256Sha256', trustOnFirstUse: false });
  h.start();
  await waitFor(() => h.health.counters.counter(SinkMetric.SamplesWritten) >= 12, 20_000, 'samples over SignAndEncrypt');
  await h.stop();
  const samples = await readAllSamples(sm.port, stream);
  expect(new Set(samples.map((s) => s.name)).size).toBe(6);
  expect(creds.calls).toBeGreaterThanOrEqual(1);
});

test('server certificate not in the trust list: refused, retried, nothing written, the certificate is in rejected/', async () => {
  const { h, pki } = secureCollector({});
  h.start();
  await waitFor(() => (h.health.status('opcua')?.attempts ?? 0) >= 2, 20_000, 'two refused attempts');
  const status = h.health.status('opcua')!;
  expect(status.state).toBe('backing_off');
  expect(status.lastError?.code).toBe('opcua_server_untrusted');
  expect(status.lastError?.message).toMatch(/not trusted/);
  expect(h.health.counters.counter(SinkMetric.SamplesWritten)).toBe(0);
  expect(h.health.state).toBe('degraded');
  await h.stop();
  expect(fs.readdirSync(path.join(pki, 'rejected')).length).toBeGreaterThanOrEqual(1);
  expect(fs.readdirSync(path.join(pki, 'trusted', 'certs'))).toEqual([]);
});

test('trust on first use (explicit option): the first server certificate is trusted and kept', async () => {
  const { h, pki } = secureCollector({ trustOnFirstUse: true });
  h.start();
  await waitFor(() => h.health.counters.counter(SinkMetric.SamplesWritten) >= 6, 20_000, 'samples after trust on first use');
  await h.stop();
  expect(fs.readdirSync(path.join(pki, 'trusted', 'certs')).length).toBe(1);
});

test('wrong password: the session is refused with a clear error, and retried', async () => {
  const { h } = secureCollector({ trustedServerCertificates: [started.certificateFile] }, new FixedCredentials({ userName: 'operator', password: 'wrong' }));
  h.start();
  await waitFor(() => (h.health.status('opcua')?.attempts ?? 0) >= 1, 20_000, 'a refused attempt');
  await h.stop();
  expect(h.health.status('opcua')?.lastError?.code).toBe('opcua_identity_rejected');
  expect(h.health.counters.counter(SinkMetric.SamplesWritten)).toBe(0);
});
