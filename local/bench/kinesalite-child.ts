/**
 * kinesalite (in memory) on 127.0.0.1 in a process of its own, for benches: prints one line
 * `{"port":N}` once listening, then serves until SIGTERM. kinesalite keeps every record in
 * memory, so a bench starts a fresh one per phase.
 *
 * `node dist/local/bench/kinesalite-child.js [port]` (default: a free port).
 */
import type * as http from 'node:http';
import type * as net from 'node:net';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const kinesalite = require('kinesalite') as (opts: Record<string, unknown>) => http.Server;

const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 50 });
server.once('error', (err) => {
  process.stderr.write(`kinesalite: ${err.message}\n`);
  process.exit(1);
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as net.AddressInfo).port })}\n`);
});
process.once('SIGTERM', () => {
  server.close();
  process.exit(0);
});
