/** BatchPutAssetPropertyValue, value reads and fault injection through the real @aws-sdk/client-iotsitewise. */
import {
  type AssetPropertyValue,
  BatchPutAssetPropertyValueCommand,
  type BatchPutAssetPropertyValueCommandOutput,
  CreateAssetModelCommand,
  CreateAssetCommand,
  DescribeAssetCommand,
  GetAssetPropertyValueCommand,
  GetAssetPropertyValueHistoryCommand,
  InvalidRequestException,
  type IoTSiteWiseClient,
  paginateGetAssetPropertyValueHistory,
  type PutAssetPropertyValueEntry,
  ResourceNotFoundException,
  ServiceUnavailableException,
  ThrottlingException,
  waitUntilAssetActive,
  waitUntilAssetModelActive,
} from '@aws-sdk/client-iotsitewise';
import { siteWiseClient } from './client';
import { localWaiter, provisionAsset, type ProvisionedAsset } from './provision';
import { LocalSiteWise } from './server';

/** The service clock: fixed, so the timestamp window is exact. */
const NOW_S = 1_800_000_000;
let nowMs = NOW_S * 1000;
let sitewise: LocalSiteWise;
let endpoint: string;
let client: IoTSiteWiseClient;
let car: ProvisionedAsset;
let transformId: string;

const ts = (timeInSeconds: number, offsetInNanos = 0) => ({ timeInSeconds, offsetInNanos });
const tqv = (t: number, value: AssetPropertyValue['value'], quality?: 'GOOD' | 'BAD' | 'UNCERTAIN'): AssetPropertyValue => ({
  timestamp: ts(t),
  value,
  ...(quality ? { quality } : {}),
});
const put = (entries: PutAssetPropertyValueEntry[], enablePartialEntryProcessing?: boolean): Promise<BatchPutAssetPropertyValueCommandOutput> =>
  client.send(new BatchPutAssetPropertyValueCommand({ entries, ...(enablePartialEntryProcessing === undefined ? {} : { enablePartialEntryProcessing }) }));
const historyOf = async (propertyAlias: string): Promise<AssetPropertyValue[]> =>
  (await client.send(new GetAssetPropertyValueHistoryCommand({ propertyAlias, maxResults: 20000 }))).assetPropertyValueHistory ?? [];

beforeAll(async () => {
  sitewise = new LocalSiteWise({ clock: () => nowMs, activationDelayMs: 0 });
  ({ endpoint } = await sitewise.listen(0));
  client = siteWiseClient(endpoint, { maxAttempts: 1 });
  car = await provisionAsset(client, {
    modelName: 'Car',
    assetName: 'car-1',
    properties: [
      { name: 'rpm', dataType: 'DOUBLE', alias: '/car/rpm' },
      { name: 'speed', dataType: 'INTEGER', alias: '/car/speed' },
      { name: 'ignition', dataType: 'BOOLEAN', alias: '/car/ignition' },
      { name: 'dtc', dataType: 'STRING', alias: '/car/dtc' },
      { name: 'load', dataType: 'DOUBLE', alias: '/car/load' },
      { name: 'fuel', dataType: 'DOUBLE', alias: '/car/fuel' },
      { name: 'coolant', dataType: 'DOUBLE', alias: '/car/coolant' },
      { name: 'vin', dataType: 'STRING', kind: 'attribute', alias: '/car/vin' },
      { name: 'cylinders', dataType: 'INTEGER', kind: 'attribute' },
    ],
  });
  // A model with a transform, to show that computed properties take no values.
  const { assetModelId } = await client.send(
    new CreateAssetModelCommand({
      assetModelName: 'Computed',
      assetModelProperties: [
        { name: 'c', dataType: 'DOUBLE', type: { measurement: {} } },
        { name: 'f', dataType: 'DOUBLE', type: { transform: { expression: 'c * 9 / 5 + 32', variables: [{ name: 'c', value: { propertyId: 'c' } }] } } },
      ],
    }),
  );
  await waitUntilAssetModelActive(localWaiter(client), { assetModelId: assetModelId! });
  const { assetId } = await client.send(new CreateAssetCommand({ assetName: 'computed', assetModelId: assetModelId! }));
  await waitUntilAssetActive(localWaiter(client), { assetId: assetId! });
  const described = await client.send(new DescribeAssetCommand({ assetId: assetId! }));
  transformId = `${assetId}/${described.assetProperties!.find((p) => p.name === 'f')!.id}`;
});

afterAll(async () => {
  client.destroy();
  await sitewise.close();
});

afterEach(() => {
  sitewise.faults.clear();
  nowMs = NOW_S * 1000;
});

describe('BatchPutAssetPropertyValue', () => {
  test('stores values by alias and by ids; GetAssetPropertyValue returns the latest', async () => {
    const out = await put([
      { entryId: 'byAlias', propertyAlias: '/car/rpm', propertyValues: [tqv(NOW_S - 10, { doubleValue: 800 }), tqv(NOW_S - 5, { doubleValue: 2500.5 })] },
      { entryId: 'byIds', assetId: car.assetId, propertyId: car.propertyIds.speed!, propertyValues: [tqv(NOW_S - 5, { integerValue: 42 })] },
      { entryId: 'bool', propertyAlias: '/car/ignition', propertyValues: [tqv(NOW_S - 5, { booleanValue: true })] },
      { entryId: 'str', propertyAlias: '/car/dtc', propertyValues: [tqv(NOW_S - 5, { stringValue: 'P0301' }), tqv(NOW_S - 4, { stringValue: '' })] },
    ]);
    expect(out.errorEntries).toEqual([]);
    const latest = await client.send(new GetAssetPropertyValueCommand({ propertyAlias: '/car/rpm' }));
    expect(latest.propertyValue).toEqual({ value: { doubleValue: 2500.5 }, timestamp: ts(NOW_S - 5), quality: 'GOOD' });
    const speed = await client.send(new GetAssetPropertyValueCommand({ assetId: car.assetId, propertyId: car.propertyIds.speed! }));
    expect(speed.propertyValue?.value).toEqual({ integerValue: 42 });
    await expect(client.send(new GetAssetPropertyValueCommand({ propertyAlias: '/no/such/alias' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  test('timestamps: [-7 days, +10 minutes] of the service clock inclusive, else TimestampOutOfRangeException', async () => {
    const week = 7 * 86400;
    const out = await put(
      [
        {
          entryId: 'window',
          propertyAlias: '/car/coolant',
          propertyValues: [
            tqv(NOW_S - week, { doubleValue: 1 }),
            tqv(NOW_S + 600, { doubleValue: 2 }),
            tqv(NOW_S - week - 1, { doubleValue: 3 }),
            { timestamp: ts(NOW_S + 600, 1), value: { doubleValue: 4 } },
          ],
        },
      ],
      true,
    );
    expect(out.errorEntries).toEqual([
      {
        entryId: 'window',
        errors: [{ errorCode: 'TimestampOutOfRangeException', errorMessage: expect.stringMatching(/7 days/), timestamps: [ts(NOW_S - week - 1), ts(NOW_S + 600, 1)] }],
      },
    ]);
    expect((await historyOf('/car/coolant')).map((v) => v.value?.doubleValue)).toEqual([1, 2]);
    // Moving the service clock moves the window.
    nowMs += 3600_000;
    const later = await put([{ entryId: 'later', propertyAlias: '/car/coolant', propertyValues: [tqv(NOW_S + 3600 + 60, { doubleValue: 5 })] }]);
    expect(later.errorEntries).toEqual([]);
  });

  test.each([
    // (an alias alone that maps to no property is a disassociated time series: see timeseries.test.ts)
    ['an unmapped alias with assetId/propertyId', () => ({ propertyAlias: '/car/nothing', assetId: car.assetId, propertyId: car.propertyIds.rpm! }), 'InvalidRequestException', /not the alias/],
    ['an unknown asset id', { assetId: '00000000-0000-4000-8000-00000000000a', propertyId: '00000000-0000-4000-8000-00000000000b' }, 'ResourceNotFoundException', /Asset/],
    ['an unknown property id', () => ({ assetId: car.assetId, propertyId: '00000000-0000-4000-8000-00000000000c' }), 'ResourceNotFoundException', /Property/],
    ['an asset id without property id', () => ({ assetId: car.assetId }), 'InvalidRequestException', /propertyId/],
    ['a transform property', () => ({ assetId: transformId.split('/')[0], propertyId: transformId.split('/')[1] }), 'InvalidRequestException', /transform/],
  ] as const)('per-entry error for %s', async (_what, address, code, message) => {
    const addr = typeof address === 'function' ? address() : address;
    const out = await put([
      { entryId: 'bad', ...addr, propertyValues: [tqv(NOW_S - 2, { doubleValue: 1 }), tqv(NOW_S - 1, { doubleValue: 2 })] },
      { entryId: 'good', propertyAlias: '/car/load', propertyValues: [tqv(NOW_S - 1, { doubleValue: 50 })] },
    ]);
    expect(out.errorEntries).toEqual([{ entryId: 'bad', errors: [{ errorCode: code, errorMessage: expect.stringMatching(message), timestamps: [ts(NOW_S - 2), ts(NOW_S - 1)] }] }]);
  });

  test.each([
    ['a DOUBLE given as integerValue', '/car/rpm', { integerValue: 1 }, undefined, /DOUBLE/],
    ['an INTEGER given as doubleValue', '/car/speed', { doubleValue: 1.5 }, undefined, /INTEGER/],
    ['a BOOLEAN given as stringValue', '/car/ignition', { stringValue: 'true' }, undefined, /BOOLEAN/],
    ['a STRING given as booleanValue', '/car/dtc', { booleanValue: false }, undefined, /STRING/],
    ['a doubleValue above 1e10', '/car/rpm', { doubleValue: 1e10 + 1 }, undefined, /10\^10/],
    ['a doubleValue below -1e10', '/car/rpm', { doubleValue: -1e10 - 1 }, undefined, /10\^10/],
    ['a doubleValue of Infinity', '/car/rpm', { doubleValue: Infinity }, undefined, /10\^10/],
    ['a stringValue over 1024 characters', '/car/dtc', { stringValue: 'x'.repeat(1025) }, undefined, /1024/],
    ['a stringValue with a control character', '/car/dtc', { stringValue: 'a\nb' }, undefined, /control/],
    ['a nullValue with GOOD quality', '/car/rpm', { nullValue: { valueType: 'D' } }, 'GOOD', /BAD or UNCERTAIN/],
    ['a nullValue without quality (GOOD)', '/car/rpm', { nullValue: { valueType: 'D' } }, undefined, /BAD or UNCERTAIN/],
    ['a nullValue of another type', '/car/rpm', { nullValue: { valueType: 'S' } }, 'BAD', /does not match/],
    ['two variant fields', '/car/rpm', { doubleValue: 1, stringValue: '1' }, undefined, /exactly one/],
    ['no variant field', '/car/rpm', {}, undefined, /exactly one/],
  ] as const)('InvalidRequestException for %s', async (_what, alias, value, quality, message) => {
    const out = await put([{ entryId: 'e', propertyAlias: alias, propertyValues: [tqv(NOW_S - 3, value as AssetPropertyValue['value'], quality)] }]);
    expect(out.errorEntries).toEqual([{ entryId: 'e', errors: [{ errorCode: 'InvalidRequestException', errorMessage: expect.stringMatching(message), timestamps: [ts(NOW_S - 3)] }] }]);
  });

  test('accepted edge values: 1e10, NaN, 1024 characters, empty string, nullValue with BAD/UNCERTAIN', async () => {
    const out = await put([
      { entryId: 'd', propertyAlias: '/car/fuel', propertyValues: [tqv(NOW_S - 30, { doubleValue: 1e10 }), tqv(NOW_S - 29, { doubleValue: NaN }), tqv(NOW_S - 28, { nullValue: { valueType: 'D' } }, 'BAD'), tqv(NOW_S - 27, { nullValue: { valueType: 'U' } }, 'UNCERTAIN')] },
      { entryId: 's', propertyAlias: '/car/dtc', propertyValues: [tqv(NOW_S - 30, { stringValue: 'y'.repeat(1024) })] },
    ]);
    expect(out.errorEntries).toEqual([]);
    const values = await historyOf('/car/fuel');
    expect(values.map((v) => v.value)).toEqual([{ doubleValue: 1e10 }, { doubleValue: NaN }, { nullValue: { valueType: 'D' } }, { nullValue: { valueType: 'U' } }]);
    expect(values.map((v) => v.quality)).toEqual(['GOOD', 'GOOD', 'BAD', 'UNCERTAIN']);
  });

  test('attributes take values (as their type or as text); the default value is the value until then', async () => {
    const before = await client.send(new GetAssetPropertyValueCommand({ assetId: car.assetId, propertyId: car.propertyIds.cylinders! }));
    expect(before.propertyValue).toBeUndefined();
    const out = await put([
      { entryId: 'vin', propertyAlias: '/car/vin', propertyValues: [tqv(NOW_S - 1, { stringValue: 'WVWZZZ1JZXW000001' })] },
      { entryId: 'cyl', assetId: car.assetId, propertyId: car.propertyIds.cylinders!, propertyValues: [tqv(NOW_S - 1, { stringValue: '4' })] },
      { entryId: 'cylText', assetId: car.assetId, propertyId: car.propertyIds.cylinders!, propertyValues: [tqv(NOW_S - 2, { stringValue: 'four' })] },
    ]);
    expect((out.errorEntries ?? []).map((e) => [e.entryId, e.errors?.[0]?.errorCode])).toEqual([['cylText', 'InvalidRequestException']]);
    const cyl = await client.send(new GetAssetPropertyValueCommand({ assetId: car.assetId, propertyId: car.propertyIds.cylinders! }));
    expect(cyl.propertyValue?.value).toEqual({ integerValue: 4 });
  });

  test('enablePartialEntryProcessing true stores the valid TQVs of an entry; false/absent stores none of it', async () => {
    const entry = (alias: string): PutAssetPropertyValueEntry => ({
      entryId: 'mixed',
      propertyAlias: alias,
      propertyValues: [tqv(NOW_S - 3, { doubleValue: 1 }), tqv(NOW_S - 2, { stringValue: 'oops' }), tqv(NOW_S - 1, { doubleValue: 3 }), tqv(NOW_S - 8 * 86400, { doubleValue: 4 })],
    });
    const expected = [
      {
        entryId: 'mixed',
        errors: [
          { errorCode: 'InvalidRequestException', errorMessage: expect.any(String), timestamps: [ts(NOW_S - 2)] },
          { errorCode: 'TimestampOutOfRangeException', errorMessage: expect.any(String), timestamps: [ts(NOW_S - 8 * 86400)] },
        ],
      },
    ];
    const partial = await put([entry('/car/load')], true);
    expect(partial.errorEntries).toEqual(expected);
    expect((await historyOf('/car/load')).filter((v) => Number(v.timestamp?.timeInSeconds) <= NOW_S - 1 && Number(v.timestamp?.timeInSeconds) >= NOW_S - 3).map((v) => v.value?.doubleValue)).toEqual([1, 3]);

    const statsBefore = sitewise.stats();
    for (const flag of [false, undefined]) {
      const whole = await put([entry('/car/rpm')], flag);
      expect(whole.errorEntries).toEqual(expected);
    }
    const rpm = await historyOf('/car/rpm');
    expect(rpm.some((v) => v.value?.doubleValue === 1 || v.value?.doubleValue === 3)).toBe(false);
    expect(sitewise.stats().valuesRejected - statsBefore.valuesRejected).toBe(8);
  });

  test('same timestamp and quality overwrites; another quality is kept beside it', async () => {
    const t = NOW_S - 100;
    await put([{ entryId: 'v1', propertyAlias: '/car/speed', propertyValues: [tqv(t, { integerValue: 1 })] }]);
    await put([{ entryId: 'v2', propertyAlias: '/car/speed', propertyValues: [tqv(t, { integerValue: 2 }, 'GOOD')] }]);
    let at = (await historyOf('/car/speed')).filter((v) => v.timestamp?.timeInSeconds === t);
    expect(at.map((v) => [v.value?.integerValue, v.quality])).toEqual([[2, 'GOOD']]);
    await put([{ entryId: 'v3', propertyAlias: '/car/speed', propertyValues: [tqv(t, { integerValue: 3 }, 'UNCERTAIN')] }]);
    at = (await historyOf('/car/speed')).filter((v) => v.timestamp?.timeInSeconds === t);
    expect(at.map((v) => [v.value?.integerValue, v.quality])).toEqual([
      [2, 'GOOD'],
      [3, 'UNCERTAIN'],
    ]);
  });
});

describe('request limits (whole request rejected with 400 InvalidRequestException)', () => {
  const entries = (count: number, perEntry: number, id = (i: number) => `e${i}`): PutAssetPropertyValueEntry[] =>
    Array.from({ length: count }, (_, i) => ({
      entryId: id(i),
      propertyAlias: '/car/rpm',
      propertyValues: Array.from({ length: perEntry }, (_v, j) => ({ timestamp: ts(NOW_S - 1000 - i, j), value: { doubleValue: j } })),
    }));

  test('10 entries × 10 values are accepted', async () => {
    const before = sitewise.stats();
    const out = await put(entries(10, 10));
    expect(out.errorEntries).toEqual([]);
    expect(sitewise.stats().valuesAccepted - before.valuesAccepted).toBe(100);
    expect(sitewise.stats().entries - before.entries).toBe(10);
  });

  test.each([
    ['11 entries', () => entries(11, 1), /entries/],
    ['0 entries', () => [], /entries/],
    ['11 values in an entry', () => entries(1, 11), /propertyValues/],
    ['0 values in an entry', () => entries(1, 0), /propertyValues/],
    ['a duplicate entryId', () => entries(2, 1, () => 'same'), /unique/],
    ['an entryId outside [a-zA-Z0-9_-]', () => entries(1, 1, () => 'bad id'), /entryId/],
    ['an entryId of 65 characters', () => entries(1, 1, () => 'x'.repeat(65)), /entryId/],
    ['offsetInNanos of 1e9', () => [{ entryId: 'n', propertyAlias: '/car/rpm', propertyValues: [{ timestamp: ts(NOW_S, 1e9), value: { doubleValue: 1 } }] }], /offsetInNanos/],
    ['an integerValue beyond 32 bits', () => [{ entryId: 'i', propertyAlias: '/car/speed', propertyValues: [tqv(NOW_S, { integerValue: 2 ** 31 })] }], /32-bit/],
  ] as const)('%s', async (_what, make, message) => {
    const before = sitewise.stats().valuesAccepted;
    const err = await put(make() as PutAssetPropertyValueEntry[]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRequestException);
    expect((err as InvalidRequestException).$metadata.httpStatusCode).toBe(400);
    expect((err as Error).message).toMatch(message);
    expect(sitewise.stats().valuesAccepted).toBe(before);
  });
});

describe('GetAssetPropertyValueHistory', () => {
  const alias = '/car/history';
  beforeAll(async () => {
    const p = await provisionAsset(client, { modelName: 'History', assetName: 'h', properties: [{ name: 'v', dataType: 'INTEGER', alias }] });
    expect(p.assetId).toBeDefined();
    // 25 values, written out of order, one BAD.
    const order = Array.from({ length: 25 }, (_, i) => (i * 7) % 25);
    for (let k = 0; k < 25; k += 10) {
      const chunk = order.slice(k, k + 10);
      await put([{ entryId: `c${k}`, propertyAlias: alias, propertyValues: chunk.map((i) => tqv(NOW_S - 3000 + i * 10, { integerValue: i }, i === 12 ? 'BAD' : undefined)) }]);
    }
  });

  test('ascending by default, descending on request, paged with nextToken', async () => {
    const asc: number[] = [];
    for await (const page of paginateGetAssetPropertyValueHistory({ client, pageSize: 10 }, { propertyAlias: alias })) {
      expect((page.assetPropertyValueHistory ?? []).length).toBeLessThanOrEqual(10);
      asc.push(...(page.assetPropertyValueHistory ?? []).map((v) => v.value!.integerValue!));
    }
    expect(asc).toEqual(Array.from({ length: 25 }, (_, i) => i));
    const first = await client.send(new GetAssetPropertyValueHistoryCommand({ propertyAlias: alias, timeOrdering: 'DESCENDING', maxResults: 10 }));
    expect(first.assetPropertyValueHistory?.map((v) => v.value?.integerValue)).toEqual([24, 23, 22, 21, 20, 19, 18, 17, 16, 15]);
    const second = await client.send(new GetAssetPropertyValueHistoryCommand({ propertyAlias: alias, timeOrdering: 'DESCENDING', maxResults: 10, nextToken: first.nextToken }));
    expect(second.assetPropertyValueHistory?.[0]?.value?.integerValue).toBe(14);
  });

  test('startDate/endDate (inclusive) and quality filter', async () => {
    const ranged = await client.send(
      new GetAssetPropertyValueHistoryCommand({ propertyAlias: alias, startDate: new Date((NOW_S - 3000 + 50) * 1000), endDate: new Date((NOW_S - 3000 + 80) * 1000) }),
    );
    expect(ranged.assetPropertyValueHistory?.map((v) => v.value?.integerValue)).toEqual([5, 6, 7, 8]);
    const bad = await client.send(new GetAssetPropertyValueHistoryCommand({ propertyAlias: alias, qualities: ['BAD'] }));
    expect(bad.assetPropertyValueHistory?.map((v) => v.value?.integerValue)).toEqual([12]);
    await expect(
      client.send(new GetAssetPropertyValueHistoryCommand({ propertyAlias: alias, startDate: new Date(2000), endDate: new Date(1000) })),
    ).rejects.toBeInstanceOf(InvalidRequestException);
  });
});

describe('fault injection', () => {
  test('throttleNextEntries: per-entry ThrottlingException inside a 200, nothing of those entries stored', async () => {
    sitewise.faults.throttleNextEntries(2);
    const before = sitewise.stats();
    const out = await put([
      { entryId: 'a', propertyAlias: '/car/coolant', propertyValues: [tqv(NOW_S - 200, { doubleValue: 90 }), tqv(NOW_S - 199, { doubleValue: 91 })] },
      { entryId: 'b', propertyAlias: '/car/coolant', propertyValues: [tqv(NOW_S - 198, { doubleValue: 92 })] },
      { entryId: 'c', propertyAlias: '/car/coolant', propertyValues: [tqv(NOW_S - 197, { doubleValue: 93 })] },
    ]);
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.$metadata.attempts).toBe(1);
    expect(out.errorEntries).toEqual([
      { entryId: 'a', errors: [{ errorCode: 'ThrottlingException', errorMessage: expect.any(String), timestamps: [ts(NOW_S - 200), ts(NOW_S - 199)] }] },
      { entryId: 'b', errors: [{ errorCode: 'ThrottlingException', errorMessage: expect.any(String), timestamps: [ts(NOW_S - 198)] }] },
    ]);
    const stored = (await historyOf('/car/coolant')).filter((v) => Number(v.timestamp?.timeInSeconds) >= NOW_S - 200 && Number(v.timestamp?.timeInSeconds) <= NOW_S - 197);
    expect(stored.map((v) => v.value?.doubleValue)).toEqual([93]);
    const after = sitewise.stats();
    expect(after.faultsInjected - before.faultsInjected).toBe(2);
    expect(after.entriesFailed - before.entriesFailed).toBe(2);
  });

  test('failNextRequests Throttling: a whole-request 429 makes the SDK throw ThrottlingException (maxAttempts 1)', async () => {
    sitewise.faults.failNextRequests(1, 'Throttling', 'BatchPutAssetPropertyValue');
    // Another operation is not affected by an operation-scoped fault.
    await client.send(new GetAssetPropertyValueCommand({ propertyAlias: '/car/rpm' }));
    const err = await put([{ entryId: 'x', propertyAlias: '/car/rpm', propertyValues: [tqv(NOW_S - 1, { doubleValue: 1 })] }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ThrottlingException);
    expect((err as ThrottlingException).$metadata.httpStatusCode).toBe(429);
    // The fault is used up.
    const ok = await put([{ entryId: 'x', propertyAlias: '/car/rpm', propertyValues: [tqv(NOW_S - 1, { doubleValue: 1 })] }]);
    expect(ok.errorEntries).toEqual([]);
  });

  test('failNextRequests ServiceUnavailable: the SDK retries 503s and succeeds within its attempts', async () => {
    const retrying = siteWiseClient(endpoint, { maxAttempts: 3 });
    try {
      sitewise.faults.failNextRequests(2, 'ServiceUnavailable');
      const ok = await retrying.send(new BatchPutAssetPropertyValueCommand({ entries: [{ entryId: 'r', propertyAlias: '/car/rpm', propertyValues: [tqv(NOW_S - 2, { doubleValue: 7 })] }] }));
      expect(ok.$metadata.attempts).toBe(3);
      sitewise.faults.failNextRequests(3, 'ServiceUnavailable');
      const err = await retrying.send(new GetAssetPropertyValueCommand({ propertyAlias: '/car/rpm' })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ServiceUnavailableException);
      expect((err as ServiceUnavailableException).$metadata.attempts).toBe(3);
    } finally {
      retrying.destroy();
    }
  });

  test('delayMs delays answers without changing them', async () => {
    sitewise.faults.delayMs = 20;
    const out = await client.send(new GetAssetPropertyValueCommand({ propertyAlias: '/car/rpm' }));
    expect(out.propertyValue).toBeDefined();
  });
});
