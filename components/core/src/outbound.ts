/**
 * The outbound wire format: what a consumer of Tributary data receives from a destination
 * (a Kinesis record's Data, an IoT Core MQTT message's payload).
 *
 * Version 1, UTF-8 JSON. One delivered record (one Kinesis record):
 *
 * ```
 * { "v": 1, "origin": { "stream": "tributary.out.critical", "seq": 42 }, "priority": "critical", "samples": [ Sample, ... ] }
 * ```
 *
 * Several records in one message (an MQTT message; all records share the topic):
 *
 * ```
 * { "v": 1, "records": [ { "origin": { "stream": "...", "seq": 42 }, "priority": "critical", "samples": [ ... ] }, ... ] }
 * ```
 *
 * `origin` is the stream manager stream and sequence number the record was read from. Delivery
 * is at-least-once: a consumer de-duplicates on (origin.stream, origin.seq). Within one message,
 * records are in the order the publisher read them; across messages there is no order guarantee
 * (Kinesis PutRecords does not keep order), so a consumer that needs order sorts by seq.
 *
 * An IoT Core message may carry only part of a stream record (the samples that map to its
 * topic); the same origin then appears on several topics, each with a disjoint set of samples.
 *
 * Compatibility: decoders ignore unknown top-level and record fields; a change old readers
 * cannot ignore needs a new `v`.
 */
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { sampleProblems, type Sample } from './envelope';

export const OUTBOUND_VERSION = 1 as const;

export const OutboundErrorCode = {
  Unparseable: 'outbound_unparseable',
  Version: 'outbound_version',
  Invalid: 'outbound_invalid',
} as const;
export type OutboundErrorCode = (typeof OutboundErrorCode)[keyof typeof OutboundErrorCode];

export const OutboundOriginSchema = Type.Object({
  stream: Type.String({ minLength: 1 }),
  seq: Type.Integer({ minimum: 0 }),
});
export type OutboundOrigin = Static<typeof OutboundOriginSchema>;

/** One delivered stream record, as it appears inside a bundle (`records[i]`). */
export interface OutboundRecordEntry {
  origin: OutboundOrigin;
  /** Priority class of the stream the record came from, e.g. `critical`. */
  priority?: string;
  samples: Sample[];
}

/** A single-record message (one Kinesis record). */
export interface OutboundRecord extends OutboundRecordEntry {
  v: typeof OUTBOUND_VERSION;
}

/** A several-record message (one MQTT message). */
export interface OutboundBundle {
  v: typeof OUTBOUND_VERSION;
  records: OutboundRecordEntry[];
}

export type OutboundMessage = OutboundRecord | OutboundBundle;

// Structural check only (samples are checked one by one with the envelope's sample schema).
const EntryShape = Type.Object({
  origin: OutboundOriginSchema,
  priority: Type.Optional(Type.String()),
  samples: Type.Array(Type.Unknown()),
});
const entryCheck = TypeCompiler.Compile(EntryShape);

function entryJson(entry: OutboundRecordEntry): string {
  const origin = `{"stream":${JSON.stringify(entry.origin.stream)},"seq":${entry.origin.seq}}`;
  const priority = entry.priority === undefined ? '' : `,"priority":${JSON.stringify(entry.priority)}`;
  return `"origin":${origin}${priority},"samples":${JSON.stringify(entry.samples)}`;
}

/** Encodes one record as a single-record message (no validation: samples come from a decoded envelope). */
export function encodeOutboundRecord(entry: OutboundRecordEntry): Buffer {
  return Buffer.from(`{"v":${OUTBOUND_VERSION},${entryJson(entry)}}`, 'utf8');
}

const BUNDLE_PREFIX = `{"v":${OUTBOUND_VERSION},"records":[`;
const BUNDLE_SUFFIX = ']}';
/** Bytes of a bundle around its entries. */
export const OUTBOUND_BUNDLE_OVERHEAD_BYTES = Buffer.byteLength(BUNDLE_PREFIX) + Buffer.byteLength(BUNDLE_SUFFIX);

/** The exact bytes one entry adds to a bundle (without the separating comma). */
export function outboundEntryBytes(entry: OutboundRecordEntry): number {
  return Buffer.byteLength(entryJson(entry), 'utf8') + 2;
}

/**
 * Size of a bundle holding these entries: overhead + sum of entry bytes + commas. Packing code
 * can add entries one by one with `outboundEntryBytes` (+1 for a comma after the first).
 */
export function outboundBundleBytes(entries: readonly OutboundRecordEntry[]): number {
  let n = OUTBOUND_BUNDLE_OVERHEAD_BYTES;
  entries.forEach((e, i) => (n += outboundEntryBytes(e) + (i > 0 ? 1 : 0)));
  return n;
}

/** Encodes several records as one bundle message. */
export function encodeOutboundBundle(entries: readonly OutboundRecordEntry[]): Buffer {
  return Buffer.from(BUNDLE_PREFIX + entries.map((e) => `{${entryJson(e)}}`).join(',') + BUNDLE_SUFFIX, 'utf8');
}

export type OutboundDecodeResult =
  | { ok: true; kind: 'record' | 'bundle'; records: OutboundRecordEntry[] }
  | { ok: false; code: OutboundErrorCode; problems: string[] };

function fail(code: OutboundErrorCode, problem: string): OutboundDecodeResult {
  return { ok: false, code, problems: [problem] };
}

function decodeEntry(value: unknown, path: string, problems: string[]): OutboundRecordEntry | undefined {
  if (!entryCheck.Check(value)) {
    for (const e of entryCheck.Errors(value)) problems.push(`${path}${e.path}: ${e.message}`);
    return undefined;
  }
  const samples: Sample[] = [];
  value.samples.forEach((s, i) => {
    const p = sampleProblems(s, `${path}/samples/${i}`);
    if (p.length > 0) problems.push(...p);
    else samples.push(s as Sample);
  });
  const entry: OutboundRecordEntry = { origin: { stream: value.origin.stream, seq: value.origin.seq }, samples };
  if (value.priority !== undefined) entry.priority = value.priority;
  return entry;
}

/**
 * Decodes a single-record or bundle message, strictly: any invalid record or sample makes the
 * whole message `ok: false` with every problem listed (consumers and tests want to know).
 * Never throws.
 */
export function decodeOutbound(payload: Buffer | Uint8Array | string): OutboundDecodeResult {
  let parsed: unknown;
  try {
    const text = typeof payload === 'string' ? payload : new TextDecoder('utf-8', { fatal: true }).decode(payload);
    parsed = JSON.parse(text);
  } catch (err) {
    return fail(OutboundErrorCode.Unparseable, `/: is not UTF-8 JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return fail(OutboundErrorCode.Invalid, '/: must be an object');
  const obj = parsed as Record<string, unknown>;
  if (obj.v !== OUTBOUND_VERSION) {
    return fail(OutboundErrorCode.Version, `/v: unsupported version ${JSON.stringify(obj.v) ?? 'undefined'}, expected ${OUTBOUND_VERSION}`);
  }
  const problems: string[] = [];
  if ('records' in obj) {
    if (!Array.isArray(obj.records)) return fail(OutboundErrorCode.Invalid, '/records: must be an array');
    const records: OutboundRecordEntry[] = [];
    obj.records.forEach((r, i) => {
      const e = decodeEntry(r, `/records/${i}`, problems);
      if (e) records.push(e);
    });
    return problems.length > 0 ? { ok: false, code: OutboundErrorCode.Invalid, problems } : { ok: true, kind: 'bundle', records };
  }
  const e = decodeEntry(obj, '', problems);
  return problems.length > 0 || !e ? { ok: false, code: OutboundErrorCode.Invalid, problems } : { ok: true, kind: 'record', records: [e] };
}
