import type { Sample } from './envelope';
import {
  OUTBOUND_BUNDLE_OVERHEAD_BYTES,
  decodeOutbound,
  encodeOutboundBundle,
  encodeOutboundRecord,
  outboundBundleBytes,
  outboundEntryBytes,
  type OutboundRecordEntry,
} from './outbound';

const sample = (name: string, value: Sample['value'] = 1): Sample => ({ device: 'vin1', source: 'obd', name, value, quality: 'GOOD', ts: 1_700_000_000_123, tsNanos: 456 });

describe('outbound wire format v1', () => {
  it('encodes and decodes a single record', () => {
    const entry: OutboundRecordEntry = { origin: { stream: 'tributary.out.critical', seq: 42 }, priority: 'critical', samples: [sample('rpm', 3000)] };
    const buf = encodeOutboundRecord(entry);
    expect(JSON.parse(buf.toString())).toEqual({ v: 1, ...entry });
    expect(decodeOutbound(buf)).toEqual({ ok: true, kind: 'record', records: [entry] });
  });

  it('encodes a bundle whose size matches outboundBundleBytes', () => {
    const entries: OutboundRecordEntry[] = [
      { origin: { stream: 's', seq: 1 }, samples: [sample('a'), sample('b', 'x"y')] },
      { origin: { stream: 's', seq: 2 }, priority: 'bulk', samples: [sample('ü', null)] },
    ];
    const buf = encodeOutboundBundle(entries);
    expect(buf.length).toBe(outboundBundleBytes(entries));
    expect(outboundBundleBytes([])).toBe(OUTBOUND_BUNDLE_OVERHEAD_BYTES);
    expect(buf.length).toBe(OUTBOUND_BUNDLE_OVERHEAD_BYTES + outboundEntryBytes(entries[0]) + 1 + outboundEntryBytes(entries[1]));
    const d = decodeOutbound(buf);
    expect(d).toEqual({ ok: true, kind: 'bundle', records: entries });
  });

  it('reports unparseable, version and invalid payloads without throwing', () => {
    expect(decodeOutbound('nope')).toMatchObject({ ok: false, code: 'outbound_unparseable' });
    expect(decodeOutbound(Buffer.from([0xff, 0xfe]))).toMatchObject({ ok: false, code: 'outbound_unparseable' });
    expect(decodeOutbound('{"v":2,"records":[]}')).toMatchObject({ ok: false, code: 'outbound_version' });
    expect(decodeOutbound('[]')).toMatchObject({ ok: false, code: 'outbound_invalid' });
    const bad = decodeOutbound('{"v":1,"records":[{"origin":{"stream":"s","seq":-1},"samples":[]},{"origin":{"stream":"s","seq":1},"samples":[{"device":"d"}]}]}');
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.problems.some((p) => p.startsWith('/records/0/origin/seq'))).toBe(true);
      expect(bad.problems.some((p) => p.startsWith('/records/1/samples/0'))).toBe(true);
    }
  });

  it('ignores unknown fields', () => {
    const d = decodeOutbound('{"v":1,"extra":true,"records":[{"origin":{"stream":"s","seq":0},"samples":[],"more":1}]}');
    expect(d).toEqual({ ok: true, kind: 'bundle', records: [{ origin: { stream: 's', seq: 0 }, samples: [] }] });
  });
});
