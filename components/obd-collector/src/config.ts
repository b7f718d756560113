/** com.tributary.ObdCollector configuration: one schema, its type, its defaults, and the PID list resolved against the library's PID table. */
import { Type, type Static } from '@sinclair/typebox';
import type { ConfigProblem, StreamSpec } from '../../core/src';
import { findPid, hex2, isRangePid, type PidDefinition } from './obd';

const streamName = (name: string) => Type.String({ minLength: 1, pattern: '^[a-z0-9]+(\\.[a-z0-9-]+)*$', default: name });

export const AdapterConfigSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('tcp'), Type.Literal('serial')], { default: 'tcp', description: 'tcp: WiFi adapter (host:port); serial: USB / Bluetooth rfcomm' }),
    host: Type.String({ minLength: 1, default: '192.168.0.10', description: 'tcp: adapter address' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 35000, description: 'tcp: adapter port' }),
    path: Type.String({ minLength: 1, default: '/dev/rfcomm0', description: 'serial: device path' }),
    baudRate: Type.Integer({ minimum: 300, maximum: 2000000, default: 38400, description: 'serial: baud rate' }),
    connectTimeoutMs: Type.Integer({ minimum: 100, default: 5000 }),
    commandTimeoutMs: Type.Integer({ minimum: 100, default: 2000, description: 'per ELM327 command' }),
    reconnectInitialMs: Type.Integer({ minimum: 10, default: 1000 }),
    reconnectMaxMs: Type.Integer({ minimum: 100, default: 30000 }),
  },
  { additionalProperties: false, default: {} },
);

export const PidConfigSchema = Type.Object(
  {
    pid: Type.Optional(Type.String({ pattern: '^(0x)?[0-9A-Fa-f]{1,2}$', description: 'Mode 01 PID in hex (`0C`)' })),
    name: Type.Optional(Type.String({ minLength: 1, description: 'signal name from the PID table (`rpm`)' })),
    intervalMs: Type.Integer({ minimum: 100, default: 500 }),
  },
  { additionalProperties: false },
);

/** The driving set: 15 PIDs at 2 Hz. */
export const DRIVING_SET: readonly string[] = ['0C', '0D', '04', '05', '0F', '10', '11', '2F', '43', '0E', '46', '5C', '5E', '42', '33'];

export const StreamConfigSchema = (name: string) =>
  Type.Object(
    {
      name: streamName(name),
      persistence: Type.Union([Type.Literal('File'), Type.Literal('Memory')], { default: 'File' }),
      strategyOnFull: Type.Union([Type.Literal('OverwriteOldestData'), Type.Literal('RejectNewData')], { default: 'OverwriteOldestData' }),
      maxSize: Type.Integer({ minimum: 1024, default: 67108864, description: 'bytes' }),
    },
    { additionalProperties: false, default: {} },
  );

export const ObdCollectorConfigSchema = Type.Object(
  {
    adapter: AdapterConfigSchema,
    protocol: Type.String({ pattern: '^[0-9A-Ca-c]$', default: '0', description: 'ATSP argument: 0 automatic, 1-9/A-C fixed' }),
    deviceId: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'default: the VIN, else unknown-vehicle' })),
    pids: Type.Array(PidConfigSchema, { default: DRIVING_SET.map((pid) => ({ pid, intervalMs: 500 })) }),
    multiPid: Type.Boolean({ default: true }),
    maxPidsPerRequest: Type.Integer({ minimum: 1, maximum: 6, default: 6 }),
    dtcIntervalMs: Type.Integer({ minimum: 1000, default: 60000 }),
    ignitionOffPollMs: Type.Integer({ minimum: 100, default: 5000 }),
    ignitionOffVoltage: Type.Number({ minimum: 0, maximum: 30, default: 13, description: 'adapter voltage below which a silent ECU means ignition off' }),
    stream: StreamConfigSchema('tributary.obd.raw'),
    eventStream: StreamConfigSchema('tributary.obd.events'),
    maxBufferedSamples: Type.Integer({ minimum: 10, default: 100000 }),
    maxBatchBytes: Type.Integer({ minimum: 1024, default: 131072 }),
    healthIntervalMs: Type.Integer({ minimum: 1000, default: 60000 }),
    healthFile: Type.Optional(Type.String({ minLength: 1 })),
    logLevel: Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')], { default: 'info' }),
  },
  { additionalProperties: false },
);

export type ObdCollectorConfig = Static<typeof ObdCollectorConfigSchema>;
export type AdapterConfig = Static<typeof AdapterConfigSchema>;
export type PidConfig = Static<typeof PidConfigSchema>;

/** A configured PID, resolved against the library's Mode 01 table. */
export interface PidPlan {
  pid: number;
  name: string;
  unit: string;
  intervalMs: number;
}

/** Resolves `pids` (by hex number or signal name) to the PID table; every problem as `path: reason`. */
export function resolvePids(pids: readonly PidConfig[]): { plans: PidPlan[]; problems: ConfigProblem[] } {
  const plans: PidPlan[] = [];
  const problems: ConfigProblem[] = [];
  pids.forEach((p, i) => {
    const path = `/pids/${i}`;
    if ((p.pid === undefined) === (p.name === undefined)) {
      problems.push({ path, reason: 'must have exactly one of pid or name' });
      return;
    }
    let def: PidDefinition | undefined;
    if (p.pid !== undefined) {
      const n = parseInt(p.pid.replace(/^0x/i, ''), 16);
      def = findPid(n);
      if (!def) return void problems.push({ path: `${path}/pid`, reason: `PID ${hex2(n)} is not in the Mode 01 table` });
    } else {
      def = findPid(p.name!);
      if (!def) return void problems.push({ path: `${path}/name`, reason: `no Mode 01 signal is called "${p.name}"` });
    }
    if (isRangePid(def.pid) || def.pid === 0x01) {
      return void problems.push({ path, reason: `PID ${hex2(def.pid)} is read by the collector itself (discovery, MIL)` });
    }
    if (plans.some((x) => x.pid === def!.pid)) return void problems.push({ path, reason: `PID ${hex2(def.pid)} (${def.name}) is listed twice` });
    plans.push({ pid: def.pid, name: def.name, unit: def.unit, intervalMs: p.intervalMs });
  });
  return { plans, problems };
}

/** The stream definition for the stream manager: segments of at most 16 MiB, always smaller than maxSize. */
export function streamSpecOf(s: ObdCollectorConfig['stream']): StreamSpec {
  return { ...s, segmentSize: Math.min(16 << 20, Math.floor(s.maxSize / 4)) };
}
