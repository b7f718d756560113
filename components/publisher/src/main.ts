/**
 * com.tributary.Publisher entry point: wires only. Config (with cross-checks) → logger → health
 * → stream client → destinations → engine; runs until SIGTERM/SIGINT, then stops sends,
 * saves checkpoints and exits 0. A configuration update under Greengrass replaces the engine:
 * the old one stops and saves its checkpoints, the new one resumes from them, so nothing is
 * skipped (records in flight at that moment may be sent twice).
 */
import {
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
import { checkPublisherConfig, PublisherConfigSchema, type PublisherConfig } from './config';
import { buildPublisher, PublisherService } from './from-config';

const COMPONENT = 'publisher';

async function main(): Promise<void> {
  const bootLogger = createLogger({ component: COMPONENT });
  installProcessGuards(bootLogger);
  let service: PublisherService<PublisherConfig> | undefined;
  const loaded = await loadConfigOrExit(PublisherConfigSchema, bootLogger, {
    check: checkPublisherConfig,
    onUpdate: (next) => service?.update(next),
  });
  const config = loaded.config;
  const logger = createLogger({ component: COMPONENT, level: config.logLevel });
  const health = new Health({ component: COMPONENT, logger });
  const reporter = new HealthReporter({ health, logger, intervalMs: config.healthIntervalMs, ...(config.healthFile ? { filePath: config.healthFile } : {}) });
  const streams = new StreamClient({ logger: logger.child({ module: 'stream-client' }) });
  service = new PublisherService<PublisherConfig>((c) => buildPublisher(c, { streams, health, logger, clock: systemClock }), logger);
  logger.info('Configuration loaded.', {
    origin: loaded.origin,
    destinations: config.destinations.map((d) => `${d.name} (${d.type})`),
    routes: config.routes.map((r) => `${r.streams.join('+')} → ${r.destination} [${r.priority}]`),
  });

  await runUntilSignal({
    logger,
    start: async () => {
      try {
        await service!.start(config);
      } catch (err) {
        if (err instanceof ConfigError) exitOnConfigError(err, logger); // e.g. no region: exit 78
        throw err;
      }
      reporter.start();
    },
    stop: async () => {
      await service?.stop();
      await reporter.stop();
      streams.close();
      await loaded.close();
    },
  });
}

void main();
