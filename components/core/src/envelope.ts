/**
 * The record envelope: how samples travel through stream manager streams.
 *
 * Wire format version 1: one stream message payload is the UTF-8 JSON of
 *
 * ```
 * { "v": 1, "samples": [ Sample, ... ] }
 * ```
 *
 * The schema is declared once below with TypeBox; the TypeScript types are derived from it and
 * a compiled checker validates on the hot path. Detailed problems (`path: reason`) are only
 * computed when that check fails.
 *
 * Compatibility: the writer is strict (unknown sample fields are rejected, so typos surface at
 * the producer); the reader is lenient about unknown sample fields (ignored and stripped, so a
 * newer producer adding an optional field does not turn an older consumer's input into dead
 * letters). A change that old readers cannot ignore needs a new `v`.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, ValueErrorType, type ValueError } from '@sinclair/typebox/compiler';
import { TributaryError } from './errors';

export const ENVELOPE_VERSION = 1 as const;

/** Error codes of this module (stable: used in logs, metrics and dead-letter reasons). */
export const EnvelopeErrorCode = {
  /** The payload is not UTF-8 JSON. */
  Unparseable: 'envelope_unparseable',
  /** The payload is a JSON object whose `v` is not a version this code understands. */
  Version: 'envelope_version',
  /** The payload, a batch or a sample does not match the schema. */
  Invalid: 'envelope_invalid',
} as const;
export type EnvelopeErrorCode = (typeof EnvelopeErrorCode)[keyof typeof EnvelopeErrorCode];

// ---------------------------------------------------------------------------------------------
// Schema (the single source of truth). `errorMessage` is the reason reported for that field.
// ---------------------------------------------------------------------------------------------

/** Largest epoch-millisecond value a JavaScript Date can hold. */
export const MAX_TIMESTAMP_MS = 8_640_000_000_000_000;

export const SourceSchema = Type.Union([Type.Literal('obd'), Type.Literal('gps'), Type.Literal('opcua'), Type.Literal('opcda')], {
  errorMessage: 'must be one of "obd", "gps", "opcua", "opcda"',
});
export type Source = Static<typeof SourceSchema>;

export const QualitySchema = Type.Union([Type.Literal('GOOD'), Type.Literal('UNCERTAIN'), Type.Literal('BAD')], {
  errorMessage: 'must be one of "GOOD", "UNCERTAIN", "BAD"',
});
export type Quality = Static<typeof QualitySchema>;

/** Numbers must be finite (TypeBox's default number policy rejects NaN and ±Infinity). */
export const SampleValueSchema = Type.Union([Type.Number(), Type.String(), Type.Boolean(), Type.Null()], {
  errorMessage: 'must be a finite number, string, boolean or null',
});
export type SampleValue = Static<typeof SampleValueSchema>;

export const AttrValueSchema = Type.Union([Type.String(), Type.Number(), Type.Boolean()], {
  errorMessage: 'must be a string, finite number or boolean',
});
export type AttrValue = Static<typeof AttrValueSchema>;

/**
 * Free attributes. Declared as an object whose every own key must hold an AttrValue (a TypeBox
 * Record only checks keys matching its key pattern, and `^(.*)$` does not match keys with a newline).
 */
export const AttrsSchema = Type.Unsafe<Record<string, AttrValue>>(
  Type.Object({}, { additionalProperties: AttrValueSchema, errorMessage: 'must be an object of string, number or boolean values' }),
);

const sampleFields = {
  /** Device / asset identity (VIN, gateway id, machine id). */
  device: Type.String({ minLength: 1, maxLength: 256, errorMessage: 'must be a string of 1 to 256 characters' }),
  source: SourceSchema,
  /** Signal name, e.g. "rpm", "lat", "Line1/Filler/Temperature". */
  name: Type.String({ minLength: 1, maxLength: 1024, errorMessage: 'must be a string of 1 to 1024 characters' }),
  value: SampleValueSchema,
  unit: Type.Optional(Type.String({ errorMessage: 'must be a string' })),
  quality: QualitySchema,
  /** Source timestamp, integer milliseconds since the epoch. Never rewritten downstream. */
  ts: Type.Integer({
    minimum: 0,
    maximum: MAX_TIMESTAMP_MS,
    errorMessage: `must be an integer number of milliseconds since the epoch, from 0 to ${MAX_TIMESTAMP_MS}`,
  }),
  /** Nanoseconds inside that millisecond. */
  tsNanos: Type.Optional(Type.Integer({ minimum: 0, maximum: 999_999, errorMessage: 'must be an integer from 0 to 999999' })),
  /** SiteWise property alias, e.g. "/site/area/line/machine/tag" (SiteWise allows 1..2048 characters). */
  alias: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, errorMessage: 'must be a string of 1 to 2048 characters' })),
  attrs: Type.Optional(AttrsSchema),
};

/** A sample as written: unknown fields are rejected. */
export const SampleSchema = Type.Object(sampleFields, { additionalProperties: false, errorMessage: 'must be an object' });
export type Sample = Static<typeof SampleSchema>;

/** A sample as read: unknown fields are allowed (and stripped by decodeBatch). */
const LenientSampleSchema = Type.Object(sampleFields, { errorMessage: 'must be an object' });

export const SampleBatchSchema = Type.Object({
  v: Type.Literal(ENVELOPE_VERSION, { errorMessage: `must be ${ENVELOPE_VERSION}` }),
  samples: Type.Array(SampleSchema, { minItems: 1, errorMessage: 'must be a non-empty array of samples' }),
});
export type SampleBatch = Static<typeof SampleBatchSchema>;

/** All sources and qualities, in schema order. */
export const SOURCES: readonly Source[] = SourceSchema.anyOf.map((s) => s.const);
export const QUALITIES: readonly Quality[] = QualitySchema.anyOf.map((s) => s.const);

const sampleKeys = Object.keys(sampleFields) as Array<keyof Sample>;
const batchCheck = TypeCompiler.Compile(SampleBatchSchema);
const sampleCheck = TypeCompiler.Compile(SampleSchema);
const lenientSampleCheck = TypeCompiler.Compile(LenientSampleSchema);

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** At most this many problems are spelled out in an EnvelopeError's message (all are in `problems`). */
const MESSAGE_PROBLEM_LIMIT = 10;

export class EnvelopeError extends TributaryError {
  /** Every problem, as `path: reason` (JSON pointer paths, e.g. `/samples/3/value`). */
  readonly problems: readonly string[];

  constructor(code: EnvelopeErrorCode, problems: readonly string[], options: { cause?: unknown } = {}) {
    const shown = problems.slice(0, MESSAGE_PROBLEM_LIMIT).join('; ');
    const more = problems.length > MESSAGE_PROBLEM_LIMIT ? ` (and ${problems.length - MESSAGE_PROBLEM_LIMIT} more)` : '';
    super(code, `${describeCode(code)}: ${shown}${more}`, { cause: options.cause, details: { problems: [...problems] } });
    this.problems = [...problems];
  }
}

function describeCode(code: EnvelopeErrorCode): string {
  switch (code) {
    case EnvelopeErrorCode.Unparseable:
      return 'record envelope is not UTF-8 JSON';
    case EnvelopeErrorCode.Version:
      return 'unsupported record envelope version';
    default:
      return 'invalid record envelope';
  }
}

/** One problem per path (the first reported), as `path: reason`; the root path is shown as `/`. */
function formatErrors(errors: Iterable<ValueError>, prefix = ''): string[] {
  const byPath = new Map<string, string>();
  for (const e of errors) {
    const path = prefix + e.path;
    if (byPath.has(path)) continue;
    byPath.set(path, reasonOf(e));
  }
  return [...byPath].map(([path, reason]) => `${path === '' ? '/' : path}: ${reason}`);
}

function reasonOf(e: ValueError): string {
  if (e.type === ValueErrorType.ObjectRequiredProperty) return 'is required';
  if (e.type === ValueErrorType.ObjectAdditionalProperties) return 'is not a known field';
  const custom = (e.schema as TSchema & { errorMessage?: unknown }).errorMessage;
  return typeof custom === 'string' ? custom : e.message;
}

// ---------------------------------------------------------------------------------------------
// Samples
// ---------------------------------------------------------------------------------------------

/** True if `value` is a valid sample (as written: no unknown fields). */
export function isSample(value: unknown): value is Sample {
  return sampleCheck.Check(value);
}

/** Every problem of `value` as a sample (empty when valid), paths prefixed with `basePath`. */
export function sampleProblems(value: unknown, basePath = ''): string[] {
  if (sampleCheck.Check(value)) return [];
  return formatErrors(sampleCheck.Errors(value), basePath);
}

/** A copy of a (leniently valid) sample holding only the known fields. */
function stripUnknownFields(value: Record<string, unknown>): Sample {
  const out: Record<string, unknown> = {};
  for (const k of sampleKeys) {
    if (value[k] !== undefined) out[k] = value[k];
  }
  return out as Sample;
}

// ---------------------------------------------------------------------------------------------
// Encode
// ---------------------------------------------------------------------------------------------

/**
 * Encodes samples as one version-1 message payload. Throws EnvelopeError (`envelope_invalid`)
 * listing every problem when a sample is invalid or `samples` is empty.
 */
export function encodeBatch(samples: Sample[]): Buffer {
  const batch: SampleBatch = { v: ENVELOPE_VERSION, samples };
  if (!batchCheck.Check(batch)) {
    throw new EnvelopeError(EnvelopeErrorCode.Invalid, formatErrors(batchCheck.Errors(batch)));
  }
  return Buffer.from(JSON.stringify(batch), 'utf8');
}

// ---------------------------------------------------------------------------------------------
// Decode
// ---------------------------------------------------------------------------------------------

export interface InvalidSample {
  /** Index in the message's (or input's) `samples` array. */
  index: number;
  /** `path: reason` problems, paths like `/samples/3/value`. */
  problems: string[];
  /** The offending element as it was found, for a dead-letter record. */
  value: unknown;
}

export type DecodeResult =
  | {
      ok: true;
      /** The batch holding only the valid samples (`batch.samples === samples`). */
      batch: SampleBatch;
      /** Valid samples, in message order (unknown fields stripped). */
      samples: Sample[];
      /** Samples that failed validation, each with its problems; their neighbours are kept. */
      invalid: InvalidSample[];
    }
  | {
      ok: false;
      code: EnvelopeErrorCode;
      problems: string[];
    };

const utf8 = new TextDecoder('utf-8', { fatal: true });

function unusable(code: EnvelopeErrorCode, problem: string): DecodeResult {
  return { ok: false, code, problems: [problem] };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Decodes a message payload. Never throws.
 *
 * - `ok: false` when the whole message is unusable: not UTF-8 JSON (`envelope_unparseable`); not a
 *   JSON object, no `v`, or `samples` missing / not an array (`envelope_invalid`); `v` other than 1
 *   (`envelope_version`).
 * - `ok: true` otherwise, with every valid sample kept and every invalid one reported by index.
 *   An empty `samples` array decodes to zero samples.
 */
export function decodeBatch(payload: Buffer | Uint8Array): DecodeResult {
  try {
    let text: string;
    try {
      text = utf8.decode(payload);
    } catch {
      return unusable(EnvelopeErrorCode.Unparseable, '/: is not valid UTF-8');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      return unusable(EnvelopeErrorCode.Unparseable, `/: is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
    }

    // Fast path: a well-formed batch of valid samples.
    if (batchCheck.Check(parsed)) {
      return { ok: true, batch: { v: ENVELOPE_VERSION, samples: parsed.samples }, samples: parsed.samples, invalid: [] };
    }

    if (!isPlainObject(parsed)) return unusable(EnvelopeErrorCode.Invalid, '/: must be an object');
    if (!('v' in parsed)) return unusable(EnvelopeErrorCode.Invalid, '/v: is required');
    if (parsed.v !== ENVELOPE_VERSION) {
      return unusable(EnvelopeErrorCode.Version, `/v: unsupported version ${JSON.stringify(parsed.v) ?? String(parsed.v)}, expected ${ENVELOPE_VERSION}`);
    }
    if (!('samples' in parsed)) return unusable(EnvelopeErrorCode.Invalid, '/samples: is required');
    const raw = parsed.samples;
    if (!Array.isArray(raw)) return unusable(EnvelopeErrorCode.Invalid, '/samples: must be an array');

    const samples: Sample[] = [];
    const invalid: InvalidSample[] = [];
    for (let i = 0; i < raw.length; i++) {
      const s: unknown = raw[i];
      if (sampleCheck.Check(s)) {
        samples.push(s);
      } else if (lenientSampleCheck.Check(s)) {
        samples.push(stripUnknownFields(s as Record<string, unknown>));
      } else {
        invalid.push({ index: i, problems: formatErrors(lenientSampleCheck.Errors(s), `/samples/${i}`), value: s });
      }
    }
    return { ok: true, batch: { v: ENVELOPE_VERSION, samples }, samples, invalid };
  } catch (err) {
    // Defensive: nothing above is expected to throw (e.g. a non-buffer argument from JS callers).
    return unusable(EnvelopeErrorCode.Unparseable, `/: cannot be decoded (${err instanceof Error ? err.message : String(err)})`);
  }
}

// ---------------------------------------------------------------------------------------------
// Split
// ---------------------------------------------------------------------------------------------

export interface EncodedBatch {
  /** The encoded message; identical to `encodeBatch(samples)`. */
  payload: Buffer;
  samples: Sample[];
}

export interface OversizedSample {
  index: number;
  /** Size of a message holding this sample alone. */
  bytes: number;
  sample: Sample;
}

export interface SplitResult {
  /** Messages in input order, each at most maxBytes. */
  batches: EncodedBatch[];
  /** Samples that do not fit in maxBytes even alone: not in any batch. */
  oversized: OversizedSample[];
  /** Invalid samples (paths `/samples/<input index>/...`): not in any batch. */
  invalid: InvalidSample[];
}

const BATCH_PREFIX = `{"v":${ENVELOPE_VERSION},"samples":[`;
const BATCH_SUFFIX = ']}';
/** Bytes of a batch around its samples (prefix + suffix). */
export const BATCH_OVERHEAD_BYTES = Buffer.byteLength(BATCH_PREFIX) + Buffer.byteLength(BATCH_SUFFIX);

/**
 * Packs samples, in order, into as few messages as possible with each encoded message at most
 * `maxBytes` bytes (greedy filling, which is optimal when sample order is kept). Samples that are
 * invalid, or too large to fit even alone, are reported in the result and left out; nothing is
 * dropped silently. Throws EnvelopeError only when `maxBytes` is not a positive integer.
 */
export function splitIntoBatches(samples: readonly Sample[], maxBytes: number): SplitResult {
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
    throw new EnvelopeError(EnvelopeErrorCode.Invalid, [`maxBytes: must be a positive integer, got ${String(maxBytes)}`]);
  }
  const result: SplitResult = { batches: [], oversized: [], invalid: [] };
  let parts: string[] = [];
  let members: Sample[] = [];
  let size = BATCH_OVERHEAD_BYTES;

  const flush = (): void => {
    if (members.length === 0) return;
    result.batches.push({ payload: Buffer.from(BATCH_PREFIX + parts.join(',') + BATCH_SUFFIX, 'utf8'), samples: members });
    parts = [];
    members = [];
    size = BATCH_OVERHEAD_BYTES;
  };

  for (let i = 0; i < samples.length; i++) {
    const s = samples[i];
    if (!sampleCheck.Check(s)) {
      result.invalid.push({ index: i, problems: formatErrors(sampleCheck.Errors(s), `/samples/${i}`), value: s });
      continue;
    }
    const json = JSON.stringify(s);
    const bytes = Buffer.byteLength(json, 'utf8');
    if (BATCH_OVERHEAD_BYTES + bytes > maxBytes) {
      result.oversized.push({ index: i, bytes: BATCH_OVERHEAD_BYTES + bytes, sample: s });
      continue;
    }
    const added = bytes + (members.length > 0 ? 1 : 0); // a comma between samples
    if (size + added > maxBytes) flush();
    size += bytes + (members.length > 0 ? 1 : 0);
    parts.push(json);
    members.push(s);
  }
  flush();
  return result;
}
