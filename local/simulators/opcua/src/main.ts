/**
 * Runs the OPC UA plant simulator in the foreground until SIGTERM/SIGINT (`tributary sim opcua`):
 *   node dist/local/simulators/opcua/src/main.js [--port 4840] [--host 127.0.0.1] [--tags 60] [--rate 1]
 *        [--security none|secure|both] [--pki DIR] [--users name:password,...] [--max-monitored-items-per-call N] [--no-da]
 * Logs JSON lines; the line `OPC UA simulator listening.` carries endpointUrl, port and certificateFile.
 */
import { createLogger, runUntilSignal } from '../../../../components/core/src';
import { optionsFromArgv } from './options';
import { PlantServer } from './plant-server';

export { optionsFromArgv, OpcUaSimulatorUsageError } from './options';

/** `tributary sim opcua`: serve the plant until SIGTERM/SIGINT. */
export function runOpcUaSimulator(argv: readonly string[]): Promise<number> {
  const logger = createLogger({ component: 'opcua-simulator' });
  const opts = optionsFromArgv(argv);
  const server = new PlantServer(opts);
  return runUntilSignal({
    logger,
    start: async () => {
      const started = await server.start();
      logger.info('OPC UA simulator listening.', {
        endpointUrl: started.endpointUrl,
        port: started.port,
        certificateFile: started.certificateFile,
        tags: server.tagCount,
        rateHz: server.options.rateHz,
        security: server.options.security,
        pid: process.pid,
      });
    },
    stop: () => server.stop(),
  });
}

if (require.main === module) {
  try {
    void runOpcUaSimulator(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
}
