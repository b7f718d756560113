/**
 * Deaggregation for tests and benches, through the reference implementation (`aws-kinesis-agg`,
 * awslabs/kinesis-aggregation, a devDependency): an independent oracle for kinesis-aggregation.ts.
 * Checksums are always verified. A plain (not aggregated) record comes back as itself.
 */

export interface DeaggregatedRecord {
  readonly partitionKey: string;
  readonly explicitHashKey?: string;
  readonly data: Buffer;
  /** Position inside the aggregate; undefined for a plain record. */
  readonly subSequenceNumber?: number;
}

interface AggUserRecordV3 {
  PartitionKey: string;
  ExplicitPartitionKey?: string;
  SequenceNumber?: string;
  SubSequenceNumber?: number;
  /** base64 for a user record of an aggregate; a plain record's Data comes back as given. */
  Data: string | Uint8Array;
}

interface AwsKinesisAgg {
  deaggregateSync(
    kinesisRecord: { Data: Uint8Array; PartitionKey: string; SequenceNumber: string; ExplicitPartitionKey?: string },
    computeChecksums: boolean,
    afterRecordCallback: (err: Error | null | undefined, userRecords?: AggUserRecordV3[]) => void,
  ): void;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const agg = require('aws-kinesis-agg') as AwsKinesisAgg;

/** The protobufjs AggregatedRecord type of aws-kinesis-agg (encode/decode), for byte-level comparisons. */
export interface ProtobufType {
  encode(message: unknown): { finish(): Uint8Array };
  decode(bytes: Uint8Array): unknown;
  toObject(message: unknown, options?: Record<string, unknown>): Record<string, unknown>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const ReferenceAggregatedRecord = (require('aws-kinesis-agg/lib/common') as { AggregatedRecord: ProtobufType }).AggregatedRecord;

/** The user records of one Kinesis record (throws on a bad checksum or an undecodable aggregate). */
export function deaggregate(record: { Data?: Uint8Array; PartitionKey?: string; SequenceNumber?: string }): DeaggregatedRecord[] {
  let result: AggUserRecordV3[] | undefined;
  let error: Error | undefined;
  // deaggregateSync calls back synchronously; its error path may call back twice (once per failure, once at the end).
  agg.deaggregateSync({ Data: record.Data ?? new Uint8Array(), PartitionKey: record.PartitionKey ?? '', SequenceNumber: record.SequenceNumber ?? '0' }, true, (err, users) => {
    if (err) error ??= err;
    else result ??= users;
  });
  if (error) throw error;
  if (!result) throw new Error('aws-kinesis-agg returned nothing');
  return result.map((u) => ({
    partitionKey: u.PartitionKey,
    ...(u.ExplicitPartitionKey !== undefined ? { explicitHashKey: u.ExplicitPartitionKey } : {}),
    data: typeof u.Data === 'string' ? Buffer.from(u.Data, 'base64') : Buffer.from(u.Data),
    ...(u.SubSequenceNumber !== undefined ? { subSequenceNumber: u.SubSequenceNumber } : {}),
  }));
}
