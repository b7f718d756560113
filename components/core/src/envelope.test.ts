import {
  BATCH_OVERHEAD_BYTES,
  BatchPacker,
  ENVELOPE_VERSION,
  EnvelopeError,
  EnvelopeErrorCode,
  MAX_TIMESTAMP_MS,
  QUALITIES,
  SOURCES,
  type DecodeResult,
  type Sample,
  decodeBatch,
  encodeBatch,
  isSample,
  sampleProblems,
  splitIntoBatches,
} from './envelope';
import { TributaryError } from './errors';

const base: Sample = { device: 'VIN123', source: 'obd', name: 'rpm', value: 812, unit: 'rpm', quality: 'GOOD', ts: 1_700_000_000_000 };

function sample(over: Partial<Sample> = {}): Sample {
  return { ...base, ...over };
}

/** A sample with some fields replaced by arbitrary (possibly invalid) values. */
function bad(over: Record<string, unknown>, drop: string[] = []): Sample {
  const s: Record<string, unknown> = { ...base, ...over };
  for (const k of drop) delete s[k];
  return s as unknown as Sample;
}

function decodeOk(payload: Buffer): Extract<DecodeResult, { ok: true }> {
  const r = decodeBatch(payload);
  if (!r.ok) throw new Error(`expected ok, got ${r.code}: ${r.problems.join('; ')}`);
  return r;
}

function decodeFail(payload: Buffer | string): Extract<DecodeResult, { ok: false }> {
  const r = decodeBatch(typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload);
  if (r.ok) throw new Error('expected ok:false');
  return r;
}

function encodeProblems(samples: Sample[]): string[] {
  try {
    encodeBatch(samples);
  } catch (err) {
    expect(err).toBeInstanceOf(EnvelopeError);
    expect(err).toBeInstanceOf(TributaryError);
    expect((err as EnvelopeError).code).toBe('envelope_invalid');
    return [...(err as EnvelopeError).problems];
  }
  throw new Error('encodeBatch did not throw');
}

describe('encodeBatch / decodeBatch round trips', () => {
  it('writes the version-1 wire format', () => {
    const payload = encodeBatch([base]);
    expect(ENVELOPE_VERSION).toBe(1);
    expect(JSON.parse(payload.toString('utf8'))).toEqual({ v: 1, samples: [base] });
  });

  it.each<[string, Sample['value']]>([
    ['integer', 42],
    ['negative float', -273.15],
    ['zero', 0],
    ['large number', 1.7976931348623157e308],
    ['string', 'P0301,P0420'],
    ['empty string', ''],
    ['unicode string', 'Température ✓ 温度 🚗'],
    ['true', true],
    ['false', false],
    ['null', null],
  ])('round-trips a %s value', (_label, value) => {
    const s = sample({ value });
    const r = decodeOk(encodeBatch([s]));
    expect(r.samples).toEqual([s]);
    expect(r.invalid).toEqual([]);
    expect(r.batch).toEqual({ v: 1, samples: [s] });
    expect(r.batch.samples).toBe(r.samples);
  });

  it('round-trips every optional field, every source and every quality', () => {
    const samples: Sample[] = [];
    for (const source of SOURCES) {
      for (const quality of QUALITIES) {
        samples.push({
          device: 'plant-1/ipc-7',
          source,
          name: 'Line1/Filler/Temperature',
          value: 71.25,
          unit: '°C',
          quality,
          ts: 1_700_000_000_123,
          tsNanos: 999_999,
          alias: '/site/area/line/machine/tag',
          attrs: { nodeId: 'ns=2;s=Temp', sourceTsMs: 5, simulated: false, 'odd key\nwith newline': 'ok' },
        });
      }
    }
    expect(SOURCES).toEqual(['obd', 'gps', 'opcua', 'opcda']);
    expect(QUALITIES).toEqual(['GOOD', 'UNCERTAIN', 'BAD']);
    const r = decodeOk(encodeBatch(samples));
    expect(r.samples).toEqual(samples);
    expect(r.invalid).toEqual([]);
  });

  it('round-trips minimal samples and the boundary values', () => {
    const samples: Sample[] = [
      { device: 'd', source: 'gps', name: 'n', value: 0, quality: 'BAD', ts: 0 },
      { device: 'd'.repeat(256), source: 'gps', name: 'n'.repeat(1024), value: 1, quality: 'UNCERTAIN', ts: MAX_TIMESTAMP_MS, tsNanos: 0 },
      sample({ attrs: {} }),
    ];
    expect(decodeOk(encodeBatch(samples)).samples).toEqual(samples);
  });

  it('drops optional fields that are undefined', () => {
    const s = sample({ unit: undefined, tsNanos: undefined });
    const r = decodeOk(encodeBatch([s]));
    expect(r.samples[0]).toEqual({ device: 'VIN123', source: 'obd', name: 'rpm', value: 812, quality: 'GOOD', ts: 1_700_000_000_000 });
    expect('unit' in r.samples[0]).toBe(false);
  });
});

describe('encodeBatch validation', () => {
  it.each([NaN, Infinity, -Infinity])('rejects the number %p', (value) => {
    expect(encodeProblems([sample(), sample({ value })])).toEqual(['/samples/1/value: must be a finite number, string, boolean or null']);
  });

  it('rejects non-scalar values', () => {
    expect(encodeProblems([bad({ value: { a: 1 } })])).toEqual(['/samples/0/value: must be a finite number, string, boolean or null']);
    expect(encodeProblems([bad({ value: [1] })])).toEqual(['/samples/0/value: must be a finite number, string, boolean or null']);
  });

  it('rejects a bad quality', () => {
    expect(encodeProblems([bad({ quality: 'good' })])).toEqual(['/samples/0/quality: must be one of "GOOD", "UNCERTAIN", "BAD"']);
  });

  it('rejects a missing ts', () => {
    expect(encodeProblems([sample(), sample(), bad({}, ['ts'])])).toEqual(['/samples/2/ts: is required']);
  });

  it.each([-1, 1.5, '1700000000000', MAX_TIMESTAMP_MS + 1])('rejects ts = %p', (ts) => {
    expect(encodeProblems([bad({ ts })])).toEqual([
      `/samples/0/ts: must be an integer number of milliseconds since the epoch, from 0 to ${MAX_TIMESTAMP_MS}`,
    ]);
  });

  it.each([0.5, -1, 1_000_000, '5'])('rejects tsNanos = %p', (tsNanos) => {
    expect(encodeProblems([bad({ tsNanos })])).toEqual(['/samples/0/tsNanos: must be an integer from 0 to 999999']);
  });

  it('rejects an unknown source', () => {
    expect(encodeProblems([bad({ source: 'modbus' })])).toEqual(['/samples/0/source: must be one of "obd", "gps", "opcua", "opcda"']);
  });

  it('rejects bad device, name, unit, alias and attrs, and unknown fields', () => {
    expect(encodeProblems([bad({ device: '' })])).toEqual(['/samples/0/device: must be a string of 1 to 256 characters']);
    expect(encodeProblems([bad({ device: 'x'.repeat(257) })])).toEqual(['/samples/0/device: must be a string of 1 to 256 characters']);
    expect(encodeProblems([bad({ name: 'x'.repeat(1025) })])).toEqual(['/samples/0/name: must be a string of 1 to 1024 characters']);
    expect(encodeProblems([bad({ unit: 5 })])).toEqual(['/samples/0/unit: must be a string']);
    expect(encodeProblems([bad({ alias: '' })])).toEqual(['/samples/0/alias: must be a string of 1 to 2048 characters']);
    expect(encodeProblems([bad({ attrs: { ok: 1, no: NaN } })])).toEqual(['/samples/0/attrs/no: must be a string, finite number or boolean']);
    expect(encodeProblems([bad({ attrs: { nested: { a: 1 } } })])).toEqual(['/samples/0/attrs/nested: must be a string, finite number or boolean']);
    expect(encodeProblems([bad({ attrs: 'x' })])).toEqual(['/samples/0/attrs: must be an object of string, number or boolean values']);
    expect(encodeProblems([bad({ quantity: 1 })])).toEqual(['/samples/0/quantity: is not a known field']);
    expect(encodeProblems([5 as unknown as Sample])).toEqual(['/samples/0: must be an object']);
  });

  it('lists every problem of every sample, one per path', () => {
    const problems = encodeProblems([sample(), bad({ value: NaN, quality: 'OK' }, ['ts']), sample(), bad({ source: 'x' })]);
    expect(problems).toEqual(
      expect.arrayContaining([
        '/samples/1/value: must be a finite number, string, boolean or null',
        '/samples/1/quality: must be one of "GOOD", "UNCERTAIN", "BAD"',
        '/samples/1/ts: is required',
        '/samples/3/source: must be one of "obd", "gps", "opcua", "opcda"',
      ]),
    );
    expect(problems).toHaveLength(4);
  });

  it('puts the problems in the message and in details', () => {
    let caught: unknown;
    try {
      encodeBatch([bad({ value: NaN })]);
    } catch (err) {
      caught = err;
    }
    const e = caught as EnvelopeError;
    expect(e.name).toBe('EnvelopeError');
    expect(e.message).toContain('/samples/0/value: must be a finite number, string, boolean or null');
    expect(e.details).toEqual({ problems: ['/samples/0/value: must be a finite number, string, boolean or null'] });
  });

  it('caps the message but keeps every problem', () => {
    const many = Array.from({ length: 25 }, () => bad({ value: NaN }));
    const problems = encodeProblems(many);
    expect(problems).toHaveLength(25);
    try {
      encodeBatch(many);
    } catch (err) {
      expect((err as Error).message).toContain('(and 15 more)');
    }
  });

  it('rejects an empty batch', () => {
    expect(encodeProblems([])).toEqual(['/samples: must be a non-empty array of samples']);
  });

  it('isSample / sampleProblems agree with encodeBatch', () => {
    expect(isSample(base)).toBe(true);
    expect(isSample(bad({ value: NaN }))).toBe(false);
    expect(sampleProblems(base)).toEqual([]);
    expect(sampleProblems(bad({ quality: 1 }), '/x')).toEqual(['/x/quality: must be one of "GOOD", "UNCERTAIN", "BAD"']);
  });
});

describe('decodeBatch on unusable messages', () => {
  it('garbage bytes are unparseable', () => {
    const r = decodeFail(Buffer.from([0xff, 0xfe, 0x00, 0x13, 0x37]));
    expect(r.code).toBe('envelope_unparseable');
    expect(r.problems).toHaveLength(1);
  });

  it('invalid UTF-8 inside otherwise valid JSON is unparseable', () => {
    const good = encodeBatch([sample({ value: 'abc' })]);
    const i = good.indexOf('abc');
    good[i] = 0xc3; // starts a 2-byte sequence; the next byte is not a continuation byte
    expect(decodeFail(good).code).toBe('envelope_unparseable');
  });

  it('truncated JSON is unparseable', () => {
    const full = encodeBatch([sample(), sample()]);
    const r = decodeFail(full.subarray(0, full.length - 5));
    expect(r.code).toBe(EnvelopeErrorCode.Unparseable);
    expect(r.problems[0]).toMatch(/^\/: is not valid JSON/);
  });

  it('empty payload is unparseable', () => {
    expect(decodeFail(Buffer.alloc(0)).code).toBe('envelope_unparseable');
  });

  it('{} is invalid (no version)', () => {
    expect(decodeFail('{}')).toEqual({ ok: false, code: 'envelope_invalid', problems: ['/v: is required'] });
  });

  it.each(['[]', 'null', '42', '"str"', 'true'])('a non-object (%s) is invalid', (json) => {
    expect(decodeFail(json)).toEqual({ ok: false, code: 'envelope_invalid', problems: ['/: must be an object'] });
  });

  it('an unknown version is envelope_version', () => {
    const r = decodeFail(JSON.stringify({ v: 2, samples: [base] }));
    expect(r.code).toBe('envelope_version');
    expect(r.problems).toEqual(['/v: unsupported version 2, expected 1']);
    expect(decodeFail(JSON.stringify({ v: '1', samples: [base] })).code).toBe('envelope_version');
  });

  it('samples missing or not an array is invalid', () => {
    expect(decodeFail('{"v":1}')).toEqual({ ok: false, code: 'envelope_invalid', problems: ['/samples: is required'] });
    expect(decodeFail('{"v":1,"samples":{"0":{}}}')).toEqual({ ok: false, code: 'envelope_invalid', problems: ['/samples: must be an array'] });
  });

  it('never throws, whatever it is given', () => {
    for (const input of [null, undefined, 42, 'str', {}, new Uint8Array([0x7b, 0x7d])]) {
      expect(() => decodeBatch(input as unknown as Buffer)).not.toThrow();
      expect(decodeBatch(input as unknown as Buffer).ok).toBe(false);
    }
  });
});

describe('decodeBatch keeps good samples next to bad ones', () => {
  function rawPayload(samples: unknown[], extra: Record<string, unknown> = {}): Buffer {
    return Buffer.from(JSON.stringify({ v: 1, samples, ...extra }), 'utf8');
  }

  it('one bad sample does not discard its neighbours', () => {
    const a = sample({ name: 'a' });
    const c = sample({ name: 'c' });
    const d = sample({ name: 'd', value: 'x' });
    const badOne = { ...base, name: 'b', quality: 'MEH', tsNanos: 1.5 };
    const r = decodeOk(rawPayload([a, badOne, c, d]));
    expect(r.samples).toEqual([a, c, d]);
    expect(r.invalid).toHaveLength(1);
    expect(r.invalid[0].index).toBe(1);
    expect(r.invalid[0].value).toEqual(badOne);
    expect(r.invalid[0].problems).toEqual(
      expect.arrayContaining([
        '/samples/1/quality: must be one of "GOOD", "UNCERTAIN", "BAD"',
        '/samples/1/tsNanos: must be an integer from 0 to 999999',
      ]),
    );
    expect(r.invalid[0].problems).toHaveLength(2);
  });

  it('reports every bad sample by index, including non-objects and missing fields', () => {
    const { ts: _ts, ...noTs } = base;
    const r = decodeOk(rawPayload([null, base, 'x', noTs, { ...base, source: 'can' }]));
    expect(r.samples).toEqual([base]);
    expect(r.invalid.map((i) => [i.index, i.problems])).toEqual([
      [0, ['/samples/0: must be an object']],
      [2, ['/samples/2: must be an object']],
      [3, ['/samples/3/ts: is required']],
      [4, ['/samples/4/source: must be one of "obd", "gps", "opcua", "opcda"']],
    ]);
  });

  it('an empty samples array is a valid, empty batch', () => {
    const r = decodeOk(rawPayload([]));
    expect(r.samples).toEqual([]);
    expect(r.invalid).toEqual([]);
  });

  it('ignores and strips unknown fields (a newer producer), and unknown top-level keys', () => {
    const newer = { ...base, confidence: 0.9 };
    const r = decodeOk(rawPayload([newer, base], { producer: 'obd-collector@2.0.0' }));
    expect(r.invalid).toEqual([]);
    expect(r.samples).toEqual([base, base]);
    expect('confidence' in r.samples[0]).toBe(false);
    // What the reader passes on can be written again.
    expect(() => encodeBatch(r.samples)).not.toThrow();
  });
});

describe('decodeBatch fast path accepts exactly the valid samples', () => {
  const odd: unknown[] = [null, '', 'x', 'x'.repeat(256), 'x'.repeat(257), 'x'.repeat(1024), 'x'.repeat(1025), 'x'.repeat(2048), 'x'.repeat(2049), 0, -1, 1.5, 999_999, 1_000_000, MAX_TIMESTAMP_MS, MAX_TIMESTAMP_MS + 1, 1e300, true, false, [], [1], {}, { a: 1 }, { a: 'b', c: true }, { a: null }, { a: {} }, { a: [1] }, 'GOOD', 'BAD', 'obd', 'opcda', 'OBD'];
  const fields = ['device', 'source', 'name', 'value', 'unit', 'quality', 'ts', 'tsNanos', 'alias', 'attrs', 'extra'];
  /** Sample texts: every field missing or set to each odd value, unknown keys, `__proto__` keys, non-objects. */
  function texts(): string[] {
    const out: string[] = [];
    const full = { ...base, tsNanos: 5, alias: '/a/b', attrs: { k: 'v', n: 1, b: false } };
    for (const f of fields) {
      const { [f]: _dropped, ...rest } = full as Record<string, unknown>;
      out.push(JSON.stringify(rest));
      for (const v of odd) out.push(JSON.stringify({ ...full, [f]: v }));
    }
    out.push(JSON.stringify(base).replace(/^\{/, '{"__proto__":{"x":1},'));
    out.push(JSON.stringify(base).replace(/^\{/, '{"__proto__":null,'));
    out.push(JSON.stringify({ ...base, attrs: {} }).replace(/"attrs":\{\}/, '"attrs":{"__proto__":"p"}'));
    out.push(JSON.stringify({ ...base, attrs: {} }).replace(/"attrs":\{\}/, '"attrs":{"__proto__":{"x":1}}'));
    out.push(JSON.stringify({ ...base, toString: 'x' }), JSON.stringify({ ...base, constructor: 1 }));
    for (const v of ['1', '"s"', 'null', 'true', '[]', '[1]']) out.push(v);
    return out;
  }

  it('gives the same result as the compiled schema check, sample by sample and for whole batches', () => {
    const all = texts();
    for (const text of all) {
      const value: unknown = JSON.parse(text);
      const r = decodeOk(Buffer.from(`{"v":1,"samples":[${text}]}`, 'utf8'));
      if (isSample(value)) {
        expect(r.samples).toEqual([value]);
        expect(r.invalid).toEqual([]);
      } else {
        // Either invalid (with the schema's problems) or, with only unknown fields, stripped.
        for (const s of r.samples) expect(isSample(s)).toBe(true);
        expect(r.samples.length + r.invalid.length).toBe(1);
        if (r.samples.length === 1) expect(sampleProblems(value).every((p) => p.endsWith('is not a known field'))).toBe(true);
        else expect(r.invalid[0]!.problems.length).toBeGreaterThan(0);
      }
    }
    // Whole batches: a valid batch decodes to all of its samples, one bad sample only removes itself.
    const valid = all.filter((t) => isSample(JSON.parse(t)));
    const mixed = decodeOk(Buffer.from(`{"v":1,"samples":[${all.join(',')}]}`, 'utf8'));
    expect(mixed.samples.every((s) => isSample(s))).toBe(true);
    expect(mixed.samples.length + mixed.invalid.length).toBe(all.length);
    expect(decodeOk(Buffer.from(`{"v":1,"samples":[${valid.join(',')}]}`, 'utf8')).samples).toEqual(valid.map((t) => JSON.parse(t)));
  });
});

describe('splitIntoBatches', () => {
  const many = Array.from({ length: 200 }, (_, i) => sample({ name: `signal_${i}`, value: i % 7 === 0 ? `text-${'é'.repeat(i % 13)}` : i * 1.5, ts: 1_700_000_000_000 + i }));

  it('keeps every message within maxBytes, keeps order and loses nothing', () => {
    for (const maxBytes of [300, 1000, 4096, 65536]) {
      const r = splitIntoBatches(many, maxBytes);
      expect(r.oversized).toEqual([]);
      expect(r.invalid).toEqual([]);
      for (const b of r.batches) {
        expect(b.payload.length).toBeLessThanOrEqual(maxBytes);
        expect(b.samples.length).toBeGreaterThan(0);
        expect(b.payload.equals(encodeBatch(b.samples))).toBe(true);
        expect(decodeOk(b.payload).samples).toEqual(b.samples);
      }
      expect(r.batches.flatMap((b) => b.samples)).toEqual(many);
    }
  });

  it('packs into as few messages as possible (each batch is full: the next sample would not fit)', () => {
    const r = splitIntoBatches(many, 1000);
    expect(r.batches.length).toBeGreaterThan(1);
    for (let i = 0; i < r.batches.length - 1; i++) {
      const next = r.batches[i + 1].samples[0];
      expect(encodeBatch([...r.batches[i].samples, next]).length).toBeGreaterThan(1000);
    }
    // Everything fits in one message when the limit allows.
    const total = encodeBatch(many).length;
    expect(splitIntoBatches(many, total).batches).toHaveLength(1);
    expect(splitIntoBatches(many, total - 1).batches).toHaveLength(2);
  });

  it('a message can be exactly maxBytes', () => {
    const one = encodeBatch([base]).length;
    const two = encodeBatch([base, base]).length;
    expect(two).toBe(2 * one - BATCH_OVERHEAD_BYTES + 1);
    const r = splitIntoBatches([base, base, base], two);
    expect(r.batches.map((b) => b.samples.length)).toEqual([2, 1]);
    expect(r.batches[0].payload.length).toBe(two);
  });

  it('reports a sample larger than maxBytes instead of dropping it silently', () => {
    const big = sample({ name: 'blob', value: 'x'.repeat(5000) });
    const r = splitIntoBatches([base, big, base], 1000);
    expect(r.oversized).toHaveLength(1);
    expect(r.oversized[0].index).toBe(1);
    expect(r.oversized[0].sample).toBe(big);
    expect(r.oversized[0].bytes).toBe(encodeBatch([big]).length);
    expect(r.batches.flatMap((b) => b.samples)).toEqual([base, base]);
  });

  it('reports invalid samples and keeps the rest', () => {
    const r = splitIntoBatches([base, bad({ value: NaN }), base], 10_000);
    expect(r.invalid.map((i) => [i.index, i.problems])).toEqual([[1, ['/samples/1/value: must be a finite number, string, boolean or null']]]);
    expect(r.batches).toHaveLength(1);
    expect(r.batches[0].samples).toEqual([base, base]);
  });

  it('handles empty input and rejects a bad maxBytes', () => {
    expect(splitIntoBatches([], 100)).toEqual({ batches: [], oversized: [], invalid: [] });
    for (const maxBytes of [0, -1, 1.5, NaN, Infinity]) {
      expect(() => splitIntoBatches([base], maxBytes)).toThrow(EnvelopeError);
    }
  });
});

describe('splitIntoBatches: byte-identical to encoding each batch, trusted or not', () => {
  /** The straightforward split (stringify, byte length, join): what the buffer-writing one must reproduce. */
  function reference(samples: readonly Sample[], maxBytes: number): { payloads: Buffer[]; oversized: number[]; invalid: number[] } {
    const payloads: Buffer[] = [];
    const oversized: number[] = [];
    const invalid: number[] = [];
    let parts: string[] = [];
    let size = BATCH_OVERHEAD_BYTES;
    const flush = (): void => {
      if (parts.length > 0) payloads.push(Buffer.from(`{"v":1,"samples":[${parts.join(',')}]}`, 'utf8'));
      parts = [];
      size = BATCH_OVERHEAD_BYTES;
    };
    samples.forEach((s, i) => {
      if (!isSample(s)) return void invalid.push(i);
      const json = JSON.stringify(s);
      const bytes = Buffer.byteLength(json, 'utf8');
      if (BATCH_OVERHEAD_BYTES + bytes > maxBytes) return void oversized.push(i);
      const added = bytes + (parts.length > 0 ? 1 : 0);
      if (size + added > maxBytes) flush();
      size += bytes + (parts.length > 0 ? 1 : 0);
      parts.push(json);
    });
    flush();
    return { payloads, oversized, invalid };
  }

  let seed = 7;
  const rnd = (n: number): number => {
    seed = (seed * 48271) % 0x7fffffff;
    return seed % n;
  };
  const texts = ['', 'a', 'é', '漢字', '😀', '\ud800', '"quoted"', 'back\\slash', 'line\nbreak', '\u0001', 'x'.repeat(300), 'ü'.repeat(40_000)];
  const values = [0, -0, 1.5, -1e21, 5e-324, 1e300, 123456789.125, true, false, null];
  function randomSample(i: number): Sample {
    const s: Record<string, unknown> = { device: `dev-${texts[rnd(5)]}${i % 3}`, source: SOURCES[rnd(SOURCES.length)], name: `tag${i}${texts[rnd(texts.length - 1)]}` };
    const r = rnd(3);
    s.value = r === 0 ? values[rnd(values.length)] : r === 1 ? texts[rnd(texts.length)] : rnd(100_000) / 100;
    if (rnd(2) === 0) s.unit = texts[rnd(texts.length - 1)];
    s.quality = QUALITIES[rnd(QUALITIES.length)];
    s.ts = 1_700_000_000_000 + rnd(1_000_000);
    if (rnd(4) === 0) s.tsNanos = rnd(1_000_000);
    if (rnd(3) === 0) s.alias = `/${texts[rnd(4)]}a/${i}`;
    if (rnd(2) === 0) s.attrs = { gps_lat: 48.1 + rnd(1000) / 1e6, '2': texts[rnd(texts.length - 1)], '1': rnd(2) === 0, stat: 'mean' };
    if (rnd(20) === 0) s.value = NaN; // invalid
    return s as unknown as Sample;
  }
  const samples = Array.from({ length: 600 }, (_, i) => randomSample(i));

  it('produces the same messages, oversized and invalid samples as the straightforward split', () => {
    for (const maxBytes of [60, 150, 400, 1000, 4096, 70_000, 200_000, 10_000_000]) {
      const r = splitIntoBatches(samples, maxBytes);
      const ref = reference(samples, maxBytes);
      expect(r.batches.map((b) => b.payload.toString('base64'))).toEqual(ref.payloads.map((p) => p.toString('base64')));
      expect(r.oversized.map((o) => o.index)).toEqual(ref.oversized);
      expect(r.invalid.map((o) => o.index)).toEqual(ref.invalid);
      for (const o of r.oversized) expect(o.bytes).toBe(encodeBatch([o.sample]).length);
      for (const b of r.batches) expect(b.payload.equals(encodeBatch(b.samples))).toBe(true);
    }
  });

  it('a trusted split of valid samples gives byte-identical messages to the checked one', () => {
    const valid = samples.filter((s) => isSample(s));
    for (const maxBytes of [150, 1000, 70_000, 10_000_000]) {
      const checked = splitIntoBatches(valid, maxBytes);
      const trusted = splitIntoBatches(valid, maxBytes, { trusted: () => true });
      expect(trusted.batches.map((b) => b.payload.toString('base64'))).toEqual(checked.batches.map((b) => b.payload.toString('base64')));
      expect(trusted.batches.map((b) => b.samples)).toEqual(checked.batches.map((b) => b.samples));
      expect(trusted.oversized).toEqual(checked.oversized);
      expect(trusted.invalid).toEqual([]);
    }
  });

  it('checks the samples that are not trusted (by index)', () => {
    const list = [base, bad({ value: NaN }), base, bad({ ts: -1 })];
    const r = splitIntoBatches(list, 10_000, { trusted: (i) => i < 1 });
    expect(r.invalid.map((i) => i.index)).toEqual([1, 3]);
    expect(r.batches.flatMap((b) => b.samples)).toEqual([base, base]);
  });

  it('BatchPacker, one sample at a time, gives the same result as splitIntoBatches', () => {
    for (const maxBytes of [150, 1000, 70_000]) {
      const ref = splitIntoBatches(samples, maxBytes, { trusted: (i) => i % 3 === 0 && isSample(samples[i]) });
      const kept = new BatchPacker(maxBytes);
      const lean = new BatchPacker(maxBytes, { keepSamples: false }); // two packers at once: no shared scratch
      samples.forEach((s, i) => {
        kept.add(s, i % 3 === 0 && isSample(s));
        lean.add(s);
      });
      const a = kept.finish();
      const b = lean.finish();
      for (const r of [a, b]) {
        expect(r.batches.map((x) => x.payload.toString('base64'))).toEqual(ref.batches.map((x) => x.payload.toString('base64')));
        expect(r.batches.map((x) => x.count)).toEqual(ref.batches.map((x) => x.samples.length));
        expect(r.oversized).toEqual(ref.oversized);
        expect(r.invalid).toEqual(ref.invalid);
      }
      expect(a.batches.map((x) => x.samples)).toEqual(ref.batches.map((x) => x.samples));
      expect(b.batches.every((x) => x.samples === undefined)).toBe(true);
      expect(kept.finish()).toBe(a);
      expect(() => kept.add(base)).toThrow('after finish');
    }
    expect(() => new BatchPacker(0)).toThrow(EnvelopeError);
  });

  it('grows its scratch buffer for large messages and stays correct afterwards', () => {
    const big = Array.from({ length: 50 }, (_, i) => sample({ name: `big${i}`, value: 'ß'.repeat(20_000 + i) }));
    const r = splitIntoBatches(big, 3_000_000);
    expect(r.batches).toHaveLength(1);
    expect(r.batches[0]!.payload.equals(encodeBatch(big))).toBe(true);
    const small = splitIntoBatches([base, base], 10_000);
    expect(small.batches[0]!.payload.equals(encodeBatch([base, base]))).toBe(true);
  });
});

describe('performance', () => {
  it('encodes and decodes 10k samples quickly', () => {
    const samples = Array.from({ length: 10_000 }, (_, i) => sample({ value: i, ts: 1_700_000_000_000 + i, tsNanos: i % 1000 }));
    const t0 = process.hrtime.bigint();
    const payload = encodeBatch(samples);
    const r = decodeOk(payload);
    const split = splitIntoBatches(samples, 64 * 1024);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    expect(r.samples).toHaveLength(10_000);
    expect(split.batches.reduce((n, b) => n + b.samples.length, 0)).toBe(10_000);
    // Generous bound (CI machines vary); typically well under 100 ms.
    expect(ms).toBeLessThan(2000);
  });
});
