/** Asset models, assets, aliases and hierarchies through the real @aws-sdk/client-iotsitewise. */
import {
  AssociateAssetsCommand,
  ConflictingOperationException,
  CreateAssetCommand,
  CreateAssetModelCommand,
  DeleteAssetCommand,
  DeleteAssetModelCommand,
  DescribeAssetCommand,
  DescribeAssetModelCommand,
  DescribeAssetPropertyCommand,
  DisassociateAssetsCommand,
  InvalidRequestException,
  type IoTSiteWiseClient,
  ListAssetModelsCommand,
  ListAssetsCommand,
  ListAssociatedAssetsCommand,
  paginateListAssetModels,
  paginateListAssets,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  UpdateAssetModelCommand,
  UpdateAssetPropertyCommand,
  waitUntilAssetActive,
  waitUntilAssetModelActive,
} from '@aws-sdk/client-iotsitewise';
import { siteWiseClient } from './client';
import { localWaiter, provisionAsset } from './provision';
import { LocalSiteWise } from './server';

let sitewise: LocalSiteWise;
let client: IoTSiteWiseClient;
let n = 0;
const unique = (s: string): string => `${s}-${++n}`;

beforeAll(async () => {
  sitewise = new LocalSiteWise({ activationDelayMs: 30 });
  const { endpoint } = await sitewise.listen(0);
  client = siteWiseClient(endpoint, { maxAttempts: 1 });
});

afterAll(async () => {
  client.destroy();
  await sitewise.close();
});

async function activeModel(input: ConstructorParameters<typeof CreateAssetModelCommand>[0]): Promise<string> {
  const { assetModelId } = await client.send(new CreateAssetModelCommand(input));
  await waitUntilAssetModelActive(localWaiter(client), { assetModelId: assetModelId! });
  return assetModelId!;
}

async function activeAsset(assetModelId: string, assetName = unique('asset')): Promise<string> {
  const { assetId } = await client.send(new CreateAssetCommand({ assetName, assetModelId }));
  await waitUntilAssetActive(localWaiter(client), { assetId: assetId! });
  return assetId!;
}

describe('asset models', () => {
  test('are CREATING, then ACTIVE through the waiter, with every property kind', async () => {
    const created = await client.send(
      new CreateAssetModelCommand({
        assetModelName: unique('Vehicle'),
        assetModelDescription: 'a car',
        assetModelProperties: [
          { name: 'VIN', dataType: 'STRING', type: { attribute: { defaultValue: 'unknown' } } },
          { name: 'rpm', dataType: 'DOUBLE', unit: 'rpm', type: { measurement: {} } },
          { name: 'speed', dataType: 'INTEGER', unit: 'km/h', type: { measurement: {} } },
          { name: 'rps', dataType: 'DOUBLE', type: { transform: { expression: 'r / 60', variables: [{ name: 'r', value: { propertyId: 'rpm' } }] } } },
          {
            name: 'avgRpm',
            dataType: 'DOUBLE',
            type: { metric: { expression: 'avg(r)', variables: [{ name: 'r', value: { propertyId: 'rpm' } }], window: { tumbling: { interval: '1m' } } } },
          },
        ],
      }),
    );
    expect(created.assetModelStatus?.state).toBe('CREATING');
    expect(created.assetModelArn).toBe(`arn:aws:iotsitewise:us-east-1:123456789012:asset-model/${created.assetModelId}`);
    const result = await waitUntilAssetModelActive(localWaiter(client), { assetModelId: created.assetModelId! });
    expect(result.state).toBe('SUCCESS');
    const model = await client.send(new DescribeAssetModelCommand({ assetModelId: created.assetModelId! }));
    expect(model.assetModelStatus?.state).toBe('ACTIVE');
    expect(model.assetModelCreationDate).toBeInstanceOf(Date);
    const props = Object.fromEntries((model.assetModelProperties ?? []).map((p) => [p.name, p]));
    expect(Object.keys(props)).toEqual(['VIN', 'rpm', 'speed', 'rps', 'avgRpm']);
    expect(props.rpm).toMatchObject({ dataType: 'DOUBLE', unit: 'rpm', type: { measurement: {} } });
    expect(props.VIN!.type?.attribute?.defaultValue).toBe('unknown');
    // A variable given by property name comes back as the property id, as in the real service.
    expect(props.rps!.type?.transform?.variables?.[0]?.value?.propertyId).toBe(props.rpm!.id);
    expect(props.avgRpm!.type?.metric?.window?.tumbling?.interval).toBe('1m');
  });

  test.each([
    ['a metric window under a minute', { name: 'm', dataType: 'DOUBLE', type: { metric: { expression: 'avg(x)', variables: [{ name: 'x', value: { propertyId: 'x' } }], window: { tumbling: { interval: '30s' } } } } }],
    ['a transform over a property the model lacks', { name: 't', dataType: 'DOUBLE', type: { transform: { expression: 'y', variables: [{ name: 'y', value: { propertyId: 'nope' } }] } } }],
    ['a property with two types', { name: 'two', dataType: 'DOUBLE', type: { measurement: {}, attribute: {} } }],
    ['a transform that is not DOUBLE', { name: 't', dataType: 'INTEGER', type: { transform: { expression: 'x', variables: [{ name: 'x', value: { propertyId: 'x' } }] } } }],
    ['an INTEGER attribute with a text default', { name: 'a', dataType: 'INTEGER', type: { attribute: { defaultValue: 'abc' } } }],
    ['a duplicate property name', { name: 'x', dataType: 'DOUBLE', type: { measurement: {} } }],
  ] as const)('reject %s with InvalidRequestException', async (_what, extra) => {
    const err = await client
      .send(
        new CreateAssetModelCommand({
          assetModelName: unique('bad'),
          assetModelProperties: [{ name: 'x', dataType: 'DOUBLE', type: { measurement: {} } }, extra as never],
        }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRequestException);
    expect((err as InvalidRequestException).$metadata.httpStatusCode).toBe(400);
  });

  test('names are unique; unknown ids are ResourceNotFound', async () => {
    const name = unique('Same');
    await client.send(new CreateAssetModelCommand({ assetModelName: name }));
    await expect(client.send(new CreateAssetModelCommand({ assetModelName: name }))).rejects.toBeInstanceOf(ResourceAlreadyExistsException);
    await expect(client.send(new DescribeAssetModelCommand({ assetModelId: '00000000-0000-4000-8000-000000000001' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  test('an asset cannot be created from a model that is not ACTIVE yet', async () => {
    const slow = new LocalSiteWise({ activationDelayMs: 600_000 });
    const { endpoint } = await slow.listen(0);
    const c = siteWiseClient(endpoint, { maxAttempts: 1 });
    try {
      const { assetModelId } = await c.send(new CreateAssetModelCommand({ assetModelName: 'm' }));
      const err = await c.send(new CreateAssetCommand({ assetName: 'a', assetModelId: assetModelId! })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConflictingOperationException);
      expect((err as ConflictingOperationException).resourceId).toBe(assetModelId);
      expect((err as ConflictingOperationException).$metadata.httpStatusCode).toBe(409);
    } finally {
      c.destroy();
      await slow.close();
    }
  });

  test('ListAssetModels pages with nextToken/maxResults', async () => {
    const own = new LocalSiteWise({ activationDelayMs: 0 });
    const { endpoint } = await own.listen(0);
    const c = siteWiseClient(endpoint, { maxAttempts: 1 });
    try {
      for (let i = 0; i < 5; i++) await c.send(new CreateAssetModelCommand({ assetModelName: `model-${i}` }));
      const first = await c.send(new ListAssetModelsCommand({ maxResults: 2 }));
      expect(first.assetModelSummaries?.map((s) => s.name)).toEqual(['model-0', 'model-1']);
      expect(first.nextToken).toBeDefined();
      const names: string[] = [];
      let pages = 0;
      for await (const p of paginateListAssetModels({ client: c, pageSize: 2 }, {})) {
        pages++;
        names.push(...(p.assetModelSummaries ?? []).map((s) => s.name!));
      }
      expect(pages).toBe(3);
      expect(names).toEqual(['model-0', 'model-1', 'model-2', 'model-3', 'model-4']);
      await expect(c.send(new ListAssetModelsCommand({ nextToken: 'garbage!' }))).rejects.toBeInstanceOf(InvalidRequestException);
    } finally {
      c.destroy();
      await own.close();
    }
  });

  test('UpdateAssetModel replaces properties, keeps ids matched by name or id, and frees aliases of removed ones', async () => {
    const p = await provisionAsset(client, {
      modelName: unique('Pump'),
      assetName: unique('pump'),
      properties: [
        { name: 'flow', dataType: 'DOUBLE', alias: unique('/plant/pump/flow') },
        { name: 'pressure', dataType: 'DOUBLE', alias: '/plant/pump/pressure' },
        { name: 'status', dataType: 'STRING' },
      ],
    });
    const updated = await client.send(
      new UpdateAssetModelCommand({
        assetModelId: p.assetModelId,
        assetModelName: 'Pump v2',
        assetModelProperties: [
          { name: 'flow', dataType: 'DOUBLE', type: { measurement: {} } },
          { id: p.propertyIds.status, name: 'state', dataType: 'STRING', type: { measurement: {} } },
          { name: 'temperature', dataType: 'DOUBLE', unit: 'C', type: { measurement: {} } },
        ],
      }),
    );
    expect(updated.assetModelStatus?.state).toBe('UPDATING');
    await waitUntilAssetModelActive(localWaiter(client), { assetModelId: p.assetModelId });
    const asset = await client.send(new DescribeAssetCommand({ assetId: p.assetId }));
    const byName = Object.fromEntries((asset.assetProperties ?? []).map((x) => [x.name, x]));
    expect(Object.keys(byName)).toEqual(['flow', 'state', 'temperature']);
    expect(byName.flow!.id).toBe(p.propertyIds.flow);
    expect(byName.state!.id).toBe(p.propertyIds.status);
    expect(byName.temperature!.unit).toBe('C');
    expect(byName.flow!.alias).toMatch(/^\/plant\/pump\/flow/);
    // The removed property's alias is free again.
    await client.send(new UpdateAssetPropertyCommand({ assetId: p.assetId, propertyId: byName.temperature!.id!, propertyAlias: '/plant/pump/pressure' }));
    // A property's data type cannot change.
    await expect(
      client.send(
        new UpdateAssetModelCommand({
          assetModelId: p.assetModelId,
          assetModelName: 'Pump v3',
          assetModelProperties: [{ name: 'flow', dataType: 'INTEGER', type: { measurement: {} } }],
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidRequestException);
  });

  test('DeleteAssetModel refuses while assets exist, then deletes', async () => {
    const assetModelId = await activeModel({ assetModelName: unique('Doomed') });
    const assetId = await activeAsset(assetModelId);
    await expect(client.send(new DeleteAssetModelCommand({ assetModelId }))).rejects.toBeInstanceOf(ConflictingOperationException);
    expect((await client.send(new DeleteAssetCommand({ assetId }))).assetStatus?.state).toBe('DELETING');
    expect((await client.send(new DeleteAssetModelCommand({ assetModelId }))).assetModelStatus?.state).toBe('DELETING');
    await expect(client.send(new DescribeAssetModelCommand({ assetModelId }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('assets', () => {
  test('DescribeAsset lists properties with ids, units, notification state; ListAssets filters by model and pages', async () => {
    const assetModelId = await activeModel({
      assetModelName: unique('Sensor'),
      assetModelProperties: [{ name: 'temp', dataType: 'DOUBLE', unit: 'C', type: { measurement: {} } }],
    });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await activeAsset(assetModelId, `sensor-${i}`));
    const asset = await client.send(new DescribeAssetCommand({ assetId: ids[0]! }));
    expect(asset.assetStatus?.state).toBe('ACTIVE');
    expect(asset.assetModelId).toBe(assetModelId);
    expect(asset.assetProperties).toHaveLength(1);
    const [prop] = asset.assetProperties!;
    expect(prop).toMatchObject({ name: 'temp', dataType: 'DOUBLE', unit: 'C', notification: { state: 'DISABLED' } });
    expect(prop!.notification?.topic).toBe(`$aws/sitewise/asset-models/${assetModelId}/assets/${ids[0]}/properties/${prop!.id}`);
    expect(prop!.alias).toBeUndefined();

    const names: string[] = [];
    for await (const page of paginateListAssets({ client, pageSize: 2 }, { assetModelId })) names.push(...(page.assetSummaries ?? []).map((s) => s.name!));
    expect(names).toEqual(['sensor-0', 'sensor-1', 'sensor-2']);
    await expect(client.send(new ListAssetsCommand({}))).rejects.toBeInstanceOf(InvalidRequestException);
    await expect(client.send(new DescribeAssetCommand({ assetId: '00000000-0000-4000-8000-000000000002' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  test('aliases: set, unique, removed by omitting them; notification state and unit as the real API', async () => {
    const p = await provisionAsset(client, {
      modelName: unique('Aliased'),
      assetName: unique('aliased'),
      properties: [
        { name: 'a', dataType: 'DOUBLE', unit: 'm' },
        { name: 'b', dataType: 'DOUBLE' },
      ],
    });
    const alias = unique('/site/area/line/machine/a');
    await client.send(new UpdateAssetPropertyCommand({ assetId: p.assetId, propertyId: p.propertyIds.a!, propertyAlias: alias, propertyNotificationState: 'ENABLED', propertyUnit: 'mm' }));
    let described = await client.send(new DescribeAssetPropertyCommand({ assetId: p.assetId, propertyId: p.propertyIds.a! }));
    expect(described.assetProperty).toMatchObject({ alias, unit: 'mm', notification: { state: 'ENABLED' } });

    // Taken by another property.
    const err = await client.send(new UpdateAssetPropertyCommand({ assetId: p.assetId, propertyId: p.propertyIds.b!, propertyAlias: alias })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRequestException);
    expect((err as Error).message).toMatch(/already in use/);

    // Omitting the alias removes it; omitting the notification state disables it; the unit goes back to the model's.
    await client.send(new UpdateAssetPropertyCommand({ assetId: p.assetId, propertyId: p.propertyIds.a! }));
    described = await client.send(new DescribeAssetPropertyCommand({ assetId: p.assetId, propertyId: p.propertyIds.a! }));
    expect(described.assetProperty?.alias).toBeUndefined();
    expect(described.assetProperty?.unit).toBe('m');
    expect(described.assetProperty?.notification?.state).toBe('DISABLED');

    // Now free for the other property.
    await client.send(new UpdateAssetPropertyCommand({ assetId: p.assetId, propertyId: p.propertyIds.b!, propertyAlias: alias }));
    const asset = await client.send(new DescribeAssetCommand({ assetId: p.assetId }));
    expect(asset.assetProperties?.find((x) => x.name === 'b')?.alias).toBe(alias);
    await expect(client.send(new DescribeAssetPropertyCommand({ assetId: p.assetId, propertyId: '00000000-0000-4000-8000-000000000003' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(client.send(new UpdateAssetPropertyCommand({ assetId: p.assetId, propertyId: p.propertyIds.b!, propertyAlias: 'bad\u0001alias' }))).rejects.toBeInstanceOf(InvalidRequestException);
  });

  test('hierarchies: associate, list children and parent, disassociate', async () => {
    const machineModel = await activeModel({ assetModelName: unique('Machine') });
    const otherModel = await activeModel({ assetModelName: unique('Other') });
    const lineModel = await activeModel({ assetModelName: unique('Line'), assetModelHierarchies: [{ name: 'machines', childAssetModelId: machineModel }] });
    const line = await activeAsset(lineModel, 'line-1');
    const m1 = await activeAsset(machineModel, 'press');
    const m2 = await activeAsset(machineModel, 'lathe');
    const stranger = await activeAsset(otherModel, 'stranger');
    const { assetHierarchies } = await client.send(new DescribeAssetCommand({ assetId: line }));
    expect(assetHierarchies).toHaveLength(1);
    const hierarchyId = assetHierarchies![0]!.id!;
    expect(assetHierarchies![0]!.name).toBe('machines');

    await client.send(new AssociateAssetsCommand({ assetId: line, hierarchyId, childAssetId: m1 }));
    await client.send(new AssociateAssetsCommand({ assetId: line, hierarchyId, childAssetId: m2 }));
    await expect(client.send(new AssociateAssetsCommand({ assetId: line, hierarchyId, childAssetId: stranger }))).rejects.toBeInstanceOf(InvalidRequestException);
    await expect(client.send(new AssociateAssetsCommand({ assetId: line, hierarchyId: '00000000-0000-4000-8000-000000000004', childAssetId: m1 }))).rejects.toBeInstanceOf(ResourceNotFoundException);

    const children = await client.send(new ListAssociatedAssetsCommand({ assetId: line, hierarchyId }));
    expect(children.assetSummaries?.map((s) => s.name)).toEqual(['press', 'lathe']);
    const parent = await client.send(new ListAssociatedAssetsCommand({ assetId: m1, traversalDirection: 'PARENT' }));
    expect(parent.assetSummaries?.map((s) => s.id)).toEqual([line]);
    const top = await client.send(new ListAssetsCommand({ filter: 'TOP_LEVEL' }));
    const topIds = (top.assetSummaries ?? []).map((s) => s.id);
    expect(topIds).toContain(line);
    expect(topIds).not.toContain(m1);

    await expect(client.send(new DeleteAssetCommand({ assetId: line }))).rejects.toBeInstanceOf(ConflictingOperationException);
    await client.send(new DisassociateAssetsCommand({ assetId: line, hierarchyId, childAssetId: m1 }));
    const after = await client.send(new ListAssociatedAssetsCommand({ assetId: line, hierarchyId }));
    expect(after.assetSummaries?.map((s) => s.name)).toEqual(['lathe']);
    await expect(client.send(new DisassociateAssetsCommand({ assetId: line, hierarchyId, childAssetId: m1 }))).rejects.toBeInstanceOf(InvalidRequestException);
  });

  test("metrics over child assets: a hierarchy of the model (id or name, answered as id), the child's metric of the same window", async () => {
    const machineModel = await activeModel({
      assetModelName: unique('Machine'),
      assetModelProperties: [
        { name: 't', dataType: 'DOUBLE', type: { measurement: {} } },
        { name: 't_max_1m', dataType: 'DOUBLE', type: { metric: { expression: 'max(t)', variables: [{ name: 't', value: { propertyId: 't' } }], window: { tumbling: { interval: '1m' } } } } },
        { name: 't_max_5m', dataType: 'DOUBLE', type: { metric: { expression: 'max(t)', variables: [{ name: 't', value: { propertyId: 't' } }], window: { tumbling: { interval: '5m' } } } } },
      ],
    });
    const ids = new Map((await client.send(new DescribeAssetModelCommand({ assetModelId: machineModel }))).assetModelProperties!.map((p) => [p.name!, p.id!]));
    const lineWith = (name: string, kind: 'metric' | 'transform', propertyId: string, hierarchyId = 'machines') =>
      client.send(
        new CreateAssetModelCommand({
          assetModelName: unique(name),
          assetModelHierarchies: [{ name: 'machines', childAssetModelId: machineModel }],
          assetModelProperties: [
            {
              name: 'line_max',
              dataType: 'DOUBLE',
              type:
                kind === 'metric'
                  ? { metric: { expression: 'max(c)', variables: [{ name: 'c', value: { propertyId, hierarchyId } }], window: { tumbling: { interval: '1m' } } } }
                  : { transform: { expression: 'c', variables: [{ name: 'c', value: { propertyId, hierarchyId } }] } },
            },
          ],
        }),
      );
    const { assetModelId } = await lineWith('Line', 'metric', ids.get('t_max_1m')!);
    await waitUntilAssetModelActive(localWaiter(client), { assetModelId: assetModelId! });
    const line = await client.send(new DescribeAssetModelCommand({ assetModelId: assetModelId! }));
    const value = line.assetModelProperties![0]!.type!.metric!.variables![0]!.value!;
    expect(value).toMatchObject({ propertyId: ids.get('t_max_1m'), hierarchyId: line.assetModelHierarchies![0]!.id });

    await expect(lineWith('Bad', 'metric', ids.get('t')!)).rejects.toThrow(/metrics can only use the metrics of child assets/);
    await expect(lineWith('Bad', 'metric', ids.get('t_max_5m')!)).rejects.toThrow(/another window/);
    await expect(lineWith('Bad', 'metric', ids.get('t_max_1m')!, 'nope')).rejects.toThrow(/is not a hierarchy of this model/);
    await expect(lineWith('Bad', 'metric', 't_max_1m')).rejects.toThrow(/is not a property of the child asset model/);
    await expect(lineWith('Bad', 'transform', ids.get('t_max_1m')!)).rejects.toThrow(/only metrics can use the properties of child assets/);
  });
});
