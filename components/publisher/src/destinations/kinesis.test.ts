import { createLogger } from '../../../core/src';
import { decodeOutbound } from '../../../core/src/outbound';
import { KinesisDestination, type KinesisDestinationOptions } from './kinesis';
import { FakeKinesis } from './testing/fake-kinesis';
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
