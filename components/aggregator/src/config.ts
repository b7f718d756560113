/** com.tributary.Aggregator configuration: one schema, its type and its defaults. */
import { Type, type Static } from '@sinclair/typebox';
import type { StreamSpec } from '../../core/src';
import { SUMMARY_STATS } from './window';

const STREAM_NAME = { minLength: 1, maxLength: 255, pattern: '^[a-z0-9]+(\\.[a-z0-9-]+)*$' } as const;

function outputSchema(name: string, strategyOnFull: 'RejectNewData' | 'OverwriteOldestData', maxSize: number) {
  return Type.Object(
    {
      name: Type.String({ ...STREAM_NAME, default: name }),
      persistence: Type.Union([Type.Literal('File'), Type.Literal('Memory')], { default: 'File' }),
      strategyOnFull: Type.Union([Type.Literal('RejectNewData'), Type.Literal('OverwriteOldestData')], { default: strategyOnFull }),
      maxSize: Type.Integer({ minimum: 4096, default: maxSize, description: 'bytes; segments are min(16 MiB, maxSize/4)' }),
    },
    { additionalProperties: false, default: {} },
  );
}

export const OutputsSchema = Type.Object(
  {
    critical: outputSchema('tributary.out.critical', 'RejectNewData', 268435456),
    telemetry: outputSchema('tributary.out.telemetry', 'OverwriteOldestData', 268435456),
    summary: outputSchema('tributary.out.summary', 'RejectNewData', 67108864),
    deadletter: outputSchema('tributary.aggregator.deadletter', 'OverwriteOldestData', 16777216),
  },
  { additionalProperties: false, default: {} },
);

const Target = Type.Union([Type.Literal('critical'), Type.Literal('telemetry'), Type.Literal('summary')]);

export const RoutesSchema = Type.Object(
  {
    events: Type.Union(Target.anyOf, { default: 'critical' }),
    stateMetrics: Type.Union(Target.anyOf, { default: 'critical' }),
    telemetry: Type.Union(Target.anyOf, { default: 'telemetry' }),
    summaries: Type.Union(Target.anyOf, { default: 'summary' }),
  },
  { additionalProperties: false, default: {} },
);

export const FilterRuleSchema = Type.Object(
  {
    tag: Type.String({ minLength: 1, description: 'tag name or glob (* within a segment, ** across / and .)' }),
    where: Type.Optional(Type.String({ minLength: 1, description: 'rule expression: the sample is kept only when it is true' })),
    validity: Type.Optional(
      Type.Object(
        {
          min: Type.Optional(Type.Number()),
          max: Type.Optional(Type.Number()),
          action: Type.Union([Type.Literal('mark'), Type.Literal('drop')], { default: 'mark' }),
        },
        { additionalProperties: false },
      ),
    ),
    deadband: Type.Optional(
      Type.Object(
        {
          mode: Type.Union([Type.Literal('absolute'), Type.Literal('percent')], { default: 'absolute' }),
          value: Type.Number({ minimum: 0 }),
          maxSilenceMs: Type.Optional(Type.Integer({ minimum: 0 })),
        },
        { additionalProperties: false },
      ),
    ),
    minIntervalMs: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export const STANDARD_EVENT_IDS = ['high_rpm', 'high_engine_load', 'low_fuel', 'new_dtc', 'vehicle_on', 'opc_alarm'] as const;

export const EventRuleSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z][a-z0-9_]*$', maxLength: 64, description: 'snake_case; the event sample is event.<id>' }),
    name: Type.Optional(Type.String({ minLength: 1, description: 'default: the id' })),
    severity: Type.Union([Type.Literal('critical'), Type.Literal('warning'), Type.Literal('info')], { default: 'warning' }),
    tag: Type.Optional(Type.String({ minLength: 1, description: 'the tag (or glob) whose samples are evaluated; default the first field of `when`' })),
    when: Type.String({ minLength: 1, description: 'rule expression: the event becomes active when it is true' }),
    clearWhen: Type.Optional(Type.String({ minLength: 1, description: 'rule expression for clearing (hysteresis); default: not `when`' })),
    enterForMs: Type.Optional(Type.Integer({ minimum: 0 })),
    exitForMs: Type.Optional(Type.Integer({ minimum: 0 })),
    stateMetric: Type.Optional(Type.Union([Type.Boolean(), Type.String({ minLength: 1 })])),
    acceptBad: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const AggregatorConfigSchema = Type.Object(
  {
    inputs: Type.Array(Type.String(STREAM_NAME), {
      minItems: 1,
      uniqueItems: true,
      default: ['tributary.obd.raw', 'tributary.obd.events', 'tributary.gps.raw', 'tributary.opcua.raw', 'tributary.opcda.raw'],
      description: 'raw streams read; a stream that does not exist yet is waited for',
    }),
    outputs: OutputsSchema,
    routes: RoutesSchema,
    read: Type.Object(
      {
        maxMessages: Type.Integer({ minimum: 1, maximum: 10000, default: 50, description: 'messages read per input stream per round' }),
        idleWaitMs: Type.Integer({ minimum: 10, maximum: 30000, default: 200, description: 'how long a read waits for new messages when every input is idle' }),
      },
      { additionalProperties: false, default: {} },
    ),
    filters: Type.Array(FilterRuleSchema, { default: [] }),
    events: Type.Object(
      {
        standard: Type.Array(Type.Union(STANDARD_EVENT_IDS.map((id) => Type.Literal(id))), {
          uniqueItems: true,
          default: [...STANDARD_EVENT_IDS],
          description: 'built-in definitions to use; a rule with the same id replaces one',
        }),
        rules: Type.Array(EventRuleSchema, { default: [] }),
      },
      { additionalProperties: false, default: {} },
    ),
    windows: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        sizeMs: Type.Integer({ minimum: 1000, default: 60000 }),
        allowedLatenessMs: Type.Integer({ minimum: 0, default: 5000 }),
        tags: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, default: ['**'], description: 'tag names or globs to aggregate' }),
        stats: Type.Array(Type.Union(SUMMARY_STATS.map((s) => Type.Literal(s))), { minItems: 1, uniqueItems: true, default: [...SUMMARY_STATS] }),
        maxValuesPerWindow: Type.Integer({ minimum: 1, default: 10000 }),
        badQuality: Type.Union([Type.Literal('skip'), Type.Literal('include')], { default: 'skip' }),
        booleansAsNumbers: Type.Boolean({ default: false }),
        idleCloseMs: Type.Integer({
          minimum: 0,
          default: 30000,
          description: 'inputs idle this long (wall clock): move the watermark to now - allowedLatenessMs; 0 disables',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    enrichment: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        sources: Type.Array(Type.Union([Type.Literal('obd'), Type.Literal('opcua'), Type.Literal('opcda')]), { uniqueItems: true, default: ['obd'] }),
        maxAgeMs: Type.Integer({ minimum: 0, default: 5000, description: 'a fix further than this (event time) from the sample is not used' }),
        gpsDevice: Type.Optional(Type.String({ minLength: 1, description: 'the GPS device whose fix enriches every record; default: the same device id' })),
      },
      { additionalProperties: false, default: {} },
    ),
    checkpoint: Type.Object(
      {
        dir: Type.String({ minLength: 1, default: 'checkpoints', description: 'relative to the working directory (Greengrass: the component work folder)' }),
        intervalMs: Type.Integer({ minimum: 0, default: 5000, description: 'state checkpoint at most this often; 0: after every round' }),
      },
      { additionalProperties: false, default: {} },
    ),
    maxBatchBytes: Type.Integer({ minimum: 1024, default: 131072, description: 'largest output message' }),
    stopDeadlineMs: Type.Integer({ minimum: 100, maximum: 7000, default: 5000, description: 'at SIGTERM, time to finish the round in progress (Greengrass waits about 10 s)' }),
    healthIntervalMs: Type.Integer({ minimum: 1000, default: 60000 }),
    healthFile: Type.Optional(Type.String({ minLength: 1 })),
    logLevel: Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')], { default: 'info' }),
  },
  { additionalProperties: false },
);

export type AggregatorConfig = Static<typeof AggregatorConfigSchema>;
export type OutputName = keyof AggregatorConfig['outputs'];
export type RouteTarget = AggregatorConfig['routes']['events'];
export type FilterRuleConfig = Static<typeof FilterRuleSchema>;
export type EventRuleConfig = Static<typeof EventRuleSchema>;

/** The stream definition for the stream manager: segments of at most 16 MiB, and always smaller than maxSize. */
export function streamSpecOf(s: AggregatorConfig['outputs']['critical']): StreamSpec {
  return { ...s, segmentSize: Math.min(16 << 20, Math.floor(s.maxSize / 4)) };
}
