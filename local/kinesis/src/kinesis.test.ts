import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { tempDir } from '../../../test/helpers/stream-manager';
import { localKinesisClient, startLocalKinesis } from './kinesis';

describe('local Kinesis', () => {
  it('creates the configured streams and, with a folder, keeps records across a restart', async () => {
    const dir = tempDir('tributary-kinesis-');
    const first = await startLocalKinesis({ dir, streams: [{ name: 'tributary-telemetry', shards: 2 }] });
    let client = localKinesisClient(first.endpoint);
    await client.send(new PutRecordCommand({ StreamName: 'tributary-telemetry', PartitionKey: 'car-1', Data: Buffer.from('hello') }));
    client.destroy();
    await first.close();

    const second = await startLocalKinesis({ dir, port: first.port, streams: [{ name: 'tributary-telemetry', shards: 2 }] });
    client = localKinesisClient(second.endpoint);
    try {
      const shards = (await client.send(new ListShardsCommand({ StreamName: 'tributary-telemetry' }))).Shards ?? [];
      expect(shards).toHaveLength(2);
      const data: string[] = [];
      for (const s of shards) {
        const it = (await client.send(new GetShardIteratorCommand({ StreamName: 'tributary-telemetry', ShardId: s.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
        const r = await client.send(new GetRecordsCommand({ ShardIterator: it! }));
        for (const rec of r.Records ?? []) data.push(Buffer.from(rec.Data!).toString());
      }
      expect(data).toEqual(['hello']);
    } finally {
      client.destroy();
      await second.close();
    }
  });
});
