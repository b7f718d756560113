import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeDtc, decodeDtcResponse } from './dtc';
import { decodeMode01, decodeSupportedPids, findPid, hex2, MODE01_PIDS, parseHexBytes } from './pids';
import { decodeVin } from './vin';

const FIXTURES = join(__dirname, '../../../../test/fixtures/elm327');
const jsonl = <T>(file: string): T[] =>
  readFileSync(join(FIXTURES, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);

interface DecodeCase { pid: string; name: string; response: string; value: number | string[]; unit: string; tolerance?: number; source: string }
interface DtcCase { bytes: string; code: string | null }

const bytes = (s: string): number[] => {
  const b = parseHexBytes(s);
  if (!b) throw new Error(`bad hex ${s}`);
  return b;
};

function close(actual: number, expected: number, tolerance?: number): boolean {
  if (tolerance !== undefined) return Math.abs(actual - expected) <= tolerance;
  return Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected));
}

describe('Mode 01 decoding: every case of decode.jsonl', () => {
  const cases = jsonl<DecodeCase>('decode.jsonl');
  it('has all 125 cases', () => expect(cases).toHaveLength(125));

  it.each(cases.map((c, i) => [`${i + 1} ${c.pid} ${c.name} ${c.response}`, c] as const))('%s', (_title, c) => {
    const out = decodeMode01(bytes(c.response));
    expect(out.problem).toBeUndefined();
    expect(out.pids).toEqual([parseInt(c.pid, 16)]);
    const signal = out.signals.find((s) => s.name === c.name);
    expect(signal).toBeDefined();
    expect(signal!.unit).toBe(c.unit);
    if (Array.isArray(c.value)) {
      expect((signal!.value as number[]).map(hex2)).toEqual(c.value);
    } else {
      expect(typeof signal!.value).toBe('number');
      if (!close(signal!.value as number, c.value, c.tolerance)) {
        throw new Error(`${c.name}: got ${String(signal!.value)}, expected ${c.value} (tolerance ${c.tolerance ?? 'relative 1e-9'})`);
      }
    }
  });
});

describe('Mode 01 decoding: table and multi-PID answers', () => {
  it('covers the PIDs the collector needs', () => {
    const wanted = [0x00, 0x01, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x1f, 0x20, 0x21, 0x2f, 0x31, 0x33, 0x40, 0x42, 0x43, 0x44, 0x45, 0x46, 0x49, 0x4a, 0x5c, 0x5e, 0x60, 0x61, 0x62, 0x63];
    expect(wanted.filter((p) => !MODE01_PIDS.has(p))).toEqual([]);
    expect(findPid('rpm')?.pid).toBe(0x0c);
    expect(findPid(0x2f)?.name).toBe('fuel_level');
  });

  it('decodes the FWE multi-PID payload with the table data lengths', () => {
    const out = decodeMode01(bytes('41 04 99 05 6E 0A 96 0C 0A 6B 0D 23'));
    expect(out.problem).toBeUndefined();
    expect(out.pids).toEqual([0x04, 0x05, 0x0a, 0x0c, 0x0d]);
    const v = Object.fromEntries(out.signals.map((s) => [s.name, s.value]));
    expect(v).toEqual({ engine_load: 60, coolant_temp: 70, fuel_pressure: 450, rpm: 666.75, speed: 35 });
  });

  it('MIL and DTC count from 01 01', () => {
    const on = decodeMode01(bytes('41 01 83 07 65 04'));
    expect(on.signals.map((s) => [s.name, s.value])).toEqual([['mil', true], ['dtc_count', 3]]);
    const off = decodeMode01(bytes('41 01 00 07 65 04'));
    expect(off.signals.map((s) => [s.name, s.value])).toEqual([['mil', false], ['dtc_count', 0]]);
  });

  it('keeps what it decoded and names the problem on an unknown PID or short data', () => {
    const unknown = decodeMode01(bytes('41 0D 23 F7 01'));
    expect(unknown.pids).toEqual([0x0d]);
    expect(unknown.problem).toMatch(/unknown PID F7/);
    const short = decodeMode01(bytes('41 0C 1A'));
    expect(short.signals).toEqual([]);
    expect(short.problem).toMatch(/needs 2 data bytes/);
    expect(decodeMode01(bytes('7F 01 12')).problem).toMatch(/not a Mode 01/);
    expect(decodeMode01([]).problem).toBeDefined();
  });

  it('bitmask: bit i (MSB first) means base+i+1', () => {
    expect(decodeSupportedPids(0x20, [0x80, 0, 0, 1])).toEqual([0x21, 0x40]);
  });
});

describe('DTC decoding: every case of dtc.jsonl', () => {
  const cases = jsonl<DtcCase>('dtc.jsonl');
  it('has all 30 cases', () => expect(cases).toHaveLength(30));
  it.each(cases.map((c) => [c.bytes, c] as const))('%s', (_t, c) => {
    const [b1, b2] = bytes(c.bytes);
    expect(decodeDtc(b1!, b2!)).toBe(c.code);
  });
});

describe('DTC answers', () => {
  it('CAN layout with a count byte (FWE vector)', () => {
    expect(decodeDtcResponse(bytes('43 04 01 43 41 96 81 48 C1 48'))).toEqual({ ok: true, codes: ['P0143', 'C0196', 'B0148', 'U0148'] });
  });
  it('no codes', () => expect(decodeDtcResponse(bytes('43 00'))).toEqual({ ok: true, codes: [] }));
  it('refuses a count that does not match the length', () => {
    expect(decodeDtcResponse(bytes('43 04 01 43')).ok).toBe(false);
    expect(decodeDtcResponse(bytes('43 04 01 43'), 'can').ok).toBe(false);
  });
  it('legacy layout, no count byte, 00 00 padding dropped (obdsim-style on CAN too)', () => {
    expect(decodeDtcResponse(bytes('43 01 04 80 03 41 23'))).toEqual({ ok: true, codes: ['P0104', 'B0003', 'C0123'] });
    expect(decodeDtcResponse(bytes('43 01 33 00 00 00 00'))).toEqual({ ok: true, codes: ['P0133'] });
    expect(decodeDtcResponse(bytes('43 01 33 00 00 00 00 43 01 04 00 00 00 00'), 'legacy')).toEqual({ ok: true, codes: ['P0133', 'P0104'] });
  });
  it('pending (47) answers decode the same way', () => {
    expect(decodeDtcResponse(bytes('47 01 01 33'))).toEqual({ ok: true, codes: ['P0133'] });
  });
  it('refuses other modes', () => expect(decodeDtcResponse(bytes('41 0C 00 00')).ok).toBe(false));
});

describe('VIN', () => {
  it('CAN: 49 02 01 + 17 characters (FWE vector)', () => {
    expect(decodeVin(bytes('49 02 01 31 47 31 4A 43 35 34 34 34 52 37 32 35 32 33 36 37'))).toBe('1G1JC5444R7252367');
  });
  it('49 02 alone means no VIN', () => expect(decodeVin(bytes('49 02'))).toBeNull());
  it('legacy: five frames 49 02 0n, sorted by n, leading zero padding dropped', () => {
    const vin = '1G1JC5444R7252367';
    const padded = [0, 0, 0, ...Buffer.from(vin, 'latin1')];
    const frames: number[][] = [];
    for (let n = 0; n < 5; n++) frames.push([0x49, 0x02, n + 1, ...padded.slice(n * 4, n * 4 + 4)]);
    const shuffled = [frames[2]!, frames[0]!, frames[4]!, frames[1]!, frames[3]!].flat();
    expect(decodeVin(shuffled)).toBe(vin);
  });
  it('not a VIN answer', () => expect(decodeVin(bytes('41 0C 00 00'))).toBeNull());
});
