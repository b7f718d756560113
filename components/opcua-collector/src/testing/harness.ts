/**
 * Test wiring: a collector built from a (partial) configuration exactly as main.ts builds it,
 * writing to a given stream manager port, with logs kept in memory; and a reader for what it wrote.
 */
import * as path from 'node:path';
import { Health, MemoryLogSink, SampleSink, StreamClient, createLogger, decodeBatch, validateConfig, type Sample } from '../../../core/src';
import { OpcUaCollector } from '../collector';
import { OpcUaCollectorConfigSchema, semanticProblems, streamSpecOf, type OpcUaCollectorConfig } from '../config';
import { OpcUaConnector } from '../connection';
import type { CredentialSource, UserCredentials } from '../secrets';

export interface Harness {
  config: OpcUaCollectorConfig;
  collector: OpcUaCollector;
  health: Health;
  logs: MemoryLogSink;
  writer: StreamClient;
  start(): void;
  stop(): Promise<void>;
}

/** A credential source that hands out fixed credentials (and counts how often it was asked). */
export class FixedCredentials implements CredentialSource {
  readonly description = 'fixed test credentials';
  calls = 0;
  constructor(private readonly creds: UserCredentials) {}
  async get(): Promise<UserCredentials> {
    this.calls++;
    return this.creds;
  }
}

export function buildCollector(raw: Record<string, unknown>, opts: { smPort: number; workDir: string; credentials?: CredentialSource }): Harness {
  const config = validateConfig(OpcUaCollectorConfigSchema, raw);
  const problems = semanticProblems(config);
  if (problems.length > 0) throw new Error(`invalid test config: ${problems.map((p) => `${p.path}: ${p.reason}`).join('; ')}`);
  const logs = new MemoryLogSink();
  const logger = createLogger({ component: 'opcua-collector', stream: logs, env: {}, level: 'debug' });
  const health = new Health({ component: 'opcua-collector' });
  const writer = new StreamClient({ port: opts.smPort });
  const sink = new SampleSink({ writer, stream: streamSpecOf(config.stream), maxBatchBytes: config.maxBatchBytes, maxBatchDelayMs: config.maxBatchDelayMs, maxBufferedSamples: config.maxBufferedSamples, health, logger });
  const connector = new OpcUaConnector({
    endpointUrl: config.endpointUrl,
    security: config.security,
    connection: config.connection,
    pkiDir: path.resolve(opts.workDir, config.security.pkiDir),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
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
  return {
    config,
    collector,
    health,
    logs,
    writer,
    start: () => collector.start(),
    stop: async () => {
      await collector.stop();
      writer.close();
    },
  };
}

/** Every sample in `stream`, in order (reads until the stream is exhausted). */
export async function readAllSamples(port: number, stream: string): Promise<Sample[]> {
  const client = new StreamClient({ port });
  const out: Sample[] = [];
  try {
    let start = 0;
    for (;;) {
      const msgs = await client.read(stream, { start, max: 100, waitMs: 0 });
      if (msgs.length === 0) return out;
      for (const m of msgs) {
        const d = decodeBatch(m.payload);
        if (!d.ok) throw new Error(`undecodable message ${m.sequenceNumber} in ${stream}`);
        out.push(...d.samples);
        start = m.sequenceNumber + 1;
      }
    }
  } finally {
    client.close();
  }
}

/** Samples grouped by name. */
export function byName(samples: Sample[]): Map<string, Sample[]> {
  const m = new Map<string, Sample[]>();
  for (const s of samples) m.set(s.name, [...(m.get(s.name) ?? []), s]);
  return m;
}
