/**
 * The local Kinesis (kinesalite, in memory) in a process of its own, for benches: prints one line
 * `{"port":N}` once listening, then serves until SIGTERM. kinesalite keeps every record in
 * memory, so a bench starts a fresh one per phase.
 *
 * `node dist/local/bench/kinesalite-child.js [port]` (default: a free port).
 */
import { startLocalKinesis } from '../kinesis/src/kinesis';

startLocalKinesis({ port: Number(process.argv[2] ?? 0) }).then(
  (kinesis) => {
    process.stdout.write(`${JSON.stringify({ port: kinesis.port })}\n`);
    process.once('SIGTERM', () => void kinesis.close().finally(() => process.exit(0)));
  },
  (err: Error) => {
    process.stderr.write(`kinesalite: ${err.message}\n`);
    process.exit(1);
  },
);
