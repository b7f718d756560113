/**
 * Destination configuration (TypeBox, one schema per type, with defaults) and the factory that
 * turns a validated config into a Destination.
 *
 * ```yaml
 * destinations:
 *   - { type: kinesis, name: kds, streamName: tributary-telemetry, region: eu-west-1 }
 *   - { type: kinesis, name: kds-agg, streamName: tributary-kpl, aggregation: { enabled: true } }
 *   - { type: sitewise, name: plant, region: eu-west-1, dataTypes: [{ alias: '/plant/** /count', type: INTEGER }] }
 *   - { type: iotcore, name: iot, mode: ipc }
 *   - { type: iotcore, name: iot-local, mode: mqtt, endpoint: 127.0.0.1, port: 8883, clientId: gw1,
 *       certFile: client.crt, keyFile: client.key, caFile: ca.crt }
 * ```
 *
 * The schemas are a union discriminated by `type`; `destinationConfigProblems` reports the
 * problems of one entry against the member its `type` names (precise paths), plus the checks a
 * schema cannot express (mode mqtt needs endpoint/certFile/keyFile/clientId, templates use
 * known placeholders).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ConfigError, type ConfigProblem, type Logger } from '../../../core/src';
import type { Destination } from '../destination';
import { IotCoreIpcDestination, type IotCoreIpcConnect } from './iotcore-ipc';
import { IotCoreMqttDestination } from './iotcore-mqtt';
import { DEFAULT_TOPIC_TEMPLATE } from './iotcore-packing';
import { KINESIS_DEFAULT_MAX_AGGREGATE_BYTES, KinesisDestination, type KinesisApi } from './kinesis';
import { templatePlaceholders, templateProblems } from './mapping';

/** Placeholders a SiteWise alias template may use ({thing} is for IoT Core topics). */
export const SITEWISE_ALIAS_PLACEHOLDERS = ['device', 'source', 'name', 'stream', 'priority', 'unit', 'alias'];
import { DEFAULT_ALIAS_TEMPLATE, SiteWiseDestination, type SiteWiseApi } from './sitewise';

export { KinesisDestination, KinesisErrorCode } from './kinesis';
export { SiteWiseDestination, SiteWiseErrorCode } from './sitewise';
export { IotCoreMqttDestination } from './iotcore-mqtt';
export { IotCoreIpcDestination, connectIotCoreIpc, type IotCoreIpcClient } from './iotcore-ipc';
export { IotCoreErrorCode } from './iotcore-packing';
export { StatusTracker } from './status';

const NAME = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', description: 'unique destination name (checkpoints, logs, metrics)' });

const CredentialsSchema = Type.Object(
  {
    accessKeyId: Type.String({ minLength: 1 }),
    secretAccessKey: Type.String({ minLength: 1 }),
    sessionToken: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false, description: 'static credentials for local runs; omit to use the default chain (Greengrass TokenExchangeService)' },
);

const awsFields = {
  region: Type.Optional(Type.String({ minLength: 1, description: 'default: AWS_REGION (set by Greengrass)' })),
  endpoint: Type.Optional(Type.String({ pattern: '^https?://', description: 'endpoint override, e.g. http://127.0.0.1:4567' })),
  credentials: Type.Optional(CredentialsSchema),
  connectTimeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 5000 }),
  requestTimeoutMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 15_000 }),
  sdkMaxAttempts: Type.Integer({ minimum: 1, maximum: 10, default: 2, description: 'SDK attempts per call; the publisher retries on top' }),
};

export const KinesisConfigSchema = Type.Object(
  {
    type: Type.Literal('kinesis'),
    name: NAME,
    streamName: Type.String({ minLength: 1, maxLength: 128, pattern: '^[a-zA-Z0-9_.-]+$' }),
    ...awsFields,
    partitionKey: Type.String({ pattern: '^(device|source|name|attrs\\..+)$', default: 'device', description: 'sample field used as partition key when a route has none' }),
    maxRecordBytes: Type.Integer({ minimum: 1024, maximum: 10 * 1024 * 1024, default: 1024 * 1024, description: 'data + partition key per record' }),
    maxRequestBytes: Type.Integer({ minimum: 1024, maximum: 10 * 1024 * 1024, default: 5 * 1024 * 1024, description: 'per PutRecords call' }),
    maxRecordsPerCall: Type.Integer({ minimum: 1, maximum: 500, default: 500 }),
    maxConcurrency: Type.Integer({ minimum: 1, maximum: 64, default: 4 }),
    aggregation: Type.Object(
      {
        enabled: Type.Boolean({ default: false, description: 'pack the records of a partition key into KPL aggregated records; consumers must deaggregate (KCL does, Lambda needs aws-kinesis-agg)' }),
        maxAggregateBytes: Type.Integer({
          minimum: 1024,
          maximum: 10 * 1024 * 1024,
          default: KINESIS_DEFAULT_MAX_AGGREGATE_BYTES,
          description: 'data + partition key of one aggregated record; capped at maxRecordBytes',
        }),
        maxRecordsPerAggregate: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'default: unbounded (maxAggregateBytes decides)' })),
        maxBatchRecords: Type.Integer({
          minimum: 1,
          maximum: 100_000,
          default: 500,
          description: 'records per send while aggregating; more makes fuller aggregates (bounded by the lane window inFlight.maxRecords)',
        }),
      },
      { additionalProperties: false, default: {}, description: 'KPL aggregation, off by default' },
    ),
  },
  { additionalProperties: false },
);
export type KinesisConfig = Static<typeof KinesisConfigSchema>;

export const SiteWiseDataTypeRuleSchema = Type.Object(
  {
    alias: Type.String({ minLength: 1, description: 'alias glob: * within a level, ** across levels' }),
    type: Type.Union([Type.Literal('DOUBLE'), Type.Literal('INTEGER'), Type.Literal('BOOLEAN'), Type.Literal('STRING')]),
  },
  { additionalProperties: false },
);

export const SiteWiseConfigSchema = Type.Object(
  {
    type: Type.Literal('sitewise'),
    name: NAME,
    ...awsFields,
    alias: Type.String({ minLength: 1, default: DEFAULT_ALIAS_TEMPLATE, description: 'alias template for samples without alias: {device} {source} {name} {stream} {priority} {attrs.<key>}' }),
    dataTypes: Type.Array(SiteWiseDataTypeRuleSchema, { default: [], description: 'first matching rule wins; default by JS type (number → DOUBLE)' }),
    itemAttempts: Type.Integer({ minimum: 1, maximum: 10, default: 3, description: 'attempts for values failing with a transient per-entry error' }),
    itemBackoffMinMs: Type.Integer({ minimum: 1, maximum: 60_000, default: 200 }),
    itemBackoffMaxMs: Type.Integer({ minimum: 1, maximum: 300_000, default: 5000 }),
    maxEntriesPerCall: Type.Integer({ minimum: 1, maximum: 10, default: 10 }),
    maxValuesPerEntry: Type.Integer({ minimum: 1, maximum: 10, default: 10 }),
    maxBatchRecords: Type.Integer({ minimum: 1, maximum: 10_000, default: 50 }),
    maxConcurrency: Type.Integer({ minimum: 1, maximum: 64, default: 2 }),
  },
  { additionalProperties: false },
);
export type SiteWiseConfig = Static<typeof SiteWiseConfigSchema>;

export const IotCoreConfigSchema = Type.Object(
  {
    type: Type.Literal('iotcore'),
    name: NAME,
    mode: Type.Union([Type.Literal('ipc'), Type.Literal('mqtt')], {
      default: 'ipc',
      description: 'ipc: Greengrass PublishToIoTCore (accepted = spooled by the nucleus); mqtt: direct connection, accepted on PUBACK',
    }),
    topic: Type.String({ minLength: 1, default: DEFAULT_TOPIC_TEMPLATE, description: 'topic template: {device} {source} {stream} {priority} {name} {thing} {attrs.<key>}' }),
    thingName: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'value of {thing}; default AWS_IOT_THING_NAME (set by Greengrass)' })),
    allowedTopicPrefixes: Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'least privilege: topics outside these prefixes are rejected before publishing' }),
    maxMessageBytes: Type.Integer({ minimum: 256, maximum: 128 * 1024, default: 128 * 1024 }),
    maxInFlight: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
    publishTimeoutMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 15_000 }),
    maxBatchRecords: Type.Integer({ minimum: 1, maximum: 10_000, default: 100 }),
    maxConcurrency: Type.Integer({ minimum: 1, maximum: 64, default: 2 }),
    // mode mqtt
    endpoint: Type.Optional(Type.String({ minLength: 1, description: 'mqtt: IoT data endpoint host (xxxx-ats.iot.<region>.amazonaws.com) or 127.0.0.1' })),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 8883 }),
    certFile: Type.Optional(Type.String({ minLength: 1 })),
    keyFile: Type.Optional(Type.String({ minLength: 1 })),
    caFile: Type.Optional(Type.String({ minLength: 1, description: 'default: the system trust store' })),
    clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'mqtt: usually the thing name' })),
    keepAliveSeconds: Type.Integer({ minimum: 5, maximum: 1200, default: 30 }),
    reconnectMinSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 1 }),
    reconnectMaxSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 60 }),
  },
  { additionalProperties: false },
);
export type IotCoreConfig = Static<typeof IotCoreConfigSchema>;

export const DestinationConfigSchema = Type.Union([KinesisConfigSchema, SiteWiseConfigSchema, IotCoreConfigSchema]);
export type DestinationConfig = Static<typeof DestinationConfigSchema>;

const BY_TYPE: Record<string, TSchema> = { kinesis: KinesisConfigSchema, sitewise: SiteWiseConfigSchema, iotcore: IotCoreConfigSchema };

/** The config with defaults filled in (for the member its `type` names); other values unchanged. */
export function withDestinationDefaults(raw: unknown): unknown {
  const type = (raw as { type?: unknown } | null)?.type;
  const schema = typeof type === 'string' ? BY_TYPE[type] : undefined;
  return schema ? Value.Default(schema, Value.Clone(raw)) : raw;
}

/**
 * Every problem of one destination entry (expects defaults already applied, e.g. through
 * `withDestinationDefaults` or the publisher's loadConfig), paths prefixed with `basePath`
 * (e.g. `/destinations/2`). Empty when valid.
 */
export function destinationConfigProblems(raw: unknown, basePath = '', env?: Record<string, string | undefined>): ConfigProblem[] {
  const type = (raw as { type?: unknown } | null)?.type;
  const schema = typeof type === 'string' ? BY_TYPE[type] : undefined;
  if (!schema) return [{ path: `${basePath}/type`, reason: `expected one of "kinesis", "sitewise", "iotcore", got ${JSON.stringify(type) ?? 'nothing'}` }];
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  for (const e of Value.Errors(schema, raw)) {
    const path = `${basePath}${e.path}` || '/';
    if (seen.has(path)) continue;
    seen.add(path);
    problems.push({ path, reason: e.message });
  }
  if (problems.length > 0) return problems;
  const c = raw as DestinationConfig;
  if (c.type === 'iotcore') {
    for (const p of templateProblems(c.topic)) problems.push({ path: `${basePath}/topic`, reason: p });
    if (templatePlaceholders(c.topic).includes('thing') && !c.thingName && !(env ?? process.env).AWS_IOT_THING_NAME) {
      problems.push({ path: `${basePath}/topic`, reason: 'uses {thing}: set thingName, or run under Greengrass (which sets AWS_IOT_THING_NAME)' });
    }
    if (c.mode === 'mqtt') {
      for (const key of ['endpoint', 'certFile', 'keyFile', 'clientId'] as const) {
        if (!c[key]) problems.push({ path: `${basePath}/${key}`, reason: 'missing; required when mode is "mqtt"' });
      }
    }
  }
  if (c.type === 'sitewise') {
    for (const p of templateProblems(c.alias, SITEWISE_ALIAS_PLACEHOLDERS)) problems.push({ path: `${basePath}/alias`, reason: p });
    if (c.itemBackoffMaxMs < c.itemBackoffMinMs) problems.push({ path: `${basePath}/itemBackoffMaxMs`, reason: 'must be ≥ itemBackoffMinMs' });
  }
  if (c.type === 'kinesis' && c.maxRequestBytes < c.maxRecordBytes) {
    problems.push({ path: `${basePath}/maxRequestBytes`, reason: 'must be ≥ maxRecordBytes' });
  }
  return problems;
}

export interface DestinationDeps {
  readonly logger?: Logger;
  /** For the default region. Default process.env. */
  readonly env?: Record<string, string | undefined>;
  /** Test seams. */
  readonly kinesisClient?: KinesisApi;
  readonly siteWiseClient?: SiteWiseApi;
  readonly ipcConnect?: IotCoreIpcConnect;
}

function regionOf(c: { region?: string; name: string }, env: Record<string, string | undefined>): string {
  const region = c.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new ConfigError([{ path: `/destinations/${c.name}/region`, reason: 'missing; set region or AWS_REGION' }]);
  return region;
}

/**
 * Builds a destination from a validated config (defaults applied). Throws ConfigError for
 * problems found here (e.g. no region). Connects nothing: call `start()`.
 */
export function createDestination(config: DestinationConfig, deps: DestinationDeps = {}): Destination {
  const env = deps.env ?? process.env;
  const logger = deps.logger;
  switch (config.type) {
    case 'kinesis': {
      const { type: _t, region: _r, ...rest } = config;
      return new KinesisDestination({ ...rest, region: regionOf(config, env) }, { ...(logger ? { logger } : {}), ...(deps.kinesisClient ? { client: deps.kinesisClient } : {}) });
    }
    case 'sitewise': {
      const { type: _t, region: _r, ...rest } = config;
      return new SiteWiseDestination({ ...rest, region: regionOf(config, env) }, { ...(logger ? { logger } : {}), ...(deps.siteWiseClient ? { client: deps.siteWiseClient } : {}) });
    }
    case 'iotcore': {
      const { type: _t, mode, endpoint, certFile, keyFile, clientId, caFile, thingName, ...withoutThing } = config;
      const thing = thingName ?? env.AWS_IOT_THING_NAME;
      const rest = { ...withoutThing, ...(thing ? { thing } : {}) };
      if (mode === 'ipc') {
        return new IotCoreIpcDestination(rest, { ...(logger ? { logger } : {}), ...(deps.ipcConnect ? { connect: deps.ipcConnect } : {}) });
      }
      if (!endpoint || !certFile || !keyFile || !clientId) {
        throw new ConfigError(
          (['endpoint', 'certFile', 'keyFile', 'clientId'] as const).filter((k) => !config[k]).map((k) => ({ path: `/destinations/${config.name}/${k}`, reason: 'missing; required when mode is "mqtt"' })),
        );
      }
      return new IotCoreMqttDestination({ ...rest, endpoint, certFile, keyFile, clientId, ...(caFile ? { caFile } : {}) }, logger ? { logger } : {});
    }
  }
}
