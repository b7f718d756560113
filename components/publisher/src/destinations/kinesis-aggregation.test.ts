/**
 * The KPL aggregate encoder against the reference implementation (`aws-kinesis-agg`): what we
 * encode deaggregates to the same user records, keys and data, with a valid checksum, and is
 * byte for byte what its protobufjs model encodes. Then the destination with aggregation on,
 * end to end through kinesalite.
 */
import { createHash } from 'node:crypto';
import { decodeOutbound } from '../../../core/src/outbound';
import { createLogger } from '../../../core/src';
import type { Destination } from '../destination';
import { KPL_MAGIC, aggregateBaseBytes, aggregatedEntryBytes, encodeAggregatedRecord, isAggregatedRecord, varintBytes, type UserRecord } from './kinesis-aggregation';
import { KinesisDestination } from './kinesis';
import { ReferenceAggregatedRecord, deaggregate } from './testing/kpl';
import { KinesalitePeer } from './testing/peers';
import { quietLogStream, record, sample } from './testing/records';

const logger = createLogger({ component: 'test', stream: quietLogStream, level: 'error' });

function referenceEncoding(records: readonly UserRecord[]): Buffer {
  const keys: string[] = [];
  const hashKeys: string[] = [];
  const message = {
    partition_key_table: keys,
    explicit_hash_key_table: hashKeys,
    records: records.map((r) => {
      if (!keys.includes(r.partitionKey)) keys.push(r.partitionKey);
      const rec: Record<string, unknown> = { partition_key_index: keys.indexOf(r.partitionKey), data: r.data, tags: [] };
      if (r.explicitHashKey !== undefined) {
        if (!hashKeys.includes(r.explicitHashKey)) hashKeys.push(r.explicitHashKey);
        rec.explicit_hash_key_index = hashKeys.indexOf(r.explicitHashKey);
      }
      return rec;
    }),
  };
  const pb = Buffer.from(ReferenceAggregatedRecord.encode(message).finish());
  return Buffer.concat([KPL_MAGIC, pb, createHash('md5').update(pb).digest()]);
}

describe('KPL aggregate encoder (oracle: aws-kinesis-agg)', () => {
  it('computes varint sizes at the byte boundaries', () => {
    for (const [n, bytes] of [
      [0, 1],
      [127, 1],
      [128, 2],
      [16_383, 2],
      [16_384, 3],
      [2 ** 21 - 1, 3],
      [2 ** 21, 4],
      [2 ** 28, 5],
      [2 ** 35, 6],
    ] as const) {
      expect([n, varintBytes(n)]).toEqual([n, bytes]);
    }
  });

  it('round-trips one partition key: same records, data and order, checksum verified, exact size', () => {
    const sizes = [0, 1, 127, 128, 300, 16_383, 16_384, 70_000];
    const records: UserRecord[] = sizes.map((n, i) => ({ partitionKey: 'car-a', data: Buffer.alloc(n, i + 1) }));
    records.push({ partitionKey: 'car-a', data: Buffer.from([0, 255, 0xf3, 0x89, 0x9a, 0xc2, 10, 13]) });
    const agg = encodeAggregatedRecord(records);
    expect(isAggregatedRecord(agg)).toBe(true);
    expect(agg.subarray(0, 4)).toEqual(KPL_MAGIC);
    expect(agg.length).toBe(aggregateBaseBytes('car-a') + records.reduce((n, r) => n + aggregatedEntryBytes(r.data.length), 0));
    expect(agg.equals(referenceEncoding(records))).toBe(true);
    const users = deaggregate({ Data: agg, PartitionKey: 'car-a', SequenceNumber: '49590338271490256608559692538361571095921575989136588898' });
    expect(users).toHaveLength(records.length);
    users.forEach((u, i) => {
      expect(u.partitionKey).toBe('car-a');
      expect(u.explicitHashKey).toBeUndefined();
      expect(u.subSequenceNumber).toBe(i);
      expect(u.data.equals(Buffer.from(records[i]!.data))).toBe(true);
    });
  });

  it('round-trips several partition keys (non-ASCII, 256 characters) and explicit hash keys, each stored once', () => {
    const long = 'k'.repeat(256);
    const records: UserRecord[] = [
      { partitionKey: 'fahrzeug-Ü1', data: Buffer.from('{"a":1}') },
      { partitionKey: long, data: Buffer.from('{"b":2}'), explicitHashKey: '340282366920938463463374607431768211455' },
      { partitionKey: 'fahrzeug-Ü1', data: Buffer.from('{"c":3}'), explicitHashKey: '0' },
      { partitionKey: '車両-7', data: Buffer.from('{"d":4}') },
      { partitionKey: long, data: Buffer.from('{"e":5}'), explicitHashKey: '340282366920938463463374607431768211455' },
    ];
    const agg = encodeAggregatedRecord(records);
    expect(agg).toEqual(referenceEncoding(records));
    const decoded = ReferenceAggregatedRecord.toObject(ReferenceAggregatedRecord.decode(agg.subarray(4, agg.length - 16)), { longs: Number, defaults: false });
    expect(decoded.partition_key_table).toEqual(['fahrzeug-Ü1', long, '車両-7']);
    expect(decoded.explicit_hash_key_table).toEqual(['340282366920938463463374607431768211455', '0']);
    expect((decoded.records as Array<Record<string, unknown>>).map((r) => r.explicit_hash_key_index)).toEqual([undefined, 0, 1, undefined, 0]);
    const users = deaggregate({ Data: agg, PartitionKey: 'fahrzeug-Ü1' });
    expect(users.map((u) => [u.partitionKey, u.data.toString()])).toEqual(records.map((r) => [r.partitionKey, Buffer.from(r.data).toString()]));
    // aws-kinesis-agg reads an absent explicit_hash_key_index as 0 (protobufjs default), so it
    // reports the first table entry for records without one; the set ones must match.
    records.forEach((r, i) => r.explicitHashKey !== undefined && expect(users[i]!.explicitHashKey).toBe(r.explicitHashKey));
  });

  it('is refused by the reference on a corrupted checksum or body; a plain record passes through', () => {
    const agg = encodeAggregatedRecord([
      { partitionKey: 'k', data: Buffer.from('one') },
      { partitionKey: 'k', data: Buffer.from('two') },
    ]);
    const badSum = Buffer.from(agg);
    badSum[badSum.length - 1] ^= 0xff;
    expect(() => deaggregate({ Data: badSum, PartitionKey: 'k' })).toThrow(/checksum/i);
    const badBody = Buffer.from(agg);
    badBody[8] ^= 0x01;
    expect(() => deaggregate({ Data: badBody, PartitionKey: 'k' })).toThrow();
    const plain = Buffer.from('{"v":1}');
    expect(isAggregatedRecord(plain)).toBe(false);
    expect(deaggregate({ Data: plain, PartitionKey: 'k' })).toEqual([{ partitionKey: 'k', data: plain }]);
  });
});

describe('KinesisDestination with KPL aggregation (kinesalite)', () => {
  let peer: KinesalitePeer;
  let dest: Destination;

  beforeAll(async () => {
    peer = new KinesalitePeer({ aggregation: { enabled: true }, shards: 4 });
    await peer.start();
  });
  afterAll(async () => {
    await dest?.stop();
    await peer?.stop();
  });

  it('delivers 2,000 records in far fewer Kinesis records; deaggregating them gives back exactly the 2,000 origins', async () => {
    const devices = Array.from({ length: 16 }, (_, i) => `WVWZZZ1JZXW${100001 + i}`);
    dest = new KinesisDestination(
      { name: 'kpl', streamName: peer.streamName, region: 'us-east-1', endpoint: peer.endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, sdkMaxAttempts: 1, aggregation: { enabled: true } },
      { logger },
    );
    await dest.start();
    const records = Array.from({ length: 2000 }, (_, i) =>
      record(i, [sample({ device: devices[i % devices.length]!, name: 'rpm', value: i }), ...(i % 2 ? [sample({ device: devices[i % devices.length]!, name: 'speed', value: i / 2 })] : [])], { stream: 'kpl.bulk' }),
    );
    for (let i = 0; i < records.length; i += dest.maxBatchRecords) {
      const out = await dest.send(records.slice(i, i + dest.maxBatchRecords));
      expect(out.every((o) => o.kind === 'accepted')).toBe(true);
    }

    const stored = await peer.kinesisRecords();
    // 4 sends × 16 keys: one aggregate per key per send.
    expect(stored.length).toBe(64);
    expect(stored.every((r) => isAggregatedRecord(r.Data!))).toBe(true);
    const seqs: number[] = [];
    for (const k of stored) {
      for (const u of deaggregate(k)) {
        expect(u.partitionKey).toBe(k.PartitionKey);
        const d = decodeOutbound(u.data);
        if (!d.ok) throw new Error(`undecodable user record: ${JSON.stringify(d.problems)}`);
        expect(d.records[0]!.samples[0]!.device).toBe(u.partitionKey);
        seqs.push(d.records[0]!.origin.seq);
      }
    }
    expect(seqs).toHaveLength(2000);
    expect(new Set(seqs).size).toBe(2000);
    expect(Math.min(...seqs)).toBe(0);
    expect(Math.max(...seqs)).toBe(1999);
  });
});
