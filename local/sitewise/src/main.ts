/**
 * `tributary sitewise`: runs the local SiteWise in the foreground until SIGTERM/SIGINT.
 *   tributary sitewise [--port 4523] [--host 127.0.0.1] [--data-file .tributary/sitewise.json] [--activation-delay 50]
 * Logs JSON lines; `LOG_LEVEL=debug` logs every request.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../../../components/core/src/logger';
import { runUntilSignal } from '../../../components/core/src/lifecycle';
import { LocalSiteWise } from './server';

export const DEFAULT_SITEWISE_PORT = 4523;

export interface SiteWiseArgs {
  port: number;
  host: string;
  dataFile?: string;
  activationDelayMs: number;
}

/** Parses the command line; throws an Error naming the bad flag. */
export function parseSiteWiseArgs(argv: readonly string[]): SiteWiseArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-file': { type: 'string' },
      'activation-delay': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const int = (name: string, raw: string | undefined, dflt: number, max: number): number => {
    if (raw === undefined) return dflt;
    if (!/^\d+$/.test(raw) || Number(raw) > max) throw new Error(`--${name} must be an integer in 0..${max}; got ${JSON.stringify(raw)}`);
    return Number(raw);
  };
  const dataFile = values['data-file'];
  return {
    port: int('port', values.port, DEFAULT_SITEWISE_PORT, 65535),
    host: values.host ?? '127.0.0.1',
    ...(dataFile ? { dataFile: path.resolve(dataFile) } : {}),
    activationDelayMs: int('activation-delay', values['activation-delay'], 50, 600_000),
  };
}

/** Runs the local SiteWise until SIGTERM/SIGINT, then exits 0 (runUntilSignal calls process.exit). */
export async function runSiteWise(argv: string[]): Promise<void> {
  const args = parseSiteWiseArgs(argv);
  const logger = createLogger({ component: 'sitewise' });
  const sitewise = new LocalSiteWise({
    activationDelayMs: args.activationDelayMs,
    logger,
    ...(args.dataFile ? { dataFile: args.dataFile } : {}),
  });
  await runUntilSignal({
    logger,
    start: async () => {
      const { endpoint, port } = await sitewise.listen(args.port, args.host);
      logger.info('Local SiteWise listening; point the SDK at it with disableHostPrefix: true.', {
        endpoint,
        port,
        dataFile: args.dataFile,
        assetModels: sitewise.stats().assetModels,
        assets: sitewise.stats().assets,
      });
    },
    stop: async () => {
      await sitewise.close();
      logger.info('Local SiteWise stopped.', { ...sitewise.stats(), dataFile: args.dataFile });
    },
  });
}

if (require.main === module) {
  runSiteWise(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  });
}
