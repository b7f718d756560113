/**
 * A loopback HTTP server that answers Kinesis PutRecords (JSON 1.1) the way the real service
 * can but kinesalite never does: per-record failures inside a 200, or whole-request errors.
 * Tests only.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeKinesisCall {
  readonly target: string;
  readonly streamName: string;
  readonly records: Array<{ data: Buffer; partitionKey: string }>;
}

export type FakeKinesisBehaviour =
  /** 200 with these record indexes failed (ErrorCode per index). */
  | { kind: 'partial'; failures: Record<number, 'ProvisionedThroughputExceededException' | 'InternalFailure'> }
  /** A whole-request error: HTTP status + `__type`. */
  | { kind: 'error'; status: number; type: string; message?: string };

export class FakeKinesis {
  readonly calls: FakeKinesisCall[] = [];
  /** Records answered with a sequence number (stored), in order. */
  readonly accepted: Array<{ data: Buffer; partitionKey: string }> = [];
  /** Behaviour of the next calls, consumed in order; when empty every record succeeds. */
  readonly script: FakeKinesisBehaviour[] = [];
  private server: http.Server | undefined;
  private seq = 0;

  async listen(port = 0, host = '127.0.0.1'): Promise<{ port: number; endpoint: string }> {
    const server = http.createServer((req, res) => this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const addr = server.address() as AddressInfo;
    return { port: addr.port, endpoint: `http://${host}:${addr.port}` };
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { StreamName?: string; Records?: Array<{ Data: string; PartitionKey: string }> };
      const records = (body.Records ?? []).map((r) => ({ data: Buffer.from(r.Data, 'base64'), partitionKey: r.PartitionKey }));
      this.calls.push({ target, streamName: body.StreamName ?? '', records });
      const behaviour = this.script.shift();
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (behaviour?.kind === 'error') {
        res.statusCode = behaviour.status;
        res.end(JSON.stringify({ __type: behaviour.type, message: behaviour.message ?? behaviour.type }));
        return;
      }
      const failures = behaviour?.kind === 'partial' ? behaviour.failures : {};
      let failed = 0;
      const out = records.map((_r, i) => {
        const code = failures[i];
        if (code) {
          failed++;
          return { ErrorCode: code, ErrorMessage: code === 'InternalFailure' ? 'Internal service failure.' : 'Rate exceeded for shard shardId-000000000000 in stream s under account 000000000000.' };
        }
        this.accepted.push(records[i]);
        return { ShardId: 'shardId-000000000000', SequenceNumber: String(++this.seq).padStart(20, '0') };
      });
      res.end(JSON.stringify({ FailedRecordCount: failed, Records: out }));
    });
  }
}
