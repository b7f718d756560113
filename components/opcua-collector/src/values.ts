/**
 * OPC UA values → SiteWise-compatible sample values (the mapping of research/opc.md §4):
 *
 * | OPC UA | sample value |
 * |---|---|
 * | Boolean | boolean |
 * | SByte, Byte, Int16, UInt16, Int32, Float, Double | number |
 * | UInt32, Int64, UInt64 | number (an int32, else a double; `wideIntegers: string` keeps digits beyond 2^53 as a decimal string) |
 * | String, LocalizedText (text), QualifiedName (name), NodeId, Guid, StatusCode (name) | string (cut at 1024 characters) |
 * | DateTime | ISO-8601 string (`dateTime: iso8601`) |
 * | arrays | JSON string (`arrays: json`) |
 * | NaN / ±Infinity, Null | null, quality at best UNCERTAIN |
 * | ByteString, XmlElement, ExtensionObject, DataValue, Variant, DiagnosticInfo | not mapped: counted as dropped{reason="unsupported_type"} |
 *
 * Quality comes from the StatusCode severity (bits 31–30): 00 GOOD, 01 UNCERTAIN, 1x BAD.
 * Timestamp: source timestamp, else server timestamp, else the receive time.
 * Structural types so this module needs no node-opcua at run time.
 */
import type { Quality, SampleValue } from '../../core/src';
import type { TypeConversions } from './config';

/** The parts of a node-opcua DataValue used here. */
export interface DataValueLike {
  value?: { dataType: number; arrayType?: number; value: unknown } | null;
  statusCode?: { value: number; name?: string } | null;
  sourceTimestamp?: Date | null;
  serverTimestamp?: Date | null;
}

/** node-opcua DataType numbers (OPC UA built-in type ids). */
export const BuiltInType = {
  Null: 0,
  Boolean: 1,
  SByte: 2,
  Byte: 3,
  Int16: 4,
  UInt16: 5,
  Int32: 6,
  UInt32: 7,
  Int64: 8,
  UInt64: 9,
  Float: 10,
  Double: 11,
  String: 12,
  DateTime: 13,
  Guid: 14,
  ByteString: 15,
  XmlElement: 16,
  NodeId: 17,
  ExpandedNodeId: 18,
  StatusCode: 19,
  QualifiedName: 20,
  LocalizedText: 21,
} as const;

export const MAX_STRING_LENGTH = 1024;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

export interface MappedValue {
  value: SampleValue;
  quality: Quality;
  ts: number;
  /** Set when the value could not be mapped: the sample is not written, and counted with this reason. */
  unsupported?: string;
  /** Notes for the sample's attrs (e.g. truncated). */
  attrs?: Record<string, string | number | boolean>;
}

/** GOOD / UNCERTAIN / BAD from the StatusCode severity bits. */
export function qualityOf(statusCode: number | undefined): Quality {
  const severity = ((statusCode ?? 0) >>> 30) & 3;
  return severity === 0 ? 'GOOD' : severity === 1 ? 'UNCERTAIN' : 'BAD';
}

/** Milliseconds since the epoch: source timestamp, else server timestamp, else `receivedAt`. */
export function timestampOf(dv: DataValueLike, receivedAt: number): number {
  for (const d of [dv.sourceTimestamp, dv.serverTimestamp]) {
    const t = d instanceof Date ? d.getTime() : NaN;
    if (Number.isFinite(t) && t > 0) return t;
  }
  return receivedAt;
}

export function mapDataValue(dv: DataValueLike, receivedAt: number, conv: TypeConversions): MappedValue {
  let quality = qualityOf(dv.statusCode?.value);
  const ts = timestampOf(dv, receivedAt);
  const variant = dv.value;
  const attrs: Record<string, string | number | boolean> = {};
  const done = (value: SampleValue): MappedValue => {
    if (value === null && quality === 'GOOD') quality = 'UNCERTAIN';
    const out: MappedValue = { value, quality, ts };
    if (Object.keys(attrs).length > 0) out.attrs = attrs;
    return out;
  };
  if (!variant || variant.dataType === BuiltInType.Null || variant.value === null || variant.value === undefined) return done(null);
  // node-opcua always sets arrayType (0 scalar, 1 array, 2 matrix); without it, infer (64-bit integers are [hi, lo], ByteStrings are Buffers).
  const isArray =
    variant.arrayType !== undefined
      ? variant.arrayType !== 0
      : (Array.isArray(variant.value) && variant.dataType !== BuiltInType.Int64 && variant.dataType !== BuiltInType.UInt64) ||
        (ArrayBuffer.isView(variant.value) && variant.dataType !== BuiltInType.ByteString);
  if (isArray) {
    if (conv.arrays === 'drop') return { value: null, quality, ts, unsupported: 'array' };
    const items: unknown[] = Array.from(variant.value as ArrayLike<unknown>).map((v) => {
      const m = scalar(variant.dataType, v, conv);
      return m.unsupported ? null : m.value;
    });
    return done(cut(JSON.stringify(items), attrs));
  }
  const m = scalar(variant.dataType, variant.value, conv);
  if (m.unsupported) return { value: null, quality, ts, unsupported: m.unsupported };
  if (m.nonFinite) attrs.nonFinite = String(variant.value);
  return done(typeof m.value === 'string' ? cut(m.value, attrs) : m.value);
}

interface Scalar {
  value: SampleValue;
  unsupported?: string;
  nonFinite?: boolean;
}

function scalar(dataType: number, v: unknown, conv: TypeConversions): Scalar {
  switch (dataType) {
    case BuiltInType.Boolean:
      return { value: Boolean(v) };
    case BuiltInType.SByte:
    case BuiltInType.Byte:
    case BuiltInType.Int16:
    case BuiltInType.UInt16:
    case BuiltInType.Int32:
    case BuiltInType.Float:
    case BuiltInType.Double: {
      const n = Number(v);
      return Number.isFinite(n) ? { value: n } : { value: null, nonFinite: true };
    }
    case BuiltInType.UInt32:
      return wide(BigInt(Number(v)), conv);
    case BuiltInType.Int64:
    case BuiltInType.UInt64:
      return wide(int64Of(v, dataType === BuiltInType.Int64), conv);
    case BuiltInType.String:
      return { value: String(v) };
    case BuiltInType.LocalizedText:
      return { value: String((v as { text?: unknown }).text ?? '') };
    case BuiltInType.QualifiedName:
      return { value: String((v as { name?: unknown }).name ?? '') };
    case BuiltInType.NodeId:
    case BuiltInType.ExpandedNodeId:
    case BuiltInType.Guid:
      return { value: String(v) };
    case BuiltInType.StatusCode:
      return { value: String((v as { name?: unknown }).name ?? v) };
    case BuiltInType.DateTime: {
      if (conv.dateTime === 'drop') return { value: null, unsupported: 'datetime' };
      const t = v instanceof Date ? v.getTime() : NaN;
      return Number.isFinite(t) ? { value: new Date(t).toISOString() } : { value: null };
    }
    default:
      return { value: null, unsupported: 'unsupported_type' };
  }
}

/** node-opcua carries 64-bit integers as [high, low] 32-bit words. */
function int64Of(v: unknown, signed: boolean): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  if (Array.isArray(v) && v.length === 2) {
    const u = (BigInt(v[0] >>> 0) << 32n) | BigInt(v[1] >>> 0);
    return signed ? BigInt.asIntN(64, u) : u;
  }
  return BigInt(0);
}

function wide(n: bigint, conv: TypeConversions): Scalar {
  if (n >= BigInt(INT32_MIN) && n <= BigInt(INT32_MAX)) return { value: Number(n) };
  const exact = n >= -(2n ** 53n) && n <= 2n ** 53n;
  if (!exact && conv.wideIntegers === 'string') return { value: n.toString() };
  return { value: Number(n) };
}

function cut(s: string, attrs: Record<string, string | number | boolean>): string {
  if (s.length <= MAX_STRING_LENGTH) return s;
  attrs.truncated = s.length;
  return s.slice(0, MAX_STRING_LENGTH);
}
