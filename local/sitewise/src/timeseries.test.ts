/**
 * Disassociated time series ("data streams") through the real @aws-sdk/client-iotsitewise:
 * ingestion by an alias that no property carries, reads, ListTimeSeries / DescribeTimeSeries,
 * (dis)association with asset properties, DeleteTimeSeries, and the data file.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  type AssetPropertyValue,
  AssociateTimeSeriesToAssetPropertyCommand,
  BatchPutAssetPropertyValueCommand,
  type BatchPutAssetPropertyValueCommandOutput,
  DeleteAssetCommand,
  DeleteTimeSeriesCommand,
  DescribeAssetPropertyCommand,
  DescribeTimeSeriesCommand,
  DisassociateTimeSeriesFromAssetPropertyCommand,
  GetAssetPropertyValueCommand,
  GetAssetPropertyValueHistoryCommand,
  type GetAssetPropertyValueHistoryCommandInput,
  InvalidRequestException,
  type IoTSiteWiseClient,
  ListTimeSeriesCommand,
  paginateListTimeSeries,
  type PutAssetPropertyValueEntry,
  ResourceNotFoundException,
  UpdateAssetPropertyCommand,
} from '@aws-sdk/client-iotsitewise';
import { siteWiseClient } from './client';
import { provisionAsset, type ProvisionedAsset } from './provision';
import { LocalSiteWise } from './server';

const NOW_S = 1_800_000_000;
const nowMs = NOW_S * 1000;
let sitewise: LocalSiteWise;
let client: IoTSiteWiseClient;
let pump: ProvisionedAsset;

const ts = (timeInSeconds: number, offsetInNanos = 0) => ({ timeInSeconds, offsetInNanos });
const tqv = (t: number, value: AssetPropertyValue['value'], quality?: 'GOOD' | 'BAD' | 'UNCERTAIN'): AssetPropertyValue => ({ timestamp: ts(t), value, ...(quality ? { quality } : {}) });
const put = (entries: PutAssetPropertyValueEntry[], enablePartialEntryProcessing?: boolean): Promise<BatchPutAssetPropertyValueCommandOutput> =>
  client.send(new BatchPutAssetPropertyValueCommand({ entries, ...(enablePartialEntryProcessing === undefined ? {} : { enablePartialEntryProcessing }) }));
const putAlias = (propertyAlias: string, values: AssetPropertyValue[], entryId = 'e') => put([{ entryId, propertyAlias, propertyValues: values }]);
const history = async (q: GetAssetPropertyValueHistoryCommandInput): Promise<AssetPropertyValue[]> =>
  (await client.send(new GetAssetPropertyValueHistoryCommand({ maxResults: 20000, ...q }))).assetPropertyValueHistory ?? [];
const doubles = async (propertyAlias: string) => (await history({ propertyAlias })).map((v) => v.value?.doubleValue);
const describe_ = (q: { alias?: string; assetId?: string; propertyId?: string }) => client.send(new DescribeTimeSeriesCommand(q));
const listAliases = async (q: ConstructorParameters<typeof ListTimeSeriesCommand>[0] = {}) => {
  const out: string[] = [];
  for await (const p of paginateListTimeSeries({ client, pageSize: 2 }, q)) out.push(...(p.TimeSeriesSummaries ?? []).map((t) => t.alias ?? `${t.assetId}/${t.propertyId}`));
  return out;
};

beforeAll(async () => {
  sitewise = new LocalSiteWise({ clock: () => nowMs, activationDelayMs: 0 });
  const { endpoint } = await sitewise.listen(0);
  client = siteWiseClient(endpoint, { maxAttempts: 1 });
  pump = await provisionAsset(client, {
    modelName: 'Pump',
    assetName: 'pump-1',
    properties: [
      { name: 'flow', dataType: 'DOUBLE' },
      { name: 'pressure', dataType: 'DOUBLE' },
      { name: 'starts', dataType: 'INTEGER' },
      { name: 'aliased', dataType: 'DOUBLE', alias: '/pump/aliased' },
      { name: 'serial', dataType: 'DOUBLE', kind: 'attribute' },
    ],
  });
});
afterAll(async () => {
  client.destroy();
  await sitewise.close();
});

describe('ingestion by an alias that no property carries', () => {
  test('creates a disassociated time series and stores the values; Get* by alias read them', async () => {
    const before = sitewise.stats();
    const out = await putAlias('/ds/temp', [tqv(NOW_S - 10, { doubleValue: 20.5 }), tqv(NOW_S - 5, { doubleValue: 21 }), tqv(NOW_S - 7, { nullValue: { valueType: 'D' } }, 'BAD')]);
    expect(out.errorEntries).toEqual([]);
    expect(sitewise.stats().timeSeries - before.timeSeries).toBe(1);
    expect(sitewise.stats().valuesStored - before.valuesStored).toBe(3);

    const latest = await client.send(new GetAssetPropertyValueCommand({ propertyAlias: '/ds/temp' }));
    expect(latest.propertyValue).toMatchObject({ value: { doubleValue: 21 }, timestamp: ts(NOW_S - 5), quality: 'GOOD' });
    expect((await history({ propertyAlias: '/ds/temp' })).map((v) => [v.timestamp?.timeInSeconds, v.quality])).toEqual([
      [NOW_S - 10, 'GOOD'],
      [NOW_S - 7, 'BAD'],
      [NOW_S - 5, 'GOOD'],
    ]);
    expect((await history({ propertyAlias: '/ds/temp', timeOrdering: 'DESCENDING', qualities: ['GOOD'] })).map((v) => v.value?.doubleValue)).toEqual([21, 20.5]);

    const d = await describe_({ alias: '/ds/temp' });
    expect(d).toMatchObject({ alias: '/ds/temp', dataType: 'DOUBLE', timeSeriesId: expect.any(String) });
    expect(d.assetId).toBeUndefined();
    expect(d.propertyId).toBeUndefined();
    expect(d.timeSeriesArn).toBe(`arn:aws:iotsitewise:us-east-1:123456789012:time-series/${d.timeSeriesId}`);
    expect(d.timeSeriesCreationDate).toEqual(new Date(nowMs));
    expect(d.timeSeriesLastUpdateDate).toEqual(new Date(nowMs));
  });

  test('the first value fixes the data type; a value of another type is a per-entry InvalidRequestException', async () => {
    expect((await putAlias('/ds/count', [tqv(NOW_S - 10, { integerValue: 1 })])).errorEntries).toEqual([]);
    const mismatch = await putAlias('/ds/count', [tqv(NOW_S - 9, { doubleValue: 1.5 }), tqv(NOW_S - 8, { integerValue: 2 })]);
    expect(mismatch.errorEntries).toEqual([
      { entryId: 'e', errors: [{ errorCode: 'InvalidRequestException', errorMessage: expect.stringMatching(/mismatch.*\/ds\/count.*INTEGER.*doubleValue/), timestamps: [ts(NOW_S - 9)] }] },
    ]);
    expect((await describe_({ alias: '/ds/count' })).dataType).toBe('INTEGER');
    // Without partial processing the good TQV of the failed entry was not stored either.
    expect((await history({ propertyAlias: '/ds/count' })).map((v) => v.value?.integerValue)).toEqual([1]);
    const wrongNull = await putAlias('/ds/count', [tqv(NOW_S - 7, { nullValue: { valueType: 'S' } }, 'BAD')]);
    expect(wrongNull.errorEntries?.[0]?.errors?.[0]?.errorMessage).toMatch(/nullValue of type S does not match the data type INTEGER of time series \/ds\/count/);

    // Within one entry (and one request) the first value decides too.
    const mixed = await put([
      { entryId: 'a', propertyAlias: '/ds/flag', propertyValues: [tqv(NOW_S - 10, { booleanValue: true }), tqv(NOW_S - 9, { stringValue: 'no' })] },
      { entryId: 'b', propertyAlias: '/ds/flag', propertyValues: [tqv(NOW_S - 8, { booleanValue: false })] },
      { entryId: 'c', propertyAlias: '/ds/flag', propertyValues: [tqv(NOW_S - 7, { integerValue: 0 })] },
    ], true);
    expect(mixed.errorEntries?.map((e) => [e.entryId, e.errors?.[0]?.timestamps])).toEqual([
      ['a', [ts(NOW_S - 9)]],
      ['c', [ts(NOW_S - 7)]],
    ]);
    expect((await history({ propertyAlias: '/ds/flag' })).map((v) => v.value?.booleanValue)).toEqual([true, false]);
    expect((await describe_({ alias: '/ds/flag' })).dataType).toBe('BOOLEAN');

    // A typed null names the type; a nullValue of type U alone cannot.
    expect((await putAlias('/ds/nulls', [tqv(NOW_S - 3, { nullValue: { valueType: 'U' } }, 'BAD'), tqv(NOW_S - 2, { nullValue: { valueType: 'S' } }, 'UNCERTAIN')])).errorEntries).toEqual([]);
    expect((await describe_({ alias: '/ds/nulls' })).dataType).toBe('STRING');
    const untyped = await putAlias('/ds/untyped', [tqv(NOW_S - 3, { nullValue: { valueType: 'U' } }, 'BAD')]);
    expect(untyped.errorEntries?.[0]?.errors?.[0]).toMatchObject({ errorCode: 'InvalidRequestException', errorMessage: expect.stringMatching(/data type from the first value/) });
    await expect(describe_({ alias: '/ds/untyped' })).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  test('the same validation as for properties; an entry that stores nothing creates no time series', async () => {
    const week = 7 * 86_400;
    const out = await putAlias('/ds/window', [tqv(NOW_S - week - 1, { doubleValue: 1 }), tqv(NOW_S + 601, { doubleValue: 2 })]);
    expect(out.errorEntries?.[0]?.errors?.[0]).toMatchObject({ errorCode: 'TimestampOutOfRangeException', timestamps: [ts(NOW_S - week - 1), ts(NOW_S + 601)] });
    const bad = await putAlias('/ds/bad', [tqv(NOW_S - 1, { doubleValue: 2e10 }), tqv(NOW_S - 2, { nullValue: { valueType: 'D' } }), tqv(NOW_S - 3, { doubleValue: 1 })]);
    expect(bad.errorEntries?.[0]?.errors?.map((e) => [e.errorCode, e.errorMessage, e.timestamps])).toEqual([
      ['InvalidRequestException', expect.stringMatching(/10\^10/), [ts(NOW_S - 1), ts(NOW_S - 2)]], // the GOOD nullValue too
    ]);
    for (const alias of ['/ds/window', '/ds/bad']) await expect(describe_({ alias })).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(client.send(new GetAssetPropertyValueCommand({ propertyAlias: '/ds/bad' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    const strings = await putAlias('/ds/text', [tqv(NOW_S - 1, { stringValue: 'a\u0001' }), tqv(NOW_S - 2, { stringValue: 'x'.repeat(1025) }), tqv(NOW_S - 3, { stringValue: '' })], 's');
    expect(strings.errorEntries?.[0]?.errors?.map((e) => e.timestamps)).toEqual([[ts(NOW_S - 1), ts(NOW_S - 2)]]);

    // Same timestamp and quality overwrites; another quality is kept beside it.
    await putAlias('/ds/over', [tqv(NOW_S - 1, { doubleValue: 1 })]);
    await putAlias('/ds/over', [tqv(NOW_S - 1, { doubleValue: 2 }), tqv(NOW_S - 1, { doubleValue: 3 }, 'UNCERTAIN')]);
    expect((await history({ propertyAlias: '/ds/over' })).map((v) => [v.value?.doubleValue, v.quality])).toEqual([
      [2, 'GOOD'],
      [3, 'UNCERTAIN'],
    ]);
    // An alias with a control character is a whole-request validation error.
    await expect(putAlias('/ds/\u0007', [tqv(NOW_S - 1, { doubleValue: 1 })])).rejects.toBeInstanceOf(InvalidRequestException);
  });

  test('an unmapped alias together with assetId/propertyId fails the entry', async () => {
    const out = await put([{ entryId: 'x', propertyAlias: '/ds/other', assetId: pump.assetId, propertyId: pump.propertyIds.flow!, propertyValues: [tqv(NOW_S - 1, { doubleValue: 1 })] }]);
    expect(out.errorEntries?.[0]?.errors?.[0]).toMatchObject({ errorCode: 'InvalidRequestException', errorMessage: expect.stringMatching(/not the alias/) });
    await expect(describe_({ alias: '/ds/other' })).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('ListTimeSeries and DescribeTimeSeries', () => {
  test('lists by type, alias prefix and asset, in pages', async () => {
    await putAlias('/list/a', [tqv(NOW_S - 1, { doubleValue: 1 })]);
    await putAlias('/list/b', [tqv(NOW_S - 1, { doubleValue: 1 })]);
    await putAlias('/list/c', [tqv(NOW_S - 1, { stringValue: 'c' })]);
    // Values into a property (by alias or by ids) give it an associated time series.
    await put([
      { entryId: 'al', propertyAlias: '/pump/aliased', propertyValues: [tqv(NOW_S - 1, { doubleValue: 7 })] },
      { entryId: 'ids', assetId: pump.assetId, propertyId: pump.propertyIds.pressure!, propertyValues: [tqv(NOW_S - 1, { doubleValue: 8 })] },
    ]);
    expect(await listAliases({ timeSeriesType: 'DISASSOCIATED', aliasPrefix: '/list/' })).toEqual(['/list/a', '/list/b', '/list/c']);
    expect(await listAliases({ aliasPrefix: '/list/b' })).toEqual(['/list/b']);
    expect(await listAliases({ timeSeriesType: 'ASSOCIATED' })).toEqual(['/pump/aliased', `${pump.assetId}/${pump.propertyIds.pressure}`]);
    expect(await listAliases({ assetId: pump.assetId })).toEqual(['/pump/aliased', `${pump.assetId}/${pump.propertyIds.pressure}`]);
    expect(await listAliases({ timeSeriesType: 'DISASSOCIATED', assetId: pump.assetId })).toEqual([]);

    const first = await client.send(new ListTimeSeriesCommand({ maxResults: 1, aliasPrefix: '/list/' }));
    expect(first.TimeSeriesSummaries).toEqual([
      expect.objectContaining({ alias: '/list/a', dataType: 'DOUBLE', timeSeriesId: expect.any(String), timeSeriesArn: expect.stringContaining(':time-series/'), timeSeriesCreationDate: new Date(nowMs) }),
    ]);
    expect(first.nextToken).toBeDefined();
    const summary = (await client.send(new ListTimeSeriesCommand({ timeSeriesType: 'ASSOCIATED', aliasPrefix: '/pump/' }))).TimeSeriesSummaries;
    expect(summary).toEqual([expect.objectContaining({ alias: '/pump/aliased', assetId: pump.assetId, propertyId: pump.propertyIds.aliased, dataType: 'DOUBLE' })]);
    await expect(client.send(new ListTimeSeriesCommand({ maxResults: 251 }))).rejects.toBeInstanceOf(InvalidRequestException);
    await expect(client.send(new ListTimeSeriesCommand({ assetId: '00000000-0000-4000-8000-000000000000' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  test('describes by alias or by asset and property ids', async () => {
    const byAlias = await describe_({ alias: '/pump/aliased' });
    const byIds = await describe_({ assetId: pump.assetId, propertyId: pump.propertyIds.aliased! });
    expect(byIds).toMatchObject({ timeSeriesId: byAlias.timeSeriesId, alias: '/pump/aliased', assetId: pump.assetId, propertyId: pump.propertyIds.aliased, dataType: 'DOUBLE' });
    expect((await describe_({ assetId: pump.assetId, propertyId: pump.propertyIds.pressure! })).alias).toBeUndefined();
    // No value yet: no time series.
    await expect(describe_({ assetId: pump.assetId, propertyId: pump.propertyIds.starts! })).rejects.toThrow(ResourceNotFoundException);
    await expect(describe_({ alias: '/nothing/here' })).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(describe_({})).rejects.toBeInstanceOf(InvalidRequestException);
  });
});

describe('association with asset properties', () => {
  test('AssociateTimeSeriesToAssetProperty gives the property the alias and the values; later values go to the property', async () => {
    await putAlias('/assoc/flow', [tqv(NOW_S - 20, { doubleValue: 1 }), tqv(NOW_S - 10, { doubleValue: 2 })]);
    const { timeSeriesId } = await describe_({ alias: '/assoc/flow' });
    const flow = { assetId: pump.assetId, propertyId: pump.propertyIds.flow! };
    await client.send(new AssociateTimeSeriesToAssetPropertyCommand({ alias: '/assoc/flow', ...flow }));

    expect((await client.send(new DescribeAssetPropertyCommand(flow))).assetProperty?.alias).toBe('/assoc/flow');
    expect((await history(flow)).map((v) => v.value?.doubleValue)).toEqual([1, 2]);
    expect(await doubles('/assoc/flow')).toEqual([1, 2]);
    expect(await describe_({ alias: '/assoc/flow' })).toMatchObject({ timeSeriesId, ...flow });
    expect(await listAliases({ timeSeriesType: 'DISASSOCIATED', aliasPrefix: '/assoc/' })).toEqual([]);
    expect(await listAliases({ timeSeriesType: 'ASSOCIATED', aliasPrefix: '/assoc/' })).toEqual(['/assoc/flow']);
    // Associating again is a no-op.
    await client.send(new AssociateTimeSeriesToAssetPropertyCommand({ alias: '/assoc/flow', ...flow }));

    expect((await putAlias('/assoc/flow', [tqv(NOW_S - 5, { doubleValue: 3 })])).errorEntries).toEqual([]);
    expect((await put([{ entryId: 'i', ...flow, propertyValues: [tqv(NOW_S - 4, { doubleValue: 4 })] }])).errorEntries).toEqual([]);
    expect((await client.send(new GetAssetPropertyValueCommand(flow))).propertyValue?.value?.doubleValue).toBe(4);
    expect(await doubles('/assoc/flow')).toEqual([1, 2, 3, 4]);
  });

  test('refuses a data type mismatch, a property that has a time series or alias, a non-measurement, an unknown alias', async () => {
    await putAlias('/assoc/text', [tqv(NOW_S - 1, { stringValue: 'x' })]);
    await putAlias('/assoc/num', [tqv(NOW_S - 1, { doubleValue: 1 })]);
    const associate = (alias: string, name: string) => client.send(new AssociateTimeSeriesToAssetPropertyCommand({ alias, assetId: pump.assetId, propertyId: pump.propertyIds[name]! }));
    await expect(associate('/assoc/text', 'starts')).rejects.toThrow(/data type STRING.*INTEGER/);
    await expect(associate('/assoc/num', 'aliased')).rejects.toThrow(/already has a time series \(alias \/pump\/aliased\)/);
    await expect(associate('/assoc/num', 'pressure')).rejects.toThrow(/already has a time series/); // it got values by ids
    await expect(associate('/assoc/num', 'serial')).rejects.toThrow(/measurements/);
    await expect(associate('/assoc/flow', 'starts')).rejects.toThrow(/already associated/);
    await expect(associate('/assoc/none', 'starts')).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      client.send(new AssociateTimeSeriesToAssetPropertyCommand({ alias: '/assoc/num', assetId: pump.assetId, propertyId: '00000000-0000-4000-8000-000000000000' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    // Nothing moved.
    expect((await describe_({ alias: '/assoc/num' })).assetId).toBeUndefined();
  });

  test('UpdateAssetProperty cannot take the alias of a disassociated data stream', async () => {
    await putAlias('/assoc/taken', [tqv(NOW_S - 1, { integerValue: 1 })]);
    await expect(
      client.send(new UpdateAssetPropertyCommand({ assetId: pump.assetId, propertyId: pump.propertyIds.starts!, propertyAlias: '/assoc/taken' })),
    ).rejects.toThrow(expect.objectContaining({ name: 'InvalidRequestException', message: expect.stringMatching(/alias \/assoc\/taken is in use by data stream.*AssociateTimeSeriesToAssetProperty/) }));
    expect((await client.send(new DescribeAssetPropertyCommand({ assetId: pump.assetId, propertyId: pump.propertyIds.starts! }))).assetProperty?.alias).toBeUndefined();
  });

  test('DisassociateTimeSeriesFromAssetProperty keeps the values with the alias; the property has none', async () => {
    const flow = { assetId: pump.assetId, propertyId: pump.propertyIds.flow! };
    const { timeSeriesId } = await describe_({ alias: '/assoc/flow' });
    await expect(client.send(new DisassociateTimeSeriesFromAssetPropertyCommand({ alias: '/assoc/num', ...flow }))).rejects.toThrow(/not associated/);
    await client.send(new DisassociateTimeSeriesFromAssetPropertyCommand({ alias: '/assoc/flow', ...flow }));
    expect((await client.send(new DescribeAssetPropertyCommand(flow))).assetProperty?.alias).toBeUndefined();
    expect(await history(flow)).toEqual([]);
    expect(await doubles('/assoc/flow')).toEqual([1, 2, 3, 4]);
    const d = await describe_({ alias: '/assoc/flow' });
    expect(d).toMatchObject({ timeSeriesId, dataType: 'DOUBLE' });
    expect(d.assetId).toBeUndefined();
    // Values by alias go to the data stream again.
    expect((await putAlias('/assoc/flow', [tqv(NOW_S - 3, { doubleValue: 5 })])).errorEntries).toEqual([]);
    expect(await doubles('/assoc/flow')).toEqual([1, 2, 3, 4, 5]);

    // A property with an alias but no value yet: the alias becomes an empty data stream of its type.
    await client.send(new UpdateAssetPropertyCommand({ ...flow, propertyAlias: '/assoc/fresh' }));
    await client.send(new DisassociateTimeSeriesFromAssetPropertyCommand({ alias: '/assoc/fresh', ...flow }));
    expect(await describe_({ alias: '/assoc/fresh' })).toMatchObject({ dataType: 'DOUBLE' });
    expect(await doubles('/assoc/fresh')).toEqual([]);
  });
});

describe('DeleteTimeSeries and asset deletion', () => {
  test('deletes a data stream with its values; an associated series leaves the property with its alias', async () => {
    await putAlias('/del/ds', [tqv(NOW_S - 1, { doubleValue: 1 })]);
    const stored = sitewise.stats().valuesStored;
    await client.send(new DeleteTimeSeriesCommand({ alias: '/del/ds' }));
    expect(sitewise.stats().valuesStored).toBe(stored - 1);
    await expect(describe_({ alias: '/del/ds' })).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(client.send(new GetAssetPropertyValueCommand({ propertyAlias: '/del/ds' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(client.send(new DeleteTimeSeriesCommand({ alias: '/del/ds' }))).rejects.toBeInstanceOf(ResourceNotFoundException);

    const aliased = { assetId: pump.assetId, propertyId: pump.propertyIds.aliased! };
    expect(await doubles('/pump/aliased')).toEqual([7]);
    await client.send(new DeleteTimeSeriesCommand(aliased));
    expect(await doubles('/pump/aliased')).toEqual([]);
    expect((await client.send(new DescribeAssetPropertyCommand(aliased))).assetProperty?.alias).toBe('/pump/aliased');
    await expect(describe_({ alias: '/pump/aliased' })).rejects.toBeInstanceOf(ResourceNotFoundException);
    // The next value starts a new associated series.
    await putAlias('/pump/aliased', [tqv(NOW_S - 1, { doubleValue: 9 })]);
    expect(await describe_({ alias: '/pump/aliased' })).toMatchObject(aliased);
  });

  test('deleting an asset drops its time series; data streams stay', async () => {
    const tank = await provisionAsset(client, { modelName: 'Tank', assetName: 'tank-1', properties: [{ name: 'level', dataType: 'DOUBLE' }] });
    await putAlias('/tank/level', [tqv(NOW_S - 1, { doubleValue: 1 })]);
    await client.send(new AssociateTimeSeriesToAssetPropertyCommand({ alias: '/tank/level', assetId: tank.assetId, propertyId: tank.propertyIds.level! }));
    const before = sitewise.stats();
    await client.send(new DeleteAssetCommand({ assetId: tank.assetId }));
    expect(sitewise.stats().timeSeries).toBe(before.timeSeries - 1);
    expect(sitewise.stats().valuesStored).toBe(before.valuesStored - 1);
    await expect(describe_({ alias: '/tank/level' })).rejects.toBeInstanceOf(ResourceNotFoundException);
    expect(await doubles('/assoc/num')).toEqual([1]);
  });
});

describe('dataFile', () => {
  test('keeps time series (not their values) across a restart', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sitewise-ts-'));
    const dataFile = path.join(dir, 'sitewise.json');
    try {
      const first = new LocalSiteWise({ dataFile, clock: () => nowMs, activationDelayMs: 0 });
      const c1 = siteWiseClient((await first.listen(0)).endpoint, { maxAttempts: 1 });
      const m = await provisionAsset(c1, { modelName: 'M', assetName: 'm-1', properties: [{ name: 'x', dataType: 'INTEGER' }] });
      const send = (propertyAlias: string, value: AssetPropertyValue['value']) =>
        c1.send(new BatchPutAssetPropertyValueCommand({ entries: [{ entryId: 'e', propertyAlias, propertyValues: [tqv(NOW_S - 1, value)] }] }));
      await send('/kept/stream', { stringValue: 's' });
      await send('/kept/x', { integerValue: 1 });
      await c1.send(new AssociateTimeSeriesToAssetPropertyCommand({ alias: '/kept/x', assetId: m.assetId, propertyId: m.propertyIds.x! }));
      const ids = [(await c1.send(new DescribeTimeSeriesCommand({ alias: '/kept/stream' }))).timeSeriesId, (await c1.send(new DescribeTimeSeriesCommand({ alias: '/kept/x' }))).timeSeriesId];
      c1.destroy();
      await first.close();
      expect(JSON.parse(fs.readFileSync(dataFile, 'utf8')).timeSeries).toHaveLength(2);

      const second = new LocalSiteWise({ dataFile, clock: () => nowMs, activationDelayMs: 0 });
      const c2 = siteWiseClient((await second.listen(0)).endpoint, { maxAttempts: 1 });
      try {
        expect(second.stats()).toMatchObject({ timeSeries: 2, aliases: 1, valuesStored: 0 });
        expect(await c2.send(new DescribeTimeSeriesCommand({ alias: '/kept/stream' }))).toMatchObject({ timeSeriesId: ids[0], dataType: 'STRING' });
        expect(await c2.send(new DescribeTimeSeriesCommand({ alias: '/kept/x' }))).toMatchObject({ timeSeriesId: ids[1], assetId: m.assetId, dataType: 'INTEGER' });
        expect((await c2.send(new GetAssetPropertyValueCommand({ propertyAlias: '/kept/stream' }))).propertyValue).toBeUndefined();
        // The data type survives too.
        const again = await c2.send(new BatchPutAssetPropertyValueCommand({ entries: [{ entryId: 'e', propertyAlias: '/kept/stream', propertyValues: [tqv(NOW_S - 1, { doubleValue: 1 })] }] }));
        expect(again.errorEntries?.[0]?.errors?.[0]?.errorMessage).toMatch(/STRING/);
      } finally {
        c2.destroy();
        await second.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
