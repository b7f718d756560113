/** `tributary kinesis`: the local Kinesis endpoint in the foreground. */
import { runUntilSignal } from '../../../components/core/src/lifecycle';
import { createLogger } from '../../../components/core/src/logger';
import { startLocalKinesis, type LocalKinesis } from './kinesis';

export const DEFAULT_KINESIS_PORT = 4567;

export async function runKinesis(argv: readonly string[]): Promise<void> {
  const opts: { port: number; host: string; dir?: string; streams: { name: string; shards: number }[] } = { port: DEFAULT_KINESIS_PORT, host: '127.0.0.1', streams: [] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    i++;
    if (flag === '--port') opts.port = Number.parseInt(value, 10);
    else if (flag === '--host') opts.host = value;
    else if (flag === '--dir') opts.dir = value;
    else if (flag === '--stream') {
      const [name, shards] = value.split(':');
      opts.streams.push({ name: name!, shards: shards ? Number.parseInt(shards, 10) : 2 });
    } else throw new Error(`unknown flag ${flag}; known: --port, --host, --dir, --stream NAME[:SHARDS]`);
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new Error(`--port must be an integer in 0..65535`);
  const logger = createLogger({ component: 'local-kinesis' });
  let kinesis: LocalKinesis | undefined;
  await runUntilSignal({
    logger,
    start: async () => {
      kinesis = await startLocalKinesis(opts);
      logger.info('Local Kinesis (kinesalite) listening.', { host: opts.host, port: kinesis.port, endpoint: kinesis.endpoint, dir: opts.dir ?? 'memory', streams: opts.streams.map((s) => s.name) });
    },
    stop: async () => {
      await kinesis?.close();
    },
  });
}
