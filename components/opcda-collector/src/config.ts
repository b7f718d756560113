/** com.tributary.OpcDaCollector configuration: one schema, its type and its defaults. */
import { Type, type Static } from '@sinclair/typebox';
import type { ConfigProblem, StreamSpec } from '../../core/src';
import { patternProblem } from './tags';

/** A SiteWise hierarchy level as the AWS M2C2 solution validates it: letters, digits, - and _, at most 30. */
const Level = (name: string, fallback: string) =>
  Type.String({ minLength: 1, maxLength: 30, pattern: '^[A-Za-z0-9_-]+$', default: fallback, description: `${name} level of the property alias` });

const SecurityMode = Type.Union([Type.Literal('None'), Type.Literal('Sign'), Type.Literal('SignAndEncrypt')], {
  default: 'SignAndEncrypt',
  description: 'OPC UA message security mode towards the wrapper',
});

const SecurityPolicy = Type.Union(
  [Type.Literal('None'), Type.Literal('Basic256Sha256'), Type.Literal('Aes128_Sha256_RsaOaep'), Type.Literal('Aes256_Sha256_RsaPss'), Type.Literal('Basic256')],
  { default: 'Basic256Sha256' },
);

export const UaWrapperConfigSchema = Type.Object(
  {
    endpointUrl: Type.String({ pattern: '^opc\\.tcp://.+', default: 'opc.tcp://127.0.0.1:4840', description: 'the DA→UA wrapper on the Windows host' }),
    securityMode: SecurityMode,
    securityPolicy: SecurityPolicy,
    userName: Type.Optional(Type.String({ minLength: 1, description: 'user identity; anonymous when absent' })),
    password: Type.Optional(Type.String({ description: 'with userName' })),
    pkiDir: Type.String({ minLength: 1, default: 'pki', description: 'own certificate and trust lists (relative: to the working directory)' }),
    trustUnknownServerCertificate: Type.Boolean({ default: false, description: 'accept a server certificate that is not in pkiDir/trusted (TrustAny)' }),
    applicationUri: Type.String({ minLength: 1, default: 'urn:tributary:opcda-collector' }),
    itemMapping: Type.Union([Type.Literal('template'), Type.Literal('browse')], {
      default: 'template',
      description: 'template: node id = nodeIdTemplate with the item id; browse: item id = browse path under rootPath joined with "."',
    }),
    nodeIdTemplate: Type.String({ pattern: '\\{itemId\\}', default: 'ns=1;s=DA:{itemId}', description: 'must contain {itemId}' }),
    rootPath: Type.String({ minLength: 1, default: 'DAServer', description: 'browse path under Objects where the DA items are (segments separated by /)' }),
    connectTimeoutMs: Type.Integer({ minimum: 100, default: 10000 }),
    requestTimeoutMs: Type.Integer({ minimum: 100, default: 10000 }),
    maxNodesPerRead: Type.Integer({ minimum: 1, default: 1000, description: 'lowered to the server\'s own limit when it states one' }),
  },
  { additionalProperties: false, default: {} },
);

export const DcomConfigSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'the Windows host running the OPC DA server' }),
    domain: Type.String({ default: 'WORKGROUP' }),
    userName: Type.String({ default: '', description: 'Windows account allowed by the DCOM settings (required with backend dcom)' }),
    password: Type.String({ default: '' }),
    clsid: Type.String({ default: '', description: 'CLSID of the OPC DA server, e.g. F8582CF2-88FB-11D0-B850-00C0F0104305 (required with backend dcom)' }),
    callTimeoutMs: Type.Integer({ minimum: 100, maximum: 120000, default: 5000, description: 'hard timeout of every DCOM call' }),
    dataSource: Type.Union([Type.Literal('cache'), Type.Literal('device')], { default: 'cache', description: 'SyncIO read source' }),
  },
  { additionalProperties: false, default: {} },
);

export const StreamConfigSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, pattern: '^[a-z0-9]+(\\.[a-z0-9-]+)*$', default: 'tributary.opcda.raw' }),
    persistence: Type.Union([Type.Literal('File'), Type.Literal('Memory')], { default: 'File' }),
    strategyOnFull: Type.Union([Type.Literal('OverwriteOldestData'), Type.Literal('RejectNewData')], { default: 'OverwriteOldestData' }),
    maxSize: Type.Integer({ minimum: 1024, default: 268435456, description: 'bytes' }),
  },
  { additionalProperties: false, default: {} },
);

export const OpcDaCollectorConfigSchema = Type.Object(
  {
    site: Level('site', 'site1'),
    area: Level('area', 'area1'),
    process: Level('process', 'process1'),
    machine: Level('machine', 'machine1'),
    backend: Type.Union([Type.Literal('ua-wrapper'), Type.Literal('dcom')], { default: 'ua-wrapper' }),
    tags: Type.Array(Type.String({ minLength: 1, maxLength: 1024 }), {
      minItems: 1,
      default: ['**'],
      description: 'item ids or patterns: * within one dot-separated segment, ** across segments, ? one character',
    }),
    pollIntervalMs: Type.Integer({ minimum: 500, maximum: 30000, default: 1000, description: 'one read of every item per interval (M2C2: 0.5–30 s)' }),
    pollsPerWrite: Type.Integer({ minimum: 1, maximum: 30, default: 1, description: 'reads accumulated before they are written as one batch (M2C2 iterations)' }),
    maxItems: Type.Integer({ minimum: 1, maximum: 100000, default: 10000, description: 'items read per cycle at most; patterns matching more are cut (logged)' }),
    uaWrapper: UaWrapperConfigSchema,
    dcom: DcomConfigSchema,
    reconnectInitialMs: Type.Integer({ minimum: 10, default: 1000 }),
    reconnectMaxMs: Type.Integer({ minimum: 100, default: 30000 }),
    stream: StreamConfigSchema,
    maxBufferedSamples: Type.Integer({ minimum: 10, default: 200000 }),
    maxBatchBytes: Type.Integer({ minimum: 1024, default: 131072 }),
    stopDeadlineMs: Type.Integer({ minimum: 100, maximum: 8000, default: 2000, description: 'at shutdown, time to write what is buffered; the rest is dropped{shutdown}' }),
    healthIntervalMs: Type.Integer({ minimum: 1000, default: 60000 }),
    healthFile: Type.Optional(Type.String({ minLength: 1 })),
    logLevel: Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')], { default: 'info' }),
  },
  { additionalProperties: false },
);

export type OpcDaCollectorConfig = Static<typeof OpcDaCollectorConfigSchema>;
export type UaWrapperConfig = Static<typeof UaWrapperConfigSchema>;
export type DcomConfig = Static<typeof DcomConfigSchema>;

/**
 * The checks one schema cannot express (they involve two keys, or a pattern's syntax), as
 * `path: reason` problems; empty when the configuration is usable. main.ts reports them with
 * the schema's at start-up.
 */
export function crossFieldProblems(c: OpcDaCollectorConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  c.tags.forEach((t, i) => {
    const p = patternProblem(t);
    if (p) problems.push({ path: `/tags/${i}`, reason: p });
  });
  if (c.reconnectMaxMs < c.reconnectInitialMs) problems.push({ path: '/reconnectMaxMs', reason: `must be at least reconnectInitialMs (${c.reconnectInitialMs})` });
  if (c.backend === 'dcom') {
    if (c.dcom.userName === '') problems.push({ path: '/dcom/userName', reason: 'is required with backend dcom' });
    if (!/^\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}?$/.test(c.dcom.clsid))
      problems.push({ path: '/dcom/clsid', reason: 'must be the OPC DA server CLSID (8-4-4-4-12 hex digits) with backend dcom' });
  } else {
    const u = c.uaWrapper;
    if ((u.securityMode === 'None') !== (u.securityPolicy === 'None'))
      problems.push({ path: '/uaWrapper/securityPolicy', reason: `securityMode ${u.securityMode} needs ${u.securityMode === 'None' ? 'securityPolicy None' : 'a securityPolicy other than None'}` });
    if (u.password !== undefined && u.userName === undefined) problems.push({ path: '/uaWrapper/userName', reason: 'is required when password is set' });
    if (u.itemMapping === 'template' && (u.nodeIdTemplate.match(/\{itemId\}/g) ?? []).length !== 1)
      problems.push({ path: '/uaWrapper/nodeIdTemplate', reason: 'must contain {itemId} exactly once' });
  }
  return problems;
}

/** The stream definition for the stream manager: segments of at most 16 MiB, and always smaller than maxSize. */
export function streamSpecOf(s: OpcDaCollectorConfig['stream']): StreamSpec {
  return { ...s, segmentSize: Math.min(16 << 20, Math.floor(s.maxSize / 4)) };
}
