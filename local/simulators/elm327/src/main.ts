/** Runs the ELM327 emulator until SIGINT / SIGTERM (`tributary sim obd`). Options: see `options.ts`. */
import { createLogger } from '../../../../components/core/src/logger';
import { parseElm327Args } from './options';
import { Elm327Server } from './server';
import { Vehicle } from './vehicle';

export async function runElm327Emulator(argv: readonly string[]): Promise<void> {
  const logger = createLogger({ component: 'elm327-emulator' });
  const cli = parseElm327Args(argv);
  const vehicle = new Vehicle({ vin: cli.vin, ignition: cli.ignition });
  const server = new Elm327Server({ ...cli.server, vehicle, logger });
  await server.start();
  const stop = (): void => {
    void server.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Started by the local runner over an IPC channel: stop when the runner is gone.
  if (typeof process.send === 'function') process.once('disconnect', stop);
}

if (require.main === module) {
  runElm327Emulator(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  });
}
