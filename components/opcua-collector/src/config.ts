/** com.tributary.OpcUaCollector configuration: one schema, its type, its defaults, and the checks a schema cannot express. */
import { Type, type Static } from '@sinclair/typebox';
import type { ConfigProblem, StreamSpec } from '../../core/src';
import { filterProblem } from './browse-path';
import { nodeIdProblem } from './node-ids';

const Interval = (dflt: number, min: number, description: string) => Type.Integer({ minimum: min, maximum: 86_400_000, default: dflt, description });

export const DeadbandSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('absolute'), Type.Literal('percent')], { description: 'absolute: in engineering units; percent: of the EURange (AnalogItems)' }),
    value: Type.Number({ minimum: 0, description: 'absolute units, or percent 0..100' }),
    timeoutMs: Type.Integer({ minimum: 0, maximum: 86_400_000, default: 0, description: 're-send the current value when nothing was sent for this long (≥ 100); 0: never' }),
    eguMin: Type.Optional(Type.Number({ description: 'percent deadband for servers without EURange: range low' })),
    eguMax: Type.Optional(Type.Number({ description: 'percent deadband for servers without EURange: range high' })),
  },
  { additionalProperties: false },
);

const groupSettings = {
  scanMode: Type.Union([Type.Literal('subscription'), Type.Literal('poll')], { default: 'subscription', description: 'subscription (exception based) or poll (Read every pollIntervalMs; deadband ignored)' }),
  samplingIntervalMs: Interval(1000, 0, 'server sampling interval; 0 = exception based (node-opcua servers: 50 ms floor)'),
  publishingIntervalMs: Interval(1000, 50, 'subscription publishing interval'),
  queueSize: Type.Integer({ minimum: 1, maximum: 5000, default: 10, description: 'server-side queue per item (discard oldest)' }),
  pollIntervalMs: Interval(1000, 50, 'poll mode: read period'),
  deadband: Type.Optional(DeadbandSchema),
};

export const GroupSettingsSchema = Type.Object(groupSettings, { additionalProperties: false, default: {} });

export const PropertyGroupSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.-]+$' }),
    match: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'browse-path filters (/a/*/b, /**/Temp*) or node ids; the first group that matches a tag wins' }),
    ...groupSettings,
  },
  { additionalProperties: false },
);

export const SecurityConfigSchema = Type.Object(
  {
    mode: Type.Union([Type.Literal('SignAndEncrypt'), Type.Literal('Sign'), Type.Literal('None')], { default: 'SignAndEncrypt' }),
    policy: Type.Union([Type.Literal('Basic256Sha256'), Type.Literal('Aes128_Sha256_RsaOaep'), Type.Literal('Aes256_Sha256_RsaPss'), Type.Literal('None')], { default: 'Basic256Sha256' }),
    pkiDir: Type.String({ minLength: 1, default: 'pki', description: 'own key, certificate and trust list; relative to the work directory' }),
    trustedServerCertificates: Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'server certificate files (PEM or DER) copied into the trust list at start' }),
    trustOnFirstUse: Type.Boolean({ default: false, description: 'while the trust list is empty, trust the first server certificate seen' }),
    applicationUri: Type.String({ minLength: 1, default: 'urn:tributary:opcua-collector' }),
  },
  { additionalProperties: false, default: {} },
);

export const IdentityConfigSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('anonymous'), Type.Literal('username')], { default: 'anonymous' }),
    secretId: Type.Optional(Type.String({ minLength: 1, description: 'Greengrass: the secret (ARN or name) holding {"username","password"}, via aws.greengrass.SecretManager' })),
    secretFile: Type.Optional(Type.String({ minLength: 1, description: 'local runs: a JSON file {"username","password"}' })),
  },
  { additionalProperties: false, default: {} },
);

export const ConnectionConfigSchema = Type.Object(
  {
    connectTimeoutMs: Type.Integer({ minimum: 500, maximum: 300_000, default: 10_000, description: 'one connection attempt (connect + session)' }),
    reconnectInitialMs: Type.Integer({ minimum: 10, default: 1000 }),
    reconnectMaxMs: Type.Integer({ minimum: 100, default: 30_000 }),
    sessionTimeoutMs: Type.Integer({ minimum: 10_000, default: 60_000 }),
  },
  { additionalProperties: false, default: {} },
);

export const TypeConversionsSchema = Type.Object(
  {
    arrays: Type.Union([Type.Literal('json'), Type.Literal('drop')], { default: 'json' }),
    dateTime: Type.Union([Type.Literal('iso8601'), Type.Literal('drop')], { default: 'iso8601' }),
    wideIntegers: Type.Union([Type.Literal('double'), Type.Literal('string')], { default: 'double', description: 'UInt32/Int64/UInt64 outside int32' }),
  },
  { additionalProperties: false, default: {} },
);

export const StreamConfigSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, pattern: '^[a-z0-9]+(\\.[a-z0-9-]+)*$', default: 'tributary.opcua.raw' }),
    persistence: Type.Union([Type.Literal('File'), Type.Literal('Memory')], { default: 'File' }),
    strategyOnFull: Type.Union([Type.Literal('OverwriteOldestData'), Type.Literal('RejectNewData')], { default: 'OverwriteOldestData' }),
    maxSize: Type.Integer({ minimum: 1024, default: 268435456, description: 'bytes' }),
  },
  { additionalProperties: false, default: {} },
);

export const OpcUaCollectorConfigSchema = Type.Object(
  {
    deviceId: Type.String({ minLength: 1, maxLength: 256, default: 'opcua-1' }),
    endpointUrl: Type.String({ pattern: '^opc\\.tcp://[^\\s/]+(/.*)?$', default: 'opc.tcp://127.0.0.1:4840' }),
    security: SecurityConfigSchema,
    identity: IdentityConfigSchema,
    connection: ConnectionConfigSchema,
    nodeFilters: Type.Array(Type.String({ minLength: 1 }), { default: ['/**'], description: 'browse-path filters under Objects; /Server is never browsed' }),
    nodeIds: Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'explicit node ids (ns=1;s=…, i=2258, nsu=…)' }),
    aliasPrefix: Type.String({ maxLength: 1024, default: '', description: 'alias = aliasPrefix + browse path' }),
    defaultGroup: GroupSettingsSchema,
    propertyGroups: Type.Array(PropertyGroupSchema, { default: [] }),
    maxMonitoredItemsPerCall: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000, description: 'upper bound; the server limit is used when lower' }),
    typeConversions: TypeConversionsSchema,
    stream: StreamConfigSchema,
    maxBufferedSamples: Type.Integer({ minimum: 100, default: 100_000, description: 'about 30 MB of memory' }),
    maxBatchBytes: Type.Integer({ minimum: 1024, default: 131072 }),
    maxBatchDelayMs: Type.Integer({ minimum: 1, maximum: 60_000, default: 200, description: 'longest a value waits before its batch is written' }),
    stopDeadlineMs: Type.Integer({ minimum: 100, maximum: 8000, default: 2000 }),
    healthIntervalMs: Type.Integer({ minimum: 1000, default: 60000 }),
    healthFile: Type.Optional(Type.String({ minLength: 1 })),
    logLevel: Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')], { default: 'info' }),
  },
  { additionalProperties: false },
);

export type OpcUaCollectorConfig = Static<typeof OpcUaCollectorConfigSchema>;
export type GroupSettings = Static<typeof GroupSettingsSchema>;
export type PropertyGroupConfig = Static<typeof PropertyGroupSchema>;
export type DeadbandConfig = Static<typeof DeadbandSchema>;
export type SecurityConfig = Static<typeof SecurityConfigSchema>;
export type IdentityConfig = Static<typeof IdentityConfigSchema>;
export type ConnectionConfig = Static<typeof ConnectionConfigSchema>;
export type TypeConversions = Static<typeof TypeConversionsSchema>;

/** The checks across fields (or of string syntax) that the schema cannot state; every problem, as `path: reason`. */
export function semanticProblems(c: OpcUaCollectorConfig): ConfigProblem[] {
  const p: ConfigProblem[] = [];
  const none = [c.security.mode === 'None', c.security.policy === 'None'];
  if (none[0] !== none[1]) p.push({ path: '/security', reason: 'mode None goes with policy None only, and policy None with mode None only' });
  if (c.identity.type === 'username' && !c.identity.secretId && !c.identity.secretFile) p.push({ path: '/identity', reason: 'type username needs secretId (Greengrass) or secretFile (local)' });
  if (c.connection.reconnectMaxMs < c.connection.reconnectInitialMs) p.push({ path: '/connection/reconnectMaxMs', reason: 'must be ≥ reconnectInitialMs' });
  c.nodeFilters.forEach((f, i) => {
    const why = filterProblem(f);
    if (why) p.push({ path: `/nodeFilters/${i}`, reason: why });
  });
  c.nodeIds.forEach((id, i) => {
    const why = nodeIdProblem(id);
    if (why) p.push({ path: `/nodeIds/${i}`, reason: why });
  });
  const deadband = (d: DeadbandConfig | undefined, path: string): void => {
    if (!d) return;
    if (d.type === 'percent' && d.value > 100) p.push({ path: `${path}/value`, reason: 'a percent deadband is 0..100' });
    if (d.timeoutMs > 0 && d.timeoutMs < 100) p.push({ path: `${path}/timeoutMs`, reason: 'must be 0 (never) or ≥ 100' });
    if ((d.eguMin === undefined) !== (d.eguMax === undefined)) p.push({ path, reason: 'eguMin and eguMax go together' });
    if (d.eguMin !== undefined && d.eguMax !== undefined && !(d.eguMax > d.eguMin)) p.push({ path: `${path}/eguMax`, reason: 'must be > eguMin' });
    if (d.type === 'absolute' && d.eguMin !== undefined) p.push({ path, reason: 'eguMin/eguMax only apply to a percent deadband' });
  };
  deadband(c.defaultGroup.deadband, '/defaultGroup/deadband');
  const names = new Set<string>();
  c.propertyGroups.forEach((g, i) => {
    if (names.has(g.name)) p.push({ path: `/propertyGroups/${i}/name`, reason: `duplicate group name ${g.name}` });
    names.add(g.name);
    g.match.forEach((m, j) => {
      const why = m.startsWith('/') ? filterProblem(m) : nodeIdProblem(m);
      if (why) p.push({ path: `/propertyGroups/${i}/match/${j}`, reason: why });
    });
    deadband(g.deadband, `/propertyGroups/${i}/deadband`);
  });
  return p;
}

/** The stream definition: segments of at most 16 MiB, always smaller than maxSize. */
export function streamSpecOf(s: OpcUaCollectorConfig['stream']): StreamSpec {
  return { ...s, segmentSize: Math.min(16 << 20, Math.floor(s.maxSize / 4)) };
}
