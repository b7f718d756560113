import { BuiltInType, mapDataValue, qualityOf, timestampOf, type DataValueLike } from './values';

const conv = { arrays: 'json', dateTime: 'iso8601', wideIntegers: 'double' } as const;
const T = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
const dv = (dataType: number, value: unknown, extra: Partial<DataValueLike> = {}): DataValueLike => ({
  value: { dataType, value, arrayType: 0 },
  statusCode: { value: 0 },
  sourceTimestamp: new Date(T),
  ...extra,
});

describe('OPC UA value mapping', () => {
  test.each([
    ['Boolean', BuiltInType.Boolean, true, true],
    ['SByte', BuiltInType.SByte, -5, -5],
    ['UInt16', BuiltInType.UInt16, 65535, 65535],
    ['Int32', BuiltInType.Int32, -2147483648, -2147483648],
    ['UInt32 in int32 range', BuiltInType.UInt32, 7, 7],
    ['UInt32 above int32', BuiltInType.UInt32, 4294967295, 4294967295],
    ['Int64 [hi, lo]', BuiltInType.Int64, [0xffffffff, 0xfffffffe], -2],
    ['UInt64 [hi, lo]', BuiltInType.UInt64, [1, 0], 4294967296],
    ['Float', BuiltInType.Float, 1.5, 1.5],
    ['Double', BuiltInType.Double, -0.25, -0.25],
    ['String', BuiltInType.String, 'abc', 'abc'],
    ['LocalizedText', BuiltInType.LocalizedText, { text: 'Running', locale: 'en' }, 'Running'],
    ['QualifiedName', BuiltInType.QualifiedName, { name: 'X', namespaceIndex: 1 }, 'X'],
    ['DateTime', BuiltInType.DateTime, new Date(T), new Date(T).toISOString()],
  ])('%s', (_name, type, value, expected) => {
    expect(mapDataValue(dv(type, value), 0, conv)).toMatchObject({ value: expected, quality: 'GOOD', ts: T });
  });

  test('wide integers beyond 2^53 as strings when configured', () => {
    const m = mapDataValue(dv(BuiltInType.UInt64, [0xffffffff, 0xffffffff]), 0, { ...conv, wideIntegers: 'string' });
    expect(m.value).toBe('18446744073709551615');
  });

  test('arrays as JSON strings, or dropped', () => {
    expect(mapDataValue({ ...dv(BuiltInType.Double, new Float64Array([1, 2.5])), value: { dataType: BuiltInType.Double, arrayType: 1, value: new Float64Array([1, 2.5]) } }, 0, conv).value).toBe('[1,2.5]');
    expect(mapDataValue({ value: { dataType: BuiltInType.Int32, arrayType: 1, value: [1, 2] } }, 0, { ...conv, arrays: 'drop' }).unsupported).toBe('array');
  });

  test('NaN and null: value null, quality at best UNCERTAIN; a BAD status stays BAD', () => {
    expect(mapDataValue(dv(BuiltInType.Double, NaN), 0, conv)).toMatchObject({ value: null, quality: 'UNCERTAIN', attrs: { nonFinite: 'NaN' } });
    expect(mapDataValue(dv(BuiltInType.Null, null, { statusCode: { value: 0x80340000 } }), 0, conv)).toMatchObject({ value: null, quality: 'BAD' });
  });

  test('unsupported types are flagged, not written', () => {
    expect(mapDataValue(dv(BuiltInType.ByteString, Buffer.from('x')), 0, conv).unsupported).toBe('unsupported_type');
    expect(mapDataValue(dv(22, {}), 0, conv).unsupported).toBe('unsupported_type');
  });

  test('strings are cut at 1024 characters', () => {
    const m = mapDataValue(dv(BuiltInType.String, 'x'.repeat(2000)), 0, conv);
    expect((m.value as string).length).toBe(1024);
    expect(m.attrs).toEqual({ truncated: 2000 });
  });

  test('quality from the severity bits', () => {
    expect(qualityOf(0)).toBe('GOOD');
    expect(qualityOf(0x40920000)).toBe('UNCERTAIN'); // UncertainLastUsableValue
    expect(qualityOf(0x80050000)).toBe('BAD'); // BadCommunicationError
    expect(qualityOf(0xc0000000)).toBe('BAD');
  });

  test('timestamp: source, else server, else receive time', () => {
    expect(timestampOf({ sourceTimestamp: new Date(5), serverTimestamp: new Date(6) }, 7)).toBe(5);
    expect(timestampOf({ sourceTimestamp: null, serverTimestamp: new Date(6) }, 7)).toBe(6);
    expect(timestampOf({}, 7)).toBe(7);
  });
});
