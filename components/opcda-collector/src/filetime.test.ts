import { FILETIME_EPOCH_OFFSET, fromDate, fromFiletime, fromUaDateTime, toFiletime } from './filetime';

describe('FILETIME', () => {
  test('the Unix epoch is 116444736000000000 ticks', () => {
    expect(fromFiletime(FILETIME_EPOCH_OFFSET)).toEqual({ ms: 0, nanos: 0 });
  });

  test('100-ns ticks become ms + nanos, nothing rounded away', () => {
    // 2025-01-01T12:00:00.123Z plus 4567 × 100 ns
    const ms = Date.UTC(2025, 0, 1, 12, 0, 0, 123);
    const ticks = BigInt(ms) * 10_000n + 4567n + FILETIME_EPOCH_OFFSET;
    expect(fromFiletime(ticks)).toEqual({ ms, nanos: 456_700 });
    expect(toFiletime({ ms, nanos: 456_700 })).toBe(ticks);
  });

  test('from the two 32-bit halves DCOM gives (the low half may arrive negative)', () => {
    const ms = Date.UTC(2024, 5, 30, 23, 59, 59, 999);
    const ticks = BigInt(ms) * 10_000n + 9999n + FILETIME_EPOCH_OFFSET;
    const high = Number(ticks >> 32n);
    const low = Number(ticks & 0xffffffffn) | 0;
    expect(fromFiletime(high, low)).toEqual({ ms, nanos: 999_900 });
  });

  test('0 (no timestamp) and times before 1970 give undefined', () => {
    expect(fromFiletime(0n)).toBeUndefined();
    expect(fromFiletime(0, 0)).toBeUndefined();
    expect(fromFiletime(FILETIME_EPOCH_OFFSET - 1n)).toBeUndefined();
  });

  test('node-opcua dates: picoseconds beyond the ms become nanos', () => {
    const d = new Date(Date.UTC(2025, 0, 1));
    expect(fromUaDateTime(d, 123_400_000)).toEqual({ ms: d.getTime(), nanos: 123_400 });
    expect(fromUaDateTime(d, undefined)).toEqual({ ms: d.getTime(), nanos: 0 });
    expect(fromUaDateTime(null)).toBeUndefined();
    expect(fromUaDateTime(new Date(Date.UTC(1601, 0, 1)))).toBeUndefined();
    expect(fromDate(new Date(-11644473600000))).toBeUndefined(); // what node-opc-da makes of FILETIME 0
  });
});
