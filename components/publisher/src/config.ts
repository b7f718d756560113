/**
 * com.tributary.Publisher configuration: one schema, its type, its defaults, and the checks a
 * schema cannot express (routes name existing destinations and priorities, one lane per
 * (stream, destination), each destination entry valid for its type).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { ConfigProblem, StreamSpec } from '../../core/src';
import { destinationConfigProblems, SITEWISE_ALIAS_PLACEHOLDERS, withDestinationDefaults, type DestinationConfig } from './destinations';
import { templatePlaceholders, templateProblems } from './destinations/mapping';
import type { PublisherSettings } from './publisher';

const STREAM_NAME = Type.String({ minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9][a-zA-Z0-9._-]*$' });

export const StreamDefinitionSchema = Type.Object(
  {
    name: STREAM_NAME,
    persistence: Type.Union([Type.Literal('File'), Type.Literal('Memory')], { default: 'File' }),
    strategyOnFull: Type.Union([Type.Literal('RejectNewData'), Type.Literal('OverwriteOldestData')], {
      default: 'RejectNewData',
      description: 'RejectNewData: producers see backpressure (critical); OverwriteOldestData: oldest records go first (bulk), counted as dropped{overwritten}',
    }),
    maxSize: Type.Integer({ minimum: 1024, default: 268435456, description: 'bytes' }),
    ttlMs: Type.Optional(Type.Integer({ minimum: 60000 })),
  },
  { additionalProperties: false },
);

const PrioritySchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9_-]*$' }),
    weight: Type.Integer({ minimum: 1, maximum: 1000, description: 'share of a batch when several classes have a backlog' }),
  },
  { additionalProperties: false },
);

const MappingSchema = Type.Object(
  {
    partitionKey: Type.Optional(Type.String({ pattern: '^(device|source|name|attrs\\..+)$', description: 'kinesis: sample field used as partition key' })),
    topic: Type.Optional(Type.String({ minLength: 1, description: 'iotcore: topic template' })),
    alias: Type.Optional(Type.String({ minLength: 1, description: 'sitewise: alias template for samples without an alias' })),
  },
  { additionalProperties: false, default: {} },
);

const RouteSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    streams: Type.Array(STREAM_NAME, { minItems: 1 }),
    destination: Type.String({ minLength: 1 }),
    priority: Type.String({ minLength: 1 }),
    mapping: MappingSchema,
  },
  { additionalProperties: false },
);

/** Destination entries are checked per type by checkPublisherConfig (precise paths). */
const DestinationEntrySchema = Type.Unsafe<DestinationConfig>(
  Type.Object({ type: Type.String({ minLength: 1 }), name: Type.String({ minLength: 1 }) }, { additionalProperties: true }),
);

export const DEFAULT_DEAD_LETTER_STREAM = 'tributary.publisher.deadletter';

export const PublisherConfigSchema = Type.Object(
  {
    destinations: Type.Array(DestinationEntrySchema, {
      default: [{ type: 'kinesis', name: 'kinesis', streamName: 'tributary-telemetry' }],
      description: 'kinesis / sitewise / iotcore entries; see the destinations README',
    }),
    routes: Type.Array(RouteSchema, {
      default: [
        { name: 'critical', streams: ['tributary.out.critical'], destination: 'kinesis', priority: 'critical', mapping: {} },
        { name: 'telemetry', streams: ['tributary.out.telemetry'], destination: 'kinesis', priority: 'telemetry', mapping: {} },
        { name: 'summary', streams: ['tributary.out.summary'], destination: 'kinesis', priority: 'bulk', mapping: {} },
      ],
    }),
    priorities: Type.Array(PrioritySchema, {
      minItems: 1,
      default: [
        { name: 'critical', weight: 8 },
        { name: 'telemetry', weight: 4 },
        { name: 'bulk', weight: 1 },
      ],
      description: 'highest first',
    }),
    streams: Type.Array(StreamDefinitionSchema, { default: [], description: 'source stream definitions the publisher creates or updates at start (usually the aggregator owns them)' }),
    deadLetterStream: Type.Object(
      {
        name: Type.String({ minLength: 1, default: DEFAULT_DEAD_LETTER_STREAM }),
        persistence: Type.Union([Type.Literal('File'), Type.Literal('Memory')], { default: 'File' }),
        strategyOnFull: Type.Union([Type.Literal('RejectNewData'), Type.Literal('OverwriteOldestData')], { default: 'RejectNewData' }),
        maxSize: Type.Integer({ minimum: 1024, default: 67108864 }),
      },
      { additionalProperties: false, default: {} },
    ),
    inFlight: Type.Object(
      {
        maxRecords: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 2000, description: 'per lane: records read and not yet final (bounds memory and duplicates after a crash)' }),
        maxBytes: Type.Integer({ minimum: 1024, default: 8388608, description: 'per lane: payload bytes read and not yet final' }),
      },
      { additionalProperties: false, default: {} },
    ),
    readBatch: Type.Integer({ minimum: 1, maximum: 10000, default: 500, description: 'messages per stream read' }),
    readWaitMs: Type.Integer({ minimum: 0, maximum: 60000, default: 1000, description: 'long-poll wait of a read' }),
    recordRetry: Type.Object(
      {
        initialMs: Type.Integer({ minimum: 1, default: 200 }),
        maxMs: Type.Integer({ minimum: 1, default: 30000 }),
      },
      { additionalProperties: false, default: {}, description: 'delay before a record the destination asked to retry goes again (full jitter)' },
    ),
    destinationBackoff: Type.Object(
      {
        initialMs: Type.Integer({ minimum: 1, default: 500 }),
        maxMs: Type.Integer({ minimum: 1, default: 60000 }),
      },
      { additionalProperties: false, default: {}, description: 'pause of a destination after a send in which nothing got through' },
    ),
    checkpointDir: Type.String({ minLength: 1, default: 'checkpoints', description: 'relative to the working directory (the component work folder under Greengrass)' }),
    stopDeadlineMs: Type.Integer({ minimum: 100, maximum: 60000, default: 5000, description: 'at shutdown, time for sends in flight to finish' }),
    gaugeIntervalMs: Type.Integer({ minimum: 100, default: 5000, description: 'how often backlog and lag are measured' }),
    healthIntervalMs: Type.Integer({ minimum: 1000, default: 60000 }),
    healthFile: Type.Optional(Type.String({ minLength: 1 })),
    logLevel: Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')], { default: 'info' }),
  },
  { additionalProperties: false },
);

export type PublisherConfig = Static<typeof PublisherConfigSchema>;

/** Cross-checks; every problem as `path: reason`. Destination entries get their type's defaults applied in place. */
export function checkPublisherConfig(config: PublisherConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const destinations = new Map<string, number>();
  config.destinations.forEach((raw, i) => {
    const d = withDestinationDefaults(raw) as DestinationConfig;
    config.destinations[i] = d;
    problems.push(...destinationConfigProblems(d, `/destinations/${i}`));
    if (typeof d.name === 'string') {
      if (destinations.has(d.name)) problems.push({ path: `/destinations/${i}/name`, reason: `"${d.name}" is already the name of destination ${destinations.get(d.name)}` });
      else destinations.set(d.name, i);
    }
  });
  const priorities = new Set<string>();
  config.priorities.forEach((p, i) => {
    if (priorities.has(p.name)) problems.push({ path: `/priorities/${i}/name`, reason: `"${p.name}" is listed twice` });
    priorities.add(p.name);
  });
  const lanes = new Map<string, string>();
  const byName = new Map(config.destinations.map((d) => [d.name, d] as const));
  config.routes.forEach((r, i) => {
    const d = byName.get(r.destination);
    if (d?.type === 'iotcore' && r.mapping.topic) {
      for (const p of templateProblems(r.mapping.topic)) problems.push({ path: `/routes/${i}/mapping/topic`, reason: p });
      if (templatePlaceholders(r.mapping.topic).includes('thing') && !d.thingName && !process.env.AWS_IOT_THING_NAME) {
        problems.push({ path: `/routes/${i}/mapping/topic`, reason: `uses {thing}: set thingName on destination "${d.name}", or run under Greengrass (which sets AWS_IOT_THING_NAME)` });
      }
    }
    if (d?.type === 'sitewise' && r.mapping.alias) {
      for (const p of templateProblems(r.mapping.alias, SITEWISE_ALIAS_PLACEHOLDERS)) problems.push({ path: `/routes/${i}/mapping/alias`, reason: p });
    }
    if (!destinations.has(r.destination)) {
      problems.push({ path: `/routes/${i}/destination`, reason: `no destination named "${r.destination}"; known: ${[...destinations.keys()].map((n) => `"${n}"`).join(', ') || 'none'}` });
    }
    if (!priorities.has(r.priority)) {
      problems.push({ path: `/routes/${i}/priority`, reason: `no priority class named "${r.priority}"; known: ${[...priorities].map((n) => `"${n}"`).join(', ')}` });
    }
    r.streams.forEach((s, j) => {
      const key = `${s}@${r.destination}`;
      if (lanes.has(key)) problems.push({ path: `/routes/${i}/streams/${j}`, reason: `stream "${s}" already goes to "${r.destination}" through route "${lanes.get(key)}"` });
      else lanes.set(key, r.name);
    });
  });
  const streamNames = new Set<string>();
  config.streams.forEach((s, i) => {
    if (streamNames.has(s.name)) problems.push({ path: `/streams/${i}/name`, reason: `"${s.name}" is defined twice` });
    streamNames.add(s.name);
  });
  if (config.recordRetry.maxMs < config.recordRetry.initialMs) problems.push({ path: '/recordRetry/maxMs', reason: 'must be ≥ initialMs' });
  if (config.destinationBackoff.maxMs < config.destinationBackoff.initialMs) problems.push({ path: '/destinationBackoff/maxMs', reason: 'must be ≥ initialMs' });
  return problems;
}

export function streamSpecOf(s: { name: string; persistence: 'File' | 'Memory'; strategyOnFull: StreamSpec['strategyOnFull']; maxSize: number; ttlMs?: number }): StreamSpec {
  return { ...s, segmentSize: Math.min(16 << 20, Math.max(1024, Math.floor(s.maxSize / 4))) };
}

/** The engine settings of a validated, checked config. */
export function publisherSettingsOf(config: PublisherConfig): PublisherSettings {
  return {
    routes: config.routes.map((r) => ({ name: r.name, streams: r.streams, destination: r.destination, priority: r.priority, mapping: r.mapping })),
    priorities: config.priorities,
    streams: config.streams.map(streamSpecOf),
    deadLetter: streamSpecOf(config.deadLetterStream),
    window: config.inFlight,
    readBatch: config.readBatch,
    readWaitMs: config.readWaitMs,
    recordRetry: config.recordRetry,
    destinationBackoff: config.destinationBackoff,
    stopDeadlineMs: config.stopDeadlineMs,
    gaugeIntervalMs: config.gaugeIntervalMs,
  };
}
