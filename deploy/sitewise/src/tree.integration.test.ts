/**
 * `tributary models` against the local SiteWise (in-process, 127.0.0.1:0): provisioned by the
 * provisioner, a few values written by alias, then the tree, the JSON, the --asset filter,
 * --no-values, and the errors an operator sees.
 */
import * as net from 'node:net';
import { BatchPutAssetPropertyValueCommand, type IoTSiteWiseClient } from '@aws-sdk/client-iotsitewise';
import { siteWiseClient } from '../../../local/sitewise/src/client';
import { LocalSiteWise } from '../../../local/sitewise/src/server';
import { runProvision } from './main';
import { runModels } from './models-command';
import { formatAge, type AssetNode, type SiteWiseTree } from './tree';

const NOW = 1_800_000_000_000;

let sitewise: LocalSiteWise;
let endpoint: string;
let client: IoTSiteWiseClient;

async function models(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runModels(argv, { out: (t) => void (out += t), err: (t) => void (err += t), env: {}, now: () => NOW });
  return { code, out, err };
}

const find = (nodes: AssetNode[], name: string): AssetNode | undefined => {
  for (const n of nodes) {
    if (n.name === name) return n;
    const c = find(n.children, name);
    if (c) return c;
  }
  return undefined;
};

beforeAll(async () => {
  sitewise = new LocalSiteWise({ clock: () => NOW, activationDelayMs: 0 });
  ({ endpoint } = await sitewise.listen(0));
  client = siteWiseClient(endpoint, { maxAttempts: 1 });
  const lines: string[] = [];
  const code = await runProvision(['--endpoint', endpoint, '--vehicles', 'V1', '--plant', 'default'], { out: (l) => lines.push(l), err: (l) => lines.push(l), env: {} });
  expect({ code, lines }).toMatchObject({ code: 0 });
  const at = (msAgo: number) => ({ timeInSeconds: Math.floor((NOW - msAgo) / 1000), offsetInNanos: 0 });
  const put = await client.send(
    new BatchPutAssetPropertyValueCommand({
      entries: [
        { entryId: 'rpm', propertyAlias: '/V1/rpm', propertyValues: [{ value: { doubleValue: 2750.5 }, timestamp: at(12_000), quality: 'GOOD' }] },
        { entryId: 'ignition', propertyAlias: '/V1/ignition', propertyValues: [{ value: { stringValue: 'on' }, timestamp: at(300_000) }] },
        { entryId: 'mil', propertyAlias: '/V1/mil', propertyValues: [{ value: { booleanValue: true }, timestamp: at(3_000) }] },
        { entryId: 'lat', propertyAlias: '/V1/gps/lat', propertyValues: [{ value: { doubleValue: -37.784788 }, timestamp: at(2_000) }] },
        { entryId: 'temp', propertyAlias: '/Site1/AreaA/Line1/Filler/Temperature', propertyValues: [{ value: { doubleValue: 61.25 }, timestamp: at(5_000), quality: 'UNCERTAIN' }] },
      ],
    }),
  );
  expect(put.errorEntries).toEqual([]);
});

afterAll(async () => {
  client.destroy();
  await sitewise.close();
});

describe('tributary models against the local SiteWise', () => {
  it('prints the models and the asset tree with aliases and the latest values', async () => {
    const { code, out, err } = await models(['--endpoint', endpoint]);
    expect(err).toBe('');
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toBe(`SiteWise ${endpoint}: 6 models, 16 assets (values read 2027-01-15 08:00:00 UTC)`);
    // Models, parents first, with their hierarchies.
    expect(out).toMatch(/^ {2}Tributary Fleet\s+3 properties\s+1 asset\s+vehicles → Tributary Vehicle$/m);
    expect(out).toMatch(/^ {2}Tributary Site\s+2 properties\s+1 asset\s+areas → Tributary Area$/m);
    expect(out.indexOf('  Tributary Fleet')).toBeLessThan(out.indexOf('  Tributary Vehicle'));
    expect(out.indexOf('  Tributary Site')).toBeLessThan(out.indexOf('  Tributary Area'));
    // The hierarchy: Fleet → V1; Site1 → Site1/AreaA → Line1/Line2 → machines.
    expect(out).toMatch(/^Fleet {2}\[Tributary Fleet\]$/m);
    expect(out).toMatch(/^└─ V1 {2}\[Tributary Vehicle\]$/m);
    expect(out).toMatch(/^Site1 {2}\[Tributary Site\]$/m);
    expect(out).toMatch(/^└─ Site1\/AreaA {2}\[Tributary Area\]$/m);
    expect(out).toMatch(/^ {3}├─ Site1\/AreaA\/Line1 {2}\[Tributary Production Line\]$/m);
    expect(out).toMatch(/^ {3}└─ Site1\/AreaA\/Line2 {2}\[Tributary Production Line\]$/m);
    expect(out).toMatch(/^ {3}│ {2}├─ Site1\/AreaA\/Line1\/Filler {2}\[Tributary Machine\]$/m);
    expect(out.indexOf('Fleet  [')).toBeLessThan(out.indexOf('Site1  ['));
    // Property rows: name, alias (or kind), value + unit, quality, age; "—" without a value.
    expect(out).toMatch(/^ {6}rpm +\/V1\/rpm +2750\.5 rpm +GOOD +12 s ago$/m);
    expect(out).toMatch(/^ {6}ignition +\/V1\/ignition +"on" +GOOD +5 min ago$/m);
    expect(out).toMatch(/^ {6}mil +\/V1\/mil +true +GOOD +3 s ago$/m);
    expect(out).toMatch(/^ {6}latitude +\/V1\/gps\/lat +-37\.784788 deg +GOOD +2 s ago$/m);
    expect(out).toMatch(/^ {6}speed +\/V1\/speed +—$/m);
    expect(out).toMatch(/^ {6}speed_avg_1m +\(metric\) +—$/m);
    expect(out).toMatch(/^ {6}gps_speed_kmh +\(transform\) +—$/m);
    expect(out).toMatch(/Temperature +\/Site1\/AreaA\/Line1\/Filler\/Temperature +61\.25 degC +UNCERTAIN +5 s ago$/m);
    // The alias column is aligned across the whole tree.
    const rpm = lines.find((l) => /\/V1\/rpm/.test(l))!;
    const temp = lines.find((l) => l.includes('/Site1/AreaA/Line1/Filler/Temperature'))!;
    expect(rpm.indexOf('/V1/rpm')).toBe(temp.indexOf('/Site1/'));
  });

  it('--json gives the same tree, machine-readable', async () => {
    const { code, out } = await models(['--endpoint', endpoint, '--json']);
    expect(code).toBe(0);
    const tree = JSON.parse(out) as SiteWiseTree;
    expect(tree.models.map((m) => m.name)).toEqual(['Tributary Fleet', 'Tributary Vehicle', 'Tributary Site', 'Tributary Area', 'Tributary Production Line', 'Tributary Machine']);
    expect(tree.assetCount).toBe(16);
    expect(tree.assets.map((a) => a.name)).toEqual(['Fleet', 'Site1']);
    const fleet = tree.assets[0]!;
    expect(fleet.children.map((c) => [c.name, c.model, c.hierarchy])).toEqual([['V1', 'Tributary Vehicle', 'vehicles']]);
    const v1 = fleet.children[0]!;
    expect(v1.properties.find((p) => p.name === 'rpm')).toMatchObject({
      alias: '/V1/rpm',
      kind: 'measurement',
      dataType: 'DOUBLE',
      unit: 'rpm',
      latest: { value: 2750.5, variant: 'doubleValue', quality: 'GOOD', timestamp: new Date(NOW - 12_000).toISOString() },
    });
    expect(v1.properties.find((p) => p.name === 'speed')).toMatchObject({ alias: '/V1/speed', latest: null });
    expect(v1.properties.find((p) => p.name === 'speed_avg_1m')).toMatchObject({ kind: 'metric', latest: null });
    expect(v1.properties.find((p) => p.name === 'speed_avg_1m')).not.toHaveProperty('alias');
    const area = tree.assets[1]!.children[0]!;
    expect(area.children.map((c) => c.name)).toEqual(['Site1/AreaA/Line1', 'Site1/AreaA/Line2']);
    expect(area.children[0]!.children).toHaveLength(5);
    expect(find(tree.assets, 'Site1/AreaA/Line1/Filler')!.properties.find((p) => p.name === 'Temperature')!.latest).toMatchObject({ value: 61.25, quality: 'UNCERTAIN' });
  });

  it('--asset shows one asset (or a * pattern) with its subtree and where it sits', async () => {
    const one = await models(['--endpoint', endpoint, '--asset', 'Site1/AreaA/Line1/Filler']);
    expect(one.code).toBe(0);
    expect(one.out).toMatch(/^Site1\/AreaA\/Line1\/Filler {2}\[Tributary Machine\] {2}in Site1 › Site1\/AreaA › Site1\/AreaA\/Line1$/m);
    expect(one.out).toMatch(/Temperature +\/Site1\/AreaA\/Line1\/Filler\/Temperature +61\.25 degC/);
    expect(one.out).not.toMatch(/V1|Capper|Fleet {2}\[/);

    const lines = JSON.parse((await models(['--endpoint', endpoint, '--asset', 'Site1/AreaA/Line*', '--json'])).out) as SiteWiseTree;
    expect(lines.assets.map((a) => [a.name, a.path])).toEqual([
      ['Site1/AreaA/Line1', ['Site1', 'Site1/AreaA']],
      ['Site1/AreaA/Line2', ['Site1', 'Site1/AreaA']],
    ]);
    expect(lines.assets[0]!.children.map((c) => c.name)).toContain('Site1/AreaA/Line1/Filler');

    const fleet = JSON.parse((await models(['--endpoint', endpoint, '--asset', 'Fleet', '--json'])).out) as SiteWiseTree;
    expect(fleet.assets.map((a) => a.name)).toEqual(['Fleet']);
    expect(fleet.assets[0]!.children.map((c) => c.name)).toEqual(['V1']);

    const none = await models(['--endpoint', endpoint, '--asset', 'Nope']);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/^tributary models: No asset matches "Nope"\. Assets: Fleet, Site1, /);
  });

  it('--no-values reads no values and shows data types and units', async () => {
    const before = sitewise.stats().operations['GetAssetPropertyValue'] ?? 0;
    const { code, out } = await models(['--endpoint', endpoint, '--no-values', '--asset', 'V1']);
    expect(code).toBe(0);
    expect(sitewise.stats().operations['GetAssetPropertyValue'] ?? 0).toBe(before);
    expect(out).toMatch(/^ {3}rpm +\/V1\/rpm +DOUBLE +rpm$/m);
    expect(out).toMatch(/^ {3}mil +\/V1\/mil +BOOLEAN$/m);
    expect(out).not.toMatch(/2750|values read/);
  });

  it('an unreachable endpoint is one clear error and exit code 1; bad arguments exit 2', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const r = await models(['--endpoint', `http://127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(new RegExp(`^tributary models: cannot reach SiteWise at http://127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED.*\\)\\.\\n  Is the local SiteWise running\\? .*tributary sitewise --port ${port}`));
    expect(r.err).not.toMatch(/\n\s+at /);

    const bad = await models(['--endpoint', 'localhost:1']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--endpoint localhost:1 must be an http/);
    expect((await models(['--aws', '--endpoint', endpoint])).code).toBe(2);
    expect((await models(['--bogus'])).err).toMatch(/unknown argument --bogus/);
  });

  it('runs as `tributary models` through the CLI', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { main } = require('../../../local/cli/main') as typeof import('../../../local/cli/main');
    let out = '';
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    const saved = process.exitCode;
    try {
      await main(['models', '--endpoint', endpoint, '--asset', 'V1']);
      expect(process.exitCode ?? 0).toBe(0);
    } finally {
      write.mockRestore();
      process.exitCode = saved;
    }
    expect(out).toMatch(/^V1 {2}\[Tributary Vehicle\] {2}in Fleet$/m);
    expect(out).toMatch(/rpm +\/V1\/rpm +2750\.5 rpm +GOOD/);
  });
});

describe('formatAge', () => {
  it.each([
    [0, '0 s ago'],
    [12_400, '12 s ago'],
    [119_000, '119 s ago'],
    [300_000, '5 min ago'],
    [3 * 3600_000, '3 h ago'],
    [3 * 86400_000, '3 d ago'],
    [-4_000, 'in 4 s'],
  ])('%i ms → %s', (ms, text) => expect(formatAge(NOW - ms, NOW)).toBe(text));
});
