/**
 * KPL aggregation format (awslabs/amazon-kinesis-producer `aggregation-format.md`): many user
 * records in one Kinesis record. What the KCL and `aws-kinesis-agg` deaggregate.
 *
 * ```
 * F3 89 9A C2                      magic
 * AggregatedRecord (protobuf 2)    repeated string partition_key_table = 1;
 *                                  repeated string explicit_hash_key_table = 2;
 *                                  repeated Record records = 3;
 *   Record                         required uint64 partition_key_index = 1;
 *                                  optional uint64 explicit_hash_key_index = 2;
 *                                  required bytes  data = 3;
 *                                  repeated Tag    tags = 4;   (never written here)
 * MD5(AggregatedRecord bytes)      16 bytes
 * ```
 *
 * The message is small enough to encode by hand (varints and length-delimited fields), so no
 * protobuf library is needed. The sizes below are exact: packing code can decide with them
 * before encoding.
 */
import { createHash } from 'node:crypto';

export const KPL_MAGIC: Buffer = Buffer.from([0xf3, 0x89, 0x9a, 0xc2]);
export const KPL_CHECKSUM_BYTES = 16;

// Field tags: (field number << 3) | wire type (0 varint, 2 length-delimited).
const TAG_PARTITION_KEY_TABLE = 0x0a; // AggregatedRecord.1, string
const TAG_EXPLICIT_HASH_KEY_TABLE = 0x12; // AggregatedRecord.2, string
const TAG_RECORDS = 0x1a; // AggregatedRecord.3, Record
const TAG_PARTITION_KEY_INDEX = 0x08; // Record.1, uint64
const TAG_EXPLICIT_HASH_KEY_INDEX = 0x10; // Record.2, uint64
const TAG_DATA = 0x1a; // Record.3, bytes

/** One user record to aggregate. */
export interface UserRecord {
  readonly partitionKey: string;
  readonly data: Uint8Array;
  /** Decimal 128-bit hash key; routes the user record when it is sent alone (KCL keeps it). */
  readonly explicitHashKey?: string;
}

/** Bytes of the varint encoding of a non-negative integer (up to 2^53). */
export function varintBytes(n: number): number {
  let bytes = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    bytes++;
  }
  return bytes;
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[pos++] = n;
  return pos;
}

/** Bytes of a length-delimited field (tag + length + payload) of `payload` bytes. */
function fieldBytes(payload: number): number {
  return 1 + varintBytes(payload) + payload;
}

function recordBodyBytes(dataBytes: number, keyIndex: number, hashKeyIndex: number | undefined): number {
  return 1 + varintBytes(keyIndex) + (hashKeyIndex === undefined ? 0 : 1 + varintBytes(hashKeyIndex)) + fieldBytes(dataBytes);
}

/**
 * Bytes one user record of `dataBytes` adds to an aggregate (its `records` entry), when its
 * partition key is at `keyIndex` of the table (0 for single-key aggregates) and it has no
 * explicit hash key.
 */
export function aggregatedEntryBytes(dataBytes: number, keyIndex = 0): number {
  return fieldBytes(recordBodyBytes(dataBytes, keyIndex, undefined));
}

/**
 * Bytes of an aggregate whose key table holds only `partitionKey`, without any record: magic,
 * the key table entry and the checksum. An aggregate of records r1..rn of that key has
 * `aggregateBaseBytes(key) + Σ aggregatedEntryBytes(ri.data.length)` bytes of data.
 */
export function aggregateBaseBytes(partitionKey: string): number {
  return KPL_MAGIC.length + fieldBytes(Buffer.byteLength(partitionKey, 'utf8')) + KPL_CHECKSUM_BYTES;
}

/**
 * Encodes user records as one KPL aggregated record (the Kinesis record's Data). Partition keys
 * and explicit hash keys are stored once each in the tables, in order of first use; records
 * keep their order (a consumer sees them as sub-sequence numbers 0..n-1).
 *
 * The Kinesis record itself must be put with a partition key of the caller's choosing (it routes
 * the whole aggregate): usually the key all the user records share.
 */
export function encodeAggregatedRecord(records: readonly UserRecord[]): Buffer {
  const keys = new Map<string, number>();
  const hashKeys = new Map<string, number>();
  const keyBufs: Buffer[] = [];
  const hashKeyBufs: Buffer[] = [];
  const indexes: Array<{ key: number; hash: number | undefined; body: number }> = [];
  let size = 0;
  for (const r of records) {
    let key = keys.get(r.partitionKey);
    if (key === undefined) {
      key = keyBufs.length;
      keys.set(r.partitionKey, key);
      const b = Buffer.from(r.partitionKey, 'utf8');
      keyBufs.push(b);
      size += fieldBytes(b.length);
    }
    let hash: number | undefined;
    if (r.explicitHashKey !== undefined) {
      hash = hashKeys.get(r.explicitHashKey);
      if (hash === undefined) {
        hash = hashKeyBufs.length;
        hashKeys.set(r.explicitHashKey, hash);
        const b = Buffer.from(r.explicitHashKey, 'utf8');
        hashKeyBufs.push(b);
        size += fieldBytes(b.length);
      }
    }
    const body = recordBodyBytes(r.data.length, key, hash);
    indexes.push({ key, hash, body });
    size += fieldBytes(body);
  }

  const out = Buffer.allocUnsafe(KPL_MAGIC.length + size + KPL_CHECKSUM_BYTES);
  let pos = KPL_MAGIC.copy(out, 0);
  const start = pos;
  const writeBytes = (tag: number, b: Uint8Array): void => {
    out[pos++] = tag;
    pos = writeVarint(out, pos, b.length);
    out.set(b, pos);
    pos += b.length;
  };
  for (const b of keyBufs) writeBytes(TAG_PARTITION_KEY_TABLE, b);
  for (const b of hashKeyBufs) writeBytes(TAG_EXPLICIT_HASH_KEY_TABLE, b);
  records.forEach((r, i) => {
    const ix = indexes[i]!;
    out[pos++] = TAG_RECORDS;
    pos = writeVarint(out, pos, ix.body);
    // proto2 `required`: the index is written even when it is 0.
    out[pos++] = TAG_PARTITION_KEY_INDEX;
    pos = writeVarint(out, pos, ix.key);
    if (ix.hash !== undefined) {
      out[pos++] = TAG_EXPLICIT_HASH_KEY_INDEX;
      pos = writeVarint(out, pos, ix.hash);
    }
    writeBytes(TAG_DATA, r.data);
  });
  if (pos !== start + size) throw new Error(`KPL aggregate size mismatch: wrote ${pos - start} of ${size} bytes`);
  createHash('md5').update(out.subarray(start, pos)).digest().copy(out, pos);
  return out;
}

/** True when `data` starts with the KPL magic (an aggregated record, not a plain one). */
export function isAggregatedRecord(data: Uint8Array): boolean {
  return data.length >= KPL_MAGIC.length + KPL_CHECKSUM_BYTES && KPL_MAGIC.every((b, i) => data[i] === b);
}
