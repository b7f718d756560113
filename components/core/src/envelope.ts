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

function isFiniteNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

function isAttrs(a: unknown): boolean {
  if (typeof a !== 'object' || a === null || Array.isArray(a)) return false;
  for (const k in a) {
    const v = (a as Record<string, unknown>)[k];
    if (typeof v !== 'string' && typeof v !== 'boolean' && !isFiniteNumber(v)) return false;
  }
  return true;
}

/**
 * The schema check of a sample (as written: no unknown fields) for a value produced by
 * JSON.parse, without the compiled checker's allocations. Only for JSON.parse output, whose
 * objects are plain with only enumerable own data properties: then it accepts exactly what
 * `sampleCheck` accepts (a property inherited from a polluted prototype makes it say no, and the
 * compiled checker decides). Tested against the compiled checker.
 */
function isParsedSample(v: unknown): v is Sample {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const s = v as Record<string, unknown>;
  const device = s.device;
  const name = s.name;
  const value = s.value;
  const ts = s.ts;
  const source = s.source;
  const quality = s.quality;
  if (typeof device !== 'string' || device.length < 1 || device.length > 256) return false;
  if (source !== 'obd' && source !== 'gps' && source !== 'opcua' && source !== 'opcda') return false;
  if (typeof name !== 'string' || name.length < 1 || name.length > 1024) return false;
  if (typeof value !== 'string' && typeof value !== 'boolean' && value !== null && !isFiniteNumber(value)) return false;
  if (quality !== 'GOOD' && quality !== 'UNCERTAIN' && quality !== 'BAD') return false;
  if (!Number.isInteger(ts) || (ts as number) < 0 || (ts as number) > MAX_TIMESTAMP_MS) return false;
  for (const k in s) {
    switch (k) {
      case 'device':
      case 'source':
      case 'name':
      case 'value':
      case 'quality':
      case 'ts':
        break;
      case 'unit':
        if (s.unit !== undefined && typeof s.unit !== 'string') return false;
        break;
      case 'tsNanos': {
        const n = s.tsNanos;
        if (n !== undefined && (!Number.isInteger(n) || (n as number) < 0 || (n as number) > 999_999)) return false;
        break;
      }
      case 'alias': {
        const a = s.alias;
        if (a !== undefined && (typeof a !== 'string' || a.length < 1 || a.length > 2048)) return false;
        break;
      }
      case 'attrs':
        if (s.attrs !== undefined && !isAttrs(s.attrs)) return false;
        break;
      default:
        return false;
    }
  }
  return true;
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

    // Fast path: a well-formed batch of valid samples (what `batchCheck` accepts).
    if (isPlainObject(parsed) && parsed.v === ENVELOPE_VERSION && Array.isArray(parsed.samples) && parsed.samples.length > 0 && parsed.samples.every(isParsedSample)) {
      const samples = parsed.samples as Sample[];
      return { ok: true, batch: { v: ENVELOPE_VERSION, samples }, samples, invalid: [] };
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
      if (isParsedSample(s) || sampleCheck.Check(s)) {
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

export interface SplitOptions {
  /**
   * Samples (by index in `samples`) the caller vouches are valid (`isSample` would say so): they
   * skip the schema check. Only for samples whose validity is guaranteed by where they come from,
   * e.g. returned by `decodeBatch` and passed on unchanged, or copies of those with fields set by
   * code that only produces valid values. A trusted sample that is not valid would be written as
   * it is (and refused by readers): never trust samples built from unchecked data. The payloads
   * are byte-identical to those of the checked path for valid samples.
   */
  trusted?: (index: number) => boolean;
}

/** Bytes of the batch prefix (`{"v":1,"samples":[`). */
const PREFIX_BYTES = Buffer.byteLength(BATCH_PREFIX);
const CLOSE_BRACKET = 0x5d; // ]
const CLOSE_BRACE = 0x7d; // }
const COMMA = 0x2c;
/** The scratch buffer messages are assembled in is kept between calls up to this size. */
const SCRATCH_KEEP_BYTES = 1 << 20;
let scratchKept: Buffer | undefined;

/**
 * Packs samples, in order, into as few messages as possible with each encoded message at most
 * `maxBytes` bytes (greedy filling, which is optimal when sample order is kept). Samples that are
 * invalid, or too large to fit even alone, are reported in the result and left out; nothing is
 * dropped silently. Throws EnvelopeError only when `maxBytes` is not a positive integer.
 */
export function splitIntoBatches(samples: readonly Sample[], maxBytes: number, options: SplitOptions = {}): SplitResult {
  const packer = new BatchPacker(maxBytes);
  const trusted = options.trusted;
  for (let i = 0; i < samples.length; i++) packer.add(samples[i]!, trusted !== undefined && trusted(i));
  const r = packer.finish();
  return { batches: r.batches.map((b) => ({ payload: b.payload, samples: b.samples! })), oversized: r.oversized, invalid: r.invalid };
}

export interface PackedBatch {
  /** The encoded message; identical to `encodeBatch` of its samples. */
  payload: Buffer;
  /** How many samples it holds. */
  count: number;
  /** Which (unless the packer was told not to keep them). */
  samples?: Sample[];
}

export interface PackResult {
  /** Messages in the order the samples were added, each at most maxBytes. */
  batches: PackedBatch[];
  /** Samples that do not fit in maxBytes even alone (index: the order they were added in). */
  oversized: OversizedSample[];
  /** Invalid samples (paths `/samples/<index>/...`). */
  invalid: InvalidSample[];
}

/**
 * `splitIntoBatches` one sample at a time: the same messages, byte for byte, for the same samples
 * added in the same order (greedy filling decides each sample as it comes). A caller that
 * produces samples bit by bit can encode them as they come and need not keep them (with
 * `keepSamples: false`), so they are short-lived garbage.
 *
 * Each sample is stringified once and its UTF-8 bytes written straight into a scratch buffer
 * (which also gives its byte length); a message is one copy out of it.
 */
export class BatchPacker {
  private readonly maxBytes: number;
  private readonly keep: boolean;
  private readonly result: PackResult = { batches: [], oversized: [], invalid: [] };
  private scratch: Buffer;
  /** End of the current message's samples in `scratch` (after the prefix). */
  private pos = PREFIX_BYTES;
  private count = 0;
  private members: Sample[] = [];
  private index = 0;
  private finished = false;

  /** Throws EnvelopeError when `maxBytes` is not a positive integer. */
  constructor(maxBytes: number, options: { keepSamples?: boolean } = {}) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
      throw new EnvelopeError(EnvelopeErrorCode.Invalid, [`maxBytes: must be a positive integer, got ${String(maxBytes)}`]);
    }
    this.maxBytes = maxBytes;
    this.keep = options.keepSamples ?? true;
    // Taken for this packer, so that two packers (or a nested call from a toJSON) never share it.
    this.scratch = scratchKept ?? Buffer.allocUnsafe(1 << 16);
    scratchKept = undefined;
    this.scratch.write(BATCH_PREFIX, 0, 'latin1');
  }

  /**
   * Adds the next sample. It is checked against the schema unless `trusted`: the caller vouches
   * it is valid (see SplitOptions.trusted); never trust samples built from unchecked data.
   */
  add(sample: Sample, trusted = false): void {
    if (this.finished) throw new Error('BatchPacker: add after finish');
    const i = this.index++;
    if (!trusted && !sampleCheck.Check(sample)) {
      this.result.invalid.push({ index: i, problems: formatErrors(sampleCheck.Errors(sample), `/samples/${i}`), value: sample });
      return;
    }
    const json = JSON.stringify(sample);
    // Written after the current samples (and a comma); at most 3 UTF-8 bytes per UTF-16 unit.
    const pos = this.pos;
    const at = this.count > 0 ? pos + 1 : pos;
    const room = at + json.length * 3 + 2;
    let scratch = this.scratch;
    if (room > scratch.length) {
      const bigger = Buffer.allocUnsafe(Math.max(room, scratch.length * 2));
      scratch.copy(bigger, 0, 0, pos);
      this.scratch = scratch = bigger;
    }
    const bytes = scratch.write(json, at, 'utf8');
    if (BATCH_OVERHEAD_BYTES + bytes > this.maxBytes) {
      this.result.oversized.push({ index: i, bytes: BATCH_OVERHEAD_BYTES + bytes, sample });
      return;
    }
    if (this.count > 0 && at + bytes + 2 > this.maxBytes) {
      // Does not fit: the current message is done, this sample starts the next one.
      this.flush();
      scratch.copyWithin(PREFIX_BYTES, at, at + bytes);
      this.pos = PREFIX_BYTES + bytes;
    } else {
      if (this.count > 0) scratch[pos] = COMMA;
      this.pos = at + bytes;
    }
    this.count++;
    if (this.keep) this.members.push(sample);
  }

  /** The messages (the last one included), oversized and invalid samples. The packer is done. */
  finish(): PackResult {
    if (!this.finished) {
      this.finished = true;
      this.flush();
      if (this.scratch.length <= SCRATCH_KEEP_BYTES) scratchKept = this.scratch;
      this.scratch = Buffer.alloc(0);
    }
    return this.result;
  }

  private flush(): void {
    if (this.count === 0) return;
    const pos = this.pos;
    const payload = Buffer.allocUnsafe(pos + 2);
    this.scratch.copy(payload, 0, 0, pos);
    payload[pos] = CLOSE_BRACKET;
    payload[pos + 1] = CLOSE_BRACE;
    const batch: PackedBatch = { payload, count: this.count };
    if (this.keep) batch.samples = this.members;
    this.result.batches.push(batch);
    this.members = [];
    this.count = 0;
    this.pos = PREFIX_BYTES;
  }
}
