/**
 * com.tributary.GpsCollector entry point: wires only. Config → logger → health → stream client
 * → source → collector, then runs until SIGTERM/SIGINT (stop flushes what is buffered).
 */
import {
  Health,
  HealthReporter,
  StreamClient,
  createLogger,
  installProcessGuards,
  loadConfigOrExit,
  runUntilSignal,
  systemClock,
} from '../../core/src';
import { GpsCollector } from './collector';
import { GpsCollectorConfigSchema, streamSpecOf, type GpsCollectorConfig } from './config';
import { sourceFromConfig } from './sources/from-config';

const COMPONENT = 'gps-collector';

async function main(): Promise<void> {
  const bootLogger = createLogger({ component: COMPONENT });
  installProcessGuards(bootLogger);
  const loaded = await loadConfigOrExit(GpsCollectorConfigSchema, bootLogger);
  const config = loaded.config;
  const logger = createLogger({ component: COMPONENT, level: config.logLevel });
  logger.info('Configuration loaded.', { origin: loaded.origin, source: config.source.type, deviceId: config.deviceId, stream: config.stream.name });
  const health = new Health({ component: COMPONENT, logger });
  const reporter = new HealthReporter({ health, logger, intervalMs: config.healthIntervalMs, ...(config.healthFile ? { filePath: config.healthFile } : {}) });
  const streams = new StreamClient({ logger: logger.child({ module: 'stream-client' }) });
  const collector = new GpsCollector({
    source: sourceFromConfig(config.source),
    writer: streams,
    clock: systemClock,
    logger,
    health,
    settings: {
      deviceId: config.deviceId,
      rateHz: config.rateHz,
      stream: streamSpecOf(config.stream),
      maxBufferedSamples: config.maxBufferedSamples,
      maxBatchBytes: config.maxBatchBytes,
      maxGoodHdop: config.maxGoodHdop,
      staleAfterMs: config.staleAfterMs,
      stopDeadlineMs: config.stopDeadlineMs,
    },
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
