/**
 * com.tributary.OpcDaCollector entry point: wires only. Config (schema + cross-field checks) →
 * logger → health → stream client → backend → collector, then runs until SIGTERM/SIGINT (stop
 * writes what was read).
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
import { backendFromConfig } from './backends/from-config';
import { OpcDaCollector } from './collector';
import { OpcDaCollectorConfigSchema, crossFieldProblems, streamSpecOf } from './config';

const COMPONENT = 'opcda-collector';

async function main(): Promise<void> {
  const bootLogger = createLogger({ component: COMPONENT });
  installProcessGuards(bootLogger);
  const loaded = await loadConfigOrExit(OpcDaCollectorConfigSchema, bootLogger);
  const config = loaded.config;
  const problems = crossFieldProblems(config);
  if (problems.length > 0) exitOnConfigError(new ConfigError(problems, { origin: loaded.origin }), bootLogger);
  const logger = createLogger({ component: COMPONENT, level: config.logLevel });
  logger.info('Configuration loaded.', { origin: loaded.origin, backend: config.backend, tags: config.tags.length, stream: config.stream.name });
  const health = new Health({ component: COMPONENT, logger });
  const reporter = new HealthReporter({ health, logger, intervalMs: config.healthIntervalMs, ...(config.healthFile ? { filePath: config.healthFile } : {}) });
  const streams = new StreamClient({ logger: logger.child({ module: 'stream-client' }) });
  const collector = new OpcDaCollector({
    backend: backendFromConfig(config),
    writer: streams,
    clock: systemClock,
    logger,
    health,
    settings: {
      site: config.site,
      area: config.area,
      process: config.process,
      machine: config.machine,
      tags: config.tags,
      pollIntervalMs: config.pollIntervalMs,
      pollsPerWrite: config.pollsPerWrite,
      maxItems: config.maxItems,
      stream: streamSpecOf(config.stream),
      maxBufferedSamples: config.maxBufferedSamples,
      maxBatchBytes: config.maxBatchBytes,
      stopDeadlineMs: config.stopDeadlineMs,
    },
    reconnectBackoff: new Backoff({ initialMs: config.reconnectInitialMs, maxMs: config.reconnectMaxMs }),
  });
  await runUntilSignal({
    logger,
    start: () => {
      reporter.start();
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
