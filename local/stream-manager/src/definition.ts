/**
 * Message stream definitions as they travel on the wire (camelCase keys, integer
 * enums), validated and filled with the documented defaults
 * (research/stream-manager.md §3).
 */
import { createHash } from 'node:crypto';
import { RequestError, Status } from './protocol';

export const Persistence = { File: 0, Memory: 1 } as const;
export const StrategyOnFull = { RejectNewData: 0, OverwriteOldestData: 1 } as const;

export const DEFAULT_MAX_SIZE = 268435456;
export const DEFAULT_SEGMENT_SIZE = 16777216;
export const MIN_TTL_MS = 60000;
export const MAX_TTL_MS = 9223372036854;
const NAME_PATTERN = /^[\w ,.\-_]*$/;

export interface StreamDefinition {
  name: string;
  maxSize: number;
  streamSegmentSize: number;
  timeToLiveMillis?: number;
  strategyOnFull: 0 | 1;
  persistence: 0 | 1;
  flushOnWrite: boolean;
  /** Stored and described as given; exports are not executed (the Publisher component exports). */
  exportDefinition: Record<string, unknown>;
}

export function validateStreamName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || name.length < 1 || name.length > 255 || !NAME_PATTERN.test(name)) {
    throw new RequestError(
      Status.InvalidRequest,
      `${field} must be 1-255 characters of letters, digits, space, comma, period, hyphen or underscore; got ${JSON.stringify(name)}`,
    );
  }
  return name;
}

function intField(d: Record<string, unknown>, key: string, dflt: number | undefined, min: number, max: number): number | undefined {
  const v = d[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new RequestError(Status.InvalidRequest, `definition.${key} must be an integer in ${min}..${max}; got ${String(v)}`);
  }
  return v;
}

/** Turn the wire map of a create/update request into a complete definition, or fail with InvalidRequest. */
export function normaliseDefinition(raw: unknown): StreamDefinition {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new RequestError(Status.InvalidRequest, 'definition is required');
  }
  const d = raw as Record<string, unknown>;
  const name = validateStreamName(d.name, 'definition.name');
  const maxSize = intField(d, 'maxSize', DEFAULT_MAX_SIZE, 1024, Number.MAX_SAFE_INTEGER)!;
  const streamSegmentSize = intField(d, 'streamSegmentSize', DEFAULT_SEGMENT_SIZE, 1024, 2147483647)!;
  const timeToLiveMillis = intField(d, 'timeToLiveMillis', undefined, MIN_TTL_MS, MAX_TTL_MS);
  const strategy = d.strategyOnFull;
  if (strategy !== 0 && strategy !== 1) {
    throw new RequestError(Status.InvalidRequest, `definition.strategyOnFull is required: 0 (RejectNewData) or 1 (OverwriteOldestData); got ${String(strategy)}`);
  }
  const persistence = d.persistence ?? Persistence.File;
  if (persistence !== 0 && persistence !== 1) {
    throw new RequestError(Status.InvalidRequest, `definition.persistence must be 0 (File) or 1 (Memory); got ${String(persistence)}`);
  }
  const flushOnWrite = d.flushOnWrite ?? false;
  if (typeof flushOnWrite !== 'boolean') {
    throw new RequestError(Status.InvalidRequest, `definition.flushOnWrite must be a boolean; got ${String(flushOnWrite)}`);
  }
  const exportDefinition = d.exportDefinition ?? {};
  if (typeof exportDefinition !== 'object' || Array.isArray(exportDefinition)) {
    throw new RequestError(Status.InvalidRequest, 'definition.exportDefinition must be a map');
  }
  validateExportDefinition(exportDefinition as Record<string, unknown>);
  return {
    name,
    maxSize,
    streamSegmentSize,
    ...(timeToLiveMillis !== undefined ? { timeToLiveMillis } : {}),
    strategyOnFull: strategy,
    persistence,
    flushOnWrite,
    exportDefinition: exportDefinition as Record<string, unknown>,
  };
}

const EXPORT_KINDS = ['http', 'iotAnalytics', 'kinesis', 'IotSitewise', 's3TaskExecutor'];

function validateExportDefinition(e: Record<string, unknown>): void {
  const seen = new Set<string>();
  for (const [kind, list] of Object.entries(e)) {
    if (!EXPORT_KINDS.includes(kind)) {
      throw new RequestError(Status.InvalidRequest, `definition.exportDefinition.${kind} is not an export type (${EXPORT_KINDS.join(', ')})`);
    }
    if (!Array.isArray(list)) {
      throw new RequestError(Status.InvalidRequest, `definition.exportDefinition.${kind} must be a list`);
    }
    list.forEach((cfg: unknown, i) => {
      const id = (cfg as Record<string, unknown> | null)?.identifier;
      if (typeof id !== 'string') {
        throw new RequestError(Status.InvalidRequest, `definition.exportDefinition.${kind}[${i}].identifier is required`);
      }
      validateStreamName(id, `definition.exportDefinition.${kind}[${i}].identifier`);
      if (seen.has(id)) {
        throw new RequestError(Status.InvalidRequest, `export identifier ${JSON.stringify(id)} is used twice`);
      }
      seen.add(id);
    });
  }
}

/** The wire map of a definition (undefined fields omitted: the client rejects nulls). */
export function definitionToWire(def: StreamDefinition): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: def.name,
    maxSize: def.maxSize,
    streamSegmentSize: def.streamSegmentSize,
    strategyOnFull: def.strategyOnFull,
    persistence: def.persistence,
    flushOnWrite: def.flushOnWrite,
    exportDefinition: def.exportDefinition,
  };
  if (def.timeToLiveMillis !== undefined) out.timeToLiveMillis = def.timeToLiveMillis;
  return out;
}

/**
 * Folder name of a File stream under `<store>/streams/`. Names may hold spaces and commas, so
 * they are escaped; an escaped name too long for a file name (255 bytes) is replaced by a hash
 * (the definition inside the folder still holds the name).
 */
export function streamFolderName(name: string): string {
  const escaped = encodeURIComponent(name);
  return escaped.length <= 200 ? `s_${escaped}` : `h_${createHash('sha256').update(name).digest('hex')}`;
}
