/**
 * com.tributary.Aggregator entry point: wires only. Config (rules compiled: a bad expression
 * exits 78 naming it) → logger → health → stream client → checkpoint store → aggregator, then
 * runs until SIGTERM/SIGINT (stop finishes the round and checkpoints). Configuration updates
 * under Greengrass are applied at the next round boundary.
 */
import * as path from 'node:path';
import {
  CheckpointStore,
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
  type Logger,
} from '../../core/src';
import { Aggregator } from './aggregator';
import { AggregatorConfigSchema, type AggregatorConfig } from './config';
import { ruleProblems } from './rules';

const COMPONENT = 'aggregator';

async function main(): Promise<void> {
  const bootLogger = createLogger({ component: COMPONENT });
  installProcessGuards(bootLogger);
  let aggregator: Aggregator | undefined;
  let logger: Logger | undefined;
  const loaded = await loadConfigOrExit(AggregatorConfigSchema, bootLogger, {
    logger: bootLogger,
    onUpdate: (next: AggregatorConfig) => {
      if (aggregator?.reconfigure(next)) logger?.setLevel(next.logLevel);
    },
  });
  const config = loaded.config;
  const problems = ruleProblems(config);
  if (problems.length > 0) exitOnConfigError(new ConfigError(problems, { origin: loaded.origin }), bootLogger);

  logger = createLogger({ component: COMPONENT, level: config.logLevel });
  logger.info('Configuration loaded.', { origin: loaded.origin, inputs: config.inputs, checkpointDir: path.resolve(config.checkpoint.dir) });
  const health = new Health({ component: COMPONENT, logger });
  const reporter = new HealthReporter({ health, logger, intervalMs: config.healthIntervalMs, ...(config.healthFile ? { filePath: config.healthFile } : {}) });
  const streams = new StreamClient({ logger: logger.child({ module: 'stream-client' }) });
  aggregator = new Aggregator({
    config,
    streams,
    checkpoints: new CheckpointStore(path.resolve(config.checkpoint.dir)),
    clock: systemClock,
    logger,
    health,
    onFatal: () => process.exit(1),
  });
  const running = aggregator;
  await runUntilSignal({
    logger,
    timeoutMs: config.stopDeadlineMs + 2000,
    start: () => {
      reporter.start();
      running.start();
    },
    stop: async () => {
      await running.stop();
      await reporter.stop();
      streams.close();
      await loaded.close();
    },
  });
}

void main();
