/**
 * com.tributary.ObdCollector entry point: wires only. Config → logger → health → stream client
 * (both streams ensured) → adapter connector → collector, then runs until SIGTERM/SIGINT (stop
 * closes the adapter and flushes what is buffered).
 */
import {
  Backoff,
  ConfigError,
  Health,
  HealthReporter,
  StreamClient,
  createLogger,
  exitOnConfigError,
  installProcessGuards,
  loadConfigOrExit,
  runUntilSignal,
  systemClock,
} from '../../core/src';
import { ObdCollector } from './collector';
import { ObdCollectorConfigSchema, resolvePids, streamSpecOf, type ObdCollectorConfig } from './config';
import { Elm327Session } from './elm327';
import { EnsuringStreamWriter } from './stream-writer';
import { AdapterConnector, openSerialTransport, openTcpTransport } from './transport';

const COMPONENT = 'obd-collector';

async function main(): Promise<void> {
  const bootLogger = createLogger({ component: COMPONENT });
  installProcessGuards(bootLogger);
  const loaded = await loadConfigOrExit(ObdCollectorConfigSchema, bootLogger);
  const config = loaded.config;
  const { plans, problems } = resolvePids(config.pids);
  if (problems.length > 0) exitOnConfigError(new ConfigError(problems, { origin: loaded.origin }), bootLogger);

  const logger = createLogger({ component: COMPONENT, level: config.logLevel });
  const health = new Health({ component: COMPONENT, logger });
  const reporter = new HealthReporter({ health, logger, intervalMs: config.healthIntervalMs, ...(config.healthFile ? { filePath: config.healthFile } : {}) });
  const streams = new StreamClient({ logger: logger.child({ module: 'stream-client' }) });
  const a = config.adapter;
  const link = new AdapterConnector({
    description: a.type === 'tcp' ? `tcp ${a.host}:${a.port}` : `serial ${a.path}@${a.baudRate}`,
    open: a.type === 'tcp' ? () => openTcpTransport({ host: a.host, port: a.port, connectTimeoutMs: a.connectTimeoutMs }) : () => openSerialTransport({ path: a.path, baudRate: a.baudRate }),
    backoff: new Backoff({ initialMs: a.reconnectInitialMs, maxMs: Math.max(a.reconnectInitialMs, a.reconnectMaxMs) }),
    health,
    logger,
  });
  const sessionLogger = logger.child({ module: 'elm327' });
  const collector = new ObdCollector({
    link,
    sessionFactory: (transport) =>
      new Elm327Session(transport, {
        protocol: config.protocol.toUpperCase(),
        multiPid: config.multiPid,
        maxPidsPerRequest: config.maxPidsPerRequest,
        replyCountHint: true,
        commandTimeoutMs: a.commandTimeoutMs,
        logger: sessionLogger,
      }),
    writer: new EnsuringStreamWriter(streams, [streamSpecOf(config.stream), streamSpecOf(config.eventStream)]),
    clock: systemClock,
    logger,
    health,
    settings: {
      ...(config.deviceId !== undefined ? { deviceId: config.deviceId } : {}),
      pids: plans,
      pidsPerRead: config.multiPid ? config.maxPidsPerRequest : 1,
      dtcIntervalMs: config.dtcIntervalMs,
      ignitionOffPollMs: config.ignitionOffPollMs,
      ignitionOffVoltage: config.ignitionOffVoltage,
      stream: config.stream.name,
      eventStream: config.eventStream.name,
      maxBufferedSamples: config.maxBufferedSamples,
      maxBatchBytes: config.maxBatchBytes,
    },
  });
  await runUntilSignal({
    logger,
    start: async () => {
      reporter.start();
      // The writer ensures both streams before its first write to each, and retries: a stream
      // manager that is not up yet is a run-time condition, not a start-up failure.
      collector.start();
    },
    stop: async () => {
      await collector.stop();
      await reporter.stop();
      streams.close();
      await loaded.close();
    },
  });
}

void main();
