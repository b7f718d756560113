/**
 * GPS enrichment: remembers the latest fix (lat, lon, speed, heading) of every GPS device from
 * the GPS collector's samples and adds it to vehicle samples as attributes:
 *
 *   attrs: { gps_lat, gps_lon, gps_speed?, gps_heading?, gps_ts }
 *
 * A fix is the `lat`/`lon` (and `speed`/`heading`, when present) samples of one GPS device with
 * one timestamp; BAD ones are ignored, so a lost fix never enriches. A fix is used for a sample
 * when their event times are at most `maxAgeMs` apart. The sample's own fields (value, quality,
 * ts) are never touched. State (the latest fix per GPS device) is in `snapshot()`.
 *
 * Every value added is a finite number (from valid GPS samples, or a restored snapshot whose
 * other values are ignored), so an enriched copy of a valid sample is valid.
 */
import type { AttrValue, Sample, Source } from '../../../core/src';

export interface GpsFix {
  ts: number;
  lat: number;
  lon: number;
  speed?: number;
  heading?: number;
}

export interface EnrichOptions {
  /** Sources whose samples are enriched. */
  sources: readonly Source[];
  maxAgeMs: number;
  /** The GPS device whose fix enriches every sample; default: the sample's own device. */
  gpsDevice?: string;
}

export interface EnrichSnapshot {
  v: 1;
  /** Per GPS device: the fix being assembled (latest timestamp) and the latest complete one. */
  devices: Array<{ device: string; current: Partial<GpsFix> & { ts: number }; complete: GpsFix | null }>;
}

const FIX_FIELDS = new Set(['lat', 'lon', 'speed', 'heading']);

export class GpsEnricher {
  private readonly sources: ReadonlySet<Source>;
  private readonly devices = new Map<string, { current: Partial<GpsFix> & { ts: number }; complete: GpsFix | null }>();

  constructor(private readonly opts: EnrichOptions) {
    this.sources = new Set(opts.sources);
  }

  /** Takes note of a GPS sample (anything else is ignored). */
  observe(s: Sample): void {
    if (s.source !== 'gps' || !FIX_FIELDS.has(s.name) || s.quality === 'BAD' || typeof s.value !== 'number' || !Number.isFinite(s.value) || !Number.isFinite(s.ts)) return;
    let d = this.devices.get(s.device);
    if (d === undefined) {
      d = { current: { ts: s.ts }, complete: null };
      this.devices.set(s.device, d);
    }
    if (s.ts < d.current.ts) return; // an older fix: the latest one stays
    if (s.ts > d.current.ts) d.current = { ts: s.ts };
    (d.current as Record<string, number>)[s.name] = s.value;
    const c = d.current;
    if (c.lat !== undefined && c.lon !== undefined) {
      const fix: GpsFix = { ts: c.ts, lat: c.lat, lon: c.lon };
      if (c.speed !== undefined) fix.speed = c.speed;
      if (c.heading !== undefined) fix.heading = c.heading;
      d.complete = fix;
    }
  }

  /** Whether samples of this source are enriched. */
  applies(s: Sample): boolean {
    return this.sources.has(s.source);
  }

  /** The fix for a sample (its device, or the configured GPS device) within maxAgeMs, if any. */
  fixFor(s: Sample): GpsFix | undefined {
    const fix = this.devices.get(this.opts.gpsDevice ?? s.device)?.complete;
    if (!fix || Math.abs(s.ts - fix.ts) > this.opts.maxAgeMs) return undefined;
    return fix;
  }

  /** The sample with the fix added to its attrs, or the sample itself when it does not apply or no fix is recent enough. */
  enrich(s: Sample): Sample {
    if (!this.sources.has(s.source)) return s;
    const fix = this.fixFor(s);
    if (!fix) return s;
    const attrs: Record<string, AttrValue> = { ...s.attrs, gps_lat: fix.lat, gps_lon: fix.lon, gps_ts: fix.ts };
    if (fix.speed !== undefined) attrs.gps_speed = fix.speed;
    if (fix.heading !== undefined) attrs.gps_heading = fix.heading;
    return { ...s, attrs };
  }

  snapshot(): EnrichSnapshot {
    return {
      v: 1,
      devices: [...this.devices].map(([device, d]) => ({ device, current: { ...d.current }, complete: d.complete && { ...d.complete } })),
    };
  }

  restore(s: EnrichSnapshot | undefined): void {
    this.devices.clear();
    if (!s || s.v !== 1 || !Array.isArray(s.devices)) return;
    for (const d of s.devices) {
      if (typeof d?.device !== 'string' || !finite(d.current?.ts)) continue;
      this.devices.set(d.device, { current: fixFields(d.current) as Partial<GpsFix> & { ts: number }, complete: d.complete ? completeFix(d.complete) : null });
    }
  }
}

function finite(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/**
 * The finite-number fix fields of a snapshot entry (a damaged checkpoint cannot put anything
 * else into attrs: the aggregator writes enriched samples without checking them again).
 */
function fixFields(f: Record<string, unknown>): Partial<GpsFix> {
  const out: Record<string, number> = {};
  for (const k of ['ts', 'lat', 'lon', 'speed', 'heading']) if (finite(f[k])) out[k] = f[k];
  return out as Partial<GpsFix>;
}

function completeFix(f: GpsFix): GpsFix | null {
  const fix = fixFields(f as unknown as Record<string, unknown>);
  return fix.ts !== undefined && fix.lat !== undefined && fix.lon !== undefined ? (fix as GpsFix) : null;
}
