/**
 * Runs the NMEA simulator in the foreground until SIGTERM/SIGINT:
 *   node dist/local/simulators/nmea/main.js [--port 10110] [--host 127.0.0.1] [--rate 1] [--speed 13.9] [--faults] [--pty]
 * `--faults` turns on a little of every fault (bad checksums, truncated lines, garbage, loss of fix).
 * For `tributary sim gps` to call.
 */
import { createLogger, runUntilSignal } from '../../../components/core/src';
import { NmeaSimulator, type NmeaSimulatorOptions } from './simulator';

export function optionsFromArgv(argv: readonly string[]): NmeaSimulatorOptions {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const number = (name: string, fallback: number): number => {
    const v = value(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got ${v}`);
    return n;
  };
  const opts: NmeaSimulatorOptions = {
    port: number('--port', 10110),
    host: value('--host') ?? '127.0.0.1',
    rateHz: number('--rate', 1) || 1,
    speed: number('--speed', 13.9),
    pty: argv.includes('--pty'),
  };
  if (argv.includes('--faults')) opts.faults = { badChecksumRate: 0.02, truncateRate: 0.01, garbageRate: 0.01, lossOfFix: { everyEpochs: 120, forEpochs: 10 } };
  return opts;
}

/** `tributary sim gps`: serve NMEA until SIGTERM/SIGINT. */
export function runNmeaSimulator(argv: readonly string[]): Promise<number> {
  const logger = createLogger({ component: 'nmea-simulator' });
  const sim = new NmeaSimulator(optionsFromArgv(argv));
  return runUntilSignal({
    logger,
    start: async () => {
      await sim.start();
      logger.info('NMEA simulator listening.', { host: '127.0.0.1', port: sim.port, pty: sim.ptyPath });
    },
    stop: () => sim.stop(),
  });
}

if (require.main === module) {
  void runNmeaSimulator(process.argv.slice(2));
}
