/**
 * The data plane of the local SiteWise: BatchPutAssetPropertyValue with the real validation
 * rules, and the value store behind GetAssetPropertyValue / GetAssetPropertyValueHistory.
 *
 * Validation happens in two layers, as in the real service:
 * - request constraints (entry count, TQV count, entryId pattern and uniqueness, timestamp
 *   ranges, quality and nullValue enums, integer width) reject the whole request with a 400
 *   InvalidRequestException;
 * - everything that depends on stored state or on the clock (unknown asset/property,
 *   timestamp window, data type, value ranges) is reported per entry inside a 200 answer, as
 *   `errorEntries[{entryId, errors[{errorCode, errorMessage, timestamps[]}]}]`, one error per
 *   error code with the timestamps of every TQV it concerns.
 *
 * Values live in time series (see TimeSeriesRecord): an alias that no property carries gets a
 * disassociated time series on its first stored value, whose data type that value fixes.
 */
import { attributeValueFits, page, type AssetRecord, type Catalog, type DataType, type ModelProperty, type TimeSeriesRecord } from './catalog';
import { invalid, notFound } from './errors';

export type Quality = 'GOOD' | 'BAD' | 'UNCERTAIN';
export type EntryErrorCode =
  | 'ResourceNotFoundException'
  | 'InvalidRequestException'
  | 'InternalFailureException'
  | 'ServiceUnavailableException'
  | 'ThrottlingException'
  | 'LimitExceededException'
  | 'ConflictingOperationException'
  | 'TimestampOutOfRangeException'
  | 'AccessDeniedException';

export interface Timestamp {
  timeInSeconds: number;
  offsetInNanos: number;
}

/** One stored value: exactly one of the variant fields is set. */
export interface Variant {
  stringValue?: string;
  integerValue?: number;
  doubleValue?: number;
  booleanValue?: boolean;
  nullValue?: { valueType: string };
}

export interface StoredValue {
  timestamp: Timestamp;
  quality: Quality;
  value: Variant;
  /** Nanoseconds since the epoch, for ordering. */
  ns: bigint;
}

export interface EntryError {
  errorCode: EntryErrorCode;
  errorMessage: string;
  timestamps: Timestamp[];
}

export interface ErrorEntry {
  entryId: string;
  errors: EntryError[];
}

export const MAX_ENTRIES = 10;
export const MAX_VALUES_PER_ENTRY = 10;
const PAST_MS = 7 * 86_400_000;
const FUTURE_MS = 10 * 60_000;
const DOUBLE_LIMIT = 1e10;
const MAX_STRING = 1024;
const ENTRY_ID = /^[a-zA-Z0-9_-]+$/;
const QUALITIES: readonly Quality[] = ['GOOD', 'BAD', 'UNCERTAIN'];
const NULL_TYPES = ['D', 'B', 'S', 'I', 'U'];
const VARIANT_FIELDS = ['stringValue', 'integerValue', 'doubleValue', 'booleanValue', 'nullValue'] as const;
const NULL_TYPE_OF: Record<DataType, string> = { DOUBLE: 'D', INTEGER: 'I', BOOLEAN: 'B', STRING: 'S', STRUCT: 'U' };
const FIELD_OF: Partial<Record<DataType, (typeof VARIANT_FIELDS)[number]>> = {
  DOUBLE: 'doubleValue',
  INTEGER: 'integerValue',
  BOOLEAN: 'booleanValue',
  STRING: 'stringValue',
};
const TYPE_OF_FIELD: Record<string, DataType> = { doubleValue: 'DOUBLE', integerValue: 'INTEGER', booleanValue: 'BOOLEAN', stringValue: 'STRING' };
const TYPE_OF_NULL: Record<string, DataType> = { D: 'DOUBLE', I: 'INTEGER', B: 'BOOLEAN', S: 'STRING' };
const ALIAS = /^[^\u0000-\u001F\u007F]+$/;

/** A validated request entry (whole-request checks passed). */
export interface PutEntry {
  entryId: string;
  assetId?: string;
  propertyId?: string;
  propertyAlias?: string;
  values: { timestamp: Timestamp; quality: Quality; qualityGiven: boolean; value: Record<string, unknown> }[];
}

/** Whole-request validation of a BatchPutAssetPropertyValue body. */
export function readBatchPut(body: Record<string, unknown>): { entries: PutEntry[]; partial: boolean } {
  const partial = body.enablePartialEntryProcessing;
  if (partial !== undefined && typeof partial !== 'boolean') throw invalid('enablePartialEntryProcessing must be a boolean.');
  const entries = body.entries;
  if (!Array.isArray(entries)) throw invalid('1 validation error detected: Value null at \'entries\' failed to satisfy constraint: Member must not be null');
  if (entries.length < 1 || entries.length > MAX_ENTRIES) {
    throw invalid(`1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES} (got ${entries.length})`);
  }
  const seen = new Set<string>();
  const out = entries.map((raw, i): PutEntry => {
    const at = `entries.${i + 1}.member`;
    if (typeof raw !== 'object' || raw === null) throw invalid(`${at} must be an object.`);
    const e = raw as Record<string, unknown>;
    const entryId = e.entryId;
    if (typeof entryId !== 'string' || entryId.length < 1 || entryId.length > 64 || !ENTRY_ID.test(entryId)) {
      throw invalid(`1 validation error detected: Value ${JSON.stringify(entryId ?? null)} at '${at}.entryId' failed to satisfy constraint: Member must have length between 1 and 64 and match [a-zA-Z0-9_-]+`);
    }
    if (seen.has(entryId)) throw invalid(`Entry IDs must be unique within a request; ${entryId} is used more than once.`);
    seen.add(entryId);
    for (const f of ['assetId', 'propertyId', 'propertyAlias'] as const) {
      const v = e[f];
      if (v !== undefined && (typeof v !== 'string' || v.length < 1 || v.length > (f === 'propertyAlias' ? 1000 : 139))) throw invalid(`${at}.${f} must be a non-empty string.`);
    }
    if (typeof e.propertyAlias === 'string' && !ALIAS.test(e.propertyAlias)) {
      throw invalid(`1 validation error detected: Value at '${at}.propertyAlias' failed to satisfy constraint: Member must satisfy regular expression pattern: [^\\u0000-\\u001F\\u007F]+`);
    }
    const values = e.propertyValues;
    if (!Array.isArray(values)) throw invalid(`1 validation error detected: Value null at '${at}.propertyValues' failed to satisfy constraint: Member must not be null`);
    if (values.length < 1 || values.length > MAX_VALUES_PER_ENTRY) {
      throw invalid(`1 validation error detected: Value at '${at}.propertyValues' failed to satisfy constraint: Member must have length between 1 and ${MAX_VALUES_PER_ENTRY} (got ${values.length})`);
    }
    return {
      entryId,
      ...(typeof e.assetId === 'string' ? { assetId: e.assetId } : {}),
      ...(typeof e.propertyId === 'string' ? { propertyId: e.propertyId } : {}),
      ...(typeof e.propertyAlias === 'string' ? { propertyAlias: e.propertyAlias } : {}),
      values: values.map((v, j) => readTqv(v, `${at}.propertyValues.${j + 1}.member`)),
    };
  });
  return { entries: out, partial: partial === true };
}

function readTqv(raw: unknown, at: string): PutEntry['values'][number] {
  if (typeof raw !== 'object' || raw === null) throw invalid(`${at} must be an object.`);
  const tqv = raw as Record<string, unknown>;
  const ts = tqv.timestamp as Record<string, unknown> | undefined;
  if (typeof ts !== 'object' || ts === null) throw invalid(`1 validation error detected: Value null at '${at}.timestamp' failed to satisfy constraint: Member must not be null`);
  const sec = ts.timeInSeconds;
  const nanos = ts.offsetInNanos ?? 0;
  if (typeof sec !== 'number' || !Number.isInteger(sec) || sec < 1 || sec > 9223372036854774) {
    throw invalid(`1 validation error detected: Value ${JSON.stringify(sec ?? null)} at '${at}.timestamp.timeInSeconds' failed to satisfy constraint: Member must be an integer between 1 and 9223372036854774`);
  }
  if (typeof nanos !== 'number' || !Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) {
    throw invalid(`1 validation error detected: Value ${JSON.stringify(nanos)} at '${at}.timestamp.offsetInNanos' failed to satisfy constraint: Member must be an integer between 0 and 999999999`);
  }
  const quality = tqv.quality;
  if (quality !== undefined && !QUALITIES.includes(quality as Quality)) {
    throw invalid(`1 validation error detected: Value ${JSON.stringify(quality)} at '${at}.quality' failed to satisfy enum value set: [GOOD, BAD, UNCERTAIN]`);
  }
  const value = tqv.value;
  if (typeof value !== 'object' || value === null) throw invalid(`1 validation error detected: Value null at '${at}.value' failed to satisfy constraint: Member must not be null`);
  const v = value as Record<string, unknown>;
  if (v.integerValue !== undefined && (typeof v.integerValue !== 'number' || !Number.isInteger(v.integerValue) || v.integerValue < -(2 ** 31) || v.integerValue >= 2 ** 31)) {
    throw invalid(`${at}.value.integerValue must be a 32-bit integer; got ${JSON.stringify(v.integerValue)}.`);
  }
  if (v.nullValue !== undefined) {
    const nv = v.nullValue as Record<string, unknown> | null;
    if (typeof nv !== 'object' || nv === null || !NULL_TYPES.includes(nv.valueType as string)) {
      throw invalid(`1 validation error detected: Value at '${at}.value.nullValue.valueType' failed to satisfy enum value set: [D, B, S, I, U]`);
    }
  }
  return { timestamp: { timeInSeconds: sec, offsetInNanos: nanos }, quality: (quality as Quality | undefined) ?? 'GOOD', qualityGiven: quality !== undefined, value: v };
}

/**
 * Why one TQV cannot be stored into a series of `dataType`, or undefined when it can (checks that
 * need no stored state). `subject` names the target in type-mismatch messages.
 */
function tqvProblem(tqv: PutEntry['values'][number], dataType: DataType, kind: string, nowMs: number, subject: string): { code: EntryErrorCode; message: string } | undefined {
  const ns = nsOf(tqv.timestamp);
  const nowNs = BigInt(Math.round(nowMs * 1000)) * 1000n;
  if (ns < nowNs - BigInt(PAST_MS) * 1_000_000n || ns > nowNs + BigInt(FUTURE_MS) * 1_000_000n) {
    return { code: 'TimestampOutOfRangeException', message: 'Timestamps must be no more than 7 days in the past and no more than 10 minutes in the future of the service time.' };
  }
  const present = VARIANT_FIELDS.filter((f) => tqv.value[f] !== undefined && tqv.value[f] !== null);
  if (present.length !== 1) return { code: 'InvalidRequestException', message: `A value must have exactly one of ${VARIANT_FIELDS.join(', ')}; this one has ${present.length}.` };
  const field = present[0]!;
  const raw = tqv.value[field];
  if (field === 'nullValue') {
    if (tqv.quality === 'GOOD') return { code: 'InvalidRequestException', message: 'A nullValue is only accepted with BAD or UNCERTAIN quality.' };
    const vt = (raw as { valueType: string }).valueType;
    if (vt !== 'U' && vt !== NULL_TYPE_OF[dataType]) return { code: 'InvalidRequestException', message: `nullValue of type ${vt} does not match the data type ${dataType} of ${subject}.` };
    return undefined;
  }
  // An attribute also takes its value as a string, as the attribute default values are strings.
  const expected = FIELD_OF[dataType];
  const attributeText = kind === 'attribute' && field === 'stringValue' && typeof raw === 'string' && attributeValueFits(raw, dataType);
  if (field !== expected && !attributeText) {
    return { code: 'InvalidRequestException', message: `Data type mismatch: ${subject} is ${dataType}; the value was given as ${field}.` };
  }
  switch (field) {
    case 'doubleValue': {
      const d = typeof raw === 'string' ? Number(raw) : raw;
      if (typeof d !== 'number' || (typeof raw === 'string' && !['NaN', 'Infinity', '-Infinity'].includes(raw))) return { code: 'InvalidRequestException', message: 'doubleValue must be a number.' };
      if (!Number.isNaN(d) && (d < -DOUBLE_LIMIT || d > DOUBLE_LIMIT)) return { code: 'InvalidRequestException', message: 'doubleValue must be within [-10^10, 10^10] (NaN is allowed).' };
      return undefined;
    }
    case 'stringValue':
      if (typeof raw !== 'string') return { code: 'InvalidRequestException', message: 'stringValue must be a string.' };
      if (raw.length > MAX_STRING) return { code: 'InvalidRequestException', message: `stringValue must be at most ${MAX_STRING} characters long.` };
      if (/[\u0000-\u001F\u007F]/.test(raw)) return { code: 'InvalidRequestException', message: 'stringValue must not contain control characters.' };
      return undefined;
    case 'booleanValue':
      return typeof raw === 'boolean' ? undefined : { code: 'InvalidRequestException', message: 'booleanValue must be true or false.' };
    default:
      return undefined;
  }
}

const nsOf = (t: Timestamp): bigint => BigInt(t.timeInSeconds) * 1_000_000_000n + BigInt(t.offsetInNanos);

/** Values per time series id, sorted by time; one value per (timestamp, quality). */
export class ValueStore {
  private readonly series = new Map<string, StoredValue[]>();
  stored = 0;

  /** Stores a value; a value with the same timestamp and quality replaces the earlier one. */
  put(seriesId: string, v: StoredValue): void {
    let list = this.series.get(seriesId);
    if (!list) this.series.set(seriesId, (list = []));
    // Binary search for the first element with ns > v.ns.
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.ns <= v.ns) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo - 1; i >= 0 && list[i]!.ns === v.ns; i--) {
      if (list[i]!.quality === v.quality) {
        list.splice(i, 1);
        lo--;
        this.stored--;
        break;
      }
    }
    list.splice(lo, 0, v);
    this.stored++;
  }

  list(seriesId: string | undefined): readonly StoredValue[] {
    return (seriesId !== undefined && this.series.get(seriesId)) || [];
  }

  /** Drops the values of time series that no longer exist. */
  retain(exists: (seriesId: string) => boolean): void {
    for (const [id, list] of this.series) {
      if (!exists(id)) {
        this.series.delete(id);
        this.stored -= list.length;
      }
    }
  }
}

export interface BatchPutOutcome {
  errorEntries: ErrorEntry[];
  stored: number;
  rejected: number;
}

/**
 * Runs validated entries against the catalog and the store. `injected(entryId)` lets fault
 * injection answer an entry with an error code before anything is stored.
 */
export function batchPut(
  catalog: Catalog,
  store: ValueStore,
  req: { entries: PutEntry[]; partial: boolean },
  nowMs: number,
  injected: () => EntryErrorCode | undefined,
): BatchPutOutcome {
  const errorEntries: ErrorEntry[] = [];
  let stored = 0;
  let rejected = 0;
  for (const entry of req.entries) {
    const allTimestamps = entry.values.map((v) => v.timestamp);
    const fail = (code: EntryErrorCode, message: string): void => {
      errorEntries.push({ entryId: entry.entryId, errors: [{ errorCode: code, errorMessage: message, timestamps: allTimestamps }] });
      rejected += entry.values.length;
    };
    const fault = injected();
    if (fault) {
      fail(fault, `Injected ${fault} (local SiteWise fault injection).`);
      continue;
    }
    let target: Target;
    try {
      target = resolve(catalog, entry);
    } catch (err) {
      const e = err as { name: string; message: string };
      fail(e.name === 'ResourceNotFoundException' ? 'ResourceNotFoundException' : 'InvalidRequestException', e.message);
      continue;
    }
    let dataType: DataType;
    let kind: string;
    let subject: string;
    if ('property' in target) {
      const { property } = target;
      if (property.kind !== 'measurement' && property.kind !== 'attribute') {
        fail('InvalidRequestException', `Property ${property.name} is a ${property.kind}; values can only be ingested into measurement and attribute properties.`);
        continue;
      }
      if (property.dataType === 'STRUCT') {
        fail('InvalidRequestException', `Property ${property.name} has the STRUCT data type, which does not take ingested values.`);
        continue;
      }
      ({ dataType, kind } = property);
      subject = `property ${property.name}`;
    } else {
      const fixed = target.stream?.dataType ?? firstDataType(entry.values);
      if (!fixed) {
        fail('InvalidRequestException', `The alias ${target.alias} is new: its time series takes its data type from the first value, and no value of this entry has one (a nullValue of type U does not name a type).`);
        continue;
      }
      dataType = fixed;
      kind = 'measurement';
      subject = target.stream ? `time series ${target.alias} (its data type was fixed by its first value)` : `new time series ${target.alias} (its data type is fixed by its first value)`;
    }
    const byCode = new Map<EntryErrorCode, EntryError>();
    const good: StoredValue[] = [];
    for (const tqv of entry.values) {
      const problem = tqvProblem(tqv, dataType, kind, nowMs, subject);
      if (problem) {
        const e = byCode.get(problem.code);
        if (e) e.timestamps.push(tqv.timestamp);
        else byCode.set(problem.code, { errorCode: problem.code, errorMessage: problem.message, timestamps: [tqv.timestamp] });
        continue;
      }
      good.push({ timestamp: tqv.timestamp, quality: tqv.quality, value: normalise(tqv.value, dataType), ns: nsOf(tqv.timestamp) });
    }
    const bad = entry.values.length - good.length;
    if (byCode.size > 0) errorEntries.push({ entryId: entry.entryId, errors: [...byCode.values()] });
    if (byCode.size > 0 && !req.partial) {
      // Without partial processing one bad TQV fails the entry: nothing of it is stored, and
      // (as in the real service) only the bad TQVs are listed.
      rejected += entry.values.length;
      continue;
    }
    rejected += bad;
    if (good.length === 0) continue;
    // The time series is made on the first stored value (a failed entry makes none).
    const series = 'property' in target ? catalog.seriesOf(target.asset, target.property, true) : (target.stream ?? catalog.createStream(target.alias, dataType));
    for (const v of good) store.put(series.id, v);
    stored += good.length;
  }
  return { errorEntries, stored, rejected };
}

/** Where an entry's values go: an asset property, or the (maybe not yet existing) disassociated time series of an alias. */
type Target = { asset: AssetRecord; property: ModelProperty } | { alias: string; stream?: TimeSeriesRecord };

/** The data type the first TQV that names one gives (a nullValue of type U names none). */
function firstDataType(values: PutEntry['values']): DataType | undefined {
  for (const tqv of values) {
    const present = VARIANT_FIELDS.filter((f) => tqv.value[f] !== undefined && tqv.value[f] !== null);
    if (present.length !== 1) continue;
    const t = present[0] === 'nullValue' ? TYPE_OF_NULL[(tqv.value.nullValue as { valueType: string }).valueType] : TYPE_OF_FIELD[present[0]!];
    if (t) return t;
  }
  return undefined;
}

function resolve(catalog: Catalog, entry: PutEntry): Target {
  const byIds = entry.assetId !== undefined || entry.propertyId !== undefined;
  if (byIds && (entry.assetId === undefined || entry.propertyId === undefined)) {
    throw invalid('Give both assetId and propertyId, or a propertyAlias.');
  }
  if (entry.propertyAlias !== undefined) {
    const found = catalog.byAlias(entry.propertyAlias);
    if (!found) {
      if (byIds) throw invalid(`The property alias ${entry.propertyAlias} is not the alias of asset property assetId/propertyId.`);
      return { alias: entry.propertyAlias, stream: catalog.stream(entry.propertyAlias) };
    }
    if (byIds && (found.asset.id !== entry.assetId || found.property.id !== entry.propertyId)) {
      throw invalid(`The property alias ${entry.propertyAlias} belongs to another asset property than assetId/propertyId.`);
    }
    return found;
  }
  if (!byIds) throw invalid('Give a propertyAlias, or assetId and propertyId.');
  return catalog.byIds(entry.assetId!, entry.propertyId!);
}

/** Stored form: doubles as numbers (NaN kept), an attribute's text converted to its data type. */
function normalise(v: Record<string, unknown>, dataType: DataType): Variant {
  if (v.nullValue !== undefined && v.nullValue !== null) return { nullValue: { valueType: (v.nullValue as { valueType: string }).valueType } };
  if (v.doubleValue !== undefined) return { doubleValue: Number(v.doubleValue) };
  if (v.integerValue !== undefined) return { integerValue: v.integerValue as number };
  if (v.booleanValue !== undefined) return { booleanValue: v.booleanValue as boolean };
  const s = v.stringValue as string;
  switch (dataType) {
    case 'DOUBLE':
      return { doubleValue: Number(s) };
    case 'INTEGER':
      return { integerValue: Number(s) };
    case 'BOOLEAN':
      return { booleanValue: s === 'true' };
    default:
      return { stringValue: s };
  }
}

/** What a Get* query names (propertyAlias, or assetId + propertyId): the time series (if any) and the property (if any). */
export function resolveQuery(catalog: Catalog, q: URLSearchParams): { seriesId?: string; asset?: AssetRecord; property?: ModelProperty } {
  const alias = q.get('propertyAlias');
  const assetId = q.get('assetId');
  const propertyId = q.get('propertyId');
  if (alias !== null) {
    const found = catalog.byAlias(alias);
    if (found) return { ...found, seriesId: catalog.seriesOf(found.asset, found.property)?.id };
    const stream = catalog.stream(alias);
    if (!stream) throw notFound(`The alias ${alias} names no asset property and no time series.`);
    return { seriesId: stream.id };
  }
  if (assetId === null || propertyId === null) throw invalid('Give a propertyAlias, or assetId and propertyId.');
  const found = catalog.byIds(assetId, propertyId);
  return { ...found, seriesId: catalog.seriesOf(found.asset, found.property)?.id };
}

export function wireValue(v: StoredValue): Record<string, unknown> {
  return { value: v.value, timestamp: v.timestamp, quality: v.quality };
}

/** GetAssetPropertyValue: the value with the latest timestamp (the latest written when qualities tie). */
export function latest(catalog: Catalog, store: ValueStore, q: URLSearchParams): Record<string, unknown> {
  const { seriesId, asset, property } = resolveQuery(catalog, q);
  const list = store.list(seriesId);
  if (list.length > 0) return { propertyValue: wireValue(list[list.length - 1]!) };
  const dv = (property?.type.attribute as { defaultValue?: string } | undefined)?.defaultValue;
  if (asset && property?.kind === 'attribute' && dv !== undefined) {
    const sec = Math.floor(asset.created / 1000);
    return { propertyValue: { value: normalise({ stringValue: dv }, property.dataType), timestamp: { timeInSeconds: sec, offsetInNanos: 0 }, quality: 'GOOD' } };
  }
  return {};
}

/** Parses a query timestamp: ISO 8601 date-time (what the SDK sends) or epoch seconds. */
function queryDate(q: URLSearchParams, name: string): bigint | undefined {
  const raw = q.get(name);
  if (raw === null) return undefined;
  const ms = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) * 1000 : Date.parse(raw);
  if (!Number.isFinite(ms)) throw invalid(`${name} ${JSON.stringify(raw)} is not a timestamp.`);
  return BigInt(Math.round(ms)) * 1_000_000n;
}

/** GetAssetPropertyValueHistory: values in [startDate, endDate], filtered by quality, ordered, paged. */
export function history(catalog: Catalog, store: ValueStore, q: URLSearchParams): Record<string, unknown> {
  const { seriesId } = resolveQuery(catalog, q);
  const start = queryDate(q, 'startDate') ?? 0n;
  const end = queryDate(q, 'endDate') ?? BigInt(Number.MAX_SAFE_INTEGER) * 1_000_000n;
  if (start > end) throw invalid('startDate must not be after endDate.');
  const qualities = q.getAll('qualities');
  if (qualities.length > 1) throw invalid('qualities takes one quality.');
  for (const qu of qualities) if (!QUALITIES.includes(qu as Quality)) throw invalid(`qualities: ${qu} is not one of GOOD, BAD, UNCERTAIN.`);
  const ordering = q.get('timeOrdering') ?? 'ASCENDING';
  if (ordering !== 'ASCENDING' && ordering !== 'DESCENDING') throw invalid('timeOrdering must be ASCENDING or DESCENDING.');
  let values = store.list(seriesId).filter((v) => v.ns >= start && v.ns <= end && (qualities.length === 0 || qualities.includes(v.quality)));
  if (ordering === 'DESCENDING') values = [...values].reverse();
  const { items, nextToken } = page(values, q, 100, 20_000);
  return { assetPropertyValueHistory: items.map(wireValue), nextToken };
}
