/** com.tributary.GpsCollector configuration: one schema, its type and its defaults. */
import { Type, type Static } from '@sinclair/typebox';
import type { StreamSpec } from '../../core/src';

export const SourceConfigSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('nmea-tcp'), Type.Literal('nmea-serial'), Type.Literal('gpsd')], {
      default: 'nmea-tcp',
      description: 'nmea-tcp: NMEA 0183 over TCP; nmea-serial: NMEA over a serial port; gpsd: gpsd JSON protocol',
    }),
    host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'nmea-tcp and gpsd: host' }),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'nmea-tcp: default 10110; gpsd: default 2947' })),
    path: Type.String({ minLength: 1, default: '/dev/ttyUSB0', description: 'nmea-serial: device path' }),
    baudRate: Type.Integer({ minimum: 300, maximum: 921600, default: 4800, description: 'nmea-serial: baud rate' }),
    reconnectInitialMs: Type.Integer({ minimum: 10, default: 500 }),
    reconnectMaxMs: Type.Integer({ minimum: 100, default: 30000 }),
    idleTimeoutMs: Type.Integer({ minimum: 0, default: 15000, description: 'reopen a connection silent this long; 0 disables' }),
  },
  { additionalProperties: false, default: {} },
);

export const StreamConfigSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, pattern: '^[a-z0-9]+(\\.[a-z0-9-]+)*$', default: 'tributary.gps.raw' }),
    persistence: Type.Union([Type.Literal('File'), Type.Literal('Memory')], { default: 'File' }),
    strategyOnFull: Type.Union([Type.Literal('OverwriteOldestData'), Type.Literal('RejectNewData')], { default: 'OverwriteOldestData' }),
    maxSize: Type.Integer({ minimum: 1024, default: 67108864, description: 'bytes' }),
  },
  { additionalProperties: false, default: {} },
);

export const GpsCollectorConfigSchema = Type.Object(
  {
    deviceId: Type.String({ minLength: 1, maxLength: 256, default: 'gps-1' }),
    source: SourceConfigSchema,
    rateHz: Type.Number({ exclusiveMinimum: 0, maximum: 20, default: 1 }),
    stream: StreamConfigSchema,
    maxBufferedSamples: Type.Integer({ minimum: 10, default: 100000 }),
    maxBatchBytes: Type.Integer({ minimum: 1024, default: 131072 }),
    maxGoodHdop: Type.Number({ exclusiveMinimum: 0, default: 20 }),
    staleAfterMs: Type.Integer({ minimum: 0, default: 10000, description: 'fix older than this (vs the gateway clock) is UNCERTAIN; 0 disables' }),
    stopDeadlineMs: Type.Integer({ minimum: 100, maximum: 8000, default: 2000, description: 'at shutdown, time to write what is buffered; the rest is dropped{shutdown}' }),
    healthIntervalMs: Type.Integer({ minimum: 1000, default: 60000 }),
    healthFile: Type.Optional(Type.String({ minLength: 1 })),
    logLevel: Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')], { default: 'info' }),
  },
  { additionalProperties: false },
);

export type GpsCollectorConfig = Static<typeof GpsCollectorConfigSchema>;
export type SourceConfig = Static<typeof SourceConfigSchema>;

export const DEFAULT_PORTS = { 'nmea-tcp': 10110, gpsd: 2947 } as const;

/** The stream definition for the stream manager: segments of at most 16 MiB, and always smaller than maxSize. */
export function streamSpecOf(s: GpsCollectorConfig['stream']): StreamSpec {
  return { ...s, segmentSize: Math.min(16 << 20, Math.floor(s.maxSize / 4)) };
}
