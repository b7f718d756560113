/**
 * com.tributary.OpcUaCollector entry point: wires only. Config (schema, then the cross-field
 * checks; every problem listed) → logger → health → stream client → sink → connector →
 * collector, then runs until SIGTERM/SIGINT (stop closes the session and flushes the buffer).
 */
import * as path from 'node:path';
import {
  ConfigError,
  Health,
  HealthReporter,
  SampleSink,
  StreamClient,
  createLogger,
  exitOnConfigError,
  installProcessGuards,
  isGreengrass,
  loadConfigOrExit,
  runUntilSignal,
} from '../../core/src';
import { OpcUaCollector } from './collector';
import { OpcUaCollectorConfigSchema, semanticProblems, streamSpecOf } from './config';
import { OpcUaConnector } from './connection';
import { credentialSourceOf } from './secrets';

const COMPONENT = 'opcua-collector';

async function main(): Promise<void> {
  const bootLogger = createLogger({ component: COMPONENT });
  installProcessGuards(bootLogger);
  const loaded = await loadConfigOrExit(OpcUaCollectorConfigSchema, bootLogger);
  const config = loaded.config;
  const problems = semanticProblems(config);
  if (problems.length > 0) exitOnConfigError(new ConfigError(problems, { origin: loaded.origin }), bootLogger);
  const logger = createLogger({ component: COMPONENT, level: config.logLevel });
  logger.info('Configuration loaded.', { origin: loaded.origin, endpointUrl: config.endpointUrl, securityMode: config.security.mode, securityPolicy: config.security.policy, identity: config.identity.type, stream: config.stream.name });
  const health = new Health({ component: COMPONENT, logger });
  const reporter = new HealthReporter({ health, logger, intervalMs: config.healthIntervalMs, ...(config.healthFile ? { filePath: config.healthFile } : {}) });
  const streams = new StreamClient({ logger: logger.child({ module: 'stream-client' }) });
  const sink = new SampleSink({
    writer: streams,
    stream: streamSpecOf(config.stream),
    maxBatchBytes: config.maxBatchBytes,
    maxBatchDelayMs: config.maxBatchDelayMs,
    maxBufferedSamples: config.maxBufferedSamples,
    health,
    logger,
  });
  const credentials = config.identity.type === 'username' ? credentialSourceOf(config.identity, isGreengrass(process.env)) : undefined;
  const connector = new OpcUaConnector({
    endpointUrl: config.endpointUrl,
    security: config.security,
    connection: config.connection,
    pkiDir: path.resolve(config.security.pkiDir),
    ...(credentials ? { credentials } : {}),
    logger,
  });
  const collector = new OpcUaCollector({
    connector,
    sink,
    health,
    logger,
    settings: {
      deviceId: config.deviceId,
      endpointUrl: config.endpointUrl,
      aliasPrefix: config.aliasPrefix,
      nodeIds: config.nodeIds,
      nodeFilters: config.nodeFilters,
      defaultGroup: config.defaultGroup,
      propertyGroups: config.propertyGroups,
      maxMonitoredItemsPerCall: config.maxMonitoredItemsPerCall,
      typeConversions: config.typeConversions,
      connection: config.connection,
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
