import { BatchPutAssetPropertyValueCommand, DescribeTimeSeriesCommand, GetAssetPropertyValueHistoryCommand, type IoTSiteWiseClient } from '@aws-sdk/client-iotsitewise';
import { createLogger, systemClock, type Clock } from '../../../core/src';
import { LocalSiteWise } from '../../../../local/sitewise/src/server';
import { siteWiseClient } from '../../../../local/sitewise/src/client';
import { provisionAsset } from '../../../../local/sitewise/src/provision';
import { SiteWiseDestination, globToRegExp, toVariant, type SiteWiseDestinationOptions } from './sitewise';
import { quietLogStream, record, sample } from './testing/records';

const logger = createLogger({ component: 'test', stream: quietLogStream, level: 'error' });
const NOW = 1_800_000_000_000;
const clock: Clock = { ...systemClock, now: () => NOW };

let sitewise: LocalSiteWise;
let endpoint: string;
let port: number;
let admin: IoTSiteWiseClient;

const history = async (alias: string) => (await admin.send(new GetAssetPropertyValueHistoryCommand({ propertyAlias: alias, maxResults: 20000 }))).assetPropertyValueHistory ?? [];
const make = (over: Partial<SiteWiseDestinationOptions> = {}): SiteWiseDestination =>
  new SiteWiseDestination(
    { name: 'sw', region: 'us-east-1', endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, sdkMaxAttempts: 1, itemBackoffMinMs: 1, itemBackoffMaxMs: 2, dataTypes: [{ alias: '/*/gear', type: 'INTEGER' }], ...over },
    { logger, clock },
  );
const s = (name: string, value: number | string | boolean | null, over: Parameters<typeof sample>[0] = {}) => sample({ name, value, ts: NOW - 1000, ...over });

beforeAll(async () => {
  sitewise = new LocalSiteWise({ clock: () => NOW, activationDelayMs: 0 });
  ({ endpoint, port } = await sitewise.listen(0));
  admin = siteWiseClient(endpoint, { maxAttempts: 1 });
  await provisionAsset(admin, {
    modelName: 'car',
    assetName: 'vin1',
    properties: [
      { name: 'rpm', dataType: 'DOUBLE', alias: '/vin1/rpm' },
      { name: 'gear', dataType: 'INTEGER', alias: '/vin1/gear' },
      { name: 'ignition', dataType: 'BOOLEAN', alias: '/vin1/ignition' },
      { name: 'dtc', dataType: 'STRING', alias: '/vin1/dtc' },
      { name: 'count', dataType: 'INTEGER', alias: '/vin1/count' },
      ...Array.from({ length: 12 }, (_, i) => ({ name: `p${i}`, dataType: 'DOUBLE' as const, alias: `/vin1/p${i}` })),
    ],
  });
});
afterAll(async () => {
  admin.destroy();
  await sitewise.close();
});
afterEach(() => sitewise.faults.clear());

describe('SiteWiseDestination against the local SiteWise', () => {
  it('delivers typed values to aliases with timestamps and quality', async () => {
    const dest = make();
    const out = await dest.send([
      record(1, [s('rpm', 2500.5, { tsNanos: 123 }), s('gear', 3), s('ignition', true)]),
      record(2, [s('dtc', 'P0301'), s('rpm', null, { quality: 'BAD', ts: NOW - 500 })]),
      record(3, [s('x', 1, { alias: '/vin1/p0' })]),
    ]);
    expect(out).toEqual([{ kind: 'accepted' }, { kind: 'accepted' }, { kind: 'accepted' }]);
    const rpm = await history('/vin1/rpm');
    expect(rpm.map((v) => [v.value?.doubleValue, v.quality, v.timestamp?.timeInSeconds, v.timestamp?.offsetInNanos])).toEqual([
      [2500.5, 'GOOD', Math.floor((NOW - 1000) / 1000), 123],
      [undefined, 'BAD', Math.floor((NOW - 500) / 1000), 500_000_000],
    ]);
    expect((await history('/vin1/gear'))[0].value?.integerValue).toBe(3);
    expect((await history('/vin1/ignition'))[0].value?.booleanValue).toBe(true);
    expect((await history('/vin1/dtc'))[0].value?.stringValue).toBe('P0301');
    expect((await history('/vin1/p0'))[0].value?.doubleValue).toBe(1);
    expect(dest.status().state).toBe('connected');
    await dest.stop();
  });

  it('rejects samples outside the timestamp window without a round trip', async () => {
    const dest = make();
    const before = sitewise.stats().requests;
    const out = await dest.send([record(1, [s('rpm', 1, { ts: NOW - 8 * 86_400_000 }), s('rpm', 2, { ts: NOW + 11 * 60_000 })])]);
    expect(out[0]).toMatchObject({ kind: 'rejected', code: 'sitewise_timestamp_out_of_range' });
    expect(sitewise.stats().requests).toBe(before);
    const mixed = await dest.send([record(2, [s('rpm', 3, { ts: NOW - 8 * 86_400_000 }), s('rpm', 4, { ts: NOW - 2000 })])]);
    expect(mixed[0]).toMatchObject({ kind: 'accepted', rejectedSamples: [{ code: 'sitewise_timestamp_out_of_range', samples: [{ value: 3 }] }] });
    await dest.stop();
  });

  it('splits into calls of at most 10 entries x 10 values, one entry per alias per call', async () => {
    const dest = make();
    const before = sitewise.stats().operations.BatchPutAssetPropertyValue ?? 0;
    const many = Array.from({ length: 25 }, (_, i) => s('p1', i, { ts: NOW - 100_000 + i * 1000 }));
    const wide = Array.from({ length: 12 }, (_, i) => s(`p${i}`, 1000 + i, { ts: NOW - 200_000 }));
    const out = await dest.send([record(1, many), record(2, wide)]);
    expect(out.map((o) => o.kind)).toEqual(['accepted', 'accepted']);
    const calls = (sitewise.stats().operations.BatchPutAssetPropertyValue ?? 0) - before;
    expect(calls).toBe(3); // p1 needs 3 entries, never two in one call
    expect((await history('/vin1/p1')).filter((v) => v.timestamp!.timeInSeconds! >= (NOW - 100_000) / 1000).length).toBe(25);
    expect((await history('/vin1/p11')).length).toBe(1);
    await dest.stop();
  });

  it('retries only the throttled TQVs, and answers retry after the attempts run out', async () => {
    const dest = make({ itemAttempts: 3 });
    sitewise.faults.throttleNextEntries(1);
    const before = sitewise.stats().valuesAccepted;
    const out = await dest.send([record(1, [s('p2', 1), s('p3', 2)]), record(2, [s('p4', 3)])]);
    expect(out.map((o) => o.kind)).toEqual(['accepted', 'accepted']);
    expect(sitewise.stats().valuesAccepted - before).toBe(3); // the throttled entry alone was sent again
    sitewise.faults.throttleNextEntries(10);
    const failed = await dest.send([record(3, [s('p5', 1)]), record(4, [s('p6', 2, { ts: NOW - 3000 })])]);
    // 2 entries x 3 attempts = 6 throttled answers
    expect(failed.map((o) => o.kind)).toEqual(['retry', 'retry']);
    expect(failed[0]).toMatchObject({ code: 'sitewise_throttled' });
    expect(dest.status().state).toBe('backing_off');
    await dest.stop();
  });

  it('an alias that no property carries is accepted into a data stream (disassociated time series), as SiteWise does', async () => {
    const dest = make();
    expect(await dest.send([record(1, [s('stream', 4.5)])])).toEqual([{ kind: 'accepted' }]);
    expect((await history('/vin1/stream')).map((v) => v.value?.doubleValue)).toEqual([4.5]);
    expect(await admin.send(new DescribeTimeSeriesCommand({ alias: '/vin1/stream' }))).toMatchObject({ dataType: 'DOUBLE' });
    await dest.stop();
  });

  it('rejects values SiteWise refuses per entry, with its error code and message', async () => {
    const dest = make();
    // a data stream whose first value (a string) fixed its data type to STRING
    await admin.send(
      new BatchPutAssetPropertyValueCommand({ entries: [{ entryId: 'e', propertyAlias: '/vin1/note', propertyValues: [{ timestamp: { timeInSeconds: (NOW - 5000) / 1000 }, value: { stringValue: 'x' } }] }] }),
    );
    const out = await dest.send([
      record(1, [s('note', 1)]),
      record(2, [s('count', 1.5), s('rpm', 7)]),
      record(3, [s('gear', 'third')]),
    ]);
    // a value of another type than the data stream's: per-entry InvalidRequestException from (the local) SiteWise
    expect(out[0]).toMatchObject({ kind: 'rejected', code: 'sitewise_invalid_request', message: expect.stringContaining('/vin1/note') });
    // count is INTEGER but no rule says so: sent as double, refused by SiteWise
    expect(out[1]).toMatchObject({ kind: 'accepted', rejectedSamples: [{ code: 'sitewise_invalid_request', samples: [{ name: 'count' }] }] });
    expect(out[2]).toMatchObject({ kind: 'rejected', code: 'sitewise_type_mismatch' });
    sitewise.faults.failNextEntries(1, 'AccessDeniedException');
    expect((await dest.send([record(4, [s('p7', 1)])]))[0]).toMatchObject({ kind: 'rejected', code: 'sitewise_access_denied' });
    sitewise.faults.failNextEntries(1, 'ResourceNotFoundException');
    expect((await dest.send([record(5, [s('p7', 2)])]))[0]).toMatchObject({ kind: 'rejected', code: 'sitewise_resource_not_found', message: expect.stringContaining('ResourceNotFoundException') });
    sitewise.faults.failNextEntries(1, 'TimestampOutOfRangeException');
    expect((await dest.send([record(6, [s('p7', 3)])]))[0]).toMatchObject({ kind: 'rejected', code: 'sitewise_timestamp_out_of_range' });
    await dest.stop();
  });

  it('answers retry on whole-request failures and when the service is down, and recovers', async () => {
    const dest = make();
    sitewise.faults.failNextRequests(1, 'ServiceUnavailable');
    expect((await dest.send([record(1, [s('p8', 1)])]))[0]).toMatchObject({ kind: 'retry', code: 'sitewise_service_unavailable' });
    sitewise.faults.failNextRequests(1, 'Throttling');
    expect((await dest.send([record(1, [s('p8', 1)])]))[0]).toMatchObject({ kind: 'retry', code: 'sitewise_throttled' });
    await sitewise.close();
    const down = await dest.send([record(1, [s('p8', 1)]), record(2, [s('p9', 2)])]);
    expect(down.map((o) => o.kind)).toEqual(['retry', 'retry']);
    expect(down[0]).toMatchObject({ code: 'sitewise_unreachable' });
    expect(dest.status()).toMatchObject({ state: 'down', downSince: expect.any(Number) });
    await sitewise.listen(port);
    expect((await dest.send([record(1, [s('p8', 1)])]))[0].kind).toBe('accepted');
    expect(dest.status().state).toBe('connected');
    expect(await dest.send([])).toEqual([]);
    await dest.stop();
  });
});

describe('SiteWise value mapping', () => {
  it('maps values by rule and JS type', () => {
    expect(toVariant(sample({ value: 3 }), undefined)).toEqual({ value: { doubleValue: 3 } });
    expect(toVariant(sample({ value: 3 }), 'INTEGER')).toEqual({ value: { integerValue: 3 } });
    expect(toVariant(sample({ value: 1 }), 'BOOLEAN')).toEqual({ value: { booleanValue: true } });
    expect(toVariant(sample({ value: 12 }), 'STRING')).toEqual({ value: { stringValue: '12' } });
    expect(toVariant(sample({ value: null, quality: 'UNCERTAIN' }), 'INTEGER')).toEqual({ value: { nullValue: { valueType: 'I' } } });
    expect(toVariant(sample({ value: null }), undefined)).toMatchObject({ code: 'sitewise_invalid_value' });
    expect(toVariant(sample({ value: 2e10 }), undefined)).toMatchObject({ code: 'sitewise_invalid_value' });
    expect(toVariant(sample({ value: 2 ** 31 }), 'INTEGER')).toMatchObject({ code: 'sitewise_invalid_value' });
    expect(toVariant(sample({ value: 'x'.repeat(1025) }), undefined)).toMatchObject({ code: 'sitewise_invalid_value' });
    expect(toVariant(sample({ value: 1.5 }), 'INTEGER')).toMatchObject({ code: 'sitewise_type_mismatch' });
  });

  it('matches alias globs', () => {
    expect(globToRegExp('/site/*/temp').test('/site/a/temp')).toBe(true);
    expect(globToRegExp('/site/*/temp').test('/site/a/b/temp')).toBe(false);
    expect(globToRegExp('/site/**').test('/site/a/b/temp')).toBe(true);
    expect(globToRegExp('/a.b?').test('/a.bc')).toBe(true);
    expect(globToRegExp('/a.b').test('/axb')).toBe(false);
  });
});
