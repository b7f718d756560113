/**
 * `tributary mqtt-broker [--port 8883] [--host 127.0.0.1] [--cert-dir .tributary/mqtt-certs]`:
 * runs the local TLS MQTT broker until SIGINT / SIGTERM. Prints one JSON line with the port
 * and the certificate files a client needs.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { runUntilSignal } from '../../../components/core/src/lifecycle';
import { createLogger } from '../../../components/core/src/logger';
import { LocalMqttBroker } from './broker';

export const DEFAULT_MQTT_BROKER_PORT = 8883;

export async function runMqttBroker(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: { port: { type: 'string' }, host: { type: 'string' }, 'cert-dir': { type: 'string' }, 'client-cn': { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  const port = values.port === undefined ? DEFAULT_MQTT_BROKER_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be an integer in 0..65535; got ${JSON.stringify(values.port)}`);
  const host = values.host ?? '127.0.0.1';
  const certDir = path.resolve(values['cert-dir'] ?? path.join('.tributary', 'mqtt-certs'));
  const logger = createLogger({ component: 'mqtt-broker' });
  const broker = new LocalMqttBroker({ certDir, ...(values['client-cn'] ? { clientCommonName: values['client-cn'] } : {}) });
  broker.on('message', (m: { topic: string; payload: Buffer; clientId: string }) => logger.debug('Message received.', { topic: m.topic, bytes: m.payload.length, clientId: m.clientId }));
  await runUntilSignal({
    logger,
    start: async () => {
      const l = await broker.listen(port, host);
      logger.info('MQTT broker listening (TLS, client certificate required).', {
        url: l.url,
        port: l.port,
        caFile: l.caFile,
        clientCertFile: l.clientCertFile,
        clientKeyFile: l.clientKeyFile,
      });
    },
    stop: async () => {
      await broker.close();
      logger.info('MQTT broker stopped.', { stats: broker.stats });
    },
  });
}

if (require.main === module) {
  runMqttBroker(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  });
}
