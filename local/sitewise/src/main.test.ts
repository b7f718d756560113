/** Command line, persistence across restarts, the host-prefix pitfall and unknown routes. */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DescribeAssetCommand,
  GetAssetPropertyValueCommand,
  IoTSiteWiseClient,
  ListAssetModelsCommand,
  BatchPutAssetPropertyValueCommand,
} from '@aws-sdk/client-iotsitewise';
import { siteWiseClient } from './client';
import { DEFAULT_SITEWISE_PORT, parseSiteWiseArgs } from './main';
import { provisionAsset } from './provision';
import { LocalSiteWise } from './server';

describe('parseSiteWiseArgs', () => {
  test('defaults', () => {
    expect(parseSiteWiseArgs([])).toEqual({ port: DEFAULT_SITEWISE_PORT, host: '127.0.0.1', activationDelayMs: 50 });
  });
  test('flags', () => {
    expect(parseSiteWiseArgs(['--port', '0', '--host', '::1', '--data-file', 'x/sw.json', '--activation-delay', '0'])).toEqual({
      port: 0,
      host: '::1',
      dataFile: path.resolve('x/sw.json'),
      activationDelayMs: 0,
    });
  });
  test.each([[['--port', 'abc']], [['--port', '70000']], [['--nope']], [['positional']]])('rejects %j', (argv) => {
    expect(() => parseSiteWiseArgs(argv)).toThrow();
  });
});

describe('dataFile', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sitewise-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('keeps models, assets and aliases across a restart; values are not kept', async () => {
    const dataFile = path.join(dir, 'state', 'sitewise.json');
    const first = new LocalSiteWise({ dataFile, activationDelayMs: 0 });
    const a = await first.listen(0);
    const c1 = siteWiseClient(a.endpoint, { maxAttempts: 1 });
    const p = await provisionAsset(c1, { modelName: 'Kept', assetName: 'kept', properties: [{ name: 'x', dataType: 'DOUBLE', alias: '/kept/x' }] });
    const now = Math.floor(Date.now() / 1000);
    await c1.send(new BatchPutAssetPropertyValueCommand({ entries: [{ entryId: 'e', propertyAlias: '/kept/x', propertyValues: [{ timestamp: { timeInSeconds: now }, value: { doubleValue: 1 } }] }] }));
    c1.destroy();
    await first.close();
    expect(JSON.parse(fs.readFileSync(dataFile, 'utf8'))).toMatchObject({ v: 1, models: [{ name: 'Kept' }], assets: [{ name: 'kept' }] });

    const second = new LocalSiteWise({ dataFile, activationDelayMs: 0 });
    const b = await second.listen(0);
    const c2 = siteWiseClient(b.endpoint, { maxAttempts: 1 });
    try {
      const models = await c2.send(new ListAssetModelsCommand({}));
      expect(models.assetModelSummaries?.map((m) => [m.id, m.status?.state])).toEqual([[p.assetModelId, 'ACTIVE']]);
      const asset = await c2.send(new DescribeAssetCommand({ assetId: p.assetId }));
      expect(asset.assetProperties?.[0]?.alias).toBe('/kept/x');
      const latest = await c2.send(new GetAssetPropertyValueCommand({ propertyAlias: '/kept/x' }));
      expect(latest.propertyValue).toBeUndefined();
      expect(second.stats()).toMatchObject({ assetModels: 1, assets: 1, aliases: 1 });
    } finally {
      c2.destroy();
      await second.close();
    }
  });

  test('a broken data file fails the start with its path', () => {
    const dataFile = path.join(dir, 'broken.json');
    fs.writeFileSync(dataFile, '{not json');
    expect(() => new LocalSiteWise({ dataFile })).toThrow(/broken\.json/);
  });
});

describe('wire details', () => {
  let sitewise: LocalSiteWise;
  let endpoint: string;
  beforeAll(async () => {
    sitewise = new LocalSiteWise();
    ({ endpoint } = await sitewise.listen(0));
  });
  afterAll(() => sitewise.close());

  test('without disableHostPrefix the SDK sends to api.<host> / data.<host>, which a loopback endpoint cannot serve', async () => {
    const client = new IoTSiteWiseClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
    const hosts: string[] = [];
    // Stop each request just before it is sent, so no DNS lookup happens.
    client.middlewareStack.add(
      (_next) => async (args) => {
        hosts.push((args.request as { hostname: string }).hostname);
        throw new Error('stopped before sending');
      },
      { step: 'finalizeRequest', name: 'captureHost', priority: 'low' },
    );
    try {
      await expect(client.send(new ListAssetModelsCommand({}))).rejects.toThrow('stopped before sending');
      await expect(client.send(new GetAssetPropertyValueCommand({ propertyAlias: '/a' }))).rejects.toThrow('stopped before sending');
      expect(hosts).toEqual(['api.127.0.0.1', 'data.127.0.0.1']);
    } finally {
      client.destroy();
    }
    const fixed = siteWiseClient(endpoint, { maxAttempts: 1 });
    try {
      await expect(fixed.send(new ListAssetModelsCommand({}))).resolves.toMatchObject({ assetModelSummaries: [] });
    } finally {
      fixed.destroy();
    }
  });

  test('an unknown route answers 404 UnknownOperationException; errors carry x-amzn-errortype', async () => {
    const res = await request(`${endpoint}/no/such/thing`, 'GET');
    expect(res.status).toBe(404);
    expect(res.headers['x-amzn-errortype']).toBe('UnknownOperationException');
    expect(JSON.parse(res.body)).toEqual({ message: expect.stringMatching(/does not implement GET \/no\/such\/thing/) });
    const bad = await request(`${endpoint}/properties`, 'POST', '{nope');
    expect(bad.status).toBe(400);
    expect(bad.headers['x-amzn-errortype']).toBe('InvalidRequestException');
    expect(sitewise.stats().operations).toMatchObject({ Unknown: 1, BatchPutAssetPropertyValue: 1 });
  });
});

function request(url: string, method: string, body?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
