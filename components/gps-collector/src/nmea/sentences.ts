/**
 * NMEA 0183 sentence parser: checksum, talker, and the sentences a position fix is built from
 * (GGA, RMC, VTG, GSA, GSV, GLL, ZDA). It never throws: every line gives a typed result.
 */

/** Time of day in UTC, in milliseconds since midnight. */
export type TimeOfDayMs = number;

export interface NmeaDate {
  year: number;
  month: number; // 1-12
  day: number; // 1-31
}

interface SentenceBase {
  /** Two-letter talker id (GP, GN, GL, GA, GB, BD, …). */
  talker: string;
}

export interface GgaSentence extends SentenceBase {
  type: 'GGA';
  time?: TimeOfDayMs;
  lat?: number;
  lon?: number;
  /** 0 invalid, 1 GPS, 2 DGPS, 3 PPS, 4 RTK, 5 float RTK, 6 estimated, 7 manual, 8 simulation. */
  quality: number;
  satellitesUsed?: number;
  hdop?: number;
  /** Antenna altitude above mean sea level, metres. */
  altMsl?: number;
  /** Geoid separation (height of the geoid above the WGS-84 ellipsoid), metres. */
  geoidSep?: number;
}

export interface RmcSentence extends SentenceBase {
  type: 'RMC';
  time?: TimeOfDayMs;
  /** A valid, V warning (no fix). */
  status: 'A' | 'V';
  lat?: number;
  lon?: number;
  /** Metres per second. */
  speed?: number;
  /** Degrees true. */
  track?: number;
  date?: NmeaDate;
  magvar?: number;
  /** NMEA 2.3 mode indicator (A autonomous, D differential, E estimated, N not valid, …). */
  modeIndicator?: string;
}

export interface VtgSentence extends SentenceBase {
  type: 'VTG';
  track?: number;
  magTrack?: number;
  speed?: number;
  modeIndicator?: string;
}

export interface GsaSentence extends SentenceBase {
  type: 'GSA';
  /** 1 no fix, 2 2D, 3 3D. */
  fixMode?: 1 | 2 | 3;
  prns: number[];
  pdop?: number;
  hdop?: number;
  vdop?: number;
  /** NMEA 4.10 GNSS system id, when given. */
  systemId?: number;
}

export interface GsvSatellite {
  prn: number;
  elevation?: number;
  azimuth?: number;
  snr?: number;
}

export interface GsvSentence extends SentenceBase {
  type: 'GSV';
  messageCount: number;
  messageNumber: number;
  satellitesInView: number;
  satellites: GsvSatellite[];
}

export interface GllSentence extends SentenceBase {
  type: 'GLL';
  lat?: number;
  lon?: number;
  time?: TimeOfDayMs;
  status: 'A' | 'V';
  modeIndicator?: string;
}

export interface ZdaSentence extends SentenceBase {
  type: 'ZDA';
  time?: TimeOfDayMs;
  date?: NmeaDate;
}

/** GNS: the multi-constellation GGA (NMEA 2.3+). */
export interface GnsSentence extends SentenceBase {
  type: 'GNS';
  time?: TimeOfDayMs;
  lat?: number;
  lon?: number;
  /** One mode character per constellation (GPS, GLONASS, Galileo, BeiDou, …): N no fix, A, D, P, R, F, E estimated, M, S. */
  modes: string;
  satellitesUsed?: number;
  hdop?: number;
  altMsl?: number;
  geoidSep?: number;
}

export type NmeaSentence = GgaSentence | RmcSentence | VtgSentence | GsaSentence | GsvSentence | GllSentence | ZdaSentence | GnsSentence;
export type SentenceType = NmeaSentence['type'];

export type ParseResult =
  | { kind: 'sentence'; sentence: NmeaSentence }
  /** A checksum was given and does not match. */
  | { kind: 'bad_checksum'; expected: string; actual: string }
  /** Well-formed, but a sentence we do not use (proprietary $P…, TXT, GNS, …). */
  | { kind: 'unsupported'; id: string }
  /** Not an NMEA sentence, or a known sentence with unusable fields. */
  | { kind: 'invalid'; reason: string };

const KNOTS_TO_MS = 1852 / 3600;
export const MAX_SENTENCE_LENGTH = 200; // NMEA says 82; some receivers exceed it, garbage exceeds it far more

/** XOR of the characters between `$`/`!` and `*`, as two upper-case hex digits. */
export function nmeaChecksum(body: string): string {
  let x = 0;
  for (let i = 0; i < body.length; i++) x ^= body.charCodeAt(i) & 0xff;
  return x.toString(16).toUpperCase().padStart(2, '0');
}

export interface ParseOptions {
  /**
   * Accept sentences without a `*hh` checksum. Default false: NMEA allows omitting it, but a
   * truncated line then looks valid and carries wrong values (every real log we have checksums).
   */
  allowMissingChecksum?: boolean;
}

/** Parses one line (with or without CR/LF). Never throws. */
export function parseSentence(raw: string, options: ParseOptions = {}): ParseResult {
  const line = raw.trim();
  const start = line.indexOf('$');
  if (start < 0) return { kind: 'invalid', reason: 'no_start' };
  if (line.length - start > MAX_SENTENCE_LENGTH) return { kind: 'invalid', reason: 'too_long' };
  const text = line.slice(start + 1);
  const star = text.lastIndexOf('*');
  let body = text;
  if (star >= 0) {
    body = text.slice(0, star);
    const given = text.slice(star + 1, star + 3).toUpperCase();
    if (!/^[0-9A-F]{2}$/.test(given)) return { kind: 'invalid', reason: 'bad_checksum_field' };
    const actual = nmeaChecksum(body);
    if (given !== actual) return { kind: 'bad_checksum', expected: given, actual };
  }
  else if (!options.allowMissingChecksum) return { kind: 'invalid', reason: 'no_checksum' };
  if (!/^[\x20-\x7e]*$/.test(body)) return { kind: 'invalid', reason: 'not_printable' };
  const fields = body.split(',');
  const id = fields[0]!;
  if (id.startsWith('P')) return { kind: 'unsupported', id };
  if (!/^[A-Z0-9]{5}$/.test(id)) return { kind: 'invalid', reason: 'bad_address' };
  const talker = id.slice(0, 2);
  const type = id.slice(2);
  const f = fields.slice(1);
  switch (type) {
    case 'GGA':
      return parseGga(talker, f);
    case 'RMC':
      return parseRmc(talker, f);
    case 'VTG':
      return parseVtg(talker, f);
    case 'GSA':
      return parseGsa(talker, f);
    case 'GSV':
      return parseGsv(talker, f);
    case 'GLL':
      return parseGll(talker, f);
    case 'ZDA':
      return parseZda(talker, f);
    case 'GNS':
      return parseGns(talker, f);
    default:
      return { kind: 'unsupported', id };
  }
}

const ok = (sentence: NmeaSentence): ParseResult => ({ kind: 'sentence', sentence });
const invalid = (reason: string): ParseResult => ({ kind: 'invalid', reason });

/** A number, or undefined for an empty or malformed field. */
export function num(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (t === '' || !/^[-+]?(\d+\.?\d*|\.\d+)$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** hhmmss(.sss) → ms since midnight. */
export function parseTime(s: string | undefined): TimeOfDayMs | undefined {
  if (!s) return undefined;
  const m = /^(\d\d)(\d\d)(\d\d(?:\.\d+)?)$/.exec(s.trim());
  if (!m) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  const sec = Number(m[3]);
  if (h > 23 || min > 59 || sec >= 61) return undefined;
  return Math.round((h * 3600 + min * 60) * 1000 + sec * 1000);
}

/** ddmmyy → date; two-digit years 80–99 are 1980–1999, others 2000–2079. */
export function parseDdmmyy(s: string | undefined): NmeaDate | undefined {
  if (!s) return undefined;
  const m = /^(\d\d)(\d\d)(\d\d)$/.exec(s.trim());
  if (!m) return undefined;
  const day = Number(m[1]);
  const month = Number(m[2]);
  const yy = Number(m[3]);
  const year = yy >= 80 ? 1900 + yy : 2000 + yy;
  return validDate({ year, month, day });
}

function validDate(d: NmeaDate): NmeaDate | undefined {
  if (d.month < 1 || d.month > 12 || d.day < 1 || d.day > 31) return undefined;
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day));
  if (t.getUTCMonth() !== d.month - 1) return undefined;
  return d;
}

/** (d)ddmm.mmmm + hemisphere → signed degrees; undefined when empty or out of range. */
export function parseCoord(value: string | undefined, hemi: string | undefined, isLat: boolean): number | undefined {
  if (!value || !hemi) return undefined;
  const m = /^(\d+)(\d\d(?:\.\d+)?)$/.exec(value.trim());
  if (!m) return undefined;
  const deg = Number(m[1]);
  const min = Number(m[2]);
  if (min >= 60) return undefined;
  let v = deg + min / 60;
  const h = hemi.trim().toUpperCase();
  if (isLat ? h === 'S' : h === 'W') v = -v;
  else if (isLat ? h !== 'N' : h !== 'E') return undefined;
  if (Math.abs(v) > (isLat ? 90 : 180)) return undefined;
  return v;
}

function opt<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

function parseGga(talker: string, f: string[]): ParseResult {
  if (f.length < 9) return invalid('too_few_fields');
  const quality = num(f[5]);
  return ok(
    opt<GgaSentence>({
      type: 'GGA',
      talker,
      time: parseTime(f[0]),
      lat: parseCoord(f[1], f[2], true),
      lon: parseCoord(f[3], f[4], false),
      quality: quality !== undefined && Number.isInteger(quality) ? quality : 0,
      satellitesUsed: num(f[6]),
      hdop: num(f[7]),
      altMsl: num(f[8]),
      geoidSep: num(f[10]),
    }),
  );
}

function parseRmc(talker: string, f: string[]): ParseResult {
  if (f.length < 9) return invalid('too_few_fields');
  const knots = num(f[6]);
  const magvar = num(f[9]);
  return ok(
    opt<RmcSentence>({
      type: 'RMC',
      talker,
      time: parseTime(f[0]),
      status: f[1]?.trim() === 'A' ? 'A' : 'V',
      lat: parseCoord(f[2], f[3], true),
      lon: parseCoord(f[4], f[5], false),
      speed: knots === undefined ? undefined : knots * KNOTS_TO_MS,
      track: num(f[7]),
      date: parseDdmmyy(f[8]),
      magvar: magvar === undefined ? undefined : f[10]?.trim() === 'W' ? -magvar : magvar,
      modeIndicator: f[11]?.trim() || undefined,
    }),
  );
}

function parseVtg(talker: string, f: string[]): ParseResult {
  if (f.length < 4) return invalid('too_few_fields');
  // NMEA 2+: track,T,mag,M,knots,N,kmh,K[,mode]; older (NMEA 1.5): track,mag,knots,kmh.
  const modern = f[1] === 'T' || f[3] === 'M' || f[5] === 'N' || f[7] === 'K';
  let speed: number | undefined;
  if (modern) {
    const kmh = num(f[6]);
    const knots = num(f[4]);
    speed = knots !== undefined ? knots * KNOTS_TO_MS : kmh !== undefined ? kmh / 3.6 : undefined;
    return ok(opt<VtgSentence>({ type: 'VTG', talker, track: num(f[0]), magTrack: num(f[2]), speed, modeIndicator: f[8]?.trim() || undefined }));
  }
  const knots = num(f[2]);
  return ok(opt<VtgSentence>({ type: 'VTG', talker, track: num(f[0]), magTrack: num(f[1]), speed: knots === undefined ? undefined : knots * KNOTS_TO_MS }));
}

function parseGsa(talker: string, f: string[]): ParseResult {
  if (f.length < 17) return invalid('too_few_fields');
  const mode = num(f[1]);
  const prns: number[] = [];
  for (let i = 2; i < 14; i++) {
    const p = num(f[i]);
    if (p !== undefined) prns.push(p);
  }
  return ok(
    opt<GsaSentence>({
      type: 'GSA',
      talker,
      fixMode: mode === 1 || mode === 2 || mode === 3 ? mode : undefined,
      prns,
      pdop: num(f[14]),
      hdop: num(f[15]),
      vdop: num(f[16]),
      systemId: num(f[17]),
    }),
  );
}

function parseGsv(talker: string, f: string[]): ParseResult {
  if (f.length < 3) return invalid('too_few_fields');
  const messageCount = num(f[0]);
  const messageNumber = num(f[1]);
  const satellitesInView = num(f[2]);
  if (messageCount === undefined || messageNumber === undefined || satellitesInView === undefined) return invalid('bad_gsv_header');
  const satellites: GsvSatellite[] = [];
  for (let i = 3; i + 3 < f.length; i += 4) {
    const prn = num(f[i]);
    if (prn === undefined) continue;
    satellites.push(opt<GsvSatellite>({ prn, elevation: num(f[i + 1]), azimuth: num(f[i + 2]), snr: num(f[i + 3]) }));
  }
  return ok({ type: 'GSV', talker, messageCount, messageNumber, satellitesInView, satellites });
}

function parseGll(talker: string, f: string[]): ParseResult {
  if (f.length < 4) return invalid('too_few_fields');
  return ok(
    opt<GllSentence>({
      type: 'GLL',
      talker,
      lat: parseCoord(f[0], f[1], true),
      lon: parseCoord(f[2], f[3], false),
      time: parseTime(f[4]),
      status: f[5]?.trim() === 'A' ? 'A' : 'V',
      modeIndicator: f[6]?.trim() || undefined,
    }),
  );
}

function parseZda(talker: string, f: string[]): ParseResult {
  if (f.length < 4) return invalid('too_few_fields');
  const day = num(f[1]);
  const month = num(f[2]);
  const year = num(f[3]);
  const date = day !== undefined && month !== undefined && year !== undefined && year >= 1980 ? validDate({ year, month, day }) : undefined;
  return ok(opt<ZdaSentence>({ type: 'ZDA', talker, time: parseTime(f[0]), date }));
}

function parseGns(talker: string, f: string[]): ParseResult {
  if (f.length < 10) return invalid('too_few_fields');
  const modes = (f[5] ?? '').trim().toUpperCase();
  if (!/^[A-Z]*$/.test(modes)) return invalid('bad_gns_mode');
  return ok(
    opt<GnsSentence>({
      type: 'GNS',
      talker,
      time: parseTime(f[0]),
      lat: parseCoord(f[1], f[2], true),
      lon: parseCoord(f[3], f[4], false),
      modes,
      satellitesUsed: num(f[6]),
      hdop: num(f[7]),
      altMsl: num(f[8]),
      geoidSep: num(f[9]),
    }),
  );
}
