/**
 * Fix assembler: merges the sentences of one epoch (one time of day) into a position fix.
 *
 * An epoch starts with the first sentence that carries a new time of day (GGA, RMC, GLL, ZDA)
 * and ends when a sentence with another time arrives (or on flush()). Sentences without a time
 * (VTG, GSA, GSV) belong to the epoch in progress; GSA/GSV values are also remembered, since
 * some receivers send them before the timed sentences of their epoch.
 *
 * The date only ever comes from RMC or ZDA (never from the system clock); once known it carries
 * over to later epochs, rolling over at midnight. A fix without a known date has no `time`.
 */
import type { NmeaDate, NmeaSentence } from './sentences';

export type FixMode = 1 | 2 | 3;

export interface GpsFix {
  /** UTC ms since epoch; absent while no date is known. */
  time?: number;
  /** UTC ms since midnight. */
  timeOfDayMs: number;
  /** 1 no fix, 2 2D, 3 3D. */
  mode: FixMode;
  /** GGA fix quality (0 invalid, 1 GPS, 2 DGPS, 4 RTK, 5 float RTK, 6 estimated, …) when a GGA came. */
  quality?: number;
  lat?: number;
  lon?: number;
  /** Metres above mean sea level. */
  altMsl?: number;
  /** Metres above the WGS-84 ellipsoid (altMsl + geoid separation), when the separation is given. */
  altHae?: number;
  geoidSep?: number;
  /** m/s over ground. */
  speed?: number;
  /** Degrees true. */
  track?: number;
  hdop?: number;
  pdop?: number;
  vdop?: number;
  satellitesUsed?: number;
  satellitesInView?: number;
  /** True when the receiver says the position is estimated (dead reckoning: GGA 6, mode E). */
  estimated: boolean;
}

interface Epoch {
  tod: number;
  date?: NmeaDate;
  quality?: number;
  rmcStatus?: 'A' | 'V';
  gllStatus?: 'A' | 'V';
  gnsValid?: boolean;
  lat?: number;
  lon?: number;
  altMsl?: number;
  geoidSep?: number;
  speed?: number;
  track?: number;
  hdop?: number;
  satellitesUsed?: number;
  gsaMode?: FixMode;
  estimated: boolean;
}

const DAY_MS = 86_400_000;

export class FixAssembler {
  private epoch?: Epoch;
  /** The last known date and the time of day it belonged to (for midnight roll-over). */
  private dateAnchor?: { dayMs: number; tod: number };
  // Latest values from sentences without time, kept across epochs.
  private lastGsa?: { mode?: FixMode; pdop?: number; vdop?: number; hdop?: number };
  private inView = new Map<string, number>();
  private pendingVtg?: { speed?: number; track?: number; estimated: boolean };
  /** Fixes completed without a date (so without a timestamp). */
  undated = 0;

  /** Adds one sentence; returns the fixes it completed (0 or 1). */
  push(s: NmeaSentence): GpsFix[] {
    const out: GpsFix[] = [];
    const time = 'time' in s ? s.time : undefined;
    if (time !== undefined && (this.epoch === undefined || this.epoch.tod !== time)) {
      const done = this.finish();
      if (done) out.push(done);
      this.epoch = { tod: time, estimated: false };
      if (this.pendingVtg) {
        Object.assign(this.epoch, definedOnly({ speed: this.pendingVtg.speed, track: this.pendingVtg.track }));
        this.pendingVtg = undefined;
      }
    }
    const e = this.epoch;
    switch (s.type) {
      case 'GGA':
        if (!e) break;
        e.quality = s.quality;
        if (s.quality === 6) e.estimated = true;
        if (s.quality > 0) {
          setIf(e, 'lat', s.lat);
          setIf(e, 'lon', s.lon);
          setIf(e, 'altMsl', s.altMsl);
          setIf(e, 'geoidSep', s.geoidSep);
        }
        setIf(e, 'hdop', s.hdop);
        setIf(e, 'satellitesUsed', s.satellitesUsed);
        break;
      case 'GNS': {
        // Used where no GGA came for this epoch (GGA wins: it is what gpsd reports too).
        if (!e || e.quality !== undefined) break;
        const valid = /[ADPRFEMS]/.test(s.modes);
        const estimated = valid && !/[ADPRF]/.test(s.modes);
        e.gnsValid = valid;
        if (estimated) e.estimated = true;
        if (valid) {
          setIf(e, 'lat', s.lat);
          setIf(e, 'lon', s.lon);
          setIf(e, 'altMsl', s.altMsl);
          setIf(e, 'geoidSep', s.geoidSep);
        }
        setIf(e, 'hdop', s.hdop);
        setIf(e, 'satellitesUsed', s.satellitesUsed);
        break;
      }
      case 'RMC':
        if (!e) break;
        e.rmcStatus = s.status;
        if (s.date) e.date = s.date;
        if (s.modeIndicator === 'E') e.estimated = true;
        if (s.status === 'A') {
          setIf(e, 'lat', s.lat);
          setIf(e, 'lon', s.lon);
          setIf(e, 'speed', s.speed);
          setIf(e, 'track', s.track);
        }
        break;
      case 'GLL':
        if (!e) break;
        e.gllStatus = s.status;
        if (s.status === 'A' && e.lat === undefined) {
          setIf(e, 'lat', s.lat);
          setIf(e, 'lon', s.lon);
        }
        break;
      case 'ZDA':
        if (e && s.date) e.date = s.date;
        break;
      case 'VTG': {
        const valid = s.modeIndicator !== 'N';
        if (!valid) break;
        if (e) {
          if (e.speed === undefined) setIf(e, 'speed', s.speed);
          if (e.track === undefined) setIf(e, 'track', s.track);
        } else this.pendingVtg = { speed: s.speed, track: s.track, estimated: s.modeIndicator === 'E' };
        break;
      }
      case 'GSA': {
        // GN receivers send one GSA per constellation; they share the mode and DOPs.
        this.lastGsa = { mode: s.fixMode, pdop: s.pdop, vdop: s.vdop, hdop: s.hdop };
        if (e && s.fixMode) e.gsaMode = s.fixMode;
        break;
      }
      case 'GSV':
        this.inView.set(s.talker, s.satellitesInView);
        break;
    }
    return out;
  }

  /** Completes the epoch in progress (end of input). */
  flush(): GpsFix[] {
    const done = this.finish();
    this.epoch = undefined;
    return done ? [done] : [];
  }

  private finish(): GpsFix | undefined {
    const e = this.epoch;
    if (!e) return undefined;
    const time = this.timestamp(e);
    const noFix =
      e.quality === 0 ||
      e.rmcStatus === 'V' ||
      (e.quality === undefined && e.gnsValid === false) ||
      (e.quality === undefined && e.gnsValid === undefined && e.rmcStatus === undefined && e.gllStatus !== 'A');
    const hasPos = !noFix && e.lat !== undefined && e.lon !== undefined;
    let mode: FixMode;
    if (!hasPos) mode = 1;
    else {
      // An altitude in GGA means a 3D fix (as gpsd decides); otherwise GSA's mode, else 2D.
      const gsaMode = e.gsaMode ?? this.lastGsa?.mode;
      if (e.altMsl !== undefined) mode = 3;
      else mode = gsaMode !== undefined && gsaMode > 1 ? gsaMode : 2;
    }
    const fix: GpsFix = { timeOfDayMs: e.tod, mode, estimated: e.estimated };
    if (time !== undefined) fix.time = time;
    else this.undated++;
    if (e.quality !== undefined) fix.quality = e.quality;
    const hdop = e.hdop ?? this.lastGsa?.hdop;
    if (hdop !== undefined) fix.hdop = hdop;
    if (this.lastGsa?.pdop !== undefined) fix.pdop = this.lastGsa.pdop;
    if (this.lastGsa?.vdop !== undefined) fix.vdop = this.lastGsa.vdop;
    if (e.satellitesUsed !== undefined) fix.satellitesUsed = e.satellitesUsed;
    if (this.inView.size > 0) {
      let n = 0;
      for (const [talker, v] of this.inView) if (talker !== 'GN' || this.inView.size === 1) n += v;
      fix.satellitesInView = n;
    }
    if (hasPos) {
      fix.lat = e.lat;
      fix.lon = e.lon;
      if (mode === 3 && e.altMsl !== undefined) {
        fix.altMsl = e.altMsl;
        if (e.geoidSep !== undefined) {
          fix.geoidSep = e.geoidSep;
          fix.altHae = e.altMsl + e.geoidSep;
        }
      }
      if (e.speed !== undefined) fix.speed = e.speed;
      if (e.track !== undefined) fix.track = e.track;
    }
    return fix;
  }

  private timestamp(e: Epoch): number | undefined {
    if (e.date) {
      const dayMs = Date.UTC(e.date.year, e.date.month - 1, e.date.day);
      this.dateAnchor = { dayMs, tod: e.tod };
      return dayMs + e.tod;
    }
    const a = this.dateAnchor;
    if (!a) return undefined;
    // Same date unless the time of day went back by more than 12 h: then midnight passed.
    if (e.tod < a.tod - DAY_MS / 2) this.dateAnchor = { dayMs: a.dayMs + DAY_MS, tod: e.tod };
    else if (e.tod > a.tod) this.dateAnchor = { dayMs: a.dayMs, tod: e.tod };
    return this.dateAnchor!.dayMs + e.tod;
  }
}

function setIf<K extends keyof Epoch>(e: Epoch, key: K, value: Epoch[K] | undefined): void {
  if (value !== undefined) e[key] = value;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  const r: Partial<T> = {};
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] !== undefined) r[k] = o[k];
  return r;
}
