/**
 * com.tributary.Publisher entry point: wires only. Config (with cross-checks) → logger → health
 * → stream client → destinations → engine; runs until SIGTERM/SIGINT, then stops sends,
 * saves checkpoints and exits 0. A configuration update under Greengrass replaces the engine:
 * the old one stops and saves its checkpoints, the new one resumes from them, so nothing is
 * skipped (records in flight at that moment may be sent twice).
 */
import {
  Health,
  HealthReporter,
  StreamClient,
  createLogger,
  errorMessage,
  exitOnConfigError,
  installProcessGuards,
  loadConfigOrExit,
  runUntilSignal,
  systemClock,
} from '../../core/src';
import { checkPublisherConfig, PublisherConfigSchema, type PublisherConfig } from './config';
import { buildPublisher } from './from-config';
import type { Publisher } from './publisher';

const COMPONENT = 'publisher';

async function main(): Promise<void> {
  const bootLogger = createLogger({ component: COMPONENT });
  installProcessGuards(bootLogger);
  let current: Publisher | undefined;
  let applying: Promise<void> = Promise.resolve();
  let stopping = false;
  const loaded = await loadConfigOrExit(PublisherConfigSchema, bootLogger, {
    check: checkPublisherConfig,
    onUpdate: (next) => {
      applying = applying.then(() => replace(next));
      return applying;
    },
  });
  const config = loaded.config;
  const logger = createLogger({ component: COMPONENT, level: config.logLevel });
  const health = new Health({ component: COMPONENT, logger });
  const reporter = new HealthReporter({ health, logger, intervalMs: config.healthIntervalMs, ...(config.healthFile ? { filePath: config.healthFile } : {}) });
  const streams = new StreamClient({ logger: logger.child({ module: 'stream-client' }) });
  const build = (c: PublisherConfig): Publisher => buildPublisher(c, { streams, health, logger, clock: systemClock });
  try {
    current = build(config);
  } catch (err) {
    exitOnConfigError(err, logger);
  }
  logger.info('Configuration loaded.', {
    origin: loaded.origin,
    destinations: config.destinations.map((d) => `${d.name} (${d.type})`),
    routes: config.routes.map((r) => `${r.streams.join('+')} → ${r.destination} [${r.priority}]`),
  });

  async function replace(next: PublisherConfig): Promise<void> {
    if (stopping) return;
    let fresh: Publisher;
    try {
      fresh = build(next);
    } catch (err) {
      logger.error('Configuration update cannot be applied; keeping the running publisher.', { error: errorMessage(err) });
      return;
    }
    await current?.stop();
    current = fresh;
    await current.start();
    logger.info('Configuration update applied; lanes resumed from their checkpoints.');
  }

  await runUntilSignal({
    logger,
    start: async () => {
      reporter.start();
      await current!.start();
    },
    stop: async () => {
      stopping = true;
      await applying;
      await current?.stop();
      await reporter.stop();
      streams.close();
      await loaded.close();
    },
  });
}

void main();
