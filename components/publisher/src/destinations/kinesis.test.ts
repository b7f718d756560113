import { createLogger } from '../../../core/src';
import { decodeOutbound, encodeOutboundRecord } from '../../../core/src/outbound';
import type { DeliveryRecord } from '../destination';
import { KinesisDestination, type KinesisAggregationOptions, type KinesisDestinationOptions } from './kinesis';
import { isAggregatedRecord } from './kinesis-aggregation';
import { FakeKinesis, type FakeKinesisCall } from './testing/fake-kinesis';
import { deaggregate } from './testing/kpl';
import { quietLogStream, record, sample } from './testing/records';

const logger = createLogger({ component: 'test', stream: quietLogStream, level: 'error' });

describe('KinesisDestination (loopback fake)', () => {
  let fake: FakeKinesis;
  let endpoint: string;
  let dest: KinesisDestination;
  const make = (over: Partial<KinesisDestinationOptions> = {}): KinesisDestination =>
    new KinesisDestination(
      { name: 'k', streamName: 's', region: 'us-east-1', endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, sdkMaxAttempts: 1, ...over },
      { logger },
    );

  beforeEach(async () => {
    fake = new FakeKinesis();
    ({ endpoint } = await fake.listen());
    dest = make();
    await dest.start();
  });
  afterEach(async () => {
    await dest.stop();
    await fake.close();
  });

  it('sends outbound v1 records with partition keys from the mapping', async () => {
    const recs = [
      record(1, [sample({ device: 'car-a' })]),
      record(2, [sample({ device: 'car-b', attrs: { line: 'L7' } })], { mapping: { partitionKey: 'attrs.line' } }),
      record(3, [sample({ device: 'car-c' })], { mapping: { partitionKey: 'attrs.missing' } }),
      record(4, [sample({ device: 'x'.repeat(300) })]),
    ];
    const out = await dest.send(recs);
    expect(out.map((o) => o.kind)).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
    expect(fake.calls).toHaveLength(1);
    const sent = fake.calls[0].records;
    expect(sent.map((r) => r.partitionKey)).toEqual(['car-a', 'L7', 'car-c', 'x'.repeat(256)]);
    const d = decodeOutbound(sent[1].data);
    expect(d).toMatchObject({ ok: true, kind: 'record', records: [{ origin: { stream: 'tributary.out.telemetry', seq: 2 }, priority: 'telemetry' }] });
    expect(dest.status().state).toBe('connected');
  });

  it('retries only the records that failed inside a 200', async () => {
    fake.script.push({ kind: 'partial', failures: { 1: 'ProvisionedThroughputExceededException', 3: 'InternalFailure' } });
    const out = await dest.send([record(1), record(2), record(3), record(4)]);
    expect(out.map((o) => o.kind)).toEqual(['accepted', 'retry', 'accepted', 'retry']);
    expect(out[1]).toMatchObject({ code: 'kinesis_throttled' });
    expect(out[3]).toMatchObject({ code: 'kinesis_internal_failure' });
    expect(dest.status().state).toBe('backing_off');
    const again = await dest.send([record(2), record(4)]);
    expect(again.map((o) => o.kind)).toEqual(['accepted', 'accepted']);
    expect(dest.status()).toMatchObject({ state: 'connected', lastError: { code: 'kinesis_throttled' } });
    expect(dest.status().downSince).toBeUndefined();
  });

  it('rejects an oversize record before sending and sends the rest', async () => {
    dest = make({ maxRecordBytes: 2000 });
    const big = record(1, [sample({ value: 'x'.repeat(3000) })]);
    const out = await dest.send([big, record(2)]);
    expect(out[0]).toMatchObject({ kind: 'rejected', code: 'kinesis_record_too_large' });
    expect(out[1].kind).toBe('accepted');
    expect(fake.calls[0].records).toHaveLength(1);
  });

  it('splits calls by record count and request bytes', async () => {
    dest = make({ maxRecordsPerCall: 3, maxRequestBytes: 100_000 });
    const out = await dest.send(Array.from({ length: 7 }, (_, i) => record(i)));
    expect(out.every((o) => o.kind === 'accepted')).toBe(true);
    expect(fake.calls.map((c) => c.records.length)).toEqual([3, 3, 1]);
    fake.calls.length = 0;
    dest = make({ maxRequestBytes: 1200 });
    await dest.send(Array.from({ length: 4 }, (_, i) => record(i, [sample({ value: 'y'.repeat(300) })])));
    expect(fake.calls.length).toBeGreaterThan(1);
    for (const c of fake.calls) expect(c.records.reduce((n, r) => n + r.data.length + r.partitionKey.length, 0)).toBeLessThanOrEqual(1200);
  });

  it('classifies whole-request errors: throttling and 5xx retry, validation narrows down to the bad record', async () => {
    fake.script.push({ kind: 'error', status: 400, type: 'ProvisionedThroughputExceededException' });
    expect((await dest.send([record(1)]))[0]).toMatchObject({ kind: 'retry', code: 'kinesis_throttled' });
    fake.script.push({ kind: 'error', status: 500, type: 'InternalFailure' });
    expect((await dest.send([record(1)]))[0]).toMatchObject({ kind: 'retry', code: 'kinesis_server_error' });
    fake.script.push({ kind: 'error', status: 400, type: 'ResourceNotFoundException', message: 'Stream s not found' });
    expect((await dest.send([record(1)]))[0]).toMatchObject({ kind: 'retry', code: 'kinesis_config' });
    // whole call invalid → one by one: second alone is invalid, others pass
    fake.script.push({ kind: 'error', status: 400, type: 'ValidationException' });
    fake.script.push({ kind: 'partial', failures: {} });
    fake.script.push({ kind: 'error', status: 400, type: 'ValidationException', message: 'bad key' });
    fake.script.push({ kind: 'partial', failures: {} });
    const out = await dest.send([record(1), record(2), record(3)]);
    expect(out.map((o) => o.kind)).toEqual(['accepted', 'rejected', 'accepted']);
    expect(out[1]).toMatchObject({ code: 'kinesis_invalid' });
  });

  it('answers retry (never throws) when the peer is down, and an empty batch with nothing', async () => {
    expect(await dest.send([])).toEqual([]);
    expect(fake.calls).toHaveLength(0);
    await fake.close();
    const out = await dest.send([record(1), record(2)]);
    expect(out.map((o) => o.kind)).toEqual(['retry', 'retry']);
    expect(out[0]).toMatchObject({ code: 'kinesis_unreachable' });
    const st = dest.status();
    expect(st.state).toBe('down');
    expect(st.downSince).toEqual(expect.any(Number));
    expect(st.lastError?.code).toBe('kinesis_unreachable');
  });

  it('answers retry for every record when aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const out = await dest.send([record(1)], ac.signal);
    expect(out[0]).toMatchObject({ kind: 'retry', code: 'kinesis_aborted' });
  });
});

describe('KinesisDestination with KPL aggregation (loopback fake)', () => {
  let fake: FakeKinesis;
  let endpoint: string;
  let dest: KinesisDestination;
  const make = (aggregation: KinesisAggregationOptions = {}, over: Partial<KinesisDestinationOptions> = {}): KinesisDestination =>
    new KinesisDestination(
      { name: 'k', streamName: 's', region: 'us-east-1', endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, sdkMaxAttempts: 1, aggregation: { enabled: true, ...aggregation }, ...over },
      { logger },
    );
  /** What the plain path sends for a record. */
  const plainData = (r: DeliveryRecord): Buffer => encodeOutboundRecord({ origin: { stream: r.origin.stream, seq: r.origin.sequenceNumber }, priority: r.priority, samples: [...r.samples] });
  const on = (device: string, seq: number, value: unknown = seq): DeliveryRecord => record(seq, [sample({ device, value: value as number })]);
  /** The user records of every Kinesis record of a call, as [Kinesis record index, partition key, seq]. */
  const users = (call: FakeKinesisCall): Array<[number, string, number]> =>
    call.records.flatMap((r, i) =>
      deaggregate({ Data: r.data, PartitionKey: r.partitionKey }).map((u): [number, string, number] => {
        const d = decodeOutbound(u.data);
        if (!d.ok) throw new Error('undecodable');
        return [i, u.partitionKey, d.records[0]!.origin.seq];
      }),
    );

  beforeEach(async () => {
    fake = new FakeKinesis();
    ({ endpoint } = await fake.listen());
    dest = make();
    await dest.start();
  });
  afterEach(async () => {
    await dest.stop();
    await fake.close();
  });

  it('packs the records of each partition key into one aggregate whose user records are exactly the plain data; a lone record goes plain', async () => {
    const recs = [on('a', 1), on('b', 2), on('a', 3), on('c', 4), on('b', 5), on('a', 6)];
    const out = await dest.send(recs);
    expect(out.map((o) => o.kind)).toEqual(recs.map(() => 'accepted'));
    expect(fake.calls).toHaveLength(1);
    const sent = fake.calls[0]!.records;
    expect(sent.map((r) => [r.partitionKey, isAggregatedRecord(r.data)])).toEqual([
      ['a', true],
      ['b', true],
      ['c', false],
    ]);
    expect(users(fake.calls[0]!)).toEqual([
      [0, 'a', 1],
      [0, 'a', 3],
      [0, 'a', 6],
      [1, 'b', 2],
      [1, 'b', 5],
      [2, 'c', 4],
    ]);
    const byKey = deaggregate({ Data: sent[0]!.data, PartitionKey: 'a' });
    expect(byKey.map((u) => u.data)).toEqual([plainData(recs[0]!), plainData(recs[2]!), plainData(recs[5]!)]);
    expect(sent[2]!.data).toEqual(plainData(recs[3]!));
    expect(dest.maxBatchRecords).toBe(500);
  });

  it('maps a per-record failure of an aggregate to every user record in it', async () => {
    fake.script.push({ kind: 'partial', failures: { 1: 'ProvisionedThroughputExceededException', 2: 'InternalFailure' } });
    const recs = [on('a', 1), on('b', 2), on('a', 3), on('b', 4), on('c', 5), on('a', 6)];
    const out = await dest.send(recs);
    expect(out.map((o) => (o.kind === 'retry' ? o.code : o.kind))).toEqual(['accepted', 'kinesis_throttled', 'accepted', 'kinesis_throttled', 'kinesis_internal_failure', 'accepted']);
    expect(dest.status().state).toBe('backing_off');
    const again = await dest.send([recs[1]!, recs[3]!, recs[4]!]);
    expect(again.map((o) => o.kind)).toEqual(['accepted', 'accepted', 'accepted']);
    const delivered = fake.accepted.flatMap((r) => deaggregate({ Data: r.data, PartitionKey: r.partitionKey }).map((u) => (decodeOutbound(u.data) as { records: Array<{ origin: { seq: number } }> }).records[0]!.origin.seq));
    expect(delivered.sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('splits aggregates at maxAggregateBytes and maxRecordsPerAggregate, and keeps calls within 500 records and maxRequestBytes', async () => {
    dest = make({ maxAggregateBytes: 2000 });
    const recs = Array.from({ length: 40 }, (_, i) => on(i % 2 ? 'odd' : 'even', i));
    expect((await dest.send(recs)).every((o) => o.kind === 'accepted')).toBe(true);
    const sent = fake.calls.flatMap((c) => c.records);
    expect(sent.length).toBeGreaterThan(2);
    for (const r of sent) expect(r.data.length + Buffer.byteLength(r.partitionKey)).toBeLessThanOrEqual(2000);
    expect(users(fake.calls[0]!).map((u) => u[2]).sort((a, b) => a - b)).toEqual(recs.map((r) => r.origin.sequenceNumber));

    fake.calls.length = 0;
    dest = make({ maxRecordsPerAggregate: 3 }, { maxRecordsPerCall: 2, maxRequestBytes: 100_000 });
    expect((await dest.send(recs.slice(0, 14))).every((o) => o.kind === 'accepted')).toBe(true);
    // 7 records per key → aggregates of 3, 3, and 1 plain record each → 6 Kinesis records, 2 per call
    expect(fake.calls.map((c) => c.records.length)).toEqual([2, 2, 2]);
    expect(fake.calls.flatMap((c) => c.records.map((r) => (isAggregatedRecord(r.data) ? deaggregate({ Data: r.data }).length : 1)))).toEqual([3, 3, 1, 3, 3, 1]);

    fake.calls.length = 0;
    dest = make({}, { maxRequestBytes: 3000, maxRecordBytes: 3000 });
    const wide = Array.from({ length: 30 }, (_, i) => on(`k${i % 5}`, i));
    expect((await dest.send(wide)).every((o) => o.kind === 'accepted')).toBe(true);
    expect(fake.calls.length).toBeGreaterThan(1);
    for (const c of fake.calls) expect(c.records.reduce((n, r) => n + r.data.length + Buffer.byteLength(r.partitionKey), 0)).toBeLessThanOrEqual(3000);
    expect(fake.calls.flatMap((c) => users(c).map((u) => u[2])).sort((a, b) => a - b)).toEqual(wide.map((r) => r.origin.sequenceNumber));
  });

  it('sends a record too large for an aggregate alone and plain; rejects one over maxRecordBytes as before', async () => {
    dest = make({ maxAggregateBytes: 1500 }, { maxRecordBytes: 4000 });
    const big = on('a', 2, 'x'.repeat(1500));
    const huge = on('a', 3, 'x'.repeat(5000));
    const out = await dest.send([on('a', 1), big, huge, on('a', 4)]);
    expect(out.map((o) => o.kind)).toEqual(['accepted', 'accepted', 'rejected', 'accepted']);
    expect(out[2]).toMatchObject({ code: 'kinesis_record_too_large' });
    const sent = fake.calls[0]!.records;
    expect(sent.map((r) => isAggregatedRecord(r.data))).toEqual([false, true]);
    expect(sent[0]!.data).toEqual(plainData(big));
    expect(users(fake.calls[0]!).map((u) => u[2])).toEqual([2, 1, 4]);
  });

  it('sends the records of an aggregate refused as invalid without aggregation, and judges them one by one', async () => {
    fake.script.push({ kind: 'error', status: 400, type: 'ValidationException' }); // the aggregate alone
    fake.script.push({ kind: 'error', status: 400, type: 'ValidationException' }); // its 3 records plain, together
    fake.script.push({ kind: 'partial', failures: {} });
    fake.script.push({ kind: 'error', status: 400, type: 'ValidationException', message: 'bad' });
    fake.script.push({ kind: 'partial', failures: {} });
    const out = await dest.send([on('a', 1), on('a', 2), on('a', 3)]);
    expect(out.map((o) => o.kind)).toEqual(['accepted', 'rejected', 'accepted']);
    expect(out[1]).toMatchObject({ code: 'kinesis_invalid' });
    expect(fake.calls.map((c) => c.records.map((r) => isAggregatedRecord(r.data)))).toEqual([[true], [false, false, false], [false], [false], [false]]);
  });

  it('answers retry for every user record when the call fails as a whole or is aborted', async () => {
    fake.script.push({ kind: 'error', status: 500, type: 'InternalFailure' });
    const out = await dest.send([on('a', 1), on('a', 2), on('b', 3)]);
    expect(out.map((o) => (o.kind === 'retry' ? o.code : o.kind))).toEqual(['kinesis_server_error', 'kinesis_server_error', 'kinesis_server_error']);
    const ac = new AbortController();
    ac.abort();
    expect((await dest.send([on('a', 1), on('a', 2)], ac.signal)).map((o) => (o.kind === 'retry' ? o.code : o.kind))).toEqual(['kinesis_aborted', 'kinesis_aborted']);
  });

  it('takes maxBatchRecords per send when aggregating; off by default', async () => {
    expect(make({ maxBatchRecords: 3000 }).maxBatchRecords).toBe(3000);
    const off = new KinesisDestination({ name: 'k', streamName: 's', region: 'us-east-1', endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxRecordsPerCall: 100 }, { logger });
    expect(off.maxBatchRecords).toBe(100);
    await off.send([on('a', 1), on('a', 2)]);
    expect(fake.calls[0]!.records.map((r) => isAggregatedRecord(r.data))).toEqual([false, false]);
    await off.stop();
  });
});
