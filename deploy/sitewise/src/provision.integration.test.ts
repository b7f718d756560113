/**
 * Provisioning against the local SiteWise (in-process, 127.0.0.1:0), then data sent by the
 * Publisher's own SiteWise destination (its alias template and value mapping, not a copy) landing
 * in the right asset properties.
 */
import {
  DescribeAssetCommand,
  DescribeAssetModelCommand,
  GetAssetPropertyValueCommand,
  type IoTSiteWiseClient,
  ListAssetModelsCommand,
  ListAssociatedAssetsCommand,
  UpdateAssetPropertyCommand,
  type Variant,
} from '@aws-sdk/client-iotsitewise';
import { createLogger, systemClock, type Clock, type Sample } from '../../../components/core/src';
import { SiteWiseDestination } from '../../../components/publisher/src/destinations/sitewise';
import { quietLogStream, record } from '../../../components/publisher/src/destinations/testing/records';
import { siteWiseClient } from '../../../local/sitewise/src/client';
import { LocalSiteWise } from '../../../local/sitewise/src/server';
import { parseProvisionArgs } from './args';
import { describeAction, runProvision } from './main';
import { MODEL_NAMES } from './models';
import { LOCAL_WAITER, ProvisionError, provision } from './provisioner';
import type { ProvisioningSpec } from './spec';

const NOW = 1_800_000_000_000;
const logger = createLogger({ component: 'test', stream: quietLogStream, level: 'error' });
const clock: Clock = { ...systemClock, now: () => NOW };
const MUTATIONS = ['CreateAssetModel', 'UpdateAssetModel', 'CreateAsset', 'AssociateAssets', 'UpdateAssetProperty', 'DeleteAsset', 'DeleteAssetModel', 'DisassociateAssets'];

let sitewise: LocalSiteWise;
let endpoint: string;
let client: IoTSiteWiseClient;

const mutations = (): Record<string, number> => {
  const ops = sitewise.stats().operations;
  return Object.fromEntries(MUTATIONS.map((o) => [o, ops[o] ?? 0]));
};
const specFor = (argv: string[]): ProvisioningSpec => parseProvisionArgs(['--endpoint', endpoint, ...argv], {}).spec;
const run = async (argv: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runProvision(['--endpoint', endpoint, ...argv], { out: (l) => out.push(l), err: (l) => err.push(l), env: {} });
  return { code, out, err };
};
async function assetProperties(assetId: string): Promise<Map<string, { id: string; alias?: string; notification?: string }>> {
  const d = await client.send(new DescribeAssetCommand({ assetId }));
  return new Map((d.assetProperties ?? []).map((p) => [p.name!, { id: p.id!, ...(p.alias ? { alias: p.alias } : {}), ...(p.notification?.state ? { notification: p.notification.state } : {}) }]));
}
async function latest(assetId: string, propertyId: string): Promise<Variant | undefined> {
  const r = await client.send(new GetAssetPropertyValueCommand({ assetId, propertyId }));
  return r.propertyValue?.value;
}

beforeEach(async () => {
  // A small activation delay, so that the waiters really wait.
  sitewise = new LocalSiteWise({ clock: () => NOW, activationDelayMs: 5 });
  ({ endpoint } = await sitewise.listen(0));
  client = siteWiseClient(endpoint, { maxAttempts: 1 });
});

afterEach(async () => {
  client.destroy();
  await sitewise.close();
});

describe('npm run sitewise:provision against the local SiteWise', () => {
  it('creates the models, assets, hierarchy and aliases from scratch; a second run changes nothing', async () => {
    const first = await run(['--vehicles', 'VIN123,VIN456', '--plant', 'default']);
    expect(first.err).toEqual([]);
    expect(first.code).toBe(0);
    expect(first.out.join('\n')).toMatch(/create model Tributary Vehicle/);

    const models = (await client.send(new ListAssetModelsCommand({}))).assetModelSummaries ?? [];
    expect(models.map((m) => m.name).sort()).toEqual(Object.values(MODEL_NAMES).sort());
    expect(models.every((m) => m.status?.state === 'ACTIVE')).toBe(true);
    const stats = sitewise.stats();
    // Fleet + 2 vehicles; Site1, AreaA, Line1, Line2 and 10 machines.
    expect(stats.assets).toBe(17);
    const spec = specFor(['--vehicles', 'VIN123,VIN456', '--plant', 'default']);
    const expectedAliases = spec.assets.reduce((n, a) => n + Object.keys(a.aliases).length, 0);
    expect(stats.aliases).toBe(expectedAliases);
    expect(expectedAliases).toBeGreaterThan(60 + 2 * 40);

    const before = mutations();
    const second = await run(['--vehicles', 'VIN123,VIN456', '--plant', 'default']);
    expect(second.code).toBe(0);
    expect(second.out).toContain('Nothing to do: SiteWise already matches.');
    expect(mutations()).toEqual(before);
    expect(sitewise.stats()).toMatchObject({ assetModels: 6, assets: 17, aliases: expectedAliases });

    // The hierarchy: the machine's parent is its line, the vehicle's the fleet.
    const report = await provision(client, spec, { waiter: LOCAL_WAITER });
    expect(report.actions).toEqual([]);
    const filler = report.assetIds['machine:Site1/AreaA/Line1/Filler']!;
    const parent = await client.send(new ListAssociatedAssetsCommand({ assetId: filler, traversalDirection: 'PARENT' }));
    expect(parent.assetSummaries?.map((a) => a.name)).toEqual(['Site1/AreaA/Line1']);
    const vin = await client.send(new ListAssociatedAssetsCommand({ assetId: report.assetIds['vehicle:VIN123']!, traversalDirection: 'PARENT' }));
    expect(vin.assetSummaries?.map((a) => a.name)).toEqual(['Fleet']);
  });

  it('--dry-run reads only and prints the plan', async () => {
    const r = await run(['--vehicles', 'VIN1', '--plant', 'default', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toMatch(/would create model Tributary Site/);
    expect(r.out.join('\n')).toMatch(/would set alias VIN1 \/ rpm: \/VIN1\/rpm/);
    expect(r.out.join('\n')).toMatch(/would associate Site1\/AreaA\/Line1\/Filler \[Tributary Machine\]: under Site1\/AreaA\/Line1 \(machines\)/);
    expect(mutations()).toEqual(Object.fromEntries(MUTATIONS.map((o) => [o, 0])));
    expect(sitewise.stats().assetModels).toBe(0);

    // Against a provisioned service, a dry run of the same spec plans nothing.
    await run(['--vehicles', 'VIN1', '--plant', 'default']);
    const again = await run(['--vehicles', 'VIN1', '--plant', 'default', '--dry-run']);
    expect(again.out).toContain('Nothing to do: SiteWise already matches.');
  });

  it('updates a changed model in place: property ids, aliases and notification states are kept', async () => {
    const spec = specFor(['--plant', 'default']);
    const first = await provision(client, spec, { waiter: LOCAL_WAITER });
    const filler = first.assetIds['machine:Site1/AreaA/Line1/Filler']!;
    const before = await assetProperties(filler);
    // An operator enabled notifications on one property.
    await client.send(new UpdateAssetPropertyCommand({ assetId: filler, propertyId: before.get('Temperature')!.id, propertyAlias: '/Site1/AreaA/Line1/Filler/Temperature', propertyNotificationState: 'ENABLED' }));

    const machine = spec.models.find((m) => m.key === 'machine')!;
    machine.properties = machine.properties.map((p) => (p.name === 'temperature_max_1m' && p.kind === 'metric' ? { ...p, unit: '°C' } : p));
    machine.properties.push({ kind: 'measurement', name: 'Vibration', dataType: 'DOUBLE', unit: 'mm/s', doc: 'new', sample: { source: 'opcua', name: 'Vibration', writer: 'OpcUaCollector' } });
    for (const a of spec.assets) if (a.model === 'machine') a.aliases['Vibration'] = `/${a.name}/Vibration`;

    const actions: string[] = [];
    const second = await provision(client, spec, { waiter: LOCAL_WAITER, onAction: (a) => actions.push(describeAction(a)) });
    expect(second.actions.filter((a) => a.kind === 'update-model')).toEqual([
      { kind: 'update-model', target: MODEL_NAMES.machine, detail: 'change property temperature_max_1m; add property Vibration' },
    ]);
    expect(second.actions.filter((a) => a.kind !== 'update-model').every((a) => a.kind === 'set-alias' && a.target.endsWith('/ Vibration'))).toBe(true);
    expect(second.actions).toHaveLength(1 + 10);

    const after = await assetProperties(filler);
    for (const [name, p] of before) expect(after.get(name)?.id).toBe(p.id);
    expect(after.get('Temperature')).toMatchObject({ alias: '/Site1/AreaA/Line1/Filler/Temperature', notification: 'ENABLED' });
    expect(after.get('Vibration')).toMatchObject({ alias: '/Site1/AreaA/Line1/Filler/Vibration' });
    const model = await client.send(new DescribeAssetModelCommand({ assetModelId: second.modelIds[MODEL_NAMES.machine]! }));
    expect(model.assetModelProperties?.find((p) => p.name === 'temperature_max_1m')?.unit).toBe('°C');

    // A changed alias prefix moves the aliases and keeps the notification state.
    const moved = specFor(['--plant', 'default', '--alias-prefix', '/plant1']);
    moved.models = spec.models;
    for (const a of moved.assets) if (a.model === 'machine') a.aliases['Vibration'] = `/plant1/${a.name}/Vibration`;
    await provision(client, moved, { waiter: LOCAL_WAITER });
    expect((await assetProperties(filler)).get('Temperature')).toMatchObject({ alias: '/plant1/Site1/AreaA/Line1/Filler/Temperature', notification: 'ENABLED' });
    expect((await provision(client, moved, { waiter: LOCAL_WAITER })).actions).toEqual([]);
  });

  it('refuses changes SiteWise cannot make, and aliases owned by another property, with a clear error', async () => {
    const spec = specFor(['--vehicles', 'VIN1']);
    await provision(client, spec, { waiter: LOCAL_WAITER });
    const vehicle = spec.models.find((m) => m.key === 'vehicle')!;
    const changed: ProvisioningSpec = {
      ...spec,
      models: spec.models.map((m) => (m === vehicle ? { ...m, properties: m.properties.map((p) => (p.name === 'mil' ? { ...p, dataType: 'DOUBLE' as const } : p)) } : m)),
    };
    await expect(provision(client, changed, { waiter: LOCAL_WAITER })).rejects.toMatchObject({ code: 'sitewise_model_incompatible' });

    const stolen = specFor(['--vehicles', 'VIN1,VIN2', '--alias-template', '/{name}']);
    const err = await provision(client, stolen, { waiter: LOCAL_WAITER }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProvisionError);
    // VIN1 and VIN2 would share /rpm: caught before any call.
    expect((err as ProvisionError).code).toBe('sitewise_spec_invalid');

    // A GPS device id equal to the VIN would put GPS speed (m/s) on the OBD speed's alias: caught before any call.
    const same = await run(['--vehicles', 'VIN1', '--gps-device', '{vin}']);
    expect(same.code).toBe(1);
    expect(same.err.join('\n')).toMatch(/sitewise_spec_invalid.*alias \/VIN1\/speed is also given to VIN1 \/ speed/);

    // VIN9 with VIN1's GPS device: the aliases belong to VIN1's properties in SiteWise.
    const r = await run(['--vehicles', 'VIN9=VIN1/gps']);
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toMatch(/sitewise_alias_conflict.*Alias \/VIN1\/gps\/lat for VIN9 \/ latitude/);
  });
});

describe('data the Publisher sends lands in the provisioned properties', () => {
  it('OBD, GPS, Aggregator and OPC UA samples, through the SiteWise destination', async () => {
    const spec = specFor(['--vehicles', 'VIN123', '--plant', 'default']);
    const { assetIds } = await provision(client, spec, { waiter: LOCAL_WAITER });
    const ts = NOW - 5000;
    const s = (over: Partial<Sample>): Sample => ({ device: 'VIN123', source: 'obd', name: 'rpm', value: 0, quality: 'GOOD', ts, ...over });
    // As the collectors and the Aggregator write them: no alias on vehicle samples, alias = browse path on OPC UA ones.
    const samples: Sample[] = [
      s({ name: 'rpm', value: 2750.5, unit: 'rpm' }),
      s({ name: 'speed', value: 88, unit: 'km/h' }),
      s({ name: 'mil', value: true }),
      s({ name: 'dtc_count', value: 2 }),
      s({ name: 'dtc_stored', value: 'P0104,C0123' }),
      s({ name: 'ignition', value: 'on' }),
      s({ name: 'event.high_rpm', value: 'active', attrs: { severity: 'warning' } }),
      s({ name: 'high_rpm', value: 1 }),
      s({ device: 'VIN123/gps', source: 'gps', name: 'lat', value: -37.784788, unit: 'deg' }),
      s({ device: 'VIN123/gps', source: 'gps', name: 'speed', value: 24.4, unit: 'm/s' }),
      s({ device: 'opcua-1', source: 'opcua', name: 'Site1/AreaA/Line1/Filler/Temperature', alias: '/Site1/AreaA/Line1/Filler/Temperature', value: 61.25 }),
      s({ device: 'opcua-1', source: 'opcua', name: 'Site1/AreaA/Line2/Palletizer/Alarm', alias: '/Site1/AreaA/Line2/Palletizer/Alarm', value: true }),
      s({ device: 'opcua-1', source: 'opcua', name: 'Site1/AreaA/Line1/Capper/State', alias: '/Site1/AreaA/Line1/Capper/State', value: 1 }),
      s({ device: 'opcua-1', source: 'opcua', name: 'Site1/AreaA/Line1/Capper/Counter', alias: '/Site1/AreaA/Line1/Capper/Counter', value: 4242 }),
    ];
    const destination = new SiteWiseDestination(
      { name: 'sw', region: 'us-east-1', endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, sdkMaxAttempts: 1, itemBackoffMinMs: 1, itemBackoffMaxMs: 2 },
      { logger, clock },
    );
    try {
      const outcomes = await destination.send([record(1, samples)]);
      expect(outcomes).toEqual([{ kind: 'accepted' }]);
    } finally {
      await destination.stop();
    }

    const vehicle = await assetProperties(assetIds['vehicle:VIN123']!);
    const filler = await assetProperties(assetIds['machine:Site1/AreaA/Line1/Filler']!);
    const capper = await assetProperties(assetIds['machine:Site1/AreaA/Line1/Capper']!);
    const palletizer2 = await assetProperties(assetIds['machine:Site1/AreaA/Line2/Palletizer']!);
    const at = async (assetKey: string, props: Map<string, { id: string }>, name: string) => latest(assetIds[assetKey]!, props.get(name)!.id);
    expect(await at('vehicle:VIN123', vehicle, 'rpm')).toEqual({ doubleValue: 2750.5 });
    expect(await at('vehicle:VIN123', vehicle, 'speed')).toEqual({ doubleValue: 88 });
    expect(await at('vehicle:VIN123', vehicle, 'gps_speed')).toEqual({ doubleValue: 24.4 });
    expect(await at('vehicle:VIN123', vehicle, 'latitude')).toEqual({ doubleValue: -37.784788 });
    expect(await at('vehicle:VIN123', vehicle, 'mil')).toEqual({ booleanValue: true });
    expect(await at('vehicle:VIN123', vehicle, 'dtc_count')).toEqual({ doubleValue: 2 });
    expect(await at('vehicle:VIN123', vehicle, 'dtc_stored')).toEqual({ stringValue: 'P0104,C0123' });
    expect(await at('vehicle:VIN123', vehicle, 'ignition')).toEqual({ stringValue: 'on' });
    expect(await at('vehicle:VIN123', vehicle, 'event.high_rpm')).toEqual({ stringValue: 'active' });
    expect(await at('vehicle:VIN123', vehicle, 'high_rpm')).toEqual({ doubleValue: 1 });
    expect(await at('machine:Site1/AreaA/Line1/Filler', filler, 'Temperature')).toEqual({ doubleValue: 61.25 });
    expect(await at('machine:Site1/AreaA/Line2/Palletizer', palletizer2, 'Alarm')).toEqual({ booleanValue: true });
    expect(await at('machine:Site1/AreaA/Line1/Capper', capper, 'State')).toEqual({ doubleValue: 1 });
    expect(await at('machine:Site1/AreaA/Line1/Capper', capper, 'Counter')).toEqual({ doubleValue: 4242 });
    // Nothing else of the Filler got a value.
    expect(await at('machine:Site1/AreaA/Line1/Filler', filler, 'Pressure')).toBeUndefined();
  });

  it('every aliased property takes a value of its data type sent by the Publisher', async () => {
    const spec = specFor(['--vehicles', 'VIN1', '--plant', 'sim:12']);
    await provision(client, spec, { waiter: LOCAL_WAITER });
    const samples: Sample[] = [];
    for (const a of spec.assets) {
      const model = spec.models.find((m) => m.key === a.model)!;
      for (const [name, alias] of Object.entries(a.aliases)) {
        const p = model.properties.find((x) => x.name === name)!;
        const value = p.dataType === 'BOOLEAN' ? true : p.dataType === 'STRING' ? 'x' : 1.5;
        samples.push({ device: 'd', source: 'obd', name, alias, value, quality: 'GOOD', ts: NOW - 1000 });
      }
    }
    const destination = new SiteWiseDestination(
      { name: 'sw', region: 'us-east-1', endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, sdkMaxAttempts: 1, itemBackoffMinMs: 1, itemBackoffMaxMs: 2 },
      { logger, clock },
    );
    try {
      expect(await destination.send([record(1, samples)])).toEqual([{ kind: 'accepted' }]);
    } finally {
      await destination.stop();
    }
    expect(sitewise.stats().valuesStored).toBe(samples.length);
  });
});
