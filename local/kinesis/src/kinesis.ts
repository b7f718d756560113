/**
 * The local Kinesis Data Streams endpoint: kinesalite (from the npm registry) on 127.0.0.1, with
 * the streams the local chain needs created at start. With `dir`, data is kept on disk (LevelDB)
 * across restarts; without it, in memory (lost on close).
 *
 * The AWS SDK v3 Kinesis client needs `requestHandler: new NodeHttpHandler()` against it
 * (kinesalite speaks HTTP/1.1 only).
 */
import type * as http from 'node:http';
import type * as net from 'node:net';
import * as fs from 'node:fs';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, ResourceInUseException } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface LocalKinesisOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** LevelDB folder; omit for memory only. */
  dir?: string;
  /** Streams to create (if missing) once listening, with their shard count. */
  streams?: { name: string; shards: number }[];
}

export interface LocalKinesis {
  readonly port: number;
  readonly endpoint: string;
  close(): Promise<void>;
}

export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** A Kinesis client for a local endpoint (HTTP/1.1, dummy credentials, no retries of its own). */
export function localKinesisClient(endpoint: string): KinesisClient {
  return new KinesisClient({ endpoint, region: 'us-east-1', credentials: { ...LOCAL_CREDENTIALS }, requestHandler: new NodeHttpHandler(), maxAttempts: 1 });
}

export async function startLocalKinesis(options: LocalKinesisOptions = {}): Promise<LocalKinesis> {
  const host = options.host ?? '127.0.0.1';
  if (options.dir) fs.mkdirSync(options.dir, { recursive: true });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const kinesalite = require('kinesalite') as (o: Record<string, unknown>) => http.Server;
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 50, ...(options.dir ? { path: options.dir } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const endpoint = `http://${host}:${port}`;
  const client = localKinesisClient(endpoint);
  try {
    for (const s of options.streams ?? []) {
      try {
        await client.send(new CreateStreamCommand({ StreamName: s.name, ShardCount: s.shards }));
      } catch (err) {
        if (!(err instanceof ResourceInUseException)) throw err;
      }
      for (let i = 0; i < 100; i++) {
        const d = await client.send(new DescribeStreamSummaryCommand({ StreamName: s.name }));
        if (d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') break;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  } finally {
    client.destroy();
  }
  return {
    port,
    endpoint,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
