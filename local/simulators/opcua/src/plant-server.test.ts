/**
 * PlantServer against a real node-opcua client on 127.0.0.1: one server (security both, one
 * user, a monitored-items limit) for the file, plus a child process for the kill -9 entry.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  AttributeIds,
  ClientMonitoredItemGroup,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  StatusCodes,
  TimestampsToReturn,
  UserTokenType,
  type ClientSession,
} from 'node-opcua';
import { tempDir } from '../../../../test/helpers/stream-manager';
import { waitFor } from '../../../../test/helpers/wait';
import { spawnPlantServer } from './child';
import { PlantServer, type PlantServerStarted } from './plant-server';

const USER = { userName: 'operator', password: 'pw-1' };
let server: PlantServer;
let started: PlantServerStarted;
let dir: string;

beforeAll(async () => {
  dir = tempDir('tributary-opcua-sim-');
  server = new PlantServer({ port: 0, pkiDir: path.join(dir, 'server-pki'), rateHz: 5, security: 'both', users: [USER], maxMonitoredItemsPerCall: 10 });
  started = await server.start();
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function withSession<T>(
  opts: { securityMode?: MessageSecurityMode; securityPolicy?: SecurityPolicy; anonymous?: boolean },
  fn: (s: ClientSession) => Promise<T>,
): Promise<T> {
  const clientCertificateManager = new OPCUACertificateManager({ rootFolder: path.join(dir, 'client-pki'), automaticallyAcceptUnknownCertificate: true });
  const client = OPCUAClient.create({
    endpointMustExist: false,
    connectionStrategy: { maxRetry: 1, initialDelay: 100, maxDelay: 200 },
    securityMode: opts.securityMode ?? MessageSecurityMode.None,
    securityPolicy: opts.securityPolicy ?? SecurityPolicy.None,
    clientCertificateManager,
    applicationUri: 'urn:tributary:sim-test',
    applicationName: 'sim-test',
  });
  await client.connect(started.endpointUrl);
  try {
    const session = await client.createSession(opts.anonymous ? undefined : { type: UserTokenType.UserName, ...USER });
    try {
      return await fn(session);
    } finally {
      await session.close();
    }
  } finally {
    await client.disconnect();
  }
}

test('endpoint and certificate', () => {
  expect(started.endpointUrl).toBe(`opc.tcp://127.0.0.1:${started.port}`);
  expect(started.certificateFile && fs.existsSync(started.certificateFile)).toBe(true);
  expect(server.tagCount).toBe(60);
});

test('plant tags and DA items by their stable node ids, with EURange and quality', async () => {
  await withSession({}, async (s) => {
    const ids = [
      'ns=1;s=/Site1/AreaA/Line1/Filler/Temperature',
      'ns=1;s=/Site1/AreaA/Line1/Filler/Counter',
      'ns=1;s=/Site1/AreaA/Line2/Palletizer/Alarm',
      'ns=1;s=DA:Bucket Brigade.UInt2',
      'ns=1;s=DA:Quality.Uncertain',
      'ns=1;s=DA:Quality.Bad',
      'ns=1;s=DA:Random.String',
      'ns=1;s=/Site1/AreaA/Line9/Nothing',
    ];
    const values = await s.read(ids.map((nodeId) => ({ nodeId, attributeId: AttributeIds.Value })));
    expect(values.map((v) => v.statusCode.name)).toEqual(['Good', 'Good', 'Good', 'Good', 'UncertainLastUsableValue', 'BadCommunicationError', 'Good', 'BadNodeIdUnknown']);
    expect(typeof values[0]!.value.value).toBe('number');
    expect(typeof values[2]!.value.value).toBe('boolean');
    expect(typeof values[6]!.value.value).toBe('string');
    expect(values[0]!.sourceTimestamp).toBeInstanceOf(Date);
    const props = await s.browse('ns=1;s=/Site1/AreaA/Line1/Filler/Temperature');
    expect(props.references!.map((r) => r.browseName.name)).toEqual(expect.arrayContaining(['EURange']));
    const da = await s.browse('ns=1;s=DAServer/Channel1.Device1');
    expect(da.references!.map((r) => r.nodeId.toString())).toContain('ns=1;s=DA:Channel1.Device1.Tag10');
  });
});

test('anonymous is refused when users are configured', async () => {
  await expect(withSession({ anonymous: true }, async () => 1)).rejects.toThrow();
});

test('SignAndEncrypt with Basic256Sha256', async () => {
  const v = await withSession({ securityMode: MessageSecurityMode.SignAndEncrypt, securityPolicy: SecurityPolicy.Basic256Sha256 }, (s) =>
    s.read({ nodeId: 'ns=1;s=/Site1/AreaA/Line1/Capper/Pressure', attributeId: AttributeIds.Value }),
  );
  expect(v.statusCode).toBe(StatusCodes.Good);
});

test('maxMonitoredItemsPerCall is enforced: a call above it fails, calls within it succeed', async () => {
  await withSession({}, async (s) => {
    const sub = await s.createSubscription2({ requestedPublishingInterval: 100, requestedLifetimeCount: 100, requestedMaxKeepAliveCount: 10, publishingEnabled: true });
    const ids = Array.from({ length: 11 }, (_, i) => ({ nodeId: `ns=1;s=DA:${i < 10 ? `Channel1.Device1.Tag${i + 1}` : 'Random.Real8'}`, attributeId: AttributeIds.Value }));
    const outcome = await new Promise<string>((resolve) => {
      const g = ClientMonitoredItemGroup.create(sub, ids, { samplingInterval: 100, queueSize: 1 }, TimestampsToReturn.Both);
      g.on('initialized', () => resolve('initialized'));
      g.on('err', (m: string) => resolve(`err ${m}`));
      g.on('terminated', (e: unknown) => resolve(`terminated ${String(e)}`));
    });
    expect(outcome).toMatch(/TooManyOperations/);
    let changes = 0;
    const g = ClientMonitoredItemGroup.create(sub, ids.slice(0, 10), { samplingInterval: 100, queueSize: 1 }, TimestampsToReturn.Both);
    g.on('changed', () => changes++);
    await waitFor(() => changes >= 20, 10_000, 'notifications');
    await sub.terminate();
  });
});

test('child process entry: listens, then dies on SIGKILL', async () => {
  const child = await spawnPlantServer(['--port', '0', '--security', 'none', '--pki', path.join(dir, 'child-pki'), '--tags', '12']);
  try {
    expect(child.endpointUrl).toMatch(/^opc\.tcp:\/\/127\.0\.0\.1:\d+$/);
    expect(await child.stop('SIGKILL')).toBe('SIGKILL');
  } finally {
    await child.stop('SIGKILL');
  }
});
