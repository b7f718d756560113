/** gpsd TPV (+ the latest SKY) → GpsFix, the same shape the NMEA assembler produces. */
import type { FixMode, GpsFix } from './nmea/fix';
import type { GpsdSky, GpsdTpv } from './sources/source';

const finite = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function fixFromTpv(tpv: GpsdTpv, sky?: GpsdSky): GpsFix | undefined {
  const time = typeof tpv.time === 'string' ? Date.parse(tpv.time) : NaN;
  const mode: FixMode = tpv.mode === 2 || tpv.mode === 3 ? tpv.mode : 1;
  const tod = Number.isFinite(time) ? ((time % 86_400_000) + 86_400_000) % 86_400_000 : undefined;
  if (tod === undefined && mode === 1) return undefined; // nothing to report
  const fix: GpsFix = { timeOfDayMs: tod ?? 0, mode, estimated: tpv.status === 6 };
  if (Number.isFinite(time)) fix.time = time;
  const lat = finite(tpv.lat);
  const lon = finite(tpv.lon);
  if (mode >= 2 && lat !== undefined && lon !== undefined && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
    fix.lat = lat;
    fix.lon = lon;
    const msl = finite(tpv.altMSL) ?? finite(tpv.alt);
    if (mode === 3 && msl !== undefined) fix.altMsl = msl;
    const hae = finite(tpv.altHAE);
    if (mode === 3 && hae !== undefined) fix.altHae = hae;
    const speed = finite(tpv.speed);
    if (speed !== undefined) fix.speed = speed;
    const track = finite(tpv.track);
    if (track !== undefined) fix.track = track;
  } else fix.mode = 1;
  if (sky) {
    const hdop = finite(sky.hdop);
    if (hdop !== undefined) fix.hdop = hdop;
    const used = finite(sky.uSat) ?? (Array.isArray(sky.satellites) ? sky.satellites.filter((s) => s && s.used === true).length : undefined);
    if (used !== undefined) fix.satellitesUsed = used;
    const inView = finite(sky.nSat) ?? (Array.isArray(sky.satellites) ? sky.satellites.length : undefined);
    if (inView !== undefined) fix.satellitesInView = inView;
  }
  return fix;
}
