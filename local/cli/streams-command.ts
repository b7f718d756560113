/** `tributary streams`: the streams of a stream manager with their sequence range and size. */
import { StreamClient, type StreamStatus } from '../../components/core/src/stream-client';

export async function listStreams(host: string, port: number): Promise<StreamStatus[]> {
  const client = new StreamClient({ host, port, requestTimeoutMs: 5000, connectTimeoutMs: 3000 });
  try {
    const names = (await client.list()).sort();
    const out: StreamStatus[] = [];
    for (const name of names) out.push(await client.describe(name));
    return out;
  } finally {
    client.close();
  }
}

export function formatStreams(streams: StreamStatus[]): string {
  const rows = [['STREAM', 'OLDEST', 'NEWEST', 'MESSAGES', 'BYTES', 'MAX BYTES', 'PERSISTENCE', 'ON FULL']];
  for (const s of streams) {
    rows.push([
      s.name,
      String(s.oldest),
      String(s.newest),
      String(Math.max(0, s.newest - s.oldest + 1)),
      String(s.totalBytes),
      String(s.spec.maxSize),
      s.spec.persistence,
      s.spec.strategyOnFull,
    ]);
  }
  if (streams.length === 0) return 'no streams\n';
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n') + '\n';
}
